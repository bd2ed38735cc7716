package optim

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/autograd"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// The fixture: testdata/differentiable.json, written by testdata/gen.py (its docstring describes
// the problem).
type diffFile struct {
	TorchVersion string             `json:"torch_version"`
	Params       []parity.DetTensor `json:"params"`
	Targets      []parity.DetTensor `json:"targets"`
	Weights      []parity.DetTensor `json:"weights"`
	Meta         []parity.DetTensor `json:"meta"`
	Loss         string             `json:"loss"`
	Cases        []struct {
		Name   string         `json:"name"`
		Type   string         `json:"type"`
		Args   map[string]any `json:"args"`
		Sign   float64        `json:"sign"`
		Steps  int            `json:"steps"`
		Params [][][]float64  `json:"params"` // after step k, parameter i's values
		WGrads [][]float64    `json:"w_grads"`
	} `json:"cases"`
}

// diffGradTol is the tolerance of the gradients through the steps, relative to each gradient's
// largest magnitude: second derivatives in float32 through up to three steps (measured: below
// 1e-6 on an Intel Xeon).
const diffGradTol = 1e-5

// TestDifferentiableMatchesPyTorch runs every differentiable case as a meta-learning loop does:
// the optimized tensors are clones of leaves w_k, each step's .grad comes from autograd.Grad with
// CreateGraph, and after the last step a function of the parameters is differentiated back
// through every step to the w_k. The trajectories and the w_k's gradients must match PyTorch's.
func TestDifferentiableMatchesPyTorch(t *testing.T) {
	var f diffFile
	if err := parity.Decode(filepath.Join("testdata", "differentiable.json"), &f); err != nil {
		t.Fatalf("%v (run testdata/gen.py)", err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("no cases")
	}
	worst := 0.0
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			s := torch.NewScope()
			defer s.Close()
			var ws, ps, ts, weights, ms []*torch.Tensor
			for i, p := range f.Params {
				w := s.Attach(torch.FromSlice(p.Values(), p.Shape...).SetRequiresGrad(true))
				ws = append(ws, w)
				ps = append(ps, s.Attach(w.Clone()))
				ts = append(ts, s.Attach(torch.FromSlice(f.Targets[i].Values(), f.Targets[i].Shape...)))
				wv := f.Weights[i].Values()
				for j := range wv {
					wv[j] = float32(math.Abs(float64(wv[j])))
				}
				weights = append(weights, s.Attach(torch.FromSlice(wv, f.Weights[i].Shape...)))
				ms = append(ms, s.Attach(torch.FromSlice(f.Meta[i].Values(), f.Meta[i].Shape...)))
			}
			args := kwargs(c.Args)
			args["differentiable"] = true
			opt, err := newOptimizer(c.Type, args, [][]*torch.Tensor{ps}, []kwargs{args})
			if err != nil {
				t.Fatal(err)
			}
			defer opt.Drop()
			if !opt.ParamGroups()[0].Differentiable {
				t.Fatal("the group is not differentiable")
			}
			for k := range c.Steps {
				loss := weightedLoss(s, ps, ts, weights).MulScalar(c.Sign)
				gs, err := autograd.Grad([]*torch.Tensor{loss}, ps, autograd.GradOptions{CreateGraph: true})
				if err != nil {
					t.Fatal(err)
				}
				for i, g := range gs {
					if err := ps[i].SetGrad(g); err != nil {
						t.Fatal(err)
					}
				}
				if err := opt.Step(); err != nil {
					t.Fatal(err)
				}
				for i, want := range c.Params[k] {
					got, err := ps[i].Float32s()
					if err != nil {
						t.Fatal(err)
					}
					if err := parity.Compare(got, want, parity.Tol{Abs: f32Tol * scaleOf(want)}); err != nil {
						t.Fatalf("parameter %d after step %d: %v", i, k+1, err)
					}
				}
			}
			var meta *torch.Tensor
			for i := range ps {
				term := ps[i].Mul(ms[i]).Sum()
				if meta == nil {
					meta = term
				} else {
					meta = meta.Add(term)
				}
			}
			wgs, err := autograd.Grad([]*torch.Tensor{meta}, ws)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range c.WGrads {
				got, err := wgs[i].Float32s()
				if err != nil {
					t.Fatal(err)
				}
				scale := scaleOf(want)
				if err := parity.Compare(got, want, parity.Tol{Abs: diffGradTol * scale}); err != nil {
					t.Errorf("gradient of w_%d: %v", i, err)
				}
				for j := range want {
					worst = max(worst, math.Abs(float64(got[j])-want[j])/scale)
				}
			}
		})
	}
	t.Logf("largest difference of the gradients from PyTorch's: %.3g of their scale", worst)
}

// TestDifferentiableRefusals: what PyTorch refuses is refused, with its message.
func TestDifferentiableRefusals(t *testing.T) {
	s := torch.NewScope()
	defer s.Close()
	leaf := s.Attach(torch.Ones([]int64{3}).SetRequiresGrad(true))
	yes := true
	if _, err := NewSGD([]*torch.Tensor{leaf}, 0.1, SGDOptions{Differentiable: true, Foreach: &yes}); err == nil ||
		!strings.Contains(err.Error(), "_foreach ops don't support autograd") {
		t.Errorf("foreach with differentiable: %v", err)
	}
	if _, err := NewAdam([]*torch.Tensor{leaf}, AdamOptions{Differentiable: true, Fused: true}); err == nil ||
		!strings.Contains(err.Error(), "`fused` cannot be `differentiable`") {
		t.Errorf("fused with differentiable: %v", err)
	}
	if _, err := NewAdam([]*torch.Tensor{leaf}, AdamOptions{Fused: true}); err == nil ||
		!strings.Contains(err.Error(), "FusedAdam requires all the params to be CUDA, floating point") {
		t.Errorf("fused on the CPU: %v", err)
	}
	// A leaf that requires grad cannot be updated in place with autograd on: libtorch's error.
	opt, err := NewSGD([]*torch.Tensor{leaf}, 0.1, SGDOptions{Differentiable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	if err := leaf.SetGrad(s.Attach(torch.OnesLike(leaf))); err != nil {
		t.Fatal(err)
	}
	if err := opt.Step(); err == nil || !strings.Contains(err.Error(), "leaf Variable that requires grad") {
		t.Errorf("a differentiable step on a leaf: %v", err)
	}
}
