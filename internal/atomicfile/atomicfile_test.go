package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// names lists dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, e := range entries {
		n = append(n, e.Name())
	}
	return n
}

// content is what path holds, or "" with the error.
func content(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return string(b)
}

// previous makes dir/f.txt holding "previous", with the given mode, and returns its path.
func previous(t *testing.T, dir string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(path, []byte("previous"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

func TestWrite(t *testing.T) {
	errWrite := errors.New("disk on fire")
	tests := []struct {
		name     string
		setup    func(t *testing.T, dir string) string // returns the path to write
		write    func(io.Writer) error
		wantErr  bool
		want     string      // the content of the path afterwards ("": not checked)
		wantMode os.FileMode // the mode of the path afterwards (0: not checked)
	}{
		{
			name:     "new file",
			setup:    func(t *testing.T, dir string) string { return filepath.Join(dir, "f.txt") },
			write:    writeString("new"),
			want:     "new",
			wantMode: 0o644,
		},
		{
			name:     "replaces previous, keeping its mode",
			setup:    func(t *testing.T, dir string) string { return previous(t, dir, 0o640) },
			write:    writeString("new"),
			want:     "new",
			wantMode: 0o640,
		},
		{
			name:  "writer fails halfway",
			setup: func(t *testing.T, dir string) string { return previous(t, dir, 0o644) },
			write: func(w io.Writer) error {
				io.WriteString(w, strings.Repeat("x", 1<<16)) // past bufio's buffer, so it reaches the temp file
				return errWrite
			},
			wantErr: true,
			want:    "previous",
		},
		{
			name: "a directory is in the way",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "f.txt")
				if err := os.MkdirAll(filepath.Join(path, "child"), 0o755); err != nil {
					t.Fatal(err)
				}
				return path
			},
			write:   writeString("new"),
			wantErr: true,
		},
		{
			name: "parent is a file",
			setup: func(t *testing.T, dir string) string {
				return filepath.Join(previous(t, dir, 0o644), "g.txt")
			},
			write:   writeString("new"),
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			err := Write(path, tt.write)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "write "+path+": ") {
				t.Errorf("error %q does not start with write %s:", err, path)
			}
			if tt.want != "" {
				if got := content(path); got != tt.want {
					t.Errorf("%s holds %q, want %q", path, got, tt.want)
				}
			}
			if tt.wantMode != 0 {
				if st, err := os.Stat(path); err != nil || st.Mode().Perm() != tt.wantMode {
					t.Errorf("mode %v, %v; want %v", st.Mode().Perm(), err, tt.wantMode)
				}
			}
			if got := names(t, dir); !slices.Equal(got, []string{"f.txt"}) {
				t.Errorf("directory holds %q, want only f.txt", got)
			}
		})
	}
}

// TestWriteUnwritableDir writes into a directory the process may not write to. Root may write
// anywhere, so the write runs without root's permission override (asNonRoot): the test runs as
// root too, where the project's tests run.
func TestWriteUnwritableDir(t *testing.T) {
	dir := t.TempDir()
	path := previous(t, dir, 0o644)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	var err error
	dropErr := asNonRoot(func() { err = Write(path, writeString("new")) })
	if errors.Is(dropErr, errors.ErrUnsupported) {
		t.Skip("running as root where root's permission override cannot be dropped for one thread")
	}
	if dropErr != nil {
		t.Fatalf("cannot write as a user without root's permission override: %v", dropErr)
	}
	if err == nil {
		t.Fatal("no error writing into a read-only directory")
	}
	if got := content(path); got != "previous" {
		t.Errorf("%s holds %q, want the previous content", path, got)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"f.txt"}) {
		t.Errorf("directory holds %q, want only f.txt", got)
	}
}

// TestRenameHook: the hook sees the previous content just before the rename and the new just after,
// once each per write.
func TestRenameHook(t *testing.T) {
	path := previous(t, t.TempDir(), 0o644)
	var seen []string
	RenameHook = func(p string, after bool) {
		seen = append(seen, fmt.Sprintf("%s %v %s", filepath.Base(p), after, content(p)))
	}
	defer func() { RenameHook = nil }()
	if err := Write(path, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if want := []string{"f.txt false previous", "f.txt true new"}; !slices.Equal(seen, want) {
		t.Errorf("hook saw %q, want %q", seen, want)
	}
}
