package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
)

// MaxPool2d is nn.MaxPool2d.
type MaxPool2d struct {
	Base
	KernelSize, Stride, Padding, Dilation []int64
	CeilMode                              bool
}

// PoolOptions are nn.MaxPool2d's keyword arguments; zero values are PyTorch's defaults
// (stride = kernel_size, padding 0, dilation 1).
type PoolOptions struct {
	Padding, Dilation int64
	CeilMode          bool
}

// NewMaxPool2d is nn.MaxPool2d(kernel_size, stride); stride 0 means kernel_size, as stride=None does.
func NewMaxPool2d(kernelSize, stride int64, opts ...PoolOptions) *MaxPool2d {
	var o PoolOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	if stride == 0 {
		stride = kernelSize
	}
	return bind(&MaxPool2d{
		KernelSize: []int64{kernelSize, kernelSize},
		Stride:     []int64{stride, stride},
		Padding:    []int64{o.Padding, o.Padding},
		Dilation:   []int64{max(o.Dilation, 1), max(o.Dilation, 1)},
		CeilMode:   o.CeilMode,
	})
}

// Forward is max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode).
func (m *MaxPool2d) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.MaxPool2d(x, m.KernelSize, torch.MaxPool2dOptions{Stride: m.Stride, Padding: m.Padding, Dilation: m.Dilation, CeilMode: m.CeilMode})
}

func (m *MaxPool2d) String() string {
	return fmt.Sprintf("MaxPool2d(kernel_size=%d, stride=%d, padding=%d, dilation=%d, ceil_mode=%v)",
		m.KernelSize[0], m.Stride[0], m.Padding[0], m.Dilation[0], pyBool(m.CeilMode))
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

var _ Forwarder = (*MaxPool2d)(nil)
