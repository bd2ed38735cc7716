package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// Tolerances against PyTorch 1.13 on the same libtorch: forward outputs within 1e-5 (the issue's
// bound); gradients, which sum more terms, within 1e-5 absolute plus 1e-5 relative.
var (
	forwardTol = parity.Tol{Abs: 1e-5}
	gradTol    = parity.Tol{Abs: 1e-5, Rel: 1e-5}
)

// det makes the deterministic tensor that gen.py made for d.
func det(d parity.DetTensor) *torch.Tensor { return torch.FromSlice(d.Values(), d.Shape...) }

// setParam copies recorded values into a parameter, outside autograd.
func setParam(t *testing.T, p *torch.Tensor, d parity.DetTensor) {
	t.Helper()
	v := det(d)
	defer v.Drop()
	torch.NoGrad(func() { p.Copy_(v) })
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
}

func float32s(t *testing.T, x *torch.Tensor) []float32 {
	t.Helper()
	v, err := x.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func moduleFor(t *testing.T, m parity.Module) Forwarder {
	t.Helper()
	a := m.Args
	switch m.Type {
	case "Conv2d", "ConvTranspose2d":
		if m.Type == "Conv2d" {
			return NewConv2d(a.InChannels, a.OutChannels, 0, Conv2dOptions{NoBias: !a.Bias, KernelHW: [2]int64(a.KernelSize),
				StrideHW: [2]int64(a.Stride), PaddingHW: [2]int64(a.Padding), DilationHW: [2]int64(a.Dilation), Groups: a.Groups})
		}
		return NewConvTranspose2d(a.InChannels, a.OutChannels, 0, ConvTranspose2dOptions{NoBias: !a.Bias,
			KernelHW: [2]int64(a.KernelSize), StrideHW: [2]int64(a.Stride), PaddingHW: [2]int64(a.Padding),
			DilationHW: [2]int64(a.Dilation), Groups: a.Groups, OutputPaddingHW: [2]int64(a.OutputPadding)})
	case "MaxPool2d":
		if a.KernelSize[0] != a.KernelSize[1] || a.Stride[0] != a.Stride[1] {
			t.Fatalf("non-square pooling case %v", a)
		}
		return NewMaxPool2d(a.KernelSize[0], MaxPool2dOptions{Stride: a.Stride[0], Padding: a.Padding[0], Dilation: a.Dilation[0], CeilMode: a.CeilMode})
	case "Linear":
		return NewLinear(a.InFeatures, a.OutFeatures, LinearOptions{NoBias: !a.Bias})
	case "ReLU":
		return NewReLU()
	case "Sigmoid":
		return NewSigmoid()
	case "Dropout":
		return NewDropout(DropoutOptions{P: &a.P})
	}
	t.Fatalf("unknown module type %q", m.Type)
	return nil
}

// TestLayersMatchPyTorch runs every recorded layer case: the same parameters and input give
// PyTorch's output, and the gradients of sum(out*w) with respect to input and parameters.
func TestLayersMatchPyTorch(t *testing.T) {
	f, err := parity.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			m := moduleFor(t, c.Module)
			defer m.base().Drop()
			if !c.Module.Training {
				m.base().Eval()
			}
			if s, ok := m.(fmt.Stringer); ok && c.Module.Repr != "" && s.String() != c.Module.Repr {
				t.Errorf("repr %q, PyTorch %q", s.String(), c.Module.Repr)
			}
			named := m.base().NamedParameters()
			if len(named) != len(c.Params) {
				t.Fatalf("%d parameters, PyTorch %d", len(named), len(c.Params))
			}
			for i, p := range c.Params {
				if named[i].Name != p.Name {
					t.Fatalf("parameter %d is %q, PyTorch %q", i, named[i].Name, p.Name)
				}
				setParam(t, named[i].Tensor, p.DetTensor)
			}
			s := torch.NewScope()
			defer s.Close()
			x := s.Attach(det(c.Input.DetTensor)).SetRequiresGrad(true)
			out := m.Forward(x)
			if err := parity.Compare(float32s(t, out), c.Output.Values, forwardTol); err != nil {
				t.Fatalf("forward: %v", err)
			}
			loss := out.Mul(s.Attach(det(c.LossWeight))).Sum()
			if err := loss.Backward(); err != nil {
				t.Fatal(err)
			}
			check := func(name string, p *torch.Tensor, want []float64) {
				g := p.Grad()
				if g == nil {
					t.Fatalf("%s: no gradient", name)
				}
				defer g.Drop()
				if err := parity.Compare(float32s(t, g), want, gradTol); err != nil {
					t.Fatalf("grad of %s: %v", name, err)
				}
			}
			check("input", x, c.Input.Grad)
			for i, p := range c.Params {
				check(p.Name, named[i].Tensor, p.Grad)
			}
		})
	}
}

func TestLossesMatchPyTorch(t *testing.T) {
	f, err := parity.LoadLosses()
	if err != nil {
		t.Fatal(err)
	}
	reductions := map[string]Reduction{"mean": ReductionMean, "sum": ReductionSum, "none": ReductionNone}
	for i, c := range f.Cases {
		t.Run(fmt.Sprintf("%d_%s_%s", i, c.Loss, c.Reduction), func(t *testing.T) {
			s := torch.NewScope()
			defer s.Close()
			x := s.Attach(det(c.Input)).SetRequiresGrad(true)
			var out *torch.Tensor
			switch c.Loss {
			case "MSELoss":
				out = NewMSELoss(MSELossOptions{Reduction: reductions[c.Reduction]}).Forward(x, s.Attach(det(c.Target.Tensor())))
			case "CrossEntropyLoss":
				labels := c.Target.Labels()
				y := s.Attach(torch.FromSlice(labels, int64(len(labels))))
				out = NewCrossEntropyLoss(CrossEntropyLossOptions{Reduction: reductions[c.Reduction]}).Forward(x, y)
			default:
				t.Fatalf("unknown loss %q", c.Loss)
			}
			if err := parity.Compare(float32s(t, out), c.Output.Values, forwardTol); err != nil {
				t.Fatalf("forward: %v", err)
			}
			loss := out
			if c.GradOutput != nil {
				loss = out.Mul(s.Attach(det(*c.GradOutput))).Sum()
			}
			if err := loss.Backward(); err != nil {
				t.Fatal(err)
			}
			g := s.Attach(x.Grad())
			if err := parity.Compare(float32s(t, g), c.InputGrad, gradTol); err != nil {
				t.Fatalf("input grad: %v", err)
			}
		})
	}
}

// TestDefaultInitMatchesPyTorch checks the default initialisation three ways: after the same
// torch.manual_seed the first values equal PyTorch's exactly (same generator, same draw order);
// every draw lies within the float32 bound; and the moments over many modules match PyTorch's.
func TestDefaultInitMatchesPyTorch(t *testing.T) {
	f, err := parity.LoadInit()
	if err != nil {
		t.Fatal(err)
	}
	samples := 300
	if testing.Short() {
		samples = 30
	}
	for _, c := range f.Cases {
		t.Run(c.Module.Repr, func(t *testing.T) {
			torch.ManualSeed(0)
			m := moduleFor(t, c.Module)
			params := m.base().NamedParameters()
			if err := parity.Compare(float32s(t, params[0].Tensor)[:len(c.Seed0WeightFirst)], c.Seed0WeightFirst, parity.Tol{}); err != nil {
				t.Errorf("weight after manual_seed(0): %v", err)
			}
			if err := parity.Compare(float32s(t, params[1].Tensor)[:len(c.Seed0BiasFirst)], c.Seed0BiasFirst, parity.Tol{}); err != nil {
				t.Errorf("bias after manual_seed(0): %v", err)
			}
			m.base().Drop()

			torch.ManualSeed(uint64(c.ManualSeed))
			w, b := newSample(), newSample()
			for i := 0; i < samples; i++ {
				m := moduleFor(t, c.Module)
				ps := m.base().Parameters()
				w.add(float32s(t, ps[0]))
				b.add(float32s(t, ps[1]))
				m.base().Drop()
			}
			checkMoments(t, "weight", w, c.WeightBoundF32, c.Weight)
			checkMoments(t, "bias", b, c.BiasBoundF32, c.Bias)
		})
	}
}

// sample accumulates the moments and range of draws without keeping them (a Linear(1024, 1024)
// drawn 300 times is 300M values).
type sample struct {
	n        int
	mean, m2 float64 // Welford's running mean and sum of squared deviations
	lo, hi   float64
}

func newSample() *sample { return &sample{lo: math.Inf(1), hi: math.Inf(-1)} }

func (s *sample) add(v []float32) {
	for _, f := range v {
		x := float64(f)
		s.n++
		d := x - s.mean
		s.mean += d / float64(s.n)
		s.m2 += d * (x - s.mean)
		s.lo, s.hi = math.Min(s.lo, x), math.Max(s.hi, x)
	}
}

// checkMoments compares draws from U(-bound, bound) with PyTorch's: range exactly, mean and std
// within 5 standard errors of the uniform distribution's.
func checkMoments(t *testing.T, name string, s *sample, bound float64, want parity.Moments) {
	t.Helper()
	std := math.Sqrt(s.m2 / float64(s.n))
	if s.lo < -bound || s.hi > bound {
		t.Errorf("%s: range [%g, %g] exceeds the bound %g", name, s.lo, s.hi, bound)
	}
	uniformStd := bound / math.Sqrt(3)
	se := uniformStd / math.Sqrt(float64(s.n))
	if math.Abs(s.mean-want.Mean) > 5*se*math.Sqrt2 {
		t.Errorf("%s: mean %g, PyTorch %g (standard error %g)", name, s.mean, want.Mean, se)
	}
	// The std of a sample std is about std/sqrt(2n) for a uniform's kurtosis; allow 5 of them.
	if math.Abs(std-want.Std) > 5*uniformStd*math.Sqrt(2/float64(s.n)) {
		t.Errorf("%s: std %g, PyTorch %g", name, std, want.Std)
	}
}
