package datasets_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/presets"
)

// The benchmarks read real CIFAR-10 JPEGs from $CIFAR10_DIR, an ImageFolder
// root holding train/ and test/ (../shared/data/cifar10-jpg.tar.xz unpacked):
//
//	CIFAR10_DIR=/tmp/cifar go test -run '^$' -bench . ./torch/vision/datasets/
//
// bench/python/pipeline_bench.py measures the Python original the same way.

func cifarFolder(b *testing.B, split string, t transforms.Transform) *datasets.ImageFolder {
	b.Helper()
	dir := os.Getenv("CIFAR10_DIR")
	if dir == "" {
		b.Skip("set CIFAR10_DIR to an ImageFolder root with train/ and test/ (CIFAR-10 as JPEGs) to run this benchmark")
	}
	f, err := datasets.NewImageFolder(filepath.Join(dir, split), datasets.ImageFolderOptions{Transform: t})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func reportImages(b *testing.B, images int) {
	b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "img/s")
}

// BenchmarkDecodeAugment is the per-core cost of one training sample: read
// the JPEG, decode it, apply the seed's augmentation. One goroutine.
func BenchmarkDecodeAugment(b *testing.B) {
	cases := []struct {
		name string
		t    transforms.Transform
	}{
		{"train", presets.AugTran()},
		{"test", presets.NormTran()},
		{"decode_only", transforms.ToTensor{}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			f := cifarFolder(b, "train", c.t)
			rng := rand.New(rand.NewPCG(1, 2))
			b.ResetTimer()
			for i := range b.N {
				if _, err := f.Get((i*7919)%f.Len(), rng); err != nil {
					b.Fatal(err)
				}
			}
			reportImages(b, b.N)
		})
	}
}

// BenchmarkAugmentOnly applies the seed's augmentation to decoded images.
func BenchmarkAugmentOnly(b *testing.B) {
	f := cifarFolder(b, "train", nil)
	imgs := make([]*transforms.Image, 256)
	for i := range imgs {
		img, err := datasets.LoadImage(f.Samples[i*97%f.Len()].Path)
		if err != nil {
			b.Fatal(err)
		}
		imgs[i] = img
	}
	aug := presets.AugTran()
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for i := range b.N {
		if _, err := aug.Apply(imgs[i%len(imgs)], rng); err != nil {
			b.Fatal(err)
		}
	}
	reportImages(b, b.N)
}

// BenchmarkLoader is the loader's throughput on the seed's training setup:
// shuffled, batch 32, the augmenting transform, a given number of workers.
func BenchmarkLoader(b *testing.B) {
	for _, workers := range []int{0, 1, runtime.GOMAXPROCS(0), 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			f := cifarFolder(b, "train", presets.AugTran())
			l, err := data.NewDataLoader(f, data.DataLoaderOptions{BatchSize: 32, Shuffle: true, NumWorkers: workers, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			images := 0
			b.ResetTimer()
			var it *data.Iterator
			for range b.N {
				if it == nil || !it.Next() {
					if it != nil {
						if err := it.Err(); err != nil {
							b.Fatal(err)
						}
						it.Close()
					}
					it = l.Iter(context.Background())
					if !it.Next() {
						b.Fatal(it.Err())
					}
				}
				images += it.Batch().Len()
			}
			it.Close()
			reportImages(b, images)
		})
	}
}

// BenchmarkMNISTLoader is the loader's throughput on the MNIST example's
// training setup: the original files ($MNIST_DIR), ToTensor and
// Normalize((0.1307,), (0.3081,)), shuffled, batch 64.
func BenchmarkMNISTLoader(b *testing.B) {
	dir := os.Getenv("MNIST_DIR")
	if dir == "" {
		b.Skip("set MNIST_DIR to the folder of the original MNIST .gz files to run this benchmark")
	}
	root := b.TempDir()
	raw := filepath.Join(root, "MNIST", "raw")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		b.Fatal(err)
	}
	for _, r := range datasets.MNISTResources {
		body, err := os.ReadFile(filepath.Join(dir, r.Filename))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(raw, r.Filename), body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	// The verified .gz files are extracted; nothing is fetched.
	if err := datasets.DownloadMNIST(context.Background(), root); err != nil {
		b.Fatal(err)
	}
	tf := transforms.Compose{transforms.ToTensor{}, &transforms.Normalize{Mean: []float64{0.1307}, Std: []float64{0.3081}}}
	ds, err := datasets.NewMNIST(root, datasets.MNISTOptions{Transform: tf})
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{0, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			l, err := data.NewDataLoader(ds, data.DataLoaderOptions{BatchSize: 64, Shuffle: true, NumWorkers: workers})
			if err != nil {
				b.Fatal(err)
			}
			images := 0
			b.ResetTimer()
			var it *data.Iterator
			for range b.N {
				if it == nil || !it.Next() {
					if it != nil {
						it.Close()
					}
					it = l.Iter(context.Background())
					if !it.Next() {
						b.Fatal(it.Err())
					}
				}
				images += it.Batch().Len()
			}
			it.Close()
			reportImages(b, images)
		})
	}
}
