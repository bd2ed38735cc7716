package report

import (
	"fmt"
	"io"

	"github.com/aecifar/aecifar/internal/atomicfile"
)

// writeFileAtomic writes path through write with atomicfile.Write: a crash or kill leaves either
// the previous file or the new one, never a mix.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
