package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
)

// PaddingString is a convolution's padding given as a string, padding='same' or 'valid'.
type PaddingString = F.PaddingString

// The string paddings.
const (
	PaddingSame  = F.PaddingSame
	PaddingValid = F.PaddingValid
)

// PaddingMode is a convolution's padding_mode; the zero value "" is PaddingZeros.
type PaddingMode string

// The padding modes.
const (
	PaddingZeros     PaddingMode = "zeros"
	PaddingReflect   PaddingMode = "reflect"
	PaddingReplicate PaddingMode = "replicate"
	PaddingCircular  PaddingMode = "circular"
)

// Conv2dOptions are nn.Conv2d's keyword arguments. Zero values mean PyTorch's defaults (stride 1,
// padding 0, dilation 1, groups 1, bias=True, padding_mode='zeros'). The square values apply to
// both dimensions; the ...HW fields, when non-zero, give height and width separately, as a tuple
// does in PyTorch. PaddingString ('same' or 'valid') replaces Padding.
type Conv2dOptions struct {
	Stride, Padding, Dilation, Groups         int64
	NoBias                                    bool
	KernelHW, StrideHW, PaddingHW, DilationHW [2]int64
	PaddingString                             PaddingString
	PaddingMode                               PaddingMode
}

// Conv1dOptions are nn.Conv1d's keyword arguments, zero values meaning PyTorch's defaults
// (stride 1, padding 0, dilation 1, groups 1, bias=True, padding_mode='zeros').
type Conv1dOptions struct {
	Stride, Padding, Dilation, Groups int64
	NoBias                            bool
	PaddingString                     PaddingString
	PaddingMode                       PaddingMode
}

func pair(hw [2]int64, v, def int64) []int64 {
	if hw != [2]int64{} {
		return []int64{hw[0], hw[1]}
	}
	if v == 0 {
		v = def
	}
	return []int64{v, v}
}

// convNd is what Conv1d and Conv2d share: PyTorch's _ConvNd.
type convNd struct {
	Base
	Weight, Bias                          *torch.Tensor
	InChannels, OutChannels, Groups       int64
	KernelSize, Stride, Padding, Dilation []int64
	PaddingString                         PaddingString
	PaddingMode                           PaddingMode
	reversedPadding                       []int64 // _reversed_padding_repeated_twice, for F.pad
}

// init checks the arguments as _ConvNd.__init__ does, then makes and initialises the parameters.
func (c *convNd) init(layer string, noBias bool) {
	if c.PaddingMode == "" {
		c.PaddingMode = PaddingZeros
	}
	switch {
	case c.Groups <= 0:
		c.errorf(layer, "groups must be a positive integer")
	case c.InChannels%c.Groups != 0:
		c.errorf(layer, "in_channels must be divisible by groups")
	case c.OutChannels%c.Groups != 0:
		c.errorf(layer, "out_channels must be divisible by groups")
	}
	switch c.PaddingString {
	case "", PaddingValid:
	case PaddingSame:
		if !all(c.Stride, 1) {
			c.errorf(layer, "padding='same' is not supported for strided convolutions")
		}
	default:
		c.errorf(layer, "Invalid padding string '%s', should be one of {'valid', 'same'}", string(c.PaddingString))
	}
	switch c.PaddingMode {
	case PaddingZeros, PaddingReflect, PaddingReplicate, PaddingCircular:
	default:
		c.errorf(layer, "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='%s'", string(c.PaddingMode))
	}
	n := len(c.KernelSize)
	c.reversedPadding = make([]int64, 2*n)
	for i := range n {
		j := n - 1 - i // F.pad lists the last dimension first
		switch {
		case c.PaddingString == PaddingSame:
			total := c.Dilation[i] * (c.KernelSize[i] - 1)
			c.reversedPadding[2*j], c.reversedPadding[2*j+1] = total/2, total-total/2
		case c.PaddingString == "":
			c.reversedPadding[2*j], c.reversedPadding[2*j+1] = c.Padding[i], c.Padding[i]
		}
	}
	groups := max(c.Groups, 1)
	c.Weight = c.RegisterParameter("weight", newParameter(append([]int64{c.OutChannels, c.InChannels / groups}, c.KernelSize...)...))
	if !noBias {
		c.Bias = c.RegisterParameter("bias", newParameter(c.OutChannels))
	}
	resetParameters(&c.Base, c.Weight, c.Bias, true)
}

// forward is _conv_forward: padding other than zeros by F.pad first.
func (c *convNd) forward(x *torch.Tensor, conv func(x, w *torch.Tensor, o F.ConvOptions) *torch.Tensor) *torch.Tensor {
	if e := c.forwardErr(); e != nil {
		return e
	}
	o := F.ConvOptions{Bias: c.Bias, Stride: c.Stride, Dilation: c.Dilation, Groups: c.Groups}
	if c.PaddingMode != PaddingZeros {
		x = F.Pad(x, c.reversedPadding, F.PadOptions{Mode: F.PadMode(c.PaddingMode)})
		o.Padding = make([]int64, len(c.KernelSize))
		return conv(x, c.Weight, o)
	}
	if c.PaddingString != "" {
		o.PaddingString = c.PaddingString
	} else {
		o.Padding = c.Padding
	}
	return conv(x, c.Weight, o)
}

// ExtraRepr is _ConvNd.extra_repr: the non-default arguments.
func (c *convNd) ExtraRepr() string {
	return convRepr(c.InChannels, c.OutChannels, c.KernelSize, c.Stride, c.Padding, c.PaddingString, c.Dilation, nil,
		c.Groups, c.Bias != nil, c.PaddingMode)
}

// Conv2d is nn.Conv2d. Weight is [out, in/groups, kH, kW].
type Conv2d struct{ convNd }

// NewConv2d is nn.Conv2d(in_channels, out_channels, kernel_size, **options), initialised like
// PyTorch's reset_parameters.
func NewConv2d(in, out, kernelSize int64, opts ...Conv2dOptions) *Conv2d {
	c := bind(&Conv2d{})
	o := options(&c.Base, "Conv2d", opts)
	c.InChannels, c.OutChannels, c.Groups = in, out, o.Groups
	if c.Groups == 0 {
		c.Groups = 1
	}
	c.KernelSize = pair(o.KernelHW, kernelSize, 1)
	c.Stride = pair(o.StrideHW, o.Stride, 1)
	c.Padding = pair(o.PaddingHW, o.Padding, 0)
	c.Dilation = pair(o.DilationHW, o.Dilation, 1)
	c.PaddingString, c.PaddingMode = o.PaddingString, o.PaddingMode
	c.init("Conv2d", o.NoBias)
	return c
}

// Forward is F.conv2d(x, weight, bias, stride, padding, dilation, groups).
func (c *Conv2d) Forward(x *torch.Tensor) *torch.Tensor {
	return c.forward(x, func(x, w *torch.Tensor, o F.ConvOptions) *torch.Tensor { return F.Conv2d(x, w, o) })
}

func (c *Conv2d) String() string { return Repr(c) }

// Conv1d is nn.Conv1d. Weight is [out, in/groups, k].
type Conv1d struct{ convNd }

// NewConv1d is nn.Conv1d(in_channels, out_channels, kernel_size, **options), initialised like
// PyTorch's reset_parameters.
func NewConv1d(in, out, kernelSize int64, opts ...Conv1dOptions) *Conv1d {
	c := bind(&Conv1d{})
	o := options(&c.Base, "Conv1d", opts)
	c.InChannels, c.OutChannels, c.Groups = in, out, o.Groups
	if c.Groups == 0 {
		c.Groups = 1
	}
	c.KernelSize = []int64{kernelSize}
	c.Stride = []int64{max(o.Stride, 1)}
	c.Padding = []int64{o.Padding}
	c.Dilation = []int64{max(o.Dilation, 1)}
	c.PaddingString, c.PaddingMode = o.PaddingString, o.PaddingMode
	c.init("Conv1d", o.NoBias)
	return c
}

// Forward is F.conv1d(x, weight, bias, stride, padding, dilation, groups).
func (c *Conv1d) Forward(x *torch.Tensor) *torch.Tensor {
	return c.forward(x, func(x, w *torch.Tensor, o F.ConvOptions) *torch.Tensor { return F.Conv1d(x, w, o) })
}

func (c *Conv1d) String() string { return Repr(c) }

// convRepr is PyTorch's _ConvNd.extra_repr: non-default arguments only.
func convRepr(in, out int64, kernel, stride, padding []int64, paddingString PaddingString, dilation, outputPadding []int64,
	groups int64, bias bool, paddingMode PaddingMode) string {
	s := fmt.Sprintf("%d, %d, kernel_size=%s, stride=%s", in, out, pyTuple(kernel), pyTuple(stride))
	switch {
	case paddingString != "":
		s += ", padding=" + string(paddingString)
	case !all(padding, 0):
		s += ", padding=" + pyTuple(padding)
	}
	if !all(dilation, 1) {
		s += ", dilation=" + pyTuple(dilation)
	}
	if outputPadding != nil && !all(outputPadding, 0) {
		s += ", output_padding=" + pyTuple(outputPadding)
	}
	if groups != 1 {
		s += fmt.Sprintf(", groups=%d", groups)
	}
	if !bias {
		s += ", bias=False"
	}
	if paddingMode != "" && paddingMode != PaddingZeros {
		s += ", padding_mode=" + string(paddingMode)
	}
	return s
}

var (
	_ Forwarder = (*Conv2d)(nil)
	_ Forwarder = (*Conv1d)(nil)
)
