package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aecifar/aecifar/torch/distributed"
	"github.com/aecifar/aecifar/train/blitz"
)

// TestMain runs the command itself when BLITZ_TEST_MAIN is set, so that a test can start ranks of
// it as torchrun does.
func TestMain(m *testing.M) {
	if os.Getenv("BLITZ_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// imageFolder writes n random 32x32 PNGs per CIFAR-10 class under root/train and root/test.
func imageFolder(t *testing.T, n int) string {
	t.Helper()
	root := t.TempDir()
	for _, split := range []string{"train", "test"} {
		for ci, c := range blitz.Classes {
			dir := filepath.Join(root, split, c)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				img := image.NewRGBA(image.Rect(0, 0, 32, 32))
				for p := range 32 * 32 {
					img.Set(p%32, p/32, color.RGBA{uint8(ci * 25), uint8((p*7 + i*31) % 256), uint8(255 - ci*25), 255})
				}
				var b bytes.Buffer
				if err := png.Encode(&b, img); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.png", i)), b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return root
}

// Two ranks under torchrun's variables share each epoch (DistributedSampler): rank 0 prints half
// the steps one process prints and writes cifar_net.pth and results.json; rank 1 prints nothing.
func TestDataParallel(t *testing.T) {
	if !distributed.IsAvailable() {
		t.Skip("this libtorch has no c10d (torch/distributed is not available)")
	}
	data, out := imageFolder(t, 4), t.TempDir() // 40 training images: 10 steps of 4, 5 per rank
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"--data", data, "--download=false", "--out", out, "--device", "cpu", "--quiet", "--epochs", "1",
		"--print-every", "1", "--workers", "0", "--seed", "0", "--dist-timeout", "30s"}
	var cmds []*exec.Cmd
	var stdouts, stderrs []*bytes.Buffer
	for rank := range 2 {
		c := exec.CommandContext(ctx, os.Args[0], args...)
		c.Env = append(os.Environ(), "BLITZ_TEST_MAIN=1", "RANK="+strconv.Itoa(rank), "LOCAL_RANK="+strconv.Itoa(rank),
			"WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT="+strconv.Itoa(port))
		var o, e bytes.Buffer
		c.Stdout, c.Stderr = &o, &e
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, stdouts, stderrs = append(cmds, c), append(stdouts, &o), append(stderrs, &e)
	}
	for rank, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("rank %d: %v\n%s%s", rank, err, stdouts[rank], stderrs[rank])
		}
	}
	if stdouts[1].Len() != 0 {
		t.Errorf("rank 1 printed:\n%s", stdouts[1])
	}
	steps := strings.Count(stdouts[0].String(), "] loss: ")
	if steps != 5 {
		t.Errorf("rank 0 printed %d step losses, want 5 (its half of 40 images at batch 4):\n%s", steps, stdouts[0])
	}
	if !strings.Contains(stdouts[0].String(), "Accuracy of the network on the 10000 test images") {
		t.Errorf("rank 0 did not test:\n%s", stdouts[0])
	}
	for _, f := range []string{blitz.PATH, "results.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("rank 0 wrote no %s: %v", f, err)
		}
	}
}
