package functional

import "github.com/aecifar/aecifar/torch"

// ReductionBatchMean is KLDivLoss's reduction='batchmean': the summed loss divided by the batch
// size. The other reductions are torch.ReductionMean, ReductionSum and ReductionNone.
const ReductionBatchMean torch.Reduction = "batchmean"

// NLLLossOptions are the keyword arguments of F.nll_loss and F.cross_entropy: Weight (nil: None),
// IgnoreIndex (nil: -100), Reduction ("" : mean) and, for cross_entropy only, LabelSmoothing.
type NLLLossOptions struct {
	Weight         *torch.Tensor
	IgnoreIndex    *int64
	Reduction      torch.Reduction
	LabelSmoothing float64
}

// NllLoss is F.nll_loss(input, target, weight=None, ignore_index=-100, reduction='mean') for
// log-probabilities input (N, C) or (N, C, d1, ...) and class indices target.
func NllLoss(input, target *torch.Tensor, opts ...NLLLossOptions) *torch.Tensor {
	o, err := options("nll_loss", opts)
	if err != nil {
		return fail("nll_loss", err)
	}
	if o.LabelSmoothing != 0 {
		return failf("nll_loss", "nll_loss has no label_smoothing")
	}
	return torch.NLLLossNd(input, target, torch.NLLLossNdOptions{Weight: o.Weight, Reduction: o.Reduction, IgnoreIndex: o.IgnoreIndex})
}

// CrossEntropy is F.cross_entropy(input, target, weight=None, ignore_index=-100,
// reduction='mean', label_smoothing=0.0): log_softmax over dim 1 and nll_loss for class indices,
// or the cross-entropy with class probabilities when target is floating point and shaped as input.
func CrossEntropy(input, target *torch.Tensor, opts ...NLLLossOptions) *torch.Tensor {
	o, err := options("cross_entropy", opts)
	if err != nil {
		return fail("cross_entropy", err)
	}
	return torch.CrossEntropyLoss(input, target, torch.CrossEntropyLossOptions{Weight: o.Weight, Reduction: o.Reduction,
		IgnoreIndex: o.IgnoreIndex, LabelSmoothing: o.LabelSmoothing})
}

// ReductionOptions are the reduction keyword of the losses that have only that one.
type ReductionOptions struct {
	Reduction torch.Reduction
}

// broadcast is the torch.broadcast_tensors(input, target) of the pointwise losses (PyTorch warns
// when the sizes differ).
func broadcast(name string, input, target *torch.Tensor) (*torch.Tensor, *torch.Tensor, error) {
	if err := torch.InputErr(name, input, target); err != nil {
		return nil, nil, err
	}
	if sameShape(input.Shape(), target.Shape()) {
		return input, target, nil
	}
	ts, err := torch.BroadcastTensors([]*torch.Tensor{input, target})
	if err != nil {
		return nil, nil, err
	}
	return ts[0], ts[1], nil
}

// MseLoss is F.mse_loss(input, target, reduction='mean').
func MseLoss(input, target *torch.Tensor, opts ...ReductionOptions) *torch.Tensor {
	o, err := options("mse_loss", opts)
	if err != nil {
		return fail("mse_loss", err)
	}
	input, target, err = broadcast("mse_loss", input, target)
	if err != nil {
		return fail("mse_loss", err)
	}
	return torch.MSELoss(input, target, torch.MSELossOptions{Reduction: o.Reduction})
}

// L1Loss is F.l1_loss(input, target, reduction='mean').
func L1Loss(input, target *torch.Tensor, opts ...ReductionOptions) *torch.Tensor {
	o, err := options("l1_loss", opts)
	if err != nil {
		return fail("l1_loss", err)
	}
	input, target, err = broadcast("l1_loss", input, target)
	if err != nil {
		return fail("l1_loss", err)
	}
	return torch.L1Loss(input, target, torch.L1LossOptions{Reduction: o.Reduction})
}

// SmoothL1LossOptions are F.smooth_l1_loss's keyword arguments: Reduction and Beta (nil: 1).
type SmoothL1LossOptions struct {
	Reduction torch.Reduction
	Beta      *float64
}

// SmoothL1Loss is F.smooth_l1_loss(input, target, reduction='mean', beta=1.0).
func SmoothL1Loss(input, target *torch.Tensor, opts ...SmoothL1LossOptions) *torch.Tensor {
	o, err := options("smooth_l1_loss", opts)
	if err != nil {
		return fail("smooth_l1_loss", err)
	}
	input, target, err = broadcast("smooth_l1_loss", input, target)
	if err != nil {
		return fail("smooth_l1_loss", err)
	}
	beta := or(o.Beta, 1.0)
	return torch.SmoothL1Loss(input, target, torch.SmoothL1LossOptions{Reduction: o.Reduction, Beta: &beta})
}

// HuberLossOptions are F.huber_loss's keyword arguments: Reduction and Delta (nil: 1).
type HuberLossOptions struct {
	Reduction torch.Reduction
	Delta     *float64
}

// HuberLoss is F.huber_loss(input, target, reduction='mean', delta=1.0).
func HuberLoss(input, target *torch.Tensor, opts ...HuberLossOptions) *torch.Tensor {
	o, err := options("huber_loss", opts)
	if err != nil {
		return fail("huber_loss", err)
	}
	input, target, err = broadcast("huber_loss", input, target)
	if err != nil {
		return fail("huber_loss", err)
	}
	delta := or(o.Delta, 1.0)
	return torch.HuberLoss(input, target, torch.HuberLossOptions{Reduction: o.Reduction, Delta: &delta})
}

// BCEOptions are the keyword arguments of F.binary_cross_entropy and
// F.binary_cross_entropy_with_logits: Weight (nil: None, broadcast to the target's shape),
// Reduction and, for the logits form only, PosWeight (nil: None).
type BCEOptions struct {
	Weight    *torch.Tensor
	Reduction torch.Reduction
	PosWeight *torch.Tensor
}

// BinaryCrossEntropy is F.binary_cross_entropy(input, target, weight=None, reduction='mean') for
// probabilities input; target must have input's shape.
func BinaryCrossEntropy(input, target *torch.Tensor, opts ...BCEOptions) *torch.Tensor {
	o, err := options("binary_cross_entropy", opts)
	if err != nil {
		return fail("binary_cross_entropy", err)
	}
	if err := torch.InputErr("binary_cross_entropy", input, target); err != nil {
		return torch.FromError(err)
	}
	if o.PosWeight != nil {
		return failf("binary_cross_entropy", "binary_cross_entropy has no pos_weight")
	}
	if !sameShape(input.Shape(), target.Shape()) {
		return failf("binary_cross_entropy", "Using a target size (%s) that is different to the input size (%s) is deprecated. Please ensure they have the same size.",
			torchSize(target.Shape()), torchSize(input.Shape()))
	}
	w := o.Weight
	if w != nil && !sameShape(w.Shape(), target.Shape()) {
		// The expanded view comes from the weight alone, which a loss module owns outside any
		// scope, so nothing else would free it; autograd keeps what it saved.
		w = w.Expand(target.Shape())
		defer w.Drop()
	}
	return torch.BinaryCrossEntropy(input, target, torch.BinaryCrossEntropyOptions{Weight: w, Reduction: o.Reduction})
}

// BinaryCrossEntropyWithLogits is F.binary_cross_entropy_with_logits(input, target, weight=None,
// reduction='mean', pos_weight=None): sigmoid and binary cross-entropy in one stable op;
// pos_weight weighs the positive term per class.
func BinaryCrossEntropyWithLogits(input, target *torch.Tensor, opts ...BCEOptions) *torch.Tensor {
	o, err := options("binary_cross_entropy_with_logits", opts)
	if err != nil {
		return fail("binary_cross_entropy_with_logits", err)
	}
	if err := torch.InputErr("binary_cross_entropy_with_logits", input, target); err != nil {
		return torch.FromError(err)
	}
	if !sameShape(input.Shape(), target.Shape()) {
		return failf("binary_cross_entropy_with_logits", "Target size (%s) must be the same as input size (%s)", torchSize(target.Shape()), torchSize(input.Shape()))
	}
	return torch.BinaryCrossEntropyWithLogits(input, target, torch.BinaryCrossEntropyWithLogitsOptions{Weight: o.Weight, PosWeight: o.PosWeight, Reduction: o.Reduction})
}

// KLDivOptions are F.kl_div's keyword arguments: Reduction ("" : mean; ReductionBatchMean too)
// and LogTarget.
type KLDivOptions struct {
	Reduction torch.Reduction
	LogTarget bool
}

// KlDiv is F.kl_div(input, target, reduction='mean', log_target=False) for log-probabilities
// input. 'mean' divides by the number of elements (PyTorch warns that 'batchmean' is the
// mathematical KL divergence); 'batchmean' divides the sum by the batch size.
func KlDiv(input, target *torch.Tensor, opts ...KLDivOptions) *torch.Tensor {
	o, err := options("kl_div", opts)
	if err != nil {
		return fail("kl_div", err)
	}
	if o.Reduction != ReductionBatchMean {
		return torch.KlDiv(input, target, torch.KlDivOptions{Reduction: o.Reduction, LogTarget: o.LogTarget})
	}
	out := torch.KlDiv(input, target, torch.KlDivOptions{Reduction: torch.ReductionSum, LogTarget: o.LogTarget})
	if out.Err() != nil || input.Dim() == 0 {
		return out
	}
	return out.DivScalar(input.Size(0))
}
