package nn

import (
	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
)

// Reduction names a loss's reduction, as the strings 'mean', 'sum' and 'none' do in PyTorch; the
// zero value "" is the loss's default, mean.
type Reduction = torch.Reduction

// The reductions. ReductionBatchMean is KLDivLoss's 'batchmean'.
const (
	ReductionMean      = torch.ReductionMean
	ReductionSum       = torch.ReductionSum
	ReductionNone      = torch.ReductionNone
	ReductionBatchMean = F.ReductionBatchMean
)

// Losses are modules, as in PyTorch: they print as "MSELoss()", register as children, and the
// weighted ones hold their class weights as the buffer "weight" (BCEWithLogitsLoss also
// "pos_weight"), so that those are in the state_dict, moved by To and freed by Drop: a weight
// passed to a loss belongs to it. Forward takes the input and the target.

// weighted registers the optional weight buffers of a loss, in PyTorch's order.
func (b *Base) weighted(names []string, ts ...*torch.Tensor) {
	for i, t := range ts {
		if t != nil {
			b.RegisterBuffer(names[i], t)
		}
	}
}

// MSELossOptions are nn.MSELoss's keyword arguments.
type MSELossOptions struct{ Reduction Reduction }

// MSELoss is nn.MSELoss: the mean (by default) squared error.
type MSELoss struct {
	Base
	Reduction Reduction
}

// NewMSELoss is nn.MSELoss(reduction='mean').
func NewMSELoss(opts ...MSELossOptions) *MSELoss {
	l := bind(&MSELoss{})
	l.Reduction = options(&l.Base, "MSELoss", opts).Reduction
	return l
}

// Forward is F.mse_loss(input, target, reduction).
func (l *MSELoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.MseLoss(input, target, F.ReductionOptions{Reduction: l.Reduction})
}

// L1LossOptions are nn.L1Loss's keyword arguments.
type L1LossOptions struct{ Reduction Reduction }

// L1Loss is nn.L1Loss: the mean (by default) absolute error.
type L1Loss struct {
	Base
	Reduction Reduction
}

// NewL1Loss is nn.L1Loss(reduction='mean').
func NewL1Loss(opts ...L1LossOptions) *L1Loss {
	l := bind(&L1Loss{})
	l.Reduction = options(&l.Base, "L1Loss", opts).Reduction
	return l
}

// Forward is F.l1_loss(input, target, reduction).
func (l *L1Loss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.L1Loss(input, target, F.ReductionOptions{Reduction: l.Reduction})
}

// SmoothL1LossOptions are nn.SmoothL1Loss's keyword arguments: Reduction and Beta (nil: 1).
type SmoothL1LossOptions struct {
	Reduction Reduction
	Beta      *float64
}

// SmoothL1Loss is nn.SmoothL1Loss: squared error below Beta, absolute error above.
type SmoothL1Loss struct {
	Base
	Reduction Reduction
	Beta      float64
}

// NewSmoothL1Loss is nn.SmoothL1Loss(reduction='mean', beta=1.0).
func NewSmoothL1Loss(opts ...SmoothL1LossOptions) *SmoothL1Loss {
	l := bind(&SmoothL1Loss{})
	o := options(&l.Base, "SmoothL1Loss", opts)
	l.Reduction, l.Beta = o.Reduction, or(o.Beta, 1.0)
	return l
}

// Forward is F.smooth_l1_loss(input, target, reduction, beta).
func (l *SmoothL1Loss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.SmoothL1Loss(input, target, F.SmoothL1LossOptions{Reduction: l.Reduction, Beta: &l.Beta})
}

// HuberLossOptions are nn.HuberLoss's keyword arguments: Reduction and Delta (nil: 1).
type HuberLossOptions struct {
	Reduction Reduction
	Delta     *float64
}

// HuberLoss is nn.HuberLoss: squared error below Delta, Delta-scaled absolute error above.
type HuberLoss struct {
	Base
	Reduction Reduction
	Delta     float64
}

// NewHuberLoss is nn.HuberLoss(reduction='mean', delta=1.0).
func NewHuberLoss(opts ...HuberLossOptions) *HuberLoss {
	l := bind(&HuberLoss{})
	o := options(&l.Base, "HuberLoss", opts)
	l.Reduction, l.Delta = o.Reduction, or(o.Delta, 1.0)
	return l
}

// Forward is F.huber_loss(input, target, reduction, delta).
func (l *HuberLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.HuberLoss(input, target, F.HuberLossOptions{Reduction: l.Reduction, Delta: &l.Delta})
}

// CrossEntropyLossOptions are nn.CrossEntropyLoss's keyword arguments: Weight (nil: None; a
// rescaling weight per class, taken as the buffer "weight"), IgnoreIndex (nil: -100), Reduction
// and LabelSmoothing.
type CrossEntropyLossOptions struct {
	Weight         *torch.Tensor
	IgnoreIndex    *int64
	Reduction      Reduction
	LabelSmoothing float64
}

// CrossEntropyLoss is nn.CrossEntropyLoss: log-softmax over dim 1 and the negative log likelihood
// of the target class indices (or the cross-entropy with target class probabilities).
type CrossEntropyLoss struct {
	Base
	Weight         *torch.Tensor
	IgnoreIndex    int64
	Reduction      Reduction
	LabelSmoothing float64
}

// NewCrossEntropyLoss is nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean',
// label_smoothing=0.0).
func NewCrossEntropyLoss(opts ...CrossEntropyLossOptions) *CrossEntropyLoss {
	l := bind(&CrossEntropyLoss{})
	o := options(&l.Base, "CrossEntropyLoss", opts)
	l.Weight, l.IgnoreIndex, l.Reduction, l.LabelSmoothing = o.Weight, or(o.IgnoreIndex, -100), o.Reduction, o.LabelSmoothing
	l.weighted([]string{"weight"}, o.Weight)
	return l
}

// Forward is F.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing).
func (l *CrossEntropyLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.CrossEntropy(input, target, F.NLLLossOptions{Weight: l.Weight, IgnoreIndex: &l.IgnoreIndex,
		Reduction: l.Reduction, LabelSmoothing: l.LabelSmoothing})
}

// NLLLossOptions are nn.NLLLoss's keyword arguments: Weight (nil: None, taken as the buffer
// "weight"), IgnoreIndex (nil: -100) and Reduction.
type NLLLossOptions struct {
	Weight      *torch.Tensor
	IgnoreIndex *int64
	Reduction   Reduction
}

// NLLLoss is nn.NLLLoss: the negative log likelihood of the target classes, for log-probabilities.
type NLLLoss struct {
	Base
	Weight      *torch.Tensor
	IgnoreIndex int64
	Reduction   Reduction
}

// NewNLLLoss is nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean').
func NewNLLLoss(opts ...NLLLossOptions) *NLLLoss {
	l := bind(&NLLLoss{})
	o := options(&l.Base, "NLLLoss", opts)
	l.Weight, l.IgnoreIndex, l.Reduction = o.Weight, or(o.IgnoreIndex, -100), o.Reduction
	l.weighted([]string{"weight"}, o.Weight)
	return l
}

// Forward is F.nll_loss(input, target, weight, ignore_index, reduction).
func (l *NLLLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.NllLoss(input, target, F.NLLLossOptions{Weight: l.Weight, IgnoreIndex: &l.IgnoreIndex, Reduction: l.Reduction})
}

// BCELossOptions are nn.BCELoss's keyword arguments: Weight (nil: None, taken as the buffer
// "weight") and Reduction.
type BCELossOptions struct {
	Weight    *torch.Tensor
	Reduction Reduction
}

// BCELoss is nn.BCELoss: binary cross-entropy of probabilities.
type BCELoss struct {
	Base
	Weight    *torch.Tensor
	Reduction Reduction
}

// NewBCELoss is nn.BCELoss(weight=None, reduction='mean').
func NewBCELoss(opts ...BCELossOptions) *BCELoss {
	l := bind(&BCELoss{})
	o := options(&l.Base, "BCELoss", opts)
	l.Weight, l.Reduction = o.Weight, o.Reduction
	l.weighted([]string{"weight"}, o.Weight)
	return l
}

// Forward is F.binary_cross_entropy(input, target, weight, reduction).
func (l *BCELoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.BinaryCrossEntropy(input, target, F.BCEOptions{Weight: l.Weight, Reduction: l.Reduction})
}

// BCEWithLogitsLossOptions are nn.BCEWithLogitsLoss's keyword arguments: Weight and PosWeight
// (nil: None; taken as the buffers "weight" and "pos_weight") and Reduction.
type BCEWithLogitsLossOptions struct {
	Weight    *torch.Tensor
	Reduction Reduction
	PosWeight *torch.Tensor
}

// BCEWithLogitsLoss is nn.BCEWithLogitsLoss: sigmoid and binary cross-entropy in one stable op.
type BCEWithLogitsLoss struct {
	Base
	Weight, PosWeight *torch.Tensor
	Reduction         Reduction
}

// NewBCEWithLogitsLoss is nn.BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None).
func NewBCEWithLogitsLoss(opts ...BCEWithLogitsLossOptions) *BCEWithLogitsLoss {
	l := bind(&BCEWithLogitsLoss{})
	o := options(&l.Base, "BCEWithLogitsLoss", opts)
	l.Weight, l.PosWeight, l.Reduction = o.Weight, o.PosWeight, o.Reduction
	l.weighted([]string{"weight", "pos_weight"}, o.Weight, o.PosWeight)
	return l
}

// Forward is F.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight).
func (l *BCEWithLogitsLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.BinaryCrossEntropyWithLogits(input, target, F.BCEOptions{Weight: l.Weight, PosWeight: l.PosWeight, Reduction: l.Reduction})
}

// KLDivLossOptions are nn.KLDivLoss's keyword arguments: Reduction ("" is mean, as in PyTorch;
// ReductionBatchMean is the mathematical KL divergence) and LogTarget.
type KLDivLossOptions struct {
	Reduction Reduction
	LogTarget bool
}

// KLDivLoss is nn.KLDivLoss: the Kullback-Leibler divergence of target from input, given as
// log-probabilities.
type KLDivLoss struct {
	Base
	Reduction Reduction
	LogTarget bool
}

// NewKLDivLoss is nn.KLDivLoss(reduction='mean', log_target=False).
func NewKLDivLoss(opts ...KLDivLossOptions) *KLDivLoss {
	l := bind(&KLDivLoss{})
	o := options(&l.Base, "KLDivLoss", opts)
	l.Reduction, l.LogTarget = o.Reduction, o.LogTarget
	return l
}

// Forward is F.kl_div(input, target, reduction, log_target).
func (l *KLDivLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.KlDiv(input, target, F.KLDivOptions{Reduction: l.Reduction, LogTarget: l.LogTarget})
}
