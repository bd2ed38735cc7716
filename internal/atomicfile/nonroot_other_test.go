//go:build !linux

package atomicfile

import (
	"errors"
	"os"
)

// asNonRoot runs f for a process that is not root; dropping root's privileges for f alone is
// implemented on Linux only (errors.ErrUnsupported elsewhere).
func asNonRoot(f func()) error {
	if os.Geteuid() == 0 {
		return errors.ErrUnsupported
	}
	f()
	return nil
}
