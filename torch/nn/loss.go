package nn

import "github.com/aecifar/aecifar/torch"

// Reduction names a loss's reduction, as the strings 'mean', 'sum' and 'none' do in PyTorch.
type Reduction = torch.Reduction

// The reductions.
const (
	ReductionMean = torch.ReductionMean
	ReductionSum  = torch.ReductionSum
	ReductionNone = torch.ReductionNone
)

// MSELoss is nn.MSELoss: the mean (by default) squared error.
type MSELoss struct{ Reduction Reduction }

// NewMSELoss is nn.MSELoss(); pass a reduction for another.
func NewMSELoss(reduction ...Reduction) *MSELoss {
	return &MSELoss{Reduction: firstReduction(reduction)}
}

// Forward is mse_loss(input, target, reduction).
func (l *MSELoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return torch.MSELoss(input, target, torch.MSELossOptions{Reduction: l.Reduction})
}

// CrossEntropyLoss is nn.CrossEntropyLoss: log-softmax over dim 1 and negative log likelihood of
// the target class indices.
type CrossEntropyLoss struct {
	Reduction      Reduction
	IgnoreIndex    int64 // -100 by default
	LabelSmoothing float64
}

// NewCrossEntropyLoss is nn.CrossEntropyLoss(); pass a reduction for another.
func NewCrossEntropyLoss(reduction ...Reduction) *CrossEntropyLoss {
	return &CrossEntropyLoss{Reduction: firstReduction(reduction), IgnoreIndex: -100}
}

// Forward is cross_entropy(input, target, ignore_index, reduction, label_smoothing).
func (l *CrossEntropyLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return torch.CrossEntropyLoss(input, target, torch.CrossEntropyLossOptions{Reduction: l.Reduction,
		IgnoreIndex: &l.IgnoreIndex, LabelSmoothing: l.LabelSmoothing})
}

func firstReduction(r []Reduction) Reduction {
	if len(r) > 0 {
		return r[0]
	}
	return ReductionMean
}
