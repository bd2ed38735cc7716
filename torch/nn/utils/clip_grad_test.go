package utils_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn/utils"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// testdata/clip_grad.json is PyTorch 1.13's clip_grad_norm_ and clip_grad_value_ on fixed
// gradients (testdata/gen_clip_grad.py; its docstring is the schema). The Go functions run the
// same float32 ops in the same order; values are compared within 1e-6 absolute plus 1e-6
// relative (a few float32 ulps, for reductions summed in another order on another CPU), nan and
// inf exactly.
var tol = parity.Tol{Abs: 1e-6, Rel: 1e-6}

// pyNumber is a JSON number, or Python's spelling of a non-finite float ("nan", "inf", "-inf").
type pyNumber float64

func (n *pyNumber) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var f float64
		if err := json.Unmarshal(b, &f); err != nil {
			return err
		}
		*n = pyNumber(f)
		return nil
	}
	switch s {
	case "nan":
		*n = pyNumber(math.NaN())
	case "inf":
		*n = pyNumber(math.Inf(1))
	case "-inf":
		*n = pyNumber(math.Inf(-1))
	default:
		return fmt.Errorf("not a number: %q", s)
	}
	return nil
}

type clipGrad struct {
	parity.DetTensor
	Set [][2]pyNumber `json:"set"`
}

type clipCase struct {
	Name string `json:"name"`
	Func string `json:"func"`
	Args struct {
		MaxNorm          float64   `json:"max_norm"`
		NormType         *pyNumber `json:"norm_type"`
		ErrorIfNonfinite bool      `json:"error_if_nonfinite"`
		ClipValue        float64   `json:"clip_value"`
	} `json:"args"`
	Params []struct {
		parity.DetTensor
		Grad *clipGrad `json:"grad"`
	} `json:"params"`
	TotalNorm *pyNumber    `json:"total_norm"`
	Error     string       `json:"error"`
	Grads     [][]pyNumber `json:"grads"`
}

func loadClipCases(t *testing.T) []clipCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "clip_grad.json"))
	if err != nil {
		t.Fatalf("%v (run testdata/gen_clip_grad.py)", err)
	}
	var f struct {
		TorchVersion string     `json:"torch_version"`
		Cases        []clipCase `json:"cases"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("testdata/clip_grad.json: %v", err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("testdata/clip_grad.json has no cases")
	}
	return f.Cases
}

// det is the tensor a DetTensor names, with the flat indices of set overwritten.
func det(d parity.DetTensor, set [][2]pyNumber) *torch.Tensor {
	v := d.Values()
	for _, s := range set {
		v[int(s[0])] = float32(s[1])
	}
	return torch.FromSlice(v, d.Shape...)
}

// compare checks got against want element by element: nan where PyTorch has nan, the same
// infinity, finite values within tol.
func compare(got []float32, want []pyNumber) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, PyTorch %d", len(got), len(want))
	}
	var finite []float64
	var gotFinite []float32
	for i, w := range want {
		g, w := float64(got[i]), float64(w)
		switch {
		case math.IsNaN(w):
			if !math.IsNaN(g) {
				return fmt.Errorf("[%d] is %v, PyTorch nan", i, g)
			}
		case math.IsInf(w, 0):
			if g != w {
				return fmt.Errorf("[%d] is %v, PyTorch %v", i, g, w)
			}
		default:
			finite = append(finite, w)
			gotFinite = append(gotFinite, got[i])
		}
	}
	return parity.Compare(gotFinite, finite, tol)
}

func TestClipGradMatchesPyTorch(t *testing.T) {
	for _, c := range loadClipCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			before := torch.LiveTensors()
			runClipCase(t, c)
			if after := torch.LiveTensors(); after != before {
				t.Errorf("%d live tensors after the case, %d before", after, before)
			}
		})
	}
}

func runClipCase(t *testing.T, c clipCase) {
	s := torch.NewScope()
	defer s.Close()
	params := make([]*torch.Tensor, len(c.Params))
	for i, p := range c.Params {
		params[i] = s.Attach(det(p.DetTensor, nil)).SetRequiresGrad(true)
		if p.Grad != nil {
			// The gradient PyTorch set: backward of (p * g).sum() accumulates g.
			g := s.Attach(det(p.Grad.DetTensor, p.Grad.Set))
			if err := params[i].Mul(g).Sum().Backward(); err != nil {
				t.Fatal(err)
			}
		}
	}
	switch c.Func {
	case "clip_grad_norm_":
		var o utils.ClipGradNormOptions
		if c.Args.NormType != nil {
			o.NormType = (*float64)(c.Args.NormType)
		}
		o.ErrorIfNonfinite = c.Args.ErrorIfNonfinite
		total, err := utils.ClipGradNorm_(params, c.Args.MaxNorm, o)
		if c.Error != "" {
			if err == nil {
				total.Drop()
				t.Fatalf("no error, PyTorch raised %q", c.Error)
			}
			if !strings.HasSuffix(err.Error(), ": "+c.Error) {
				t.Errorf("error %q, PyTorch %q", err, c.Error)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s.Attach(total)
		if total.Dim() != 0 {
			t.Errorf("total norm has shape %v, PyTorch's is 0-dim", total.Shape())
		}
		v, err := total.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		if err := compare(v, []pyNumber{*c.TotalNorm}); err != nil {
			t.Errorf("total norm: %v", err)
		}
	case "clip_grad_value_":
		if err := utils.ClipGradValue_(params, c.Args.ClipValue); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown function %q", c.Func)
	}
	for i, want := range c.Grads {
		g := params[i].Grad()
		if want == nil {
			if g != nil {
				g.Drop()
				t.Errorf("parameter %d has a gradient, PyTorch's has none", i)
			}
			continue
		}
		if g == nil {
			t.Errorf("parameter %d: no gradient", i)
			continue
		}
		v, err := s.Attach(g).Float32s()
		if err != nil {
			t.Fatal(err)
		}
		if err := compare(v, want); err != nil {
			t.Errorf("gradient %d after %s: %v", i, c.Func, err)
		}
	}
}

// TestClipGradErrors checks what PyTorch would raise on and what a Go caller can get wrong.
func TestClipGradErrors(t *testing.T) {
	s := torch.NewScope()
	defer s.Close()
	p := s.Attach(torch.Ones([]int64{3})).SetRequiresGrad(true)
	if err := p.Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	dropped := torch.Ones([]int64{2})
	dropped.Drop()
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"two options", func() error {
			total, err := utils.ClipGradNorm_([]*torch.Tensor{p}, 1, utils.ClipGradNormOptions{}, utils.ClipGradNormOptions{})
			total.Drop()
			return err
		}(), "nn.utils.clip_grad_norm_: 2 options structs given"},
		{"dropped parameter", func() error {
			total, err := utils.ClipGradNorm_([]*torch.Tensor{p, dropped}, 1)
			total.Drop()
			return err
		}(), "nn.utils.clip_grad_norm_: parameter 1: "},
		{"nil parameter", utils.ClipGradValue_([]*torch.Tensor{nil}, 1), "nn.utils.clip_grad_value_: parameter 0: "},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, c.err, c.want)
		}
	}
}
