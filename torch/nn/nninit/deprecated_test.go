package nninit

import (
	"slices"
	"testing"

	"github.com/aecifar/aecifar/torch"
)

// TestDeprecatedAliases: each deprecated spelling draws what its initialiser draws after the same
// seed, on the same tensor shape.
func TestDeprecatedAliases(t *testing.T) {
	for _, c := range []struct {
		name       string
		alias, fn  func(*torch.Tensor) *torch.Tensor
		rows, cols int64
	}{
		{"uniform", func(x *torch.Tensor) *torch.Tensor { return Uniform(x) }, func(x *torch.Tensor) *torch.Tensor { return Uniform_(x) }, 4, 5},
		{"normal", func(x *torch.Tensor) *torch.Tensor { return Normal(x) }, func(x *torch.Tensor) *torch.Tensor { return Normal_(x) }, 4, 5},
		{"constant", func(x *torch.Tensor) *torch.Tensor { return Constant(x, 0.5) }, func(x *torch.Tensor) *torch.Tensor { return Constant_(x, 0.5) }, 4, 5},
		{"eye", Eye, Eye_, 4, 5},
		{"xavier_uniform", func(x *torch.Tensor) *torch.Tensor { return XavierUniform(x) }, func(x *torch.Tensor) *torch.Tensor { return XavierUniform_(x) }, 4, 5},
		{"xavier_normal", func(x *torch.Tensor) *torch.Tensor { return XavierNormal(x) }, func(x *torch.Tensor) *torch.Tensor { return XavierNormal_(x) }, 4, 5},
		{"kaiming_uniform", func(x *torch.Tensor) *torch.Tensor { return KaimingUniform(x) }, func(x *torch.Tensor) *torch.Tensor { return KaimingUniform_(x) }, 4, 5},
		{"kaiming_normal", func(x *torch.Tensor) *torch.Tensor { return KaimingNormal(x) }, func(x *torch.Tensor) *torch.Tensor { return KaimingNormal_(x) }, 4, 5},
		{"orthogonal", func(x *torch.Tensor) *torch.Tensor { return Orthogonal(x) }, func(x *torch.Tensor) *torch.Tensor { return Orthogonal_(x) }, 4, 5},
		{"sparse", func(x *torch.Tensor) *torch.Tensor { return Sparse(x, 0.5) }, func(x *torch.Tensor) *torch.Tensor { return Sparse_(x, 0.5) }, 4, 5},
	} {
		draw := func(f func(*torch.Tensor) *torch.Tensor) []float32 {
			if err := torch.ManualSeed(7); err != nil {
				t.Fatal(err)
			}
			x := torch.Zeros([]int64{c.rows, c.cols})
			defer x.Drop()
			if err := f(x).Err(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			v, err := x.Float32s()
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if a, b := draw(c.alias), draw(c.fn); !slices.Equal(a, b) {
			t.Errorf("%s: %v, its initialiser %v", c.name, a, b)
		}
	}
	// dirac needs a conv weight.
	w, v := torch.Zeros([]int64{2, 2, 3}), torch.Zeros([]int64{2, 2, 3})
	defer w.Drop()
	defer v.Drop()
	Dirac(w)
	Dirac_(v)
	a, _ := w.Float32s()
	b, _ := v.Float32s()
	if !slices.Equal(a, b) || slices.Max(a) != 1 {
		t.Errorf("dirac: %v, dirac_ %v", a, b)
	}
}
