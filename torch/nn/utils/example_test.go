package utils_test

import (
	"fmt"
	"math"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn/utils"
)

// ClipGradNorm_, gradient clipping between backward and the optimizer's step (the example is the
// package's: go vet cannot tie one to a name that ends in "_"):
//
//	loss.backward()                                    # p.grad is [3, 3, 3, 3], its norm 6
//	total = nn.utils.clip_grad_norm_([p], max_norm=1.0)
//	print(total, p.grad)
func Example_clipGradNorm() {
	torch.WithScope(func(s *torch.Scope) {
		p := torch.Ones([]int64{4}).SetRequiresGrad(true)
		if err := p.MulScalar(3).Sum().Backward(); err != nil {
			fmt.Println(err)
			return
		}
		total, err := utils.ClipGradNorm_([]*torch.Tensor{p}, 1.0)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(total)
		fmt.Println(s.Attach(p.Grad()))
	})
	// Output:
	// tensor(6.)
	// tensor([0.5000, 0.5000, 0.5000, 0.5000])
}

// ClipGradValue_ is clip_grad_value_: it clamps every gradient element; error_if_nonfinite turns a nan or infinite
// total norm into an error, with PyTorch's message, and leaves the gradients alone.
func Example_clipGradValue() {
	torch.WithScope(func(s *torch.Scope) {
		p := torch.FromSlice([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
		if err := p.Mul(p).Sum().Backward(); err != nil { // grad 2p: [2, 4, 6]
			fmt.Println(err)
			return
		}
		if err := utils.ClipGradValue_([]*torch.Tensor{p}, 3.5); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(s.Attach(p.Grad()))
		q := torch.Ones([]int64{2}).SetRequiresGrad(true)
		if err := q.Mul(torch.FromSlice([]float32{1, float32(math.Inf(1))}, 2)).Sum().Backward(); err != nil { // grad [1, inf]
			fmt.Println(err)
			return
		}
		_, err := utils.ClipGradNorm_([]*torch.Tensor{q}, 1.0, utils.ClipGradNormOptions{ErrorIfNonfinite: true})
		fmt.Println(err)
	})
	// Output:
	// tensor([2.0000, 3.5000, 3.5000])
	// nn.utils.clip_grad_norm_: The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`
}
