package nninit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn/nninit"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// initFile is testdata/init.json; testdata/gen.py's docstring is the schema.
type initFile struct {
	TorchVersion string     `json:"torch_version"`
	Cases        []initCase `json:"cases"`
	Errors       []initCase `json:"errors"`
	Gains        []gainCase `json:"gains"`
	Fans         []fanCase  `json:"fans"`
}

type initCase struct {
	Name        string          `json:"name"`
	Fn          string          `json:"fn"`
	Shape       []int64         `json:"shape"`
	DType       string          `json:"dtype"`
	Args        initArgs        `json:"args"`
	ManualSeed  uint64          `json:"manual_seed"`
	Transposed  bool            `json:"transposed"`
	Values      *parity.Summary `json:"values"`
	Weighted    float64         `json:"weighted"`
	WeightedAbs float64         `json:"weighted_abs"`
	Zeros       int             `json:"zeros"`
	Error       string          `json:"error"`
	Next        []float64       `json:"next"`
}

// initArgs are the keyword arguments gen.py passed, by PyTorch's names; nil or "" where it passed
// none.
type initArgs struct {
	A            *float64 `json:"a"`
	B            *float64 `json:"b"`
	Mean         *float64 `json:"mean"`
	Std          *float64 `json:"std"`
	Val          *float64 `json:"val"`
	Gain         *float64 `json:"gain"`
	Mode         string   `json:"mode"`
	Nonlinearity string   `json:"nonlinearity"`
	Groups       *int64   `json:"groups"`
	Sparsity     *float64 `json:"sparsity"`
}

type gainCase struct {
	Nonlinearity string   `json:"nonlinearity"`
	Param        *float64 `json:"param"`
	Gain         *float64 `json:"gain"`
	Error        string   `json:"error"`
}

type fanCase struct {
	Shape  []int64 `json:"shape"`
	FanIn  *int64  `json:"fan_in"`
	FanOut *int64  `json:"fan_out"`
	Error  string  `json:"error"`
}

func loadInit(t *testing.T) *initFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "init.json"))
	if err != nil {
		t.Fatalf("%v (run testdata/gen.py)", err)
	}
	f := new(initFile)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(f); err != nil {
		t.Fatalf("testdata/init.json: %v", err)
	}
	if len(f.Cases) == 0 || len(f.Errors) == 0 || len(f.Gains) == 0 || len(f.Fans) == 0 {
		t.Fatal("testdata/init.json lacks cases, errors, gains or fans")
	}
	return f
}

var dtypes = map[string]torch.DType{"float32": torch.Float32, "float64": torch.Float64, "int64": torch.Int64}

func or0(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// apply calls the Go initialiser named fn (PyTorch's name) on t with the keyword arguments a,
// passing no options struct at all when gen.py passed no keyword argument, so that both the
// defaults of a missing struct and those of its zero fields are exercised.
func apply(t *testing.T, x *torch.Tensor, fn string, a initArgs) *torch.Tensor {
	t.Helper()
	none := a == initArgs{}
	switch fn {
	case "uniform_":
		if none {
			return nninit.Uniform_(x)
		}
		return nninit.Uniform_(x, nninit.UniformOptions{A: or0(a.A), B: a.B})
	case "normal_":
		if none {
			return nninit.Normal_(x)
		}
		return nninit.Normal_(x, nninit.NormalOptions{Mean: or0(a.Mean), Std: a.Std})
	case "trunc_normal_":
		if none {
			return nninit.TruncNormal_(x)
		}
		return nninit.TruncNormal_(x, nninit.TruncNormalOptions{Mean: or0(a.Mean), Std: a.Std, A: a.A, B: a.B})
	case "constant_":
		if a.Val == nil {
			t.Fatal("constant_ without val")
		}
		return nninit.Constant_(x, *a.Val)
	case "ones_":
		return nninit.Ones_(x)
	case "zeros_":
		return nninit.Zeros_(x)
	case "eye_":
		return nninit.Eye_(x)
	case "xavier_uniform_":
		if none {
			return nninit.XavierUniform_(x)
		}
		return nninit.XavierUniform_(x, nninit.XavierOptions{Gain: a.Gain})
	case "xavier_normal_":
		if none {
			return nninit.XavierNormal_(x)
		}
		return nninit.XavierNormal_(x, nninit.XavierOptions{Gain: a.Gain})
	case "kaiming_uniform_", "kaiming_normal_":
		f := nninit.KaimingUniform_
		if fn == "kaiming_normal_" {
			f = nninit.KaimingNormal_
		}
		if none {
			return f(x)
		}
		return f(x, nninit.KaimingOptions{A: or0(a.A), Mode: nninit.FanMode(a.Mode), Nonlinearity: nninit.Nonlinearity(a.Nonlinearity)})
	case "orthogonal_":
		if none {
			return nninit.Orthogonal_(x)
		}
		return nninit.Orthogonal_(x, nninit.OrthogonalOptions{Gain: a.Gain})
	case "dirac_":
		if none {
			return nninit.Dirac_(x)
		}
		var g int64
		if a.Groups != nil {
			g = *a.Groups
		}
		return nninit.Dirac_(x, nninit.DiracOptions{Groups: g})
	case "sparse_":
		if a.Sparsity == nil {
			t.Fatal("sparse_ without sparsity")
		}
		if a.Std == nil {
			return nninit.Sparse_(x, *a.Sparsity)
		}
		return nninit.Sparse_(x, *a.Sparsity, nninit.SparseOptions{Std: a.Std})
	}
	t.Fatalf("unknown initialiser %q", fn)
	return nil
}

// run makes torch.empty(c.Shape, dtype=c.DType) (or a transposed one), seeds the default generator as gen.py did,
// applies the initialiser and returns the tensor, the initialiser's result and torch.rand(3)
// drawn afterwards.
func run(t *testing.T, s *torch.Scope, c initCase) (x, r *torch.Tensor, next []float32) {
	t.Helper()
	dt, ok := dtypes[c.DType]
	if !ok {
		t.Fatalf("unknown dtype %q", c.DType)
	}
	if c.Transposed {
		swapped := append([]int64{c.Shape[1], c.Shape[0]}, c.Shape[2:]...)
		x = s.Attach(torch.Empty(swapped, torch.EmptyOptions{DType: dt})).Transpose(0, 1)
	} else {
		x = s.Attach(torch.Empty(c.Shape, torch.EmptyOptions{DType: dt}))
	}
	if err := torch.ManualSeed(c.ManualSeed); err != nil {
		t.Fatal(err)
	}
	r = apply(t, x, c.Fn, c.Args)
	next, err := s.Attach(torch.Rand([]int64{3})).Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return x, r, next
}

// TestInitMatchesPyTorch runs every initialiser right after the seed PyTorch used and compares the
// tensor with PyTorch's, and torch.rand(3) drawn afterwards with PyTorch's, exactly, so that the Go
// function also drew as many random numbers. Both draw from libtorch's generator with the same
// kernels (the bounds, means and standard deviations are computed in float64 exactly as init.py
// does): on the machine and release that wrote init.json the values match bit for bit. Elsewhere
// the transcendental kernels may round an ulp apart: measured, trunc_normal_'s erfinv under
// libtorch 2.6 moves values by up to 4.8e-7 of 3, and the vectorised kernels differ by CPU
// capability. So the values are held to 1e-6 of the largest magnitude and the sums to 1e-6 of the
// sum of magnitudes or squares: far below what a wrong mean, bound or gain would move. orthogonal_,
// whose values come from LAPACK's QR decomposition (gen.py runs it on one thread, a test may run
// on several), has the same tolerance.
func TestInitMatchesPyTorch(t *testing.T) {
	f := loadInit(t)
	const tol = 1e-6
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			if c.Values == nil {
				t.Fatal("no values recorded")
			}
			torch.WithScope(func(s *torch.Scope) {
				x, r, next := run(t, s, c)
				if err := r.Err(); err != nil {
					t.Fatalf("PyTorch initialises it, Go fails: %v", err)
				}
				if r != x {
					t.Error("the initialiser did not return its tensor")
				}
				got, err := x.ToDType(torch.Float64).Float64s()
				if err != nil {
					t.Fatal(err)
				}
				checkSummary(t, parity.Summarize(c.Name, got), *c.Values, tol)
				weighted, zeros := 0.0, 0
				for i, v := range got {
					weighted += float64(i+1) * v
					if v == 0 {
						zeros++
					}
				}
				if !(math.Abs(weighted-c.Weighted) <= tol*c.WeightedAbs) {
					t.Errorf("sum of (i+1) * value[i]: got %v, PyTorch %v (values in other places)", weighted, c.Weighted)
				}
				if zeros != c.Zeros {
					t.Errorf("%d zeros, PyTorch %d", zeros, c.Zeros)
				}
				if err := parity.Compare(next, c.Next, parity.Tol{}); err != nil {
					t.Errorf("torch.rand(3) afterwards: %v (the initialiser drew another count of random numbers)", err)
				}
			})
		})
	}
}

// checkSummary compares a tensor's summary with PyTorch's: the first values within tol of the
// largest magnitude, the sums within tol (at least 1e-12, for the order of summation) of the sum
// of magnitudes or of squares.
func checkSummary(t *testing.T, got, want parity.Summary, tol float64) {
	t.Helper()
	if err := parity.Compare(got.First, want.First, parity.Tol{Abs: tol * want.AbsMax}); err != nil {
		t.Errorf("first values: %v", err)
	}
	sumTol := max(tol, 1e-12)
	for _, v := range []struct {
		what             string
		got, want, scale float64
	}{
		{"sum", got.Sum, want.Sum, want.SumAbs},
		{"sum of magnitudes", got.SumAbs, want.SumAbs, want.SumAbs},
		{"sum of squares", got.SumSq, want.SumSq, want.SumSq},
		{"largest magnitude", got.AbsMax, want.AbsMax, want.AbsMax},
	} {
		if !(math.Abs(v.got-v.want) <= sumTol*v.scale) {
			t.Errorf("%s: got %v, PyTorch %v (difference %.3g)", v.what, v.got, v.want, math.Abs(v.got-v.want))
		}
	}
}

// message is the text of a Python exception recorded as "ValueError: text".
func message(recorded string) string {
	_, text, ok := strings.Cut(recorded, ": ")
	if !ok {
		return recorded
	}
	return text
}

// TestInitErrors makes every call PyTorch refuses in the Go initialiser: it must return an error
// tensor whose message holds PyTorch's, leave the generator where PyTorch left it, and leave its
// argument a valid tensor.
func TestInitErrors(t *testing.T) {
	f := loadInit(t)
	for _, c := range f.Errors {
		t.Run(c.Name, func(t *testing.T) {
			if c.Error == "" {
				t.Fatal("no error recorded")
			}
			torch.WithScope(func(s *torch.Scope) {
				x, r, next := run(t, s, c)
				err := r.Err()
				if err == nil {
					t.Fatalf("PyTorch raises %s, Go returns no error", c.Error)
				}
				if want := message(c.Error); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not hold PyTorch's %q", err, want)
				}
				if !strings.HasPrefix(err.Error(), "nn.init."+c.Fn+": ") {
					t.Errorf("error %q does not name nn.init.%s", err, c.Fn)
				}
				if err := x.Err(); err != nil {
					t.Errorf("the argument became an error tensor: %v", err)
				}
				if err := parity.Compare(next, c.Next, parity.Tol{}); err != nil {
					t.Errorf("torch.rand(3) afterwards: %v (the failed call drew another count of random numbers)", err)
				}
			})
		})
	}
}

// TestCalculateGainMatchesPyTorch compares CalculateGain with calculate_gain for every
// nonlinearity, with and without param, exactly (both are a few float64 operations), and its
// errors with PyTorch's ValueErrors.
func TestCalculateGainMatchesPyTorch(t *testing.T) {
	f := loadInit(t)
	for _, c := range f.Gains {
		name := c.Nonlinearity
		if c.Param != nil {
			name += "/param=" + strconv.FormatFloat(*c.Param, 'g', 4, 64)
		}
		t.Run(name, func(t *testing.T) {
			var opts []nninit.GainOptions
			if c.Param != nil {
				opts = append(opts, nninit.GainOptions{Param: c.Param})
			}
			got, err := nninit.CalculateGain(nninit.Nonlinearity(c.Nonlinearity), opts...)
			if c.Error != "" {
				if err == nil {
					t.Fatalf("PyTorch raises %s, Go returns %v", c.Error, got)
				}
				if want := message(c.Error); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not hold PyTorch's %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("PyTorch returns %v, Go fails: %v", *c.Gain, err)
			}
			if got != *c.Gain {
				t.Errorf("gain %v, PyTorch %v", got, *c.Gain)
			}
		})
	}
}

// TestCalculateFanInAndFanOutMatchesPyTorch compares the fans of 0- to 5-D tensors, some with no
// elements, with _calculate_fan_in_and_fan_out's.
func TestCalculateFanInAndFanOutMatchesPyTorch(t *testing.T) {
	f := loadInit(t)
	for _, c := range f.Fans {
		t.Run(shapeName(c.Shape), func(t *testing.T) {
			torch.WithScope(func(s *torch.Scope) {
				in, out, err := nninit.CalculateFanInAndFanOut(s.Attach(torch.Empty(c.Shape)))
				if c.Error != "" {
					if err == nil {
						t.Fatalf("PyTorch raises %s, Go returns %d, %d", c.Error, in, out)
					}
					if want := message(c.Error); !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not hold PyTorch's %q", err, want)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if in != *c.FanIn || out != *c.FanOut {
					t.Errorf("fans (%d, %d), PyTorch (%d, %d)", in, out, *c.FanIn, *c.FanOut)
				}
			})
		})
	}
}

// shapeName is gen.py's name of a shape: 16x3x3x3, or scalar.
func shapeName(shape []int64) string {
	if len(shape) == 0 {
		return "scalar"
	}
	s := make([]string, len(shape))
	for i, n := range shape {
		s[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(s, "x")
}

// inits calls each initialiser with default options, and names a shape it takes.
var inits = []struct {
	name  string
	f     func(*torch.Tensor) *torch.Tensor
	shape []int64 // nil: 4x6
}{
	{"uniform_", func(x *torch.Tensor) *torch.Tensor { return nninit.Uniform_(x) }, nil},
	{"normal_", func(x *torch.Tensor) *torch.Tensor { return nninit.Normal_(x) }, nil},
	{"trunc_normal_", func(x *torch.Tensor) *torch.Tensor { return nninit.TruncNormal_(x) }, nil},
	{"constant_", func(x *torch.Tensor) *torch.Tensor { return nninit.Constant_(x, 0.5) }, nil},
	{"ones_", nninit.Ones_, nil},
	{"zeros_", nninit.Zeros_, nil},
	{"eye_", nninit.Eye_, nil},
	{"xavier_uniform_", func(x *torch.Tensor) *torch.Tensor { return nninit.XavierUniform_(x) }, nil},
	{"xavier_normal_", func(x *torch.Tensor) *torch.Tensor { return nninit.XavierNormal_(x) }, nil},
	{"kaiming_uniform_", func(x *torch.Tensor) *torch.Tensor { return nninit.KaimingUniform_(x) }, nil},
	{"kaiming_normal_", func(x *torch.Tensor) *torch.Tensor { return nninit.KaimingNormal_(x) }, nil},
	{"orthogonal_", func(x *torch.Tensor) *torch.Tensor { return nninit.Orthogonal_(x) }, nil},
	{"dirac_", func(x *torch.Tensor) *torch.Tensor { return nninit.Dirac_(x) }, []int64{4, 6, 3}},
	{"sparse_", func(x *torch.Tensor) *torch.Tensor { return nninit.Sparse_(x, 0.5) }, nil},
}

// TestInitErrorTensorPassesThrough gives every initialiser an error tensor: the first error must
// come back unchanged, as from any op of package torch.
func TestInitErrorTensorPassesThrough(t *testing.T) {
	cause := errors.New("an earlier failure")
	for _, c := range inits {
		t.Run(c.name, func(t *testing.T) {
			if err := c.f(torch.FromError(cause)).Err(); !errors.Is(err, cause) {
				t.Errorf("got %v, want the input's error", err)
			}
		})
	}
	if _, _, err := nninit.CalculateFanInAndFanOut(torch.FromError(cause)); !errors.Is(err, cause) {
		t.Errorf("CalculateFanInAndFanOut: got %v, want the input's error", err)
	}
}

// TestInitTwoOptionsIsAnError: Go's variadic options take at most one struct; a second is a
// mistake, not a silent override.
func TestInitTwoOptionsIsAnError(t *testing.T) {
	torch.WithScope(func(s *torch.Scope) {
		x := s.Attach(torch.Empty([]int64{3, 4}))
		for name, r := range map[string]*torch.Tensor{
			"uniform_":         nninit.Uniform_(x, nninit.UniformOptions{}, nninit.UniformOptions{}),
			"normal_":          nninit.Normal_(x, nninit.NormalOptions{}, nninit.NormalOptions{}),
			"trunc_normal_":    nninit.TruncNormal_(x, nninit.TruncNormalOptions{}, nninit.TruncNormalOptions{}),
			"xavier_uniform_":  nninit.XavierUniform_(x, nninit.XavierOptions{}, nninit.XavierOptions{}),
			"xavier_normal_":   nninit.XavierNormal_(x, nninit.XavierOptions{}, nninit.XavierOptions{}),
			"kaiming_uniform_": nninit.KaimingUniform_(x, nninit.KaimingOptions{}, nninit.KaimingOptions{}),
			"kaiming_normal_":  nninit.KaimingNormal_(x, nninit.KaimingOptions{}, nninit.KaimingOptions{}),
			"orthogonal_":      nninit.Orthogonal_(x, nninit.OrthogonalOptions{}, nninit.OrthogonalOptions{}),
			"dirac_":           nninit.Dirac_(x, nninit.DiracOptions{}, nninit.DiracOptions{}),
			"sparse_":          nninit.Sparse_(x, 0.5, nninit.SparseOptions{}, nninit.SparseOptions{}),
		} {
			if err := r.Err(); err == nil || !strings.Contains(err.Error(), "at most one") {
				t.Errorf("%s with two options structs: error %v", name, err)
			}
		}
		if _, err := nninit.CalculateGain(nninit.LeakyReLU, nninit.GainOptions{}, nninit.GainOptions{}); err == nil {
			t.Error("calculate_gain with two options structs: no error")
		}
	})
}

// TestSparseNonFiniteSparsity: PyTorch's int(math.ceil(sparsity * rows)) raises for NaN and
// infinity (gen.py cannot write them to JSON): "ValueError: cannot convert float NaN to integer",
// "OverflowError: cannot convert float infinity to integer"; inf * 0 rows is NaN.
func TestSparseNonFiniteSparsity(t *testing.T) {
	for _, c := range []struct {
		rows     int64
		sparsity float64
		want     string
	}{
		{4, math.NaN(), "cannot convert float NaN to integer"},
		{4, math.Inf(1), "cannot convert float infinity to integer"},
		{4, math.Inf(-1), "cannot convert float infinity to integer"},
		{0, math.Inf(1), "cannot convert float NaN to integer"},
	} {
		torch.WithScope(func(s *torch.Scope) {
			err := nninit.Sparse_(s.Attach(torch.Empty([]int64{c.rows, 3})), c.sparsity).Err()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("sparse_(%dx3, %v): error %v, want %q", c.rows, c.sparsity, err, c.want)
			}
		})
	}
}

// TestInitKeepsALeafParameter initialises a tensor that requires grad, as every layer's
// reset_parameters does: it must stay a leaf that requires grad (the fill is not recorded), and
// each initialiser must free what it made.
func TestInitKeepsALeafParameter(t *testing.T) {
	for _, c := range inits {
		t.Run(c.name, func(t *testing.T) {
			shape := c.shape
			if shape == nil {
				shape = []int64{4, 6}
			}
			x := torch.Empty(shape).SetRequiresGrad(true)
			defer x.Drop()
			before := torch.LiveTensors()
			if err := c.f(x).Err(); err != nil {
				t.Fatal(err)
			}
			if n := torch.LiveTensors() - before; n != 0 {
				t.Errorf("%d tensors left alive", n)
			}
			leaf, err := x.IsLeaf()
			if err != nil {
				t.Fatal(err)
			}
			if !leaf || !x.RequiresGrad() {
				t.Errorf("leaf %v, requires grad %v; want a leaf that requires grad", leaf, x.RequiresGrad())
			}
		})
	}
}
