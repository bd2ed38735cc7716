//go:build !unix

package atomicfile

import "os"

// Without flock and kill(pid, 0) a live writer cannot be told from a dead one: nothing is removed.

func lock(*os.File) {}

func removeStale(dir, prefix string) {}
