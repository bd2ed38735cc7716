package nn

import (
	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
)

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
	c := bind(&ConvTranspose2d{})
	o := options(&c.Base, "ConvTranspose2d", opts)
	c.InChannels, c.OutChannels, c.Groups = in, out, max(o.Groups, 1)
	if o.Groups < 0 {
		c.Groups = o.Groups
	}
	c.KernelSize = pair(o.KernelHW, kernelSize, 1)
	c.Stride = pair(o.StrideHW, o.Stride, 1)
	c.Padding = pair(o.PaddingHW, o.Padding, 0)
	c.OutputPadding = pair(o.OutputPaddingHW, o.OutputPadding, 0)
	c.Dilation = pair(o.DilationHW, o.Dilation, 1)
	switch {
	case c.Groups <= 0:
		c.errorf("ConvTranspose2d", "groups must be a positive integer")
	case in%c.Groups != 0:
		c.errorf("ConvTranspose2d", "in_channels must be divisible by groups")
	case out%c.Groups != 0:
		c.errorf("ConvTranspose2d", "out_channels must be divisible by groups")
	}
	k := c.KernelSize
	c.Weight = c.RegisterParameter("weight", newParameter(in, out/max(c.Groups, 1), k[0], k[1]))
	if !o.NoBias {
		c.Bias = c.RegisterParameter("bias", newParameter(out))
	}
	// PyTorch computes fan_in from the weight's dim 1, which here is out/groups: a quirk of
	// _calculate_fan_in_and_fan_out that a faithful port keeps.
	resetParameters(&c.Base, c.Weight, c.Bias, true)
	return c
}

// Forward is F.conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation).
func (c *ConvTranspose2d) Forward(x *torch.Tensor) *torch.Tensor {
	if e := c.forwardErr(); e != nil {
		return e
	}
	return F.ConvTranspose2d(x, c.Weight, F.ConvTranspose2dOptions{Bias: c.Bias, Stride: c.Stride, Padding: c.Padding,
		OutputPadding: c.OutputPadding, Groups: c.Groups, Dilation: c.Dilation})
}

// ExtraRepr is _ConvNd.extra_repr.
func (c *ConvTranspose2d) ExtraRepr() string {
	return convRepr(c.InChannels, c.OutChannels, c.KernelSize, c.Stride, c.Padding, "", c.Dilation,
		c.OutputPadding, c.Groups, c.Bias != nil, "")
}

func (c *ConvTranspose2d) String() string { return Repr(c) }

var _ Forwarder = (*ConvTranspose2d)(nil)
