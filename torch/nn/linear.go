package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
)

// Linear is nn.Linear: y = x @ weight.T + bias, weight [out, in].
type Linear struct {
	Base
	Weight, Bias            *torch.Tensor
	InFeatures, OutFeatures int64
}

// LinearOptions are nn.Linear's keyword arguments.
type LinearOptions struct{ NoBias bool }

// NewLinear is nn.Linear(in_features, out_features).
func NewLinear(in, out int64, opts ...LinearOptions) *Linear {
	l := bind(&Linear{InFeatures: in, OutFeatures: out})
	l.Weight = l.RegisterParameter("weight", newParameter(out, in))
	if len(opts) == 0 || !opts[0].NoBias {
		l.Bias = l.RegisterParameter("bias", newParameter(out))
	}
	resetParameters(l.Weight, l.Bias, in)
	return l
}

// Forward is linear(x, weight, bias).
func (l *Linear) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.Linear(x, l.Weight, torch.LinearOptions{Bias: l.Bias})
}

func (l *Linear) String() string {
	return fmt.Sprintf("Linear(in_features=%d, out_features=%d, bias=%s)", l.InFeatures, l.OutFeatures, pyBool(l.Bias != nil))
}

var _ Forwarder = (*Linear)(nil)
