package nn

import "github.com/aecifar/aecifar/torch"

// ConvTranspose2dOptions are nn.ConvTranspose2d's keyword arguments. Zero values mean PyTorch's
// defaults (stride 1, padding 0, output_padding 0, groups 1, bias=True, dilation 1); the ...HW
// fields, when non-zero, give height and width separately.
type ConvTranspose2dOptions struct {
	Stride, Padding, OutputPadding, Groups, Dilation           int64
	NoBias                                                     bool
	KernelHW, StrideHW, PaddingHW, OutputPaddingHW, DilationHW [2]int64
}

// ConvTranspose2d is nn.ConvTranspose2d. Its weight is [in, out/groups, kH, kW], PyTorch's layout
// (gotch's own ConvTranspose2D transposes it and fails whenever in != out).
type ConvTranspose2d struct {
	Base
	Weight, Bias                                         *torch.Tensor
	InChannels, OutChannels, Groups                      int64
	KernelSize, Stride, Padding, OutputPadding, Dilation []int64
}

// NewConvTranspose2d is nn.ConvTranspose2d(in_channels, out_channels, kernel_size, **options).
func NewConvTranspose2d(in, out, kernelSize int64, opts ...ConvTranspose2dOptions) *ConvTranspose2d {
	o := first(opts)
	c := bind(&ConvTranspose2d{
		InChannels: in, OutChannels: out, Groups: max(o.Groups, 1),
		KernelSize:    pair(o.KernelHW, kernelSize, 1),
		Stride:        pair(o.StrideHW, o.Stride, 1),
		Padding:       pair(o.PaddingHW, o.Padding, 0),
		OutputPadding: pair(o.OutputPaddingHW, o.OutputPadding, 0),
		Dilation:      pair(o.DilationHW, o.Dilation, 1),
	})
	k := c.KernelSize
	c.Weight = c.RegisterParameter("weight", newParameter(in, out/c.Groups, k[0], k[1]))
	if !o.NoBias {
		c.Bias = c.RegisterParameter("bias", newParameter(out))
	}
	// PyTorch computes fan_in from the weight's dim 1, which here is out/groups: a quirk of
	// _calculate_fan_in_and_fan_out that a faithful port keeps.
	resetParameters(c.Weight, c.Bias, out/c.Groups*k[0]*k[1])
	return c
}

// Forward is conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation).
func (c *ConvTranspose2d) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.ConvTranspose2d(x, c.Weight, torch.ConvTranspose2dOptions{Bias: c.Bias, Stride: c.Stride, Padding: c.Padding,
		OutputPadding: c.OutputPadding, Groups: &c.Groups, Dilation: c.Dilation})
}

func (c *ConvTranspose2d) String() string {
	return "ConvTranspose2d(" + convRepr(c.InChannels, c.OutChannels, c.KernelSize, c.Stride, c.Padding, c.Dilation,
		c.OutputPadding, c.Groups, c.Bias != nil) + ")"
}

var _ Forwarder = (*ConvTranspose2d)(nil)
