package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
	"github.com/aecifar/aecifar/torch/nn/nninit"
)

// BatchNormOptions are the keyword arguments of nn.BatchNorm1d and nn.BatchNorm2d: Eps (nil:
// 1e-5), Momentum (nil: 0.1) or MomentumNone (momentum=None: the running statistics are a
// cumulative average over the batches seen), NoAffine (affine=False: no weight and bias) and
// NoTrackRunningStats (track_running_stats=False: no buffers, batch statistics in eval too).
type BatchNormOptions struct {
	Eps                 *float64
	Momentum            *float64
	MomentumNone        bool
	NoAffine            bool
	NoTrackRunningStats bool
}

// batchNorm is PyTorch's _BatchNorm: the parameters weight and bias (ones and zeros) and the
// buffers running_mean, running_var and num_batches_tracked, in PyTorch's order.
type batchNorm struct {
	Base
	NumFeatures               int64
	Eps                       float64
	Momentum                  *float64 // nil is momentum=None
	Affine, TrackRunningStats bool
	Weight, Bias              *torch.Tensor
	RunningMean, RunningVar   *torch.Tensor
	NumBatchesTracked         *torch.Tensor // int64, 0-dim
	dims                      []int         // the input dimensions accepted
}

func (m *batchNorm) init(layer string, numFeatures int64, opts []BatchNormOptions) {
	o := options(&m.Base, layer, opts)
	m.NumFeatures, m.Eps, m.Affine, m.TrackRunningStats = numFeatures, or(o.Eps, 1e-5), !o.NoAffine, !o.NoTrackRunningStats
	if !o.MomentumNone {
		m.Momentum = new(or(o.Momentum, 0.1))
	} else if o.Momentum != nil {
		m.errorf(layer, "Momentum and MomentumNone both given")
	}
	if m.Affine {
		m.Weight = m.RegisterParameter("weight", newParameter(numFeatures))
		m.Bias = m.RegisterParameter("bias", newParameter(numFeatures))
	}
	if m.TrackRunningStats {
		m.RunningMean = m.RegisterBuffer("running_mean", torch.Keep(torch.Zeros([]int64{numFeatures})))
		m.RunningVar = m.RegisterBuffer("running_var", torch.Keep(torch.Ones([]int64{numFeatures})))
		m.NumBatchesTracked = m.RegisterBuffer("num_batches_tracked", torch.Keep(torch.Scalar(int64(0))))
	}
	m.ResetParameters()
}

// ResetRunningStats is reset_running_stats(): running_mean 0, running_var 1, no batches tracked.
func (m *batchNorm) ResetRunningStats() {
	if m.TrackRunningStats {
		m.setErr(nninit.Zeros_(m.RunningMean).Err())
		m.setErr(nninit.Ones_(m.RunningVar).Err())
		m.setErr(nninit.Zeros_(m.NumBatchesTracked).Err())
	}
}

// ResetParameters is reset_parameters(): the running statistics reset, weight 1 and bias 0.
func (m *batchNorm) ResetParameters() {
	m.ResetRunningStats()
	if m.Affine {
		m.setErr(nninit.Ones_(m.Weight).Err())
		m.setErr(nninit.Zeros_(m.Bias).Err())
		parameter(m.Weight, m.Bias)
	}
}

// forward is _BatchNorm.forward: in training with tracked statistics num_batches_tracked counts
// the batch and the running statistics move by the momentum (or by 1/num_batches_tracked for
// momentum=None); in eval the running statistics normalise, when there are any.
func (m *batchNorm) forward(x *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	if err := x.Err(); err != nil {
		return x
	}
	if d := x.Dim(); !(d == m.dims[0] || len(m.dims) > 1 && d == m.dims[1]) {
		if len(m.dims) > 1 {
			return torch.FromError(fmt.Errorf("expected 2D or 3D input (got %dD input)", d))
		}
		return torch.FromError(fmt.Errorf("expected 4D input (got %dD input)", d))
	}
	factor := 0.0
	if m.Momentum != nil {
		factor = *m.Momentum
	}
	training := m.Training()
	if training && m.TrackRunningStats {
		var r *torch.Tensor
		torch.NoGrad(func() { r = m.NumBatchesTracked.AddScalar_(1) })
		if err := r.Err(); err != nil {
			return torch.FromError(err)
		}
		if m.Momentum == nil {
			n, err := m.NumBatchesTracked.Item()
			if err != nil {
				return torch.FromError(err)
			}
			factor = 1 / n
		}
	}
	bnTraining := training || m.RunningMean == nil && m.RunningVar == nil
	var mean, variance *torch.Tensor
	if !training || m.TrackRunningStats {
		mean, variance = m.RunningMean, m.RunningVar
	}
	return F.BatchNorm(x, mean, variance, F.BatchNormOptions{Weight: m.Weight, Bias: m.Bias, Training: bnTraining,
		Momentum: &factor, Eps: &m.Eps})
}

// ExtraRepr is _NormBase.extra_repr.
func (m *batchNorm) ExtraRepr() string {
	momentum := "None"
	if m.Momentum != nil {
		momentum = pyFloat(*m.Momentum)
	}
	return fmt.Sprintf("%d, eps=%s, momentum=%s, affine=%s, track_running_stats=%s", m.NumFeatures, pyFloat(m.Eps), momentum,
		pyBool(m.Affine), pyBool(m.TrackRunningStats))
}

// BatchNorm1d is nn.BatchNorm1d, over (N, C) or (N, C, L) inputs.
type BatchNorm1d struct{ batchNorm }

// NewBatchNorm1d is nn.BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True,
// track_running_stats=True).
func NewBatchNorm1d(numFeatures int64, opts ...BatchNormOptions) *BatchNorm1d {
	m := bind(&BatchNorm1d{})
	m.dims = []int{2, 3}
	m.init("BatchNorm1d", numFeatures, opts)
	return m
}

// Forward normalises each channel: batch statistics in training, running ones in eval.
func (m *BatchNorm1d) Forward(x *torch.Tensor) *torch.Tensor { return m.forward(x) }

func (m *BatchNorm1d) String() string { return Repr(m) }

// BatchNorm2d is nn.BatchNorm2d, over (N, C, H, W) inputs.
type BatchNorm2d struct{ batchNorm }

// NewBatchNorm2d is nn.BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True,
// track_running_stats=True).
func NewBatchNorm2d(numFeatures int64, opts ...BatchNormOptions) *BatchNorm2d {
	m := bind(&BatchNorm2d{})
	m.dims = []int{4}
	m.init("BatchNorm2d", numFeatures, opts)
	return m
}

// Forward normalises each channel: batch statistics in training, running ones in eval.
func (m *BatchNorm2d) Forward(x *torch.Tensor) *torch.Tensor { return m.forward(x) }

func (m *BatchNorm2d) String() string { return Repr(m) }

// LayerNormOptions are nn.LayerNorm's keyword arguments: Eps (nil: 1e-5) and
// NoElementwiseAffine (elementwise_affine=False: no weight and bias).
type LayerNormOptions struct {
	Eps                 *float64
	NoElementwiseAffine bool
}

// LayerNorm is nn.LayerNorm: normalisation over the last dimensions, NormalizedShape.
type LayerNorm struct {
	Base
	NormalizedShape   []int64
	Eps               float64
	ElementwiseAffine bool
	Weight, Bias      *torch.Tensor
}

// NewLayerNorm is nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True); an int
// normalized_shape is one element.
func NewLayerNorm(normalizedShape []int64, opts ...LayerNormOptions) *LayerNorm {
	m := bind(&LayerNorm{NormalizedShape: append([]int64(nil), normalizedShape...)})
	o := options(&m.Base, "LayerNorm", opts)
	m.Eps, m.ElementwiseAffine = or(o.Eps, 1e-5), !o.NoElementwiseAffine
	if m.ElementwiseAffine {
		m.Weight = m.RegisterParameter("weight", newParameter(m.NormalizedShape...))
		m.Bias = m.RegisterParameter("bias", newParameter(m.NormalizedShape...))
		m.setErr(nninit.Ones_(m.Weight).Err())
		m.setErr(nninit.Zeros_(m.Bias).Err())
		parameter(m.Weight, m.Bias)
	}
	return m
}

// Forward is F.layer_norm(x, normalized_shape, weight, bias, eps).
func (m *LayerNorm) Forward(x *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	return F.LayerNorm(x, m.NormalizedShape, F.NormOptions{Weight: m.Weight, Bias: m.Bias, Eps: &m.Eps})
}

// ExtraRepr is LayerNorm.extra_repr.
func (m *LayerNorm) ExtraRepr() string {
	return fmt.Sprintf("%s, eps=%s, elementwise_affine=%s", pyTuple(m.NormalizedShape), pyFloat(m.Eps), pyBool(m.ElementwiseAffine))
}

func (m *LayerNorm) String() string { return Repr(m) }

// clone is copy.deepcopy(m).
func (m *LayerNorm) clone() *LayerNorm {
	c := bind(&LayerNorm{NormalizedShape: append([]int64(nil), m.NormalizedShape...), Eps: m.Eps, ElementwiseAffine: m.ElementwiseAffine})
	m.copyInto(&c.Base)
	c.Weight, c.Bias = c.params["weight"], c.params["bias"]
	return c
}

// GroupNormOptions are nn.GroupNorm's keyword arguments: Eps (nil: 1e-5) and NoAffine.
type GroupNormOptions struct {
	Eps      *float64
	NoAffine bool
}

// GroupNorm is nn.GroupNorm: the channels split into NumGroups groups, each normalised.
type GroupNorm struct {
	Base
	NumGroups, NumChannels int64
	Eps                    float64
	Affine                 bool
	Weight, Bias           *torch.Tensor
}

// NewGroupNorm is nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True).
func NewGroupNorm(numGroups, numChannels int64, opts ...GroupNormOptions) *GroupNorm {
	m := bind(&GroupNorm{NumGroups: numGroups, NumChannels: numChannels})
	o := options(&m.Base, "GroupNorm", opts)
	m.Eps, m.Affine = or(o.Eps, 1e-5), !o.NoAffine
	if numGroups <= 0 || numChannels%numGroups != 0 {
		m.errorf("GroupNorm", "num_channels must be divisible by num_groups")
	}
	if m.Affine {
		m.Weight = m.RegisterParameter("weight", newParameter(numChannels))
		m.Bias = m.RegisterParameter("bias", newParameter(numChannels))
		m.setErr(nninit.Ones_(m.Weight).Err())
		m.setErr(nninit.Zeros_(m.Bias).Err())
		parameter(m.Weight, m.Bias)
	}
	return m
}

// Forward is F.group_norm(x, num_groups, weight, bias, eps).
func (m *GroupNorm) Forward(x *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	return F.GroupNorm(x, m.NumGroups, F.NormOptions{Weight: m.Weight, Bias: m.Bias, Eps: &m.Eps})
}

// ExtraRepr is GroupNorm.extra_repr.
func (m *GroupNorm) ExtraRepr() string {
	return fmt.Sprintf("%d, %d, eps=%s, affine=%s", m.NumGroups, m.NumChannels, pyFloat(m.Eps), pyBool(m.Affine))
}

func (m *GroupNorm) String() string { return Repr(m) }

var (
	_ Forwarder = (*BatchNorm1d)(nil)
	_ Forwarder = (*BatchNorm2d)(nil)
	_ Forwarder = (*LayerNorm)(nil)
	_ Forwarder = (*GroupNorm)(nil)
)
