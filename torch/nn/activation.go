package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
)

// InplaceOptions are the inplace= keyword of the activations that take only that one.
type InplaceOptions struct {
	Inplace bool
}

func inplaceRepr(inplace bool) string {
	if inplace {
		return "inplace=True"
	}
	return ""
}

// ReLU is nn.ReLU.
type ReLU struct {
	Base
	Inplace bool
}

// NewReLU is nn.ReLU(inplace=False).
func NewReLU(opts ...InplaceOptions) *ReLU {
	m := bind(&ReLU{})
	m.Inplace = options(&m.Base, "ReLU", opts).Inplace
	return m
}

// Forward is F.relu(x, inplace).
func (m *ReLU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Relu(x, F.InplaceOptions{Inplace: m.Inplace})
}

// ExtraRepr is ReLU.extra_repr.
func (m *ReLU) ExtraRepr() string { return inplaceRepr(m.Inplace) }

func (m *ReLU) String() string { return Repr(m) }

// LeakyReLUOptions are nn.LeakyReLU's keyword arguments: NegativeSlope (nil: 0.01) and Inplace.
type LeakyReLUOptions struct {
	NegativeSlope *float64
	Inplace       bool
}

// LeakyReLU is nn.LeakyReLU.
type LeakyReLU struct {
	Base
	NegativeSlope float64
	Inplace       bool
}

// NewLeakyReLU is nn.LeakyReLU(negative_slope=0.01, inplace=False).
func NewLeakyReLU(opts ...LeakyReLUOptions) *LeakyReLU {
	m := bind(&LeakyReLU{})
	o := options(&m.Base, "LeakyReLU", opts)
	m.NegativeSlope, m.Inplace = or(o.NegativeSlope, 0.01), o.Inplace
	return m
}

// Forward is F.leaky_relu(x, negative_slope, inplace).
func (m *LeakyReLU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.LeakyRelu(x, F.LeakyReluOptions{NegativeSlope: &m.NegativeSlope, Inplace: m.Inplace})
}

// ExtraRepr is LeakyReLU.extra_repr.
func (m *LeakyReLU) ExtraRepr() string {
	s := "negative_slope=" + pyFloat(m.NegativeSlope)
	if m.Inplace {
		s += ", inplace=True"
	}
	return s
}

func (m *LeakyReLU) String() string { return Repr(m) }

// Tanh is nn.Tanh.
type Tanh struct{ Base }

// NewTanh is nn.Tanh().
func NewTanh() *Tanh { return bind(&Tanh{}) }

// Forward is torch.tanh(x).
func (*Tanh) Forward(x *torch.Tensor) *torch.Tensor { return x.Tanh() }

// Sigmoid is nn.Sigmoid.
type Sigmoid struct{ Base }

// NewSigmoid is nn.Sigmoid().
func NewSigmoid() *Sigmoid { return bind(&Sigmoid{}) }

// Forward is torch.sigmoid(x).
func (*Sigmoid) Forward(x *torch.Tensor) *torch.Tensor { return x.Sigmoid() }

// GELUApproximate is nn.GELU's approximate argument; "" is GELUNone.
type GELUApproximate = F.GeluApproximate

// The approximations.
const (
	GELUNone = F.GeluNone
	GELUTanh = F.GeluTanh
)

// GELUOptions are nn.GELU's keyword arguments.
type GELUOptions struct {
	Approximate GELUApproximate
}

// GELU is nn.GELU.
type GELU struct {
	Base
	Approximate GELUApproximate
}

// NewGELU is nn.GELU(approximate='none').
func NewGELU(opts ...GELUOptions) *GELU {
	m := bind(&GELU{})
	m.Approximate = options(&m.Base, "GELU", opts).Approximate
	switch m.Approximate {
	case "":
		m.Approximate = GELUNone
	case GELUNone, GELUTanh:
	default:
		m.errorf("GELU", "approximate argument must be either none or tanh.")
	}
	return m
}

// Forward is F.gelu(x, approximate).
func (m *GELU) Forward(x *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	return F.Gelu(x, F.GeluOptions{Approximate: m.Approximate})
}

// ExtraRepr is GELU.extra_repr.
func (m *GELU) ExtraRepr() string { return fmt.Sprintf("approximate='%s'", string(m.Approximate)) }

func (m *GELU) String() string { return Repr(m) }

// SiLU is nn.SiLU.
type SiLU struct {
	Base
	Inplace bool
}

// NewSiLU is nn.SiLU(inplace=False).
func NewSiLU(opts ...InplaceOptions) *SiLU {
	m := bind(&SiLU{})
	m.Inplace = options(&m.Base, "SiLU", opts).Inplace
	return m
}

// Forward is F.silu(x, inplace).
func (m *SiLU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Silu(x, F.InplaceOptions{Inplace: m.Inplace})
}

// ExtraRepr is SiLU.extra_repr.
func (m *SiLU) ExtraRepr() string { return inplaceRepr(m.Inplace) }

func (m *SiLU) String() string { return Repr(m) }

// ELUOptions are nn.ELU's keyword arguments: Alpha (nil: 1) and Inplace.
type ELUOptions struct {
	Alpha   *float64
	Inplace bool
}

// ELU is nn.ELU.
type ELU struct {
	Base
	Alpha   float64
	Inplace bool
}

// NewELU is nn.ELU(alpha=1.0, inplace=False).
func NewELU(opts ...ELUOptions) *ELU {
	m := bind(&ELU{})
	o := options(&m.Base, "ELU", opts)
	m.Alpha, m.Inplace = or(o.Alpha, 1.0), o.Inplace
	return m
}

// Forward is F.elu(x, alpha, inplace).
func (m *ELU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Elu(x, F.EluOptions{Alpha: &m.Alpha, Inplace: m.Inplace})
}

// ExtraRepr is ELU.extra_repr.
func (m *ELU) ExtraRepr() string {
	s := "alpha=" + pyFloat(m.Alpha)
	if m.Inplace {
		s += ", inplace=True"
	}
	return s
}

func (m *ELU) String() string { return Repr(m) }

// Softmax is nn.Softmax over dimension Dim.
type Softmax struct {
	Base
	Dim int64
}

// NewSoftmax is nn.Softmax(dim). PyTorch's dim=None (an implicit, deprecated choice) is not
// offered.
func NewSoftmax(dim int64) *Softmax { return bind(&Softmax{Dim: dim}) }

// Forward is F.softmax(x, dim).
func (m *Softmax) Forward(x *torch.Tensor) *torch.Tensor { return F.Softmax(x, m.Dim) }

// ExtraRepr is Softmax.extra_repr.
func (m *Softmax) ExtraRepr() string { return fmt.Sprintf("dim=%d", m.Dim) }

func (m *Softmax) String() string { return Repr(m) }

// LogSoftmax is nn.LogSoftmax over dimension Dim.
type LogSoftmax struct {
	Base
	Dim int64
}

// NewLogSoftmax is nn.LogSoftmax(dim).
func NewLogSoftmax(dim int64) *LogSoftmax { return bind(&LogSoftmax{Dim: dim}) }

// Forward is F.log_softmax(x, dim).
func (m *LogSoftmax) Forward(x *torch.Tensor) *torch.Tensor { return F.LogSoftmax(x, m.Dim) }

// ExtraRepr is LogSoftmax.extra_repr.
func (m *LogSoftmax) ExtraRepr() string { return fmt.Sprintf("dim=%d", m.Dim) }

func (m *LogSoftmax) String() string { return Repr(m) }

var (
	_ Forwarder = (*ReLU)(nil)
	_ Forwarder = (*LeakyReLU)(nil)
	_ Forwarder = (*Tanh)(nil)
	_ Forwarder = (*Sigmoid)(nil)
	_ Forwarder = (*GELU)(nil)
	_ Forwarder = (*SiLU)(nil)
	_ Forwarder = (*ELU)(nil)
	_ Forwarder = (*Softmax)(nil)
	_ Forwarder = (*LogSoftmax)(nil)
)
