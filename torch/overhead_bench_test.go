package torch

import "testing"

// The cost of one small op through package torch: the cgo call, the input checks, the result's
// handle. On one-element tensors the kernel itself is negligible, so these measure the binding.
// (Run before and after the generated ops with: go test -run '^$' -bench Overhead ./torch/)

func BenchmarkOverheadAdd(b *testing.B) {
	x, y := FromSlice([]float32{1}, 1), FromSlice([]float32{2}, 1)
	defer x.Drop()
	defer y.Drop()
	b.ReportAllocs()
	for b.Loop() {
		x.Add(y).Drop()
	}
}

func BenchmarkOverheadRelu(b *testing.B) {
	x := FromSlice([]float32{-1}, 1)
	defer x.Drop()
	b.ReportAllocs()
	for b.Loop() {
		x.Relu().Drop()
	}
}

func BenchmarkOverheadMulScalar(b *testing.B) {
	x := FromSlice([]float32{3}, 1)
	defer x.Drop()
	b.ReportAllocs()
	for b.Loop() {
		x.MulScalar(2.5).Drop()
	}
}

// BenchmarkOverheadScopedChain is a chain of four ops in a scope, the pattern of a training step.
func BenchmarkOverheadScopedChain(b *testing.B) {
	x, y := FromSlice([]float32{1, 2, 3, 4}, 4), FromSlice([]float32{2, 2, 2, 2}, 4)
	defer x.Drop()
	defer y.Drop()
	b.ReportAllocs()
	for b.Loop() {
		s := NewScope()
		s.Attach(x.Mul(y)).Add(y).Relu().Sum()
		s.Close()
	}
}
