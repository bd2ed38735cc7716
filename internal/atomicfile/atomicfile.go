// Package atomicfile writes a file so that whoever opens its path, after a crash or a SIGKILL at
// any moment included, finds either the previous content or the new, never a mix or a truncated
// file. Checkpoints (torch/internal/ptfile), training reports (train/report) and the resume state
// (train) are written through it.
//
// Write puts the content in a hidden temporary file beside the target, `.NAME.tmp-PID-RANDOM`,
// syncs it, renames it over the target and syncs the directory. A writer killed before its rename
// leaves that file behind; the next Write of the same NAME removes it once it is sure the writer is
// gone: no process has that PID, and no process holds the lock every writer keeps on its temporary
// file until the rename (which covers a writer in another PID namespace or on another machine
// sharing the directory). A temporary file it cannot be sure of is left alone.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// RenameHook, when set, is called just before (after false) and just after (after true) the rename
// that puts each new file in place. Crash tests set it in a child process to kill it at exactly
// those instants; it is nil otherwise, and must be set before any Write runs.
var RenameHook func(path string, after bool)

// Write writes path with the content write produces, atomically (see the package doc). A new file
// gets mode 0644, a replaced one keeps its mode; a path that exists and is not a regular file is an
// error. On any error before the rename, path is left as it was and the temporary file is removed;
// an error syncing the directory after the rename is still reported, unless the file system cannot
// sync directories at all. Errors read "write PATH: ...".
func Write(path string, write func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("write %s: not a regular file", path)
		}
		mode = st.Mode().Perm()
	}
	prefix := "." + base + ".tmp-"
	removeStale(dir, prefix)
	f, err := os.CreateTemp(dir, prefix+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	lock(f)
	if err := fill(f, write, mode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if RenameHook != nil {
		RenameHook(path, false)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if RenameHook != nil {
		RenameHook(path, true)
	}
	// Closing releases the lock, now that the temporary file is gone from the directory.
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// The rename is durable only once the directory entry is on disk. Some file systems cannot
	// sync a directory; the file is in place there, so that is no failure.
	if err := syncDir(dir); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}

// fill writes the content into f, gives it its final mode (os.CreateTemp makes 0600) and syncs it.
func fill(f *os.File, write func(io.Writer) error, mode os.FileMode) error {
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
