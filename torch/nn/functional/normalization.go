package functional

import "github.com/aecifar/aecifar/torch"

// BatchNormOptions are F.batch_norm's keyword arguments: Weight and Bias (nil: None), Training
// (false by default, as in F), Momentum (nil: 0.1) and Eps (nil: 1e-5).
type BatchNormOptions struct {
	Weight, Bias *torch.Tensor
	Training     bool
	Momentum     *float64
	Eps          *float64
}

// BatchNorm is F.batch_norm(input, running_mean, running_var, weight=None, bias=None,
// training=False, momentum=0.1, eps=1e-5). In training the running statistics (when given) are
// updated in place with the momentum: running = (1-momentum)*running + momentum*batch, the
// variance unbiased.
func BatchNorm(input, runningMean, runningVar *torch.Tensor, opts ...BatchNormOptions) *torch.Tensor {
	o, err := options("batch_norm", opts)
	if err != nil {
		return fail("batch_norm", err)
	}
	if err := input.Err(); err != nil {
		return input
	}
	if o.Training {
		s := input.Shape()
		if err := verifyBatchSize(s); err != nil {
			return fail("batch_norm", err)
		}
	}
	return torch.BatchNorm(input, o.Weight, o.Bias, runningMean, runningVar, o.Training, or(o.Momentum, 0.1), or(o.Eps, 1e-5), true)
}

// verifyBatchSize is PyTorch's _verify_batch_size: training statistics need more than one value
// per channel.
func verifyBatchSize(size []int64) error {
	if len(size) < 2 {
		return errorf("expected at least 2-D input, got input size %s", torchSize(size))
	}
	n := size[0]
	for _, d := range size[2:] {
		n *= d
	}
	if n == 1 {
		return errorf("Expected more than 1 value per channel when training, got input size %s", torchSize(size))
	}
	return nil
}

// NormOptions are the keyword arguments of F.layer_norm and F.group_norm: Weight and Bias (nil:
// None) and Eps (nil: 1e-5).
type NormOptions struct {
	Weight, Bias *torch.Tensor
	Eps          *float64
}

// LayerNorm is F.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5).
func LayerNorm(input *torch.Tensor, normalizedShape []int64, opts ...NormOptions) *torch.Tensor {
	o, err := options("layer_norm", opts)
	if err != nil {
		return fail("layer_norm", err)
	}
	eps := or(o.Eps, 1e-5)
	return torch.LayerNorm(input, normalizedShape, torch.LayerNormOptions{Weight: o.Weight, Bias: o.Bias, Eps: &eps})
}

// GroupNorm is F.group_norm(input, num_groups, weight=None, bias=None, eps=1e-5).
func GroupNorm(input *torch.Tensor, numGroups int64, opts ...NormOptions) *torch.Tensor {
	o, err := options("group_norm", opts)
	if err != nil {
		return fail("group_norm", err)
	}
	if err := input.Err(); err != nil {
		return input
	}
	s := input.Shape()
	if len(s) < 2 || numGroups <= 0 {
		return failf("group_norm", "expected an input of at least 2 dimensions and num_groups > 0, got %s and %d", torchSize(s), numGroups)
	}
	if err := verifyBatchSize(append([]int64{s[0] * s[1] / numGroups, numGroups}, s[2:]...)); err != nil {
		return fail("group_norm", err)
	}
	eps := or(o.Eps, 1e-5)
	return torch.GroupNorm(input, numGroups, torch.GroupNormOptions{Weight: o.Weight, Bias: o.Bias, Eps: &eps})
}
