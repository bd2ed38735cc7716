package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
)

// Conv2dOptions are nn.Conv2d's keyword arguments. Zero values mean PyTorch's defaults (stride 1,
// padding 0, dilation 1, groups 1, bias=True). The square values apply to both dimensions; the
// ...HW fields, when non-zero, give height and width separately, as a tuple does in PyTorch.
type Conv2dOptions struct {
	Stride, Padding, Dilation, Groups         int64
	NoBias                                    bool
	KernelHW, StrideHW, PaddingHW, DilationHW [2]int64
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

// first is the options a constructor was given: the zero value (PyTorch's defaults) when none.
func first[O any](o []O) O {
	var zero O
	if len(o) > 0 {
		return o[0]
	}
	return zero
}

// Conv2d is nn.Conv2d. Weight is [out, in/groups, kH, kW].
type Conv2d struct {
	Base
	Weight, Bias                          *torch.Tensor
	InChannels, OutChannels, Groups       int64
	KernelSize, Stride, Padding, Dilation []int64
}

// NewConv2d is nn.Conv2d(in_channels, out_channels, kernel_size, **options), initialised like
// PyTorch's reset_parameters.
func NewConv2d(in, out, kernelSize int64, opts ...Conv2dOptions) *Conv2d {
	o := first(opts)
	c := bind(&Conv2d{
		InChannels: in, OutChannels: out, Groups: max(o.Groups, 1),
		KernelSize: pair(o.KernelHW, kernelSize, 1),
		Stride:     pair(o.StrideHW, o.Stride, 1),
		Padding:    pair(o.PaddingHW, o.Padding, 0),
		Dilation:   pair(o.DilationHW, o.Dilation, 1),
	})
	k := c.KernelSize
	c.Weight = c.RegisterParameter("weight", newParameter(out, in/c.Groups, k[0], k[1]))
	if !o.NoBias {
		c.Bias = c.RegisterParameter("bias", newParameter(out))
	}
	// fan_in of a [out, in/groups, kH, kW] weight: dim 1 times the kernel area.
	resetParameters(c.Weight, c.Bias, in/c.Groups*k[0]*k[1])
	return c
}

// Forward is conv2d(x, weight, bias, stride, padding, dilation, groups).
func (c *Conv2d) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.Conv2d(x, c.Weight, torch.Conv2dOptions{Bias: c.Bias, Stride: c.Stride, Padding: c.Padding, Dilation: c.Dilation, Groups: &c.Groups})
}

func (c *Conv2d) String() string {
	return "Conv2d(" + convRepr(c.InChannels, c.OutChannels, c.KernelSize, c.Stride, c.Padding, c.Dilation, nil, c.Groups, c.Bias != nil) + ")"
}

// convRepr is PyTorch's _ConvNd.extra_repr: non-default arguments only.
func convRepr(in, out int64, kernel, stride, padding, dilation, outputPadding []int64, groups int64, bias bool) string {
	s := fmt.Sprintf("%d, %d, kernel_size=%s, stride=%s", in, out, tuple(kernel), tuple(stride))
	if !all(padding, 0) {
		s += ", padding=" + tuple(padding)
	}
	if !all(dilation, 1) {
		s += ", dilation=" + tuple(dilation)
	}
	if outputPadding != nil && !all(outputPadding, 0) {
		s += ", output_padding=" + tuple(outputPadding)
	}
	if groups != 1 {
		s += fmt.Sprintf(", groups=%d", groups)
	}
	if !bias {
		s += ", bias=False"
	}
	return s
}

func all(v []int64, x int64) bool {
	for _, e := range v {
		if e != x {
			return false
		}
	}
	return true
}

func tuple(v []int64) string {
	if len(v) == 2 {
		return fmt.Sprintf("(%d, %d)", v[0], v[1])
	}
	return fmt.Sprint(v)
}

var _ Forwarder = (*Conv2d)(nil)
