package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
)

// Linear is nn.Linear: y = x @ weight.T + bias, weight [out, in].
type Linear struct {
	Base
	Weight, Bias            *torch.Tensor
	InFeatures, OutFeatures int64
}

// LinearOptions are nn.Linear's keyword arguments: NoBias is bias=False.
type LinearOptions struct{ NoBias bool }

// NewLinear is nn.Linear(in_features, out_features, bias=True), initialised as PyTorch's
// reset_parameters does.
func NewLinear(in, out int64, opts ...LinearOptions) *Linear {
	l := bind(&Linear{})
	l.init("Linear", in, out, opts)
	return l
}

func (l *Linear) init(layer string, in, out int64, opts []LinearOptions) {
	l.InFeatures, l.OutFeatures = in, out
	o := options(&l.Base, layer, opts)
	l.Weight = l.RegisterParameter("weight", newParameter(out, in))
	if !o.NoBias {
		l.Bias = l.RegisterParameter("bias", newParameter(out))
	}
	resetParameters(&l.Base, l.Weight, l.Bias, false)
}

// clone is copy.deepcopy(linear): the same weights, copied, with no draw from the generator.
func (l *Linear) clone() *Linear {
	c := bind(&Linear{InFeatures: l.InFeatures, OutFeatures: l.OutFeatures})
	l.copyInto(&c.Base)
	c.Weight, c.Bias = c.params["weight"], c.params["bias"]
	return c
}

// Forward is F.linear(x, weight, bias).
func (l *Linear) Forward(x *torch.Tensor) *torch.Tensor {
	if e := l.forwardErr(); e != nil {
		return e
	}
	return F.Linear(x, l.Weight, F.LinearOptions{Bias: l.Bias})
}

// ExtraRepr is Linear.extra_repr.
func (l *Linear) ExtraRepr() string {
	return fmt.Sprintf("in_features=%d, out_features=%d, bias=%s", l.InFeatures, l.OutFeatures, pyBool(l.Bias != nil))
}

func (l *Linear) String() string { return Repr(l) }

// NonDynamicallyQuantizableLinear is nn.modules.linear.NonDynamicallyQuantizableLinear, the
// Linear that MultiheadAttention's out_proj is: the same layer under another name, which PyTorch's
// quantization passes leave alone, and which print(model) shows.
type NonDynamicallyQuantizableLinear struct{ Linear }

// NewNonDynamicallyQuantizableLinear is NonDynamicallyQuantizableLinear(in_features,
// out_features, bias=True), initialised as nn.Linear.
func NewNonDynamicallyQuantizableLinear(in, out int64, opts ...LinearOptions) *NonDynamicallyQuantizableLinear {
	l := bind(&NonDynamicallyQuantizableLinear{})
	l.init("NonDynamicallyQuantizableLinear", in, out, opts)
	return l
}

func (l *NonDynamicallyQuantizableLinear) clone() *NonDynamicallyQuantizableLinear {
	c := bind(&NonDynamicallyQuantizableLinear{Linear{InFeatures: l.InFeatures, OutFeatures: l.OutFeatures}})
	l.copyInto(&c.Base)
	c.Weight, c.Bias = c.params["weight"], c.params["bias"]
	return c
}

func (l *NonDynamicallyQuantizableLinear) String() string { return Repr(l) }

// Identity is nn.Identity: Forward returns its input.
type Identity struct{ Base }

// NewIdentity is nn.Identity(); PyTorch ignores its arguments, so it takes none.
func NewIdentity() *Identity { return bind(&Identity{}) }

// Forward returns x.
func (*Identity) Forward(x *torch.Tensor) *torch.Tensor { return x }

var (
	_ Forwarder = (*Linear)(nil)
	_ Forwarder = (*NonDynamicallyQuantizableLinear)(nil)
	_ Forwarder = (*Identity)(nil)
)
