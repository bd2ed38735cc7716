package report

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var nan = math.NaN()

// assertFile checks that path holds exactly want.
func assertFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s = %q, want %q", path, got, want)
	}
}

// assertNoTemp checks that no temporary file of writeFileAtomic is left in dir.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", filepath.Join(dir, e.Name()))
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	errWrite := errors.New("disk on fire")
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) string // returns the path to write
		write   func(io.Writer) error
		wantErr bool
		want    string // the content of the path afterwards
	}{
		{
			name:  "new file",
			setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "f.txt") },
			write: func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err },
			want:  "new",
		},
		{
			name:  "replaces previous",
			setup: previous,
			write: func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err },
			want:  "new",
		},
		{
			name:  "writer fails halfway",
			setup: previous,
			write: func(w io.Writer) error {
				io.WriteString(w, strings.Repeat("x", 1<<16)) // past bufio's buffer, so it reaches the temp file
				return errWrite
			},
			wantErr: true,
			want:    "previous",
		},
		{
			name: "rename fails (a directory is in the way)",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "f.txt")
				if err := os.MkdirAll(filepath.Join(path, "child"), 0o755); err != nil {
					t.Fatal(err)
				}
				return path
			},
			write:   func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err },
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			err := writeFileAtomic(path, tt.write)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if tt.want != "" {
				assertFile(t, path, tt.want)
			}
			assertNoTemp(t, dir)
		})
	}
}

func previous(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(path, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWriteFileAtomicUnwritableDir writes into a directory the process may not write to. Root
// may write anywhere, so there the test is skipped; the parent-is-a-file case below runs for all.
func TestWriteFileAtomicUnwritableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root, which may write to a read-only directory")
	}
	dir := t.TempDir()
	path := previous(t, dir)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if err := writeFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err == nil {
		t.Fatal("no error writing into a read-only directory")
	}
	assertFile(t, path, "previous")
	assertNoTemp(t, dir)
}

func TestWriteFileAtomicParentIsFile(t *testing.T) {
	dir := t.TempDir()
	parent := previous(t, dir)
	if err := writeFileAtomic(filepath.Join(parent, "f.txt"), func(w io.Writer) error { return nil }); err == nil {
		t.Fatal("no error writing under a regular file")
	}
	assertFile(t, parent, "previous")
	assertNoTemp(t, dir)
}

func TestWrittenFilesAreReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.txt")
	if err := writeFileAtomic(path, func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want -rw-r--r--", fi.Mode().Perm())
	}
}
