// Package nninit is torch.nn.init: the initialisers PyTorch's layers and tutorials use, drawing
// from libtorch's default generator exactly as PyTorch 1.13 does, so that after the same
// torch.ManualSeed a tensor initialised here holds PyTorch's values bit for bit.
//
// The package is named nninit because a Go package cannot be called init; read nninit.Normal_ as
// nn.init.normal_. Each function fills its tensor in place without recording gradients and returns
// it, or an error tensor (torch.FromError) when PyTorch would raise: check Err on the result where
// the input might be invalid. Options follow the module's convention (see package nn): PyTorch's
// keyword arguments in one optional struct whose zero value is PyTorch's defaults, pointers where
// zero is a real setting, typed constants for string choices.
package nninit

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/aecifar/aecifar/torch"
)

// Nonlinearity is calculate_gain's nonlinearity argument (an nn.functional name).
type Nonlinearity string

// The nonlinearities calculate_gain knows. In KaimingOptions the zero value "" is LeakyReLU, the
// kaiming initialisers' default; CalculateGain, whose nonlinearity PyTorch requires, refuses "".
const (
	Linear          Nonlinearity = "linear"
	Conv1d          Nonlinearity = "conv1d"
	Conv2d          Nonlinearity = "conv2d"
	Conv3d          Nonlinearity = "conv3d"
	ConvTranspose1d Nonlinearity = "conv_transpose1d"
	ConvTranspose2d Nonlinearity = "conv_transpose2d"
	ConvTranspose3d Nonlinearity = "conv_transpose3d"
	Sigmoid         Nonlinearity = "sigmoid"
	Tanh            Nonlinearity = "tanh"
	ReLU            Nonlinearity = "relu"
	LeakyReLU       Nonlinearity = "leaky_relu"
	SELU            Nonlinearity = "selu"
)

// FanMode is the kaiming initialisers' mode argument; the zero value "" is FanIn.
type FanMode string

// The modes.
const (
	FanIn  FanMode = "fan_in"
	FanOut FanMode = "fan_out"
)

// GainOptions are calculate_gain's optional param: the negative slope of leaky_relu (nil: 0.01).
type GainOptions struct {
	Param *float64
}

// CalculateGain is torch.nn.init.calculate_gain(nonlinearity, param=None).
func CalculateGain(nonlinearity Nonlinearity, opts ...GainOptions) (float64, error) {
	o, err := options("calculate_gain", opts)
	if err != nil {
		return 0, err
	}
	switch nonlinearity {
	case Linear, Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Sigmoid:
		return 1, nil
	case Tanh:
		return 5.0 / 3, nil
	case ReLU:
		return math.Sqrt(2.0), nil
	case LeakyReLU:
		slope := 0.01
		if o.Param != nil {
			slope = *o.Param
		}
		return math.Sqrt(2.0 / (1 + slope*slope)), nil
	case SELU:
		return 3.0 / 4, nil
	}
	//lint:ignore ST1005 PyTorch's message
	return 0, fmt.Errorf("Unsupported nonlinearity %s", string(nonlinearity))
}

// options returns the one options struct a function was given, the zero value when none, and an
// error for more than one.
func options[O any](name string, opts []O) (O, error) {
	var zero O
	switch len(opts) {
	case 0:
		return zero, nil
	case 1:
		return opts[0], nil
	}
	return zero, fmt.Errorf("nn.init.%s: %d options structs given, at most one is allowed", name, len(opts))
}

func or(p *float64, def float64) float64 {
	if p != nil {
		return *p
	}
	return def
}

// fill runs f on t without recording gradients and returns t, or the error f's ops produced.
func fill(name string, t *torch.Tensor, f func() *torch.Tensor) *torch.Tensor {
	if err := t.Err(); err != nil {
		return t
	}
	var r *torch.Tensor
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) { r = f() })
	})
	if err := r.Err(); err != nil {
		return torch.FromError(fmt.Errorf("nn.init.%s: %w", name, err))
	}
	return t
}

// errDivision is Python's ZeroDivisionError where init.py divides by a float that is 0.
func errDivision(why string) error {
	return fmt.Errorf("float division by zero (%s)", why)
}

func fail(name string, err error) *torch.Tensor {
	return torch.FromError(fmt.Errorf("nn.init.%s: %w", name, err))
}

// UniformOptions are uniform_'s bounds: A (default 0) and B (nil: 1).
type UniformOptions struct {
	A float64
	B *float64
}

// Uniform_ is torch.nn.init.uniform_(tensor, a=0, b=1): values from U(a, b).
func Uniform_(t *torch.Tensor, opts ...UniformOptions) *torch.Tensor {
	o, err := options("uniform_", opts)
	if err != nil {
		return fail("uniform_", err)
	}
	return uniform("uniform_", t, o.A, or(o.B, 1))
}

func uniform(name string, t *torch.Tensor, a, b float64) *torch.Tensor {
	return fill(name, t, func() *torch.Tensor { return t.Uniform_(torch.UniformOptions{From: a, To: &b}) })
}

// NormalOptions are normal_'s Mean (default 0) and Std (nil: 1).
type NormalOptions struct {
	Mean float64
	Std  *float64
}

// Normal_ is torch.nn.init.normal_(tensor, mean=0, std=1): values from N(mean, std²).
func Normal_(t *torch.Tensor, opts ...NormalOptions) *torch.Tensor {
	o, err := options("normal_", opts)
	if err != nil {
		return fail("normal_", err)
	}
	return normal("normal_", t, o.Mean, or(o.Std, 1))
}

func normal(name string, t *torch.Tensor, mean, std float64) *torch.Tensor {
	return fill(name, t, func() *torch.Tensor { return t.Normal_(torch.NormalOptions_{Mean: mean, Std: &std}) })
}

// TruncNormalOptions are trunc_normal_'s Mean (default 0), Std (nil: 1) and cut-offs A (nil: -2)
// and B (nil: 2).
type TruncNormalOptions struct {
	Mean float64
	Std  *float64
	A, B *float64
}

// TruncNormal_ is torch.nn.init.trunc_normal_(tensor, mean=0, std=1, a=-2, b=2): a normal
// distribution truncated to [a, b], drawn as PyTorch draws it (uniform between the bounds' CDF
// values, then the inverse CDF), so it consumes the generator as PyTorch does.
func TruncNormal_(t *torch.Tensor, opts ...TruncNormalOptions) *torch.Tensor {
	o, err := options("trunc_normal_", opts)
	if err != nil {
		return fail("trunc_normal_", err)
	}
	mean, std, a, b := o.Mean, or(o.Std, 1), or(o.A, -2), or(o.B, 2)
	if err := t.Err(); err != nil {
		return t
	}
	if std == 0 {
		// PyTorch divides by std in Python, which raises; in float64 it would fill NaN or mean.
		return fail("trunc_normal_", errDivision("std is 0"))
	}
	cdf := func(x float64) float64 { return (1 + math.Erf(x/math.Sqrt(2))) / 2 }
	l, u := cdf((a-mean)/std), cdf((b-mean)/std)
	return fill("trunc_normal_", t, func() *torch.Tensor {
		return t.Uniform_(torch.UniformOptions{From: 2*l - 1, To: new(2*u - 1)}).Erfinv_().
			MulScalar_(std * math.Sqrt(2)).AddScalar_(mean).Clamp_(torch.ClampOptions{Min: a, Max: b})
	})
}

// Constant_ is torch.nn.init.constant_(tensor, val).
func Constant_(t *torch.Tensor, val float64) *torch.Tensor {
	return fill("constant_", t, func() *torch.Tensor { return t.Fill_(val) })
}

// Ones_ is torch.nn.init.ones_(tensor).
func Ones_(t *torch.Tensor) *torch.Tensor {
	return fill("ones_", t, func() *torch.Tensor { return t.Fill_(1.0) })
}

// Zeros_ is torch.nn.init.zeros_(tensor).
func Zeros_(t *torch.Tensor) *torch.Tensor {
	return fill("zeros_", t, func() *torch.Tensor { return t.Zero_() })
}

// Eye_ is torch.nn.init.eye_(tensor): the identity matrix in a 2-D tensor.
func Eye_(t *torch.Tensor) *torch.Tensor {
	if err := t.Err(); err != nil {
		return t
	}
	if t.Dim() != 2 {
		//lint:ignore ST1005 PyTorch's message
		return fail("eye_", errors.New("Only tensors with 2 dimensions are supported"))
	}
	return fill("eye_", t, func() *torch.Tensor {
		s := t.Shape()
		return t.Copy_(torch.EyeM(s[0], s[1], torch.EyeMOptions{DType: t.DType(), Device: t.Device()}))
	})
}

// CalculateFanInAndFanOut is nn.init._calculate_fan_in_and_fan_out: for a weight [out, in, k...],
// fan_in = in * prod(k) and fan_out = out * prod(k). It fails for fewer than two dimensions.
func CalculateFanInAndFanOut(t *torch.Tensor) (fanIn, fanOut int64, err error) {
	if err := t.Err(); err != nil {
		return 0, 0, err
	}
	return fans(t.Shape())
}

func fans(shape []int64) (fanIn, fanOut int64, err error) {
	if len(shape) < 2 {
		//lint:ignore ST1005 PyTorch's message
		return 0, 0, errors.New("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
	}
	receptive := int64(1)
	for _, s := range shape[2:] {
		receptive *= s
	}
	return shape[1] * receptive, shape[0] * receptive, nil
}

// XavierOptions are the Xavier initialisers' Gain (nil: 1).
type XavierOptions struct {
	Gain *float64
}

// XavierUniform_ is torch.nn.init.xavier_uniform_(tensor, gain=1): U(-a, a) with
// a = gain * sqrt(6 / (fan_in + fan_out)).
func XavierUniform_(t *torch.Tensor, opts ...XavierOptions) *torch.Tensor {
	std, err := xavierStd("xavier_uniform_", t, opts)
	if err != nil {
		return fail("xavier_uniform_", err)
	}
	a := math.Sqrt(3.0) * std
	return uniform("xavier_uniform_", t, -a, a)
}

// XavierNormal_ is torch.nn.init.xavier_normal_(tensor, gain=1): N(0, std²) with
// std = gain * sqrt(2 / (fan_in + fan_out)).
func XavierNormal_(t *torch.Tensor, opts ...XavierOptions) *torch.Tensor {
	std, err := xavierStd("xavier_normal_", t, opts)
	if err != nil {
		return fail("xavier_normal_", err)
	}
	return normal("xavier_normal_", t, 0, std)
}

func xavierStd(name string, t *torch.Tensor, opts []XavierOptions) (float64, error) {
	o, err := options(name, opts)
	if err != nil {
		return 0, err
	}
	in, out, err := CalculateFanInAndFanOut(t)
	if err != nil {
		return 0, err
	}
	if in+out == 0 {
		return 0, errDivision("fan_in + fan_out is 0")
	}
	return or(o.Gain, 1) * math.Sqrt(2.0/float64(in+out)), nil
}

// KaimingOptions are the Kaiming initialisers' keyword arguments: A, the negative slope of the
// rectifier after the layer (default 0, used only with leaky_relu); Mode (default FanIn; any case,
// as PyTorch lower-cases it); and Nonlinearity (default LeakyReLU).
type KaimingOptions struct {
	A            float64
	Mode         FanMode
	Nonlinearity Nonlinearity
}

// KaimingUniform_ is torch.nn.init.kaiming_uniform_(tensor, a=0, mode='fan_in',
// nonlinearity='leaky_relu'): U(-bound, bound), bound = gain * sqrt(3 / fan_mode). A tensor with
// no elements is left as it is, as PyTorch does (with a warning there).
func KaimingUniform_(t *torch.Tensor, opts ...KaimingOptions) *torch.Tensor {
	std, skip, err := kaimingStd("kaiming_uniform_", t, opts)
	if err != nil {
		return fail("kaiming_uniform_", err)
	}
	if skip {
		return t
	}
	bound := math.Sqrt(3.0) * std
	return uniform("kaiming_uniform_", t, -bound, bound)
}

// KaimingNormal_ is torch.nn.init.kaiming_normal_(tensor, a=0, mode='fan_in',
// nonlinearity='leaky_relu'): N(0, std²), std = gain / sqrt(fan_mode).
func KaimingNormal_(t *torch.Tensor, opts ...KaimingOptions) *torch.Tensor {
	std, skip, err := kaimingStd("kaiming_normal_", t, opts)
	if err != nil {
		return fail("kaiming_normal_", err)
	}
	if skip {
		return t
	}
	return normal("kaiming_normal_", t, 0, std)
}

func kaimingStd(name string, t *torch.Tensor, opts []KaimingOptions) (std float64, skip bool, err error) {
	o, err := options(name, opts)
	if err != nil {
		return 0, false, err
	}
	if err := t.Err(); err != nil {
		return 0, false, err
	}
	if t.Numel() == 0 {
		return 0, true, nil
	}
	// PyTorch lower-cases the mode and checks it before the fans.
	mode := FanMode(strings.ToLower(string(o.Mode)))
	switch mode {
	case FanIn, "", FanOut:
	default:
		//lint:ignore ST1005 PyTorch's message
		return 0, false, fmt.Errorf("Mode %s not supported, please use one of ['fan_in', 'fan_out']", string(mode))
	}
	in, out, err := fans(t.Shape())
	if err != nil {
		return 0, false, err
	}
	fan := in
	if mode == FanOut {
		fan = out
	}
	nonlinearity := o.Nonlinearity
	if nonlinearity == "" {
		nonlinearity = LeakyReLU
	}
	gain, err := CalculateGain(nonlinearity, GainOptions{Param: &o.A})
	if err != nil {
		return 0, false, err
	}
	return gain / math.Sqrt(float64(fan)), false, nil
}

// OrthogonalOptions are orthogonal_'s Gain (nil: 1).
type OrthogonalOptions struct {
	Gain *float64
}

// Orthogonal_ is torch.nn.init.orthogonal_(tensor, gain=1): a (semi-)orthogonal matrix from the
// QR decomposition of a normal draw, trailing dimensions flattened, made unique by the signs of
// R's diagonal, as PyTorch makes it.
func Orthogonal_(t *torch.Tensor, opts ...OrthogonalOptions) *torch.Tensor {
	o, err := options("orthogonal_", opts)
	if err != nil {
		return fail("orthogonal_", err)
	}
	if err := t.Err(); err != nil {
		return t
	}
	if t.Dim() < 2 {
		//lint:ignore ST1005 PyTorch's message
		return fail("orthogonal_", errors.New("Only tensors with 2 or more dimensions are supported"))
	}
	if t.Numel() == 0 {
		return t
	}
	rows := t.Size(0)
	cols := t.Numel() / rows
	gain := or(o.Gain, 1)
	return fill("orthogonal_", t, func() *torch.Tensor {
		flat := torch.Empty([]int64{rows, cols}, torch.EmptyOptions{DType: t.DType(), Device: t.Device()}).Normal_()
		if rows < cols {
			flat = flat.T_()
		}
		q, r := torch.LinalgQR(flat)
		q = q.Mul_(r.Diag().Sign())
		if rows < cols {
			q = q.T_()
		}
		if c := t.ViewAs(q).Copy_(q); c.Err() != nil {
			return c
		}
		return t.MulScalar_(gain)
	})
}

// DiracOptions are dirac_'s Groups, the conv layer's groups (0: 1).
type DiracOptions struct {
	Groups int64
}

// Dirac_ is torch.nn.init.dirac_(tensor, groups=1): a 3-, 4- or 5-D conv weight that passes its
// input through, each group of output channels copying as many input channels as it can (a 1 at
// the kernel's centre, 0 elsewhere).
func Dirac_(t *torch.Tensor, opts ...DiracOptions) *torch.Tensor {
	o, err := options("dirac_", opts)
	if err != nil {
		return fail("dirac_", err)
	}
	if err := t.Err(); err != nil {
		return t
	}
	if d := t.Dim(); d < 3 || d > 5 {
		//lint:ignore ST1005 PyTorch's message
		return fail("dirac_", errors.New("Only tensors with 3, 4, or 5 dimensions are supported"))
	}
	groups := o.Groups
	if groups == 0 {
		groups = 1
	}
	s := t.Shape()
	if s[0]%groups != 0 {
		return fail("dirac_", errors.New("dim 0 must be divisible by groups"))
	}
	perGroup := s[0] / groups
	minDim := min(perGroup, s[1])
	return fill("dirac_", t, func() *torch.Tensor {
		r := t.Zero_()
		for g := int64(0); g < groups; g++ {
			for d := int64(0); d < minDim; d++ {
				at := []any{g*perGroup + d, d}
				for _, k := range s[2:] {
					at = append(at, k/2)
				}
				r = r.SetAt_(1, at...)
			}
		}
		return r
	})
}

// SparseOptions are sparse_'s Std (nil: 0.01), the standard deviation of the values not zeroed.
type SparseOptions struct {
	Std *float64
}

// Sparse_ is torch.nn.init.sparse_(tensor, sparsity, std=0.01): a 2-D tensor drawn from
// N(0, std²) with ceil(sparsity * rows) elements of each column zeroed, chosen by one
// torch.randperm(rows) per column, so it consumes the generator as PyTorch does.
func Sparse_(t *torch.Tensor, sparsity float64, opts ...SparseOptions) *torch.Tensor {
	o, err := options("sparse_", opts)
	if err != nil {
		return fail("sparse_", err)
	}
	if err := t.Err(); err != nil {
		return t
	}
	if t.Dim() != 2 {
		//lint:ignore ST1005 PyTorch's message
		return fail("sparse_", errors.New("Only tensors with 2 dimensions are supported"))
	}
	rows, cols := t.Size(0), t.Size(1)
	n := math.Ceil(sparsity * float64(rows))
	switch {
	case math.IsNaN(n):
		return fail("sparse_", errors.New("cannot convert float NaN to integer"))
	case math.IsInf(n, 0):
		return fail("sparse_", errors.New("cannot convert float infinity to integer"))
	}
	zeros := int64(n)
	std := or(o.Std, 0.01)
	return fill("sparse_", t, func() *torch.Tensor {
		r := t.Normal_(torch.NormalOptions_{Std: &std})
		// Stop at a failure, before drawing another permutation, as PyTorch stops at its exception.
		for c := int64(0); c < cols && r.Err() == nil; c++ {
			// A Python slice: clamped past the end, counted from the end when negative.
			r = r.SetAt_(0, torch.Randperm(rows).At(torch.SpanTo(zeros)), c)
		}
		return r
	})
}
