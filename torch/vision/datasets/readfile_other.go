//go:build !unix

package datasets

import "os"

func readFile(path string, _ []byte) ([]byte, error) { return os.ReadFile(path) }
