package torch

import "syscall"

// threadID identifies the calling OS thread.
func threadID() (int, bool) { return syscall.Gettid(), true }
