package nn

import (
	"strings"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
)

// UpsampleMode is nn.Upsample's mode; the zero value "" is UpsampleNearest.
type UpsampleMode = F.InterpolateMode

// The modes.
const (
	UpsampleNearest   = F.Nearest
	UpsampleLinear    = F.Linear1d
	UpsampleBilinear  = F.Bilinear
	UpsampleBicubic   = F.Bicubic
	UpsampleTrilinear = F.Trilinear
	UpsampleArea      = F.Area
	// UpsampleNearestExact is 'nearest-exact' (see F.NearestExact).
	UpsampleNearestExact = F.NearestExact
)

// UpsampleOptions are nn.Upsample's keyword arguments: Size or ScaleFactor (one of them; one
// element applies to every spatial dimension and prints as a number), Mode, AlignCorners (nil:
// None) and RecomputeScaleFactor.
type UpsampleOptions struct {
	Size                 []int64
	ScaleFactor          []float64
	Mode                 UpsampleMode
	AlignCorners         *bool
	RecomputeScaleFactor bool
}

// Upsample is nn.Upsample: F.interpolate with fixed arguments.
type Upsample struct {
	Base
	UpsampleOptions
}

// NewUpsample is nn.Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None,
// recompute_scale_factor=None).
func NewUpsample(opts ...UpsampleOptions) *Upsample {
	m := bind(&Upsample{})
	m.UpsampleOptions = options(&m.Base, "Upsample", opts)
	if m.Mode == "" {
		m.Mode = UpsampleNearest
	}
	return m
}

// Forward is F.interpolate(x, size, scale_factor, mode, align_corners, recompute_scale_factor).
func (m *Upsample) Forward(x *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	return F.Interpolate(x, F.InterpolateOptions{Size: m.Size, ScaleFactor: m.ScaleFactor, Mode: m.Mode,
		AlignCorners: m.AlignCorners, RecomputeScaleFactor: m.RecomputeScaleFactor})
}

// ExtraRepr is Upsample.extra_repr: PyTorch stores scale factors as floats ("scale_factor=2.0").
func (m *Upsample) ExtraRepr() string {
	var s string
	switch {
	case len(m.ScaleFactor) == 1:
		s = "scale_factor=" + pyFloat(m.ScaleFactor[0])
	case m.ScaleFactor != nil:
		parts := make([]string, len(m.ScaleFactor))
		for i, f := range m.ScaleFactor {
			parts[i] = pyFloat(f)
		}
		s = "scale_factor=(" + strings.Join(parts, ", ") + ")"
	case m.Size == nil:
		s = "size=None"
	default:
		s = "size=" + pyIntOrTuple(m.Size)
	}
	return s + ", mode=" + string(m.Mode)
}

func (m *Upsample) String() string { return Repr(m) }

var _ Forwarder = (*Upsample)(nil)
