// Package utils mirrors torch.nn.utils: clipping the gradients of parameters by their norm or
// value, in place, between backward and the optimizer's step:
//
//	loss.backward()
//	torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
//	optimizer.step()
//
// is
//
//	err := loss.Backward()
//	total, err := utils.ClipGradNorm_(model.Parameters(), 1.0)
//	err = optimizer.Step()
//
// Parameters without a gradient are skipped, as in PyTorch. The functions return an error where
// PyTorch raises, or where a parameter or gradient is an error or dropped tensor.
package utils

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aecifar/aecifar/torch"
)

// ClipGradNormOptions are the keyword arguments of clip_grad_norm_; the zero value is PyTorch's
// defaults.
type ClipGradNormOptions struct {
	NormType         *float64 // norm_type: nil is 2.0; math.Inf(1) is the max norm ('inf')
	ErrorIfNonfinite bool     // error_if_nonfinite: fail, scaling nothing, when the total norm is nan or ±inf
}

// ClipGradNorm_ is torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type=2.0,
// error_if_nonfinite=False): it computes the norm of all the gradients together, as one vector
// (the norm of the per-parameter norms), and when it exceeds maxNorm scales every gradient in
// place by maxNorm / (total_norm + 1e-6). It returns the total norm, a 0-dim tensor on the first
// gradient's device that the caller owns (it joins the current scope, if any), torch.tensor(0.)
// when no parameter has a gradient.
//
// The arithmetic is PyTorch's, op for op: per-gradient norms (the max of absolute values for the
// inf norm), their norm (or max), the coefficient as reciprocal(total_norm + 1e-6) * max_norm
// (Tensor.__rtruediv__), clamped to at most 1, and a multiplication of every gradient by it, even
// when it is 1. A non-finite total norm without ErrorIfNonfinite scales the gradients by nan or 0,
// as PyTorch does.
func ClipGradNorm_(parameters []*torch.Tensor, maxNorm float64, opts ...ClipGradNormOptions) (*torch.Tensor, error) {
	const name = "nn.utils.clip_grad_norm_"
	if len(opts) > 1 {
		return nil, fmt.Errorf("%s: %d options structs given, at most one is allowed", name, len(opts))
	}
	var o ClipGradNormOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	normType := 2.0
	if o.NormType != nil {
		normType = *o.NormType
	}
	grads, err := gradients(name, parameters)
	var tmp []*torch.Tensor
	defer func() {
		for _, t := range tmp {
			t.Drop()
		}
	}()
	keep := func(t *torch.Tensor) *torch.Tensor {
		tmp = append(tmp, t)
		return t
	}
	tmp = append(tmp, grads...)
	if err != nil {
		return nil, err
	}
	if len(grads) == 0 {
		return torch.Scalar(float32(0)), nil
	}
	device := grads[0].Device()
	onDevice := func(t *torch.Tensor) *torch.Tensor {
		if t.Device() == device {
			return t
		}
		return keep(t.To(device))
	}
	norms := make([]*torch.Tensor, len(grads))
	var total *torch.Tensor
	if math.IsInf(normType, 1) {
		for i, g := range grads {
			norms[i] = onDevice(keep(keep(keep(g.Detach()).Abs()).Max()))
		}
		if len(norms) == 1 {
			total = norms[0].Clone()
		} else {
			total = keep(torch.Stack(norms)).Max()
		}
	} else {
		for i, g := range grads {
			d := keep(g.Detach())
			norms[i] = onDevice(keep(d.NormScalarOptDim(normType, allDims(d))))
		}
		total = keep(torch.Stack(norms)).NormScalarOptDim(normType, []int64{0})
	}
	if err := total.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if o.ErrorIfNonfinite {
		bad := keep(keep(total.Isnan()).LogicalOr(keep(total.Isinf())))
		v, err := bad.Item()
		if err != nil {
			total.Drop()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if v != 0 {
			total.Drop()
			return nil, fmt.Errorf("%s: The total norm of order %s for gradients from `parameters` is non-finite, so it cannot be clipped. "+
				"To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`", name, pyFloat(normType))
		}
	}
	coef := keep(keep(keep(total.AddScalar(1e-6)).Reciprocal()).MulScalar(maxNorm))
	clamped := keep(coef.Clamp(torch.ClampOptions{Max: 1.0}))
	for _, g := range grads {
		c := clamped
		if g.Device() != clamped.Device() {
			c = keep(clamped.To(g.Device()))
		}
		if err := keep(g.Detach()).Mul_(c).Err(); err != nil {
			total.Drop()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return total, nil
}

// ClipGradValue_ is torch.nn.utils.clip_grad_value_(parameters, clip_value): every gradient is
// clamped in place to [-clipValue, clipValue].
func ClipGradValue_(parameters []*torch.Tensor, clipValue float64) error {
	const name = "nn.utils.clip_grad_value_"
	grads, err := gradients(name, parameters)
	defer func() {
		for _, g := range grads {
			g.Drop()
		}
	}()
	if err != nil {
		return err
	}
	for _, g := range grads {
		d := g.Detach()
		err := d.Clamp_(torch.ClampOptions{Min: -clipValue, Max: clipValue}).Err()
		d.Drop()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// gradients is [p.grad for p in parameters if p.grad is not None]: new handles the caller drops.
func gradients(name string, parameters []*torch.Tensor) ([]*torch.Tensor, error) {
	var grads []*torch.Tensor
	for i, p := range parameters {
		if err := torch.InputErr(name, p); err != nil {
			return grads, fmt.Errorf("%s: parameter %d: %w", name, i, err)
		}
		g := p.Grad()
		if g == nil {
			continue
		}
		grads = append(grads, g)
		if err := g.Err(); err != nil {
			return grads, fmt.Errorf("%s: gradient of parameter %d: %w", name, i, err)
		}
	}
	return grads, nil
}

// allDims is list(range(t.dim())), the dims torch.norm(t, p) reduces over.
func allDims(t *torch.Tensor) []int64 {
	dims := make([]int64, t.Dim())
	for i := range dims {
		dims[i] = int64(i)
	}
	return dims
}

// pyFloat is Python's str(float) for the norm types an error message names: 2.0, 0.5, inf, 1e-05.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
