package fused_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/vision/transforms/fused"
)

// benchDevice is the device the benchmarks run on: AECIFAR_BENCH_DEVICE (cpu, cuda, cuda:N),
// default cpu. A CUDA device that is not there skips the benchmark, saying so.
func benchDevice(b *testing.B) torch.Device {
	name := os.Getenv("AECIFAR_BENCH_DEVICE")
	if name == "" {
		name = "cpu"
	}
	d, err := torch.ParseDevice(name)
	if err != nil {
		b.Skipf("AECIFAR_BENCH_DEVICE=%s: %v", name, err)
	}
	return d
}

// benchData is a resident data set of n random 32x32 images on d and some random batches of
// indices into it, made before the timing starts.
func benchData(b *testing.B, d torch.Device, n, batch int) (*torch.Tensor, []*torch.Tensor) {
	b.Helper()
	r := torch.Rand([]int64{int64(n), 3, 32, 32})
	s := r.MulScalar(255)
	u := s.ToDType(torch.Uint8)
	images := u.To(d).MustOK()
	r.Drop()
	s.Drop()
	u.Drop()
	rng := rand.New(rand.NewPCG(5, 6))
	idx := make([]*torch.Tensor, 16)
	for i := range idx {
		v := make([]int64, batch)
		for j := range v {
			v[j] = int64(rng.IntN(n))
		}
		host := torch.FromSlice(v, int64(batch))
		idx[i] = host.To(d).MustOK()
		host.Drop()
	}
	b.Cleanup(func() {
		images.Drop()
		for _, t := range idx {
			t.Drop()
		}
	})
	return images, idx
}

// runBatches times f over b.N batches and reports images per second. The last output is read back,
// which waits for a CUDA device to finish the queued work.
func runBatches(b *testing.B, batch int, idx []*torch.Tensor, f func(idx *torch.Tensor) *torch.Tensor) {
	for i := range 3 { // warm up: allocator, kernels
		f(idx[i]).MustOK().Drop()
	}
	b.ResetTimer()
	for i := range b.N {
		out := f(idx[i%len(idx)])
		if i == b.N-1 {
			sum := out.Sum()
			if _, err := sum.Item(); err != nil {
				b.Fatal(err)
			}
			sum.Drop()
		}
		out.Drop()
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkFlipRotateResizedCrop is the seed's augmentation, drawn and applied on the device, per
// batch of a resident data set.
func BenchmarkFlipRotateResizedCrop(b *testing.B) {
	d := benchDevice(b)
	a := fused.NewFlipRotateResizedCrop()
	for _, batch := range []int{32, 256} {
		b.Run(fmt.Sprintf("%s/batch=%d", d, batch), func(b *testing.B) {
			images, idx := benchData(b, d, 4096, batch)
			runBatches(b, batch, idx, func(i *torch.Tensor) *torch.Tensor { return a.Apply(images, i) })
		})
	}
}

// BenchmarkToTensorNormalize is the test transform on a batch of a resident data set.
func BenchmarkToTensorNormalize(b *testing.B) {
	d := benchDevice(b)
	n := fused.NewToTensorNormalize()
	const batch = 32
	b.Run(fmt.Sprintf("%s/batch=%d", d, batch), func(b *testing.B) {
		images, idx := benchData(b, d, 4096, batch)
		runBatches(b, batch, idx, func(i *torch.Tensor) *torch.Tensor { return n.Apply(images, i) })
	})
}
