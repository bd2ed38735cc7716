package dirlock

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary be the other process: with DIRLOCK_TEST_HOLD=dir it locks dir,
// says so on stdout and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("DIRLOCK_TEST_HOLD"); dir != "" {
		if _, err := Acquire(dir); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("held")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestAcquireInProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run", "out") // created by Acquire
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir)
	var held *HeldError
	if !errors.As(err, &held) || !errors.Is(err, ErrHeld) {
		t.Fatalf("second Acquire: %v, want a *HeldError", err)
	}
	if held.Holder.PID != os.Getpid() || !strings.Contains(held.Holder.Command, "dirlock.test") {
		t.Errorf("holder %+v, want PID %d running dirlock.test", held.Holder, os.Getpid())
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("PID %d", os.Getpid())) || strings.Contains(msg, "\n") {
		t.Errorf("message %q: want one line naming PID %d", msg, os.Getpid())
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	l2, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l2.Release()
}

// TestHolderKilled: a holder killed with SIGKILL names itself while alive and leaves the lock free.
func TestHolderKilled(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DIRLOCK_TEST_HOLD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "held\n" {
		t.Fatalf("holder said %q, %v", line, err)
	}
	_, err = Acquire(dir)
	var held *HeldError
	if !errors.As(err, &held) || held.Holder.PID != cmd.Process.Pid {
		t.Fatalf("Acquire while held: %v, want the holder's PID %d", err, cmd.Process.Pid)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after the holder's death: %v", err)
	}
	l.Release()
}

func TestAcquireUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(filepath.Join(file, "out")); err == nil || errors.Is(err, ErrHeld) {
		t.Fatalf("Acquire under a regular file: %v", err)
	}
}

// TestRemove: Remove takes away the lock file and the directories Acquire made, down to the first
// that is not empty or was there before.
func TestRemove(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b", "c")
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "a", "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := l.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(base, "a", "b")); !os.IsNotExist(err) {
		t.Errorf("a/b is still there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(base, "a", "keep")); err != nil {
		t.Errorf("a/keep: %v", err)
	}
	// A directory that was there before stays, with what it holds.
	l, err = Acquire(base)
	if err != nil {
		t.Fatal(err)
	}
	l.Remove()
	if _, err := os.Stat(filepath.Join(base, Name)); !os.IsNotExist(err) {
		t.Errorf("the lock file is still there (%v)", err)
	}
	if _, err := os.Stat(base); err != nil {
		t.Errorf("the directory that was there before: %v", err)
	}
}
