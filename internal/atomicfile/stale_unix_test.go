//go:build unix

package atomicfile

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
)

// deadPID returns the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// TestWriteRemovesStaleTemps puts beside f.txt the leftovers of earlier writes, and others that must
// stay, then writes f.txt once.
func TestWriteRemovesStaleTemps(t *testing.T) {
	dead := deadPID(t)
	tests := []struct {
		name   string
		file   string
		locked bool // a process holds the writer's lock on it
		stays  bool
	}{
		{"a dead writer's", fmt.Sprintf(".f.txt.tmp-%d-123", dead), false, false},
		{"this process's (another goroutine writing)", fmt.Sprintf(".f.txt.tmp-%d-123", os.Getpid()), false, true},
		{"a live process's", fmt.Sprintf(".f.txt.tmp-%d-123", os.Getppid()), false, true},
		// A writer whose PID means nothing here (another PID namespace, another machine).
		{"a locked one with a dead PID", fmt.Sprintf(".f.txt.tmp-%d-456", dead), true, true},
		{"one without a PID (an older name)", ".f.txt.tmp-123", false, true},
		{"one that is not a temporary name", fmt.Sprintf(".f.txt.tmp-%d-x", dead), false, true},
		{"another file's", fmt.Sprintf(".g.txt.tmp-%d-123", dead), false, true},
		{"another file's whose name begins like this one's", fmt.Sprintf(".f.txt.tmp-%d-1.tmp-%d-2", dead, dead), false, true},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		p := filepath.Join(dir, tt.file)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if tt.locked {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := Write(filepath.Join(dir, "f.txt"), writeString("new")); err != nil {
		t.Fatal(err)
	}
	left := names(t, dir)
	for _, tt := range tests {
		if got := slices.Contains(left, tt.file); got != tt.stays {
			t.Errorf("%s (%s): stays = %v, want %v", tt.name, tt.file, got, tt.stays)
		}
	}
	if got := content(filepath.Join(dir, "f.txt")); got != "new" {
		t.Errorf("f.txt holds %q, want %q", got, "new")
	}
}

// The temporary file is named after the writer and locked while it writes.
func TestWriteLocksItsTemp(t *testing.T) {
	dir := t.TempDir()
	prefix := ".f.txt.tmp-" + strconv.Itoa(os.Getpid()) + "-"
	err := Write(filepath.Join(dir, "f.txt"), func(io.Writer) error {
		entries, err := filepath.Glob(filepath.Join(dir, prefix+"*"))
		if err != nil || len(entries) != 1 {
			return fmt.Errorf("temporary files %q, %v; want one named %s*", entries, err, prefix)
		}
		f, err := os.Open(entries[0])
		if err != nil {
			return err
		}
		defer f.Close()
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			return fmt.Errorf("%s is not locked", entries[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
