package functional

import "github.com/aecifar/aecifar/torch"

// MaxPoolOptions are the keyword arguments of F.max_pool1d and F.max_pool2d: Stride (nil: the
// kernel size), Padding (nil: 0), Dilation (nil: 1) and CeilMode.
type MaxPoolOptions struct {
	Stride, Padding, Dilation []int64
	CeilMode                  bool
}

// MaxPool1d is F.max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False).
func MaxPool1d(input *torch.Tensor, kernelSize []int64, opts ...MaxPoolOptions) *torch.Tensor {
	o, err := options("max_pool1d", opts)
	if err != nil {
		return fail("max_pool1d", err)
	}
	return torch.MaxPool1d(input, kernelSize, torch.MaxPool1dOptions{Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, CeilMode: o.CeilMode})
}

// MaxPool1dWithIndices is F.max_pool1d(..., return_indices=True): the output and the indices of
// the maxima along the last dimension, as MaxUnpool1d takes them.
func MaxPool1dWithIndices(input *torch.Tensor, kernelSize []int64, opts ...MaxPoolOptions) (*torch.Tensor, *torch.Tensor) {
	o, err := options("max_pool1d", opts)
	if err != nil {
		return fail("max_pool1d", err), fail("max_pool1d", err)
	}
	return torch.MaxPool1dWithIndices(input, kernelSize, torch.MaxPool1dWithIndicesOptions{Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, CeilMode: o.CeilMode})
}

// MaxPool2d is F.max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False).
func MaxPool2d(input *torch.Tensor, kernelSize []int64, opts ...MaxPoolOptions) *torch.Tensor {
	o, err := options("max_pool2d", opts)
	if err != nil {
		return fail("max_pool2d", err)
	}
	return torch.MaxPool2d(input, kernelSize, torch.MaxPool2dOptions{Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, CeilMode: o.CeilMode})
}

// MaxPool2dWithIndices is F.max_pool2d(..., return_indices=True): the output and the flat indices
// of the maxima, as MaxUnpool2d takes them.
func MaxPool2dWithIndices(input *torch.Tensor, kernelSize []int64, opts ...MaxPoolOptions) (*torch.Tensor, *torch.Tensor) {
	o, err := options("max_pool2d", opts)
	if err != nil {
		return fail("max_pool2d", err), fail("max_pool2d", err)
	}
	return torch.MaxPool2dWithIndices(input, kernelSize, torch.MaxPool2dWithIndicesOptions{Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, CeilMode: o.CeilMode})
}

// AvgPool2dOptions are F.avg_pool2d's keyword arguments: Stride (nil: the kernel size), Padding
// (nil: 0), CeilMode, NoCountIncludePad (count_include_pad=False) and DivisorOverride (nil: None).
type AvgPool2dOptions struct {
	Stride, Padding   []int64
	CeilMode          bool
	NoCountIncludePad bool
	DivisorOverride   *int64
}

// AvgPool2d is F.avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
// count_include_pad=True, divisor_override=None).
func AvgPool2d(input *torch.Tensor, kernelSize []int64, opts ...AvgPool2dOptions) *torch.Tensor {
	o, err := options("avg_pool2d", opts)
	if err != nil {
		return fail("avg_pool2d", err)
	}
	include := !o.NoCountIncludePad
	return torch.AvgPool2d(input, kernelSize, torch.AvgPool2dOptions{Stride: o.Stride, Padding: o.Padding, CeilMode: o.CeilMode,
		CountIncludePad: &include, DivisorOverride: o.DivisorOverride})
}

// AdaptiveAvgPool2d is F.adaptive_avg_pool2d(input, output_size). An output size of one element
// applies to both dimensions; an element -1 (PyTorch's None) keeps the input's size there.
func AdaptiveAvgPool2d(input *torch.Tensor, outputSize []int64) *torch.Tensor {
	if err := input.Err(); err != nil {
		return input
	}
	size := outputSize
	if len(size) == 1 {
		size = []int64{size[0], size[0]}
	}
	if len(size) == 2 && (size[0] < 0 || size[1] < 0) {
		s := input.Shape()
		size = []int64{size[0], size[1]}
		for i := range size {
			if size[i] < 0 {
				size[i] = s[len(s)-2+i]
			}
		}
	}
	return torch.AdaptiveAvgPool2d(input, size)
}
