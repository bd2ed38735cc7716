package torch

import (
	lib "github.com/sugarme/gotch/libtch"
)

// The functions below are the tensor-level forms of torch.nn's layers and losses, with PyTorch's
// argument order (torch.conv2d, torch.nn.functional.max_pool2d, ...). torch/nn builds on them.

// Reduction is a loss's reduction; the values are libtorch's at::Reduction codes.
type Reduction int64

// Reductions, as the strings 'none', 'mean' and 'sum' in PyTorch.
const (
	ReductionNone Reduction = 0
	ReductionMean Reduction = 1
	ReductionSum  Reduction = 2
)

func (r Reduction) String() string {
	switch r {
	case ReductionNone:
		return "none"
	case ReductionMean:
		return "mean"
	case ReductionSum:
		return "sum"
	}
	return "invalid"
}

// handle is t's handle, or nil for an absent optional tensor (an omitted bias).
func handle(t *Tensor) lib.Ctensor {
	if t == nil {
		return nil
	}
	return t.c
}

// Conv2d is torch.conv2d(input, weight, bias, stride, padding, dilation, groups); bias may be nil.
func Conv2d(input, weight, bias *Tensor, stride, padding, dilation []int64, groups int64) *Tensor {
	return call("conv2d", func(out *lib.Ctensor) {
		lib.AtgConv2d(out, input.c, weight.c, handle(bias), stride, len(stride), padding, len(padding), dilation, len(dilation), groups)
	}, input, weight, bias)
}

// ConvTranspose2d is torch.conv_transpose2d(input, weight, bias, stride, padding, output_padding,
// groups, dilation); weight is [in, out/groups, kH, kW].
func ConvTranspose2d(input, weight, bias *Tensor, stride, padding, outputPadding []int64, groups int64, dilation []int64) *Tensor {
	return call("conv_transpose2d", func(out *lib.Ctensor) {
		lib.AtgConvTranspose2d(out, input.c, weight.c, handle(bias), stride, len(stride), padding, len(padding),
			outputPadding, len(outputPadding), groups, dilation, len(dilation))
	}, input, weight, bias)
}

// MaxPool2d is torch.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode).
func MaxPool2d(input *Tensor, kernelSize, stride, padding, dilation []int64, ceilMode bool) *Tensor {
	return call("max_pool2d", func(out *lib.Ctensor) {
		lib.AtgMaxPool2d(out, input.c, kernelSize, len(kernelSize), stride, len(stride), padding, len(padding),
			dilation, len(dilation), b2i(ceilMode))
	}, input)
}

// Linear is torch.nn.functional.linear(input, weight, bias): input @ weight.T + bias; bias may be nil.
func Linear(input, weight, bias *Tensor) *Tensor {
	return call("linear", func(out *lib.Ctensor) { lib.AtgLinear(out, input.c, weight.c, handle(bias)) }, input, weight, bias)
}

// Dropout is torch.dropout(input, p, train).
func Dropout(input *Tensor, p float64, train bool) *Tensor {
	return call("dropout", func(out *lib.Ctensor) { lib.AtgDropout(out, input.c, p, b2i(train)) }, input)
}

// MSELoss is torch.nn.functional.mse_loss(input, target, reduction).
func MSELoss(input, target *Tensor, reduction Reduction) *Tensor {
	return call("mse_loss", func(out *lib.Ctensor) { lib.AtgMseLoss(out, input.c, target.c, int64(reduction)) }, input, target)
}

// CrossEntropyLoss is torch.nn.functional.cross_entropy(input, target, weight=None,
// ignore_index, reduction, label_smoothing); target holds class indices (int64).
func CrossEntropyLoss(input, target *Tensor, reduction Reduction, ignoreIndex int64, labelSmoothing float64) *Tensor {
	return call("cross_entropy", func(out *lib.Ctensor) {
		lib.AtgCrossEntropyLoss(out, input.c, target.c, nil, int64(reduction), ignoreIndex, labelSmoothing)
	}, input, target)
}
