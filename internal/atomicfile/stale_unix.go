//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lock takes the writer's lock on its temporary file; it is released when the file is closed or
// the process dies. Where the file system has no locks, the PID in the name alone tells.
func lock(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// removeStale removes the temporary files in dir named prefix+"PID-RANDOM" whose writer is gone.
// Errors only mean a leftover stays, so they are ignored.
func removeStale(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		pid, random, ok := strings.Cut(rest, "-")
		if !ok || !isDigits(pid) || !isDigits(random) {
			continue // not this package's name (or from before the PID was in it)
		}
		if n, err := strconv.Atoi(pid); err != nil || n == os.Getpid() || processExists(n) {
			continue // this process's (another goroutine's write), or possibly a live writer's
		}
		removeUnlocked(filepath.Join(dir, e.Name()))
	}
}

// processExists tells whether a process with this PID exists here; when unsure, it says yes.
func processExists(pid int) bool {
	return pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH
}

// removeUnlocked removes path if no process holds a writer's lock on it.
func removeUnlocked(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return
	}
	os.Remove(path)
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
