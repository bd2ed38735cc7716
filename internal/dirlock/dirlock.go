// Package dirlock gives one process at a time the right to write in a directory: a training run's
// output directory, whose checkpoints, history and resume state two writers would mix.
//
// Acquire takes an exclusive flock on DIR/.lock and writes the holder's PID, command line and start
// time into it; the lock is released by Release or by the process's death (SIGKILL included), so a
// crashed holder never leaves the directory locked. The file itself stays: removing it would let a
// third process lock a new file while a second still waits on the old one. A second Acquire, in this
// process or another, fails at once with a *HeldError that names the holder.
package dirlock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Name is the lock file's name inside the directory.
const Name = ".lock"

// Lock is a held directory lock.
type Lock struct {
	f       *os.File
	dir     string
	created int // how many directories Acquire made, dir and its parents
}

// Holder is what the lock file says about the process that holds it.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// HeldError is Acquire's error when another holder has the lock. Holder is zero when the holder
// had not yet written its name (it has just taken the lock) or wrote something unreadable.
type HeldError struct {
	Dir    string
	Holder Holder
}

func (e *HeldError) Error() string {
	if e.Holder.PID == 0 {
		return fmt.Sprintf("%s is locked by another process", e.Dir)
	}
	return fmt.Sprintf("%s is locked by PID %d (%s) since %s", e.Dir, e.Holder.PID, e.Holder.Command, e.Holder.Since.Format(time.DateTime))
}

// ErrHeld is what a *HeldError matches with errors.Is.
var ErrHeld = errors.New("directory is locked")

func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Acquire creates dir if needed and locks it for this process. Failing to create the directory or
// the lock file (a read-only or full file system, a regular file in the way) is an error that wraps
// the file system's; the directory locked by someone else is a *HeldError.
func Acquire(dir string) (*Lock, error) {
	created := 0
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		created++
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, Name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	ok, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		f.Close()
		return nil, &HeldError{Dir: dir, Holder: readHolder(path)}
	}
	b, _ := json.Marshal(Holder{PID: os.Getpid(), Command: commandLine(), Since: time.Now().Round(time.Second)})
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt(append(b, '\n'), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f, dir: dir, created: created}, nil
}

// Release releases the lock; a nil Lock and a second Release do nothing.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the only descriptor releases the flock
	l.f = nil
	return err
}

// readHolder reads the holder's name, waiting briefly for a holder that has just taken the lock to
// write it.
func readHolder(path string) Holder {
	for range 20 {
		var h Holder
		if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &h) == nil && h.PID > 0 {
			return h
		}
		time.Sleep(10 * time.Millisecond)
	}
	return Holder{}
}

// commandLine is this process's command line, the program by its base name, shortened to a line.
func commandLine() string {
	args := append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...)
	s := strings.Join(args, " ")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}

// Remove releases the lock and removes what Acquire made, where nothing else was put there: the
// lock file, then the directory if it is empty, then its parents Acquire created, if empty. It is
// for a caller that made dir and is giving up before writing anything into it.
func (l *Lock) Remove() error {
	if l == nil || l.f == nil {
		return nil
	}
	// Removing the file before releasing it leaves no moment in which another process holds a lock
	// on a file that is gone; one that opened it just before fails to lock it and is refused.
	os.Remove(filepath.Join(l.dir, Name))
	err := l.Release()
	for dir := l.dir; l.created > 0; l.created-- {
		if os.Remove(dir) != nil {
			break
		}
		dir = filepath.Dir(dir)
	}
	return err
}
