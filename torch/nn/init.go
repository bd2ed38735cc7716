package nn

import (
	"math"

	"github.com/aecifar/aecifar/torch"
)

// CalculateGain is torch.nn.init.calculate_gain for "leaky_relu" with the given negative slope, the
// only nonlinearity PyTorch's default initialisation uses.
func CalculateGain(negativeSlope float64) float64 {
	return math.Sqrt(2.0 / (1 + negativeSlope*negativeSlope))
}

// KaimingUniform_ is torch.nn.init.kaiming_uniform_(t, a, mode='fan_in', nonlinearity='leaky_relu')
// with fanIn given: U(-bound, bound), bound = gain * sqrt(3 / fan_in).
func KaimingUniform_(t *torch.Tensor, a float64, fanIn int64) *torch.Tensor {
	std := CalculateGain(a) / math.Sqrt(float64(fanIn))
	bound := math.Sqrt(3.0) * std
	return Uniform_(t, -bound, bound)
}

// Uniform_ is torch.nn.init.uniform_: t.uniform_(a, b) without recording gradients.
func Uniform_(t *torch.Tensor, a, b float64) *torch.Tensor {
	torch.NoGrad(func() { t.Uniform_(torch.UniformOptions{From: a, To: &b}) })
	return t
}

// newParameter makes an uninitialised leaf that requires grad (torch.empty wrapped in nn.Parameter).
func newParameter(shape ...int64) *torch.Tensor {
	return torch.Empty(shape)
}

// resetParameters is the default initialisation of Linear, Conv2d and ConvTranspose2d
// (reset_parameters): kaiming_uniform_(weight, a=sqrt(5)), then bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
// weight first, from the global generator, so that torch.ManualSeed gives PyTorch's exact values.
func resetParameters(weight, bias *torch.Tensor, fanIn int64) {
	KaimingUniform_(weight, math.Sqrt(5), fanIn)
	if bias != nil {
		bound := 0.0
		if fanIn > 0 {
			bound = 1 / math.Sqrt(float64(fanIn))
		}
		Uniform_(bias, -bound, bound)
	}
	weight.SetRequiresGrad(true)
	if bias != nil {
		bias.SetRequiresGrad(true)
	}
}
