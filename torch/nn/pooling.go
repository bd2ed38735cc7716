package nn

import (
	"fmt"
	"strings"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
)

// MaxPool2dOptions are nn.MaxPool2d's keyword arguments; zero values are PyTorch's defaults
// (stride = kernel_size, padding 0, dilation 1, ceil_mode False). The ...HW fields give height and
// width separately, as a tuple does (and print as one).
type MaxPool2dOptions struct {
	Stride, Padding, Dilation     int64
	CeilMode                      bool
	KernelHW, StrideHW, PaddingHW [2]int64
	DilationHW                    [2]int64
}

// MaxPool2d is nn.MaxPool2d. Its sizes hold one element where PyTorch was given an int, two for a
// tuple.
type MaxPool2d struct {
	Base
	KernelSize, Stride, Padding, Dilation []int64
	CeilMode                              bool
}

// NewMaxPool2d is nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)
// (return_indices=True is ForwardWithIndices);
// the seed's nn.MaxPool2d(2, 2) is NewMaxPool2d(2, nn.MaxPool2dOptions{Stride: 2}).
func NewMaxPool2d(kernelSize int64, opts ...MaxPool2dOptions) *MaxPool2d {
	m := bind(&MaxPool2d{})
	o := options(&m.Base, "MaxPool2d", opts)
	m.KernelSize = intOrPair(o.KernelHW, kernelSize, 1)
	m.Stride = intOrPair(o.StrideHW, o.Stride, 0)
	if m.Stride[0] == 0 { // stride=None: the kernel size
		m.Stride = m.KernelSize
	}
	m.Padding = intOrPair(o.PaddingHW, o.Padding, 0)
	m.Dilation = intOrPair(o.DilationHW, o.Dilation, 1)
	m.CeilMode = o.CeilMode
	return m
}

func (m *MaxPool2d) pool() F.MaxPoolOptions {
	return F.MaxPoolOptions{Stride: m.Stride, Padding: m.Padding, Dilation: m.Dilation, CeilMode: m.CeilMode}
}

// Forward is F.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode).
func (m *MaxPool2d) Forward(x *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	return F.MaxPool2d(x, m.KernelSize, m.pool())
}

// ForwardWithIndices is forward with return_indices=True: the output and the indices of the maxima.
func (m *MaxPool2d) ForwardWithIndices(x *torch.Tensor) (*torch.Tensor, *torch.Tensor) {
	if e := m.forwardErr(); e != nil {
		return e, e
	}
	return F.MaxPool2dWithIndices(x, m.KernelSize, m.pool())
}

// ExtraRepr is _MaxPoolNd.extra_repr.
func (m *MaxPool2d) ExtraRepr() string {
	return maxPoolRepr(m.KernelSize, m.Stride, m.Padding, m.Dilation, m.CeilMode)
}

func (m *MaxPool2d) String() string { return Repr(m) }

func maxPoolRepr(kernel, stride, padding, dilation []int64, ceil bool) string {
	return fmt.Sprintf("kernel_size=%s, stride=%s, padding=%s, dilation=%s, ceil_mode=%s",
		pyIntOrTuple(kernel), pyIntOrTuple(stride), pyIntOrTuple(padding), pyIntOrTuple(dilation), pyBool(ceil))
}

// MaxPool1dOptions are nn.MaxPool1d's keyword arguments; zero values are PyTorch's defaults
// (stride = kernel_size, padding 0, dilation 1, ceil_mode False).
type MaxPool1dOptions struct {
	Stride, Padding, Dilation int64
	CeilMode                  bool
}

// MaxPool1d is nn.MaxPool1d.
type MaxPool1d struct {
	Base
	KernelSize, Stride, Padding, Dilation int64
	CeilMode                              bool
}

// NewMaxPool1d is nn.MaxPool1d(kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False);
// return_indices=True is ForwardWithIndices.
func NewMaxPool1d(kernelSize int64, opts ...MaxPool1dOptions) *MaxPool1d {
	m := bind(&MaxPool1d{})
	o := options(&m.Base, "MaxPool1d", opts)
	m.KernelSize, m.Stride, m.Padding, m.Dilation, m.CeilMode = kernelSize, o.Stride, o.Padding, max(o.Dilation, 1), o.CeilMode
	if m.Stride == 0 {
		m.Stride = kernelSize
	}
	return m
}

// Forward is F.max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode).
func (m *MaxPool1d) Forward(x *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	return F.MaxPool1d(x, []int64{m.KernelSize}, m.pool())
}

// ForwardWithIndices is forward with return_indices=True: the output and the indices of the maxima.
func (m *MaxPool1d) ForwardWithIndices(x *torch.Tensor) (*torch.Tensor, *torch.Tensor) {
	if e := m.forwardErr(); e != nil {
		return e, e
	}
	return F.MaxPool1dWithIndices(x, []int64{m.KernelSize}, m.pool())
}

func (m *MaxPool1d) pool() F.MaxPoolOptions {
	return F.MaxPoolOptions{Stride: []int64{m.Stride}, Padding: []int64{m.Padding}, Dilation: []int64{m.Dilation}, CeilMode: m.CeilMode}
}

// ExtraRepr is _MaxPoolNd.extra_repr.
func (m *MaxPool1d) ExtraRepr() string {
	return maxPoolRepr([]int64{m.KernelSize}, []int64{m.Stride}, []int64{m.Padding}, []int64{m.Dilation}, m.CeilMode)
}

func (m *MaxPool1d) String() string { return Repr(m) }

// AvgPool2dOptions are nn.AvgPool2d's keyword arguments; zero values are PyTorch's defaults
// (stride = kernel_size, padding 0, ceil_mode False, count_include_pad True, divisor_override None).
type AvgPool2dOptions struct {
	Stride, Padding               int64
	CeilMode, NoCountIncludePad   bool
	DivisorOverride               *int64
	KernelHW, StrideHW, PaddingHW [2]int64
}

// AvgPool2d is nn.AvgPool2d.
type AvgPool2d struct {
	Base
	KernelSize, Stride, Padding []int64
	CeilMode, CountIncludePad   bool
	DivisorOverride             *int64
}

// NewAvgPool2d is nn.AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False,
// count_include_pad=True, divisor_override=None).
func NewAvgPool2d(kernelSize int64, opts ...AvgPool2dOptions) *AvgPool2d {
	m := bind(&AvgPool2d{})
	o := options(&m.Base, "AvgPool2d", opts)
	m.KernelSize = intOrPair(o.KernelHW, kernelSize, 1)
	m.Stride = intOrPair(o.StrideHW, o.Stride, 0)
	if m.Stride[0] == 0 {
		m.Stride = m.KernelSize
	}
	m.Padding = intOrPair(o.PaddingHW, o.Padding, 0)
	m.CeilMode, m.CountIncludePad, m.DivisorOverride = o.CeilMode, !o.NoCountIncludePad, o.DivisorOverride
	return m
}

// Forward is F.avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override).
func (m *AvgPool2d) Forward(x *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	return F.AvgPool2d(x, m.KernelSize, F.AvgPool2dOptions{Stride: m.Stride, Padding: m.Padding, CeilMode: m.CeilMode,
		NoCountIncludePad: !m.CountIncludePad, DivisorOverride: m.DivisorOverride})
}

// ExtraRepr is AvgPool2d.extra_repr.
func (m *AvgPool2d) ExtraRepr() string {
	return fmt.Sprintf("kernel_size=%s, stride=%s, padding=%s", pyIntOrTuple(m.KernelSize), pyIntOrTuple(m.Stride), pyIntOrTuple(m.Padding))
}

func (m *AvgPool2d) String() string { return Repr(m) }

// AdaptiveAvgPool2d is nn.AdaptiveAvgPool2d.
type AdaptiveAvgPool2d struct {
	Base
	OutputSize []int64 // one element for an int, two for a pair; -1 is None (the input's size)
}

// NewAdaptiveAvgPool2d is nn.AdaptiveAvgPool2d(output_size): one size for both dimensions
// (NewAdaptiveAvgPool2d(1)) or height and width (NewAdaptiveAvgPool2d(5, 7)); -1 stands for
// None, keeping the input's size in that dimension.
func NewAdaptiveAvgPool2d(outputSize ...int64) *AdaptiveAvgPool2d {
	m := bind(&AdaptiveAvgPool2d{OutputSize: outputSize})
	if len(outputSize) != 1 && len(outputSize) != 2 {
		m.errorf("AdaptiveAvgPool2d", "output_size must be an int or a pair, got %d values", len(outputSize))
	}
	return m
}

// Forward is F.adaptive_avg_pool2d(x, output_size).
func (m *AdaptiveAvgPool2d) Forward(x *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	return F.AdaptiveAvgPool2d(x, m.OutputSize)
}

// ExtraRepr is _AdaptiveAvgPoolNd.extra_repr.
func (m *AdaptiveAvgPool2d) ExtraRepr() string {
	if len(m.OutputSize) == 2 {
		parts := make([]string, 2)
		for i, v := range m.OutputSize {
			parts[i] = fmt.Sprint(v)
			if v < 0 {
				parts[i] = "None"
			}
		}
		return "output_size=(" + strings.Join(parts, ", ") + ")"
	}
	return "output_size=" + pyIntOrTuple(m.OutputSize)
}

func (m *AdaptiveAvgPool2d) String() string { return Repr(m) }

var (
	_ Forwarder = (*MaxPool2d)(nil)
	_ Forwarder = (*MaxPool1d)(nil)
	_ Forwarder = (*AvgPool2d)(nil)
	_ Forwarder = (*AdaptiveAvgPool2d)(nil)
)
