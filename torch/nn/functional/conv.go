package functional

import "github.com/aecifar/aecifar/torch"

// PaddingString is a convolution's padding given as a string: 'same' or 'valid'.
type PaddingString string

// The string paddings.
const (
	PaddingSame  PaddingString = "same"
	PaddingValid PaddingString = "valid"
)

// ConvOptions are the keyword arguments of F.conv1d and F.conv2d: Bias (nil: None), Stride (nil:
// 1), Padding (nil: 0) or PaddingString ('same' or 'valid', instead of Padding), Dilation (nil: 1)
// and Groups (zero: 1).
type ConvOptions struct {
	Bias                      *torch.Tensor
	Stride, Padding, Dilation []int64
	PaddingString             PaddingString
	Groups                    int64
}

func convGroups(o ConvOptions) *int64 {
	g := max(o.Groups, 1)
	return &g
}

// Conv1d is F.conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1).
func Conv1d(input, weight *torch.Tensor, opts ...ConvOptions) *torch.Tensor {
	o, err := options("conv1d", opts)
	if err != nil {
		return fail("conv1d", err)
	}
	if o.PaddingString != "" {
		return torch.Conv1dPadding(input, weight, torch.Conv1dPaddingOptions{Bias: o.Bias, Stride: o.Stride,
			Padding: string(o.PaddingString), Dilation: o.Dilation, Groups: convGroups(o)})
	}
	return torch.Conv1d(input, weight, torch.Conv1dOptions{Bias: o.Bias, Stride: o.Stride, Padding: o.Padding,
		Dilation: o.Dilation, Groups: convGroups(o)})
}

// Conv2d is F.conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1).
func Conv2d(input, weight *torch.Tensor, opts ...ConvOptions) *torch.Tensor {
	o, err := options("conv2d", opts)
	if err != nil {
		return fail("conv2d", err)
	}
	if o.PaddingString != "" {
		return torch.Conv2dPadding(input, weight, torch.Conv2dPaddingOptions{Bias: o.Bias, Stride: o.Stride,
			Padding: string(o.PaddingString), Dilation: o.Dilation, Groups: convGroups(o)})
	}
	return torch.Conv2d(input, weight, torch.Conv2dOptions{Bias: o.Bias, Stride: o.Stride, Padding: o.Padding,
		Dilation: o.Dilation, Groups: convGroups(o)})
}

// ConvTranspose2dOptions are F.conv_transpose2d's keyword arguments: Bias (nil: None), Stride,
// Padding, OutputPadding, Groups (zero: 1) and Dilation, nil meaning PyTorch's defaults.
type ConvTranspose2dOptions struct {
	Bias                                     *torch.Tensor
	Stride, Padding, OutputPadding, Dilation []int64
	Groups                                   int64
}

// ConvTranspose2d is F.conv_transpose2d(input, weight, bias=None, stride=1, padding=0,
// output_padding=0, groups=1, dilation=1).
func ConvTranspose2d(input, weight *torch.Tensor, opts ...ConvTranspose2dOptions) *torch.Tensor {
	o, err := options("conv_transpose2d", opts)
	if err != nil {
		return fail("conv_transpose2d", err)
	}
	g := max(o.Groups, 1)
	return torch.ConvTranspose2d(input, weight, torch.ConvTranspose2dOptions{Bias: o.Bias, Stride: o.Stride, Padding: o.Padding,
		OutputPadding: o.OutputPadding, Groups: &g, Dilation: o.Dilation})
}

// LinearOptions are F.linear's bias (nil: None).
type LinearOptions struct {
	Bias *torch.Tensor
}

// Linear is F.linear(input, weight, bias=None): input @ weight.T + bias.
func Linear(input, weight *torch.Tensor, opts ...LinearOptions) *torch.Tensor {
	o, err := options("linear", opts)
	if err != nil {
		return fail("linear", err)
	}
	return torch.Linear(input, weight, torch.LinearOptions{Bias: o.Bias})
}
