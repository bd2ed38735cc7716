package ptfile

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDiskFullKeepsThePreviousFile saves into a 1 MiB tmpfs: a checkpoint that fits, then one that
// does not. The second save must fail with ENOSPC, leave the first intact and no temporary file.
// It needs root (to mount); elsewhere it skips.
func TestDiskFullKeepsThePreviousFile(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	path := filepath.Join(dir, "model.pt")
	small := []Tensor{{Name: "w", DType: "float32", Shape: []int64{1000}, Data: make([]byte, 4000)}}
	if err := WriteFile(path, small); err != nil {
		t.Fatal(err)
	}
	big := []Tensor{{Name: "w", DType: "float32", Shape: []int64{1 << 20}, Data: make([]byte, 4<<20)}}
	err := WriteFile(path, big)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("saving 4 MiB into 1 MiB: %v, want ENOSPC", err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatalf("the previous checkpoint was damaged: %v", err)
	}
	if len(got) != 1 || len(got[0].Shape) == 0 || got[0].Shape[0] != 1000 {
		shapes := make([][]int64, len(got))
		for i, e := range got {
			shapes[i] = e.Shape
		}
		t.Fatalf("the file holds tensors of shapes %v, want the previous checkpoint's one [1000 ...]", shapes)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("left beside the checkpoint: %v", entries)
	}
}
