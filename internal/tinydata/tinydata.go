// Package tinydata writes small data sets in the layouts the tutorials read, for tests: an
// ImageFolder tree shaped like CIFAR-10's (CIFAR) and a torchvision MNIST root (MNIST).
package tinydata

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// Classes are CIFAR-10's class folders, in their order.
var Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// CIFAR writes, in a new temporary directory, an ImageFolder tree of random 32x32 PNGs (lossless,
// so that Go and Python decode the same pixels): perClass images of each of Classes in train/ and
// testPerClass in test/. The same arguments give the same files.
func CIFAR(t testing.TB, perClass, testPerClass int) string {
	t.Helper()
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, split := range []struct {
		name string
		n    int
	}{{"train", perClass}, {"test", testPerClass}} {
		for ci, c := range Classes {
			dir := filepath.Join(root, split.name, c)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i := range split.n {
				img := image.NewRGBA(image.Rect(0, 0, 32, 32))
				for p := range 32 * 32 {
					// A class-dependent tint, so that a classifier has something to learn.
					img.Set(p%32, p/32, color.RGBA{uint8(ci * 25), uint8(rng.IntN(256)), uint8(255 - ci*25), 255})
				}
				var buf bytes.Buffer
				if err := png.Encode(&buf, img); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d.png", i)), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return root
}

// MNIST writes, in a new temporary directory, a datasets root holding MNIST/raw with train
// training images and test test images (decompressed idx files, as torchvision leaves them),
// labels i % 10, pixels a pattern of the label and the index.
func MNIST(t testing.TB, train, test int) string {
	t.Helper()
	root := t.TempDir()
	raw := filepath.Join(root, "MNIST", "raw")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		t.Fatal(err)
	}
	for split, n := range map[string]int{"train": train, "t10k": test} {
		images, labels := make([]byte, n*28*28), make([]byte, n)
		for i := range n {
			labels[i] = byte(i % 10)
			for p := range 28 * 28 {
				images[i*28*28+p] = byte((p*(i%10+1) + i) % 256)
			}
		}
		WriteIdx(t, filepath.Join(raw, split+"-images-idx3-ubyte"), []int{n, 28, 28}, images)
		WriteIdx(t, filepath.Join(raw, split+"-labels-idx1-ubyte"), []int{n}, labels)
	}
	return root
}

// WriteIdx writes an idx file of unsigned bytes with the given dimensions.
func WriteIdx(t testing.TB, path string, dims []int, data []byte) {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
