package functional

import "github.com/aecifar/aecifar/torch"

// InplaceOptions are the inplace= keyword of the activations that have only that one.
type InplaceOptions struct {
	Inplace bool
}

// Relu is F.relu(input, inplace=False).
func Relu(input *torch.Tensor, opts ...InplaceOptions) *torch.Tensor {
	o, err := options("relu", opts)
	if err != nil {
		return fail("relu", err)
	}
	if o.Inplace {
		return input.Relu_()
	}
	return input.Relu()
}

// LeakyReluOptions are F.leaky_relu's keyword arguments: NegativeSlope (nil: 0.01), Inplace.
type LeakyReluOptions struct {
	NegativeSlope *float64
	Inplace       bool
}

// LeakyRelu is F.leaky_relu(input, negative_slope=0.01, inplace=False).
func LeakyRelu(input *torch.Tensor, opts ...LeakyReluOptions) *torch.Tensor {
	o, err := options("leaky_relu", opts)
	if err != nil {
		return fail("leaky_relu", err)
	}
	to := torch.LeakyReluOptions{NegativeSlope: or(o.NegativeSlope, 0.01)}
	if o.Inplace {
		return torch.LeakyRelu_(input, to)
	}
	return torch.LeakyRelu(input, to)
}

// Tanh is F.tanh(input).
func Tanh(input *torch.Tensor) *torch.Tensor { return input.Tanh() }

// Sigmoid is F.sigmoid(input).
func Sigmoid(input *torch.Tensor) *torch.Tensor { return input.Sigmoid() }

// GeluApproximate is F.gelu's approximate argument; the zero value "" is GeluNone.
type GeluApproximate string

// The approximations.
const (
	GeluNone GeluApproximate = "none"
	GeluTanh GeluApproximate = "tanh"
)

// GeluOptions are F.gelu's keyword arguments.
type GeluOptions struct {
	Approximate GeluApproximate
}

// Gelu is F.gelu(input, approximate='none').
func Gelu(input *torch.Tensor, opts ...GeluOptions) *torch.Tensor {
	o, err := options("gelu", opts)
	if err != nil {
		return fail("gelu", err)
	}
	return torch.GELU(input, torch.GELUOptions{Approximate: string(o.Approximate)})
}

// Silu is F.silu(input, inplace=False).
func Silu(input *torch.Tensor, opts ...InplaceOptions) *torch.Tensor {
	o, err := options("silu", opts)
	if err != nil {
		return fail("silu", err)
	}
	if o.Inplace {
		return torch.SiLU_(input)
	}
	return torch.SiLU(input)
}

// EluOptions are F.elu's keyword arguments: Alpha (nil: 1), Inplace.
type EluOptions struct {
	Alpha   *float64
	Inplace bool
}

// Elu is F.elu(input, alpha=1.0, inplace=False).
func Elu(input *torch.Tensor, opts ...EluOptions) *torch.Tensor {
	o, err := options("elu", opts)
	if err != nil {
		return fail("elu", err)
	}
	to := torch.ELUOptions{Alpha: or(o.Alpha, 1.0)}
	if o.Inplace {
		return torch.ELU_(input, to)
	}
	return torch.ELU(input, to)
}

// SoftmaxOptions are F.softmax's and F.log_softmax's dtype: the input is cast to it first.
type SoftmaxOptions struct {
	DType torch.DType
}

// Softmax is F.softmax(input, dim, dtype=None). PyTorch's implicit choice of dim (deprecated) is
// not offered: dim is required.
func Softmax(input *torch.Tensor, dim int64, opts ...SoftmaxOptions) *torch.Tensor {
	o, err := options("softmax", opts)
	if err != nil {
		return fail("softmax", err)
	}
	return torch.Softmax(input, dim, torch.SoftmaxOptions{DType: o.DType})
}

// LogSoftmax is F.log_softmax(input, dim, dtype=None).
func LogSoftmax(input *torch.Tensor, dim int64, opts ...SoftmaxOptions) *torch.Tensor {
	o, err := options("log_softmax", opts)
	if err != nil {
		return fail("log_softmax", err)
	}
	return torch.LogSoftmax(input, dim, torch.LogSoftmaxOptions{DType: o.DType})
}
