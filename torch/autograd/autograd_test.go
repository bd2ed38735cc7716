package autograd_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/autograd"
)

func values(t *testing.T, x *torch.Tensor) []float32 {
	t.Helper()
	v, err := x.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGradHigherOrder: d/dx sum(x^3) = 3x^2 with CreateGraph, differentiated again to 6x; small
// integers, so exact. Nothing accumulates into x.grad.
func TestGradHigherOrder(t *testing.T) {
	s := torch.NewScope()
	defer s.Close()
	x := s.Attach(torch.FromSlice([]float32{1, 2, -3}, 3).SetRequiresGrad(true))
	y := x.Mul(x).Mul(x).Sum()
	g, err := autograd.Grad([]*torch.Tensor{y}, []*torch.Tensor{x}, autograd.GradOptions{CreateGraph: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := values(t, g[0]); !slices.Equal(got, []float32{3, 12, 27}) {
		t.Errorf("first derivative %v, want [3 12 27]", got)
	}
	if !g[0].RequiresGrad() {
		t.Fatal("a gradient made with CreateGraph does not require grad")
	}
	gg, err := autograd.Grad([]*torch.Tensor{g[0].Sum()}, []*torch.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	if got := values(t, gg[0]); !slices.Equal(got, []float32{6, 12, -18}) {
		t.Errorf("second derivative %v, want [6 12 -18]", got)
	}
	if gg[0].RequiresGrad() {
		t.Error("a gradient made without CreateGraph requires grad")
	}
	if x.Grad() != nil {
		t.Error("autograd.Grad accumulated into x.grad")
	}
}

// TestGradOutputs: a non-scalar output takes the vector of the vector-Jacobian product; without
// one, libtorch's error.
func TestGradOutputs(t *testing.T) {
	s := torch.NewScope()
	defer s.Close()
	x := s.Attach(torch.FromSlice([]float32{1, 2, 3}, 3).SetRequiresGrad(true))
	y := x.MulScalar(2)
	v := s.Attach(torch.FromSlice([]float32{1, 10, 100}, 3))
	g, err := autograd.Grad([]*torch.Tensor{y}, []*torch.Tensor{x}, autograd.GradOptions{GradOutputs: []*torch.Tensor{v}})
	if err != nil {
		t.Fatal(err)
	}
	if got := values(t, g[0]); !slices.Equal(got, []float32{2, 20, 200}) {
		t.Errorf("vector-Jacobian product %v, want [2 20 200]", got)
	}
	y2 := x.MulScalar(2)
	if _, err := autograd.Grad([]*torch.Tensor{y2}, []*torch.Tensor{x}); err == nil ||
		!strings.Contains(err.Error(), "grad can be implicitly created only for scalar outputs") {
		t.Errorf("a non-scalar output without grad_outputs: %v", err)
	}
	if _, err := autograd.Grad([]*torch.Tensor{y2}, []*torch.Tensor{x}, autograd.GradOptions{GradOutputs: []*torch.Tensor{v, v}}); err == nil {
		t.Error("two grad_outputs for one output were accepted")
	}
}

// TestGradUnusedAndRetain: an input the output does not reach is an error unless AllowUnused
// (then nil); a second pass over a freed graph is libtorch's error, and RetainGraph keeps it.
func TestGradUnusedAndRetain(t *testing.T) {
	s := torch.NewScope()
	defer s.Close()
	x := s.Attach(torch.FromSlice([]float32{1, 2}, 2).SetRequiresGrad(true))
	z := s.Attach(torch.FromSlice([]float32{5}, 1).SetRequiresGrad(true))
	y := x.Exp().Sum()
	if _, err := autograd.Grad([]*torch.Tensor{y}, []*torch.Tensor{x, z}, autograd.GradOptions{RetainGraph: new(true)}); err == nil ||
		!strings.Contains(err.Error(), "appears to not have been used in the graph") {
		t.Errorf("an unused input: %v", err)
	}
	g, err := autograd.Grad([]*torch.Tensor{y}, []*torch.Tensor{x, z}, autograd.GradOptions{AllowUnused: true, RetainGraph: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	if g[0] == nil || g[1] != nil {
		t.Fatalf("AllowUnused gave %v", g)
	}
	if _, err := autograd.Grad([]*torch.Tensor{y}, []*torch.Tensor{x}); err != nil {
		t.Fatalf("the retained graph: %v", err)
	}
	if _, err := autograd.Grad([]*torch.Tensor{y}, []*torch.Tensor{x}); err == nil ||
		!strings.Contains(err.Error(), "backward through the graph a second time") {
		t.Errorf("a freed graph: %v", err)
	}
}

// TestSetGrad: tensor.grad = g shares g, None clears it, and Python's setter's checks apply.
func TestSetGrad(t *testing.T) {
	s := torch.NewScope()
	defer s.Close()
	x := s.Attach(torch.Zeros([]int64{2}).SetRequiresGrad(true))
	g := s.Attach(torch.FromSlice([]float32{1, 2}, 2))
	if err := x.SetGrad(g); err != nil {
		t.Fatal(err)
	}
	got := s.Attach(x.Grad())
	if v := values(t, got); !slices.Equal(v, []float32{1, 2}) {
		t.Fatalf("x.grad = %v", v)
	}
	g.Copy_(s.Attach(torch.FromSlice([]float32{7, 8}, 2)))
	if v := values(t, s.Attach(x.Grad())); !slices.Equal(v, []float32{7, 8}) {
		t.Errorf("x.grad is not g itself: %v after g changed to [7 8]", v)
	}
	for _, c := range []struct {
		g    *torch.Tensor
		want string
	}{
		{s.Attach(torch.Zeros([]int64{3})), "assigned grad has data of a different size"},
		{s.Attach(torch.FromSlice([]float64{1, 2}, 2)), "assigned grad has data of a different type"},
		{x, "can't assign Variable as its own grad"},
	} {
		if err := x.SetGrad(c.g); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SetGrad: %v, want %q", err, c.want)
		}
	}
	if err := x.SetGrad(nil); err != nil {
		t.Fatal(err)
	}
	if x.Grad() != nil {
		t.Error("x.grad = None left a gradient")
	}
}
