package nn

import (
	"math"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn/nninit"
)

// newParameter makes an uninitialised leaf (torch.empty, to be wrapped in nn.Parameter by the
// caller's initialisation). It belongs to no scope, even when a model is built inside WithScope.
func newParameter(shape ...int64) *torch.Tensor {
	return torch.Keep(torch.Empty(shape))
}

// parameter marks initialised tensors as parameters: leaves that require grad.
func parameter(ts ...*torch.Tensor) {
	for _, t := range ts {
		if t != nil {
			t.SetRequiresGrad(true)
		}
	}
}

// resetParameters is the default initialisation of Linear and the convolutions
// (reset_parameters): kaiming_uniform_(weight, a=sqrt(5)), then bias ~ U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)) with fan_in from the weight's shape, weight first, from the global generator, so
// that torch.ManualSeed gives PyTorch's exact values. For ConvTranspose the weight is
// [in, out/groups, k...], so fan_in is out/groups * prod(k): PyTorch's quirk, kept. With no fan_in
// Linear draws its bias from U(0, 0) and the convolutions leave it (skipBias).
func resetParameters(b *Base, weight, bias *torch.Tensor, conv bool) {
	b.setErr(nninit.KaimingUniform_(weight, nninit.KaimingOptions{A: math.Sqrt(5)}).Err())
	if bias != nil {
		fanIn, _, err := nninit.CalculateFanInAndFanOut(weight)
		b.setErr(err)
		switch {
		case fanIn > 0:
			bound := 1 / math.Sqrt(float64(fanIn))
			b.setErr(nninit.Uniform_(bias, nninit.UniformOptions{A: -bound, B: &bound}).Err())
		case !conv:
			b.setErr(nninit.Uniform_(bias, nninit.UniformOptions{A: 0, B: new(0.0)}).Err())
		}
	}
	parameter(weight, bias)
}
