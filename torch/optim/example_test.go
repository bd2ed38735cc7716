package optim_test

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/optim"
)

// Minimising (x - 3)^2 from x = 0 with torch.optim.SGD(params, lr=0.1): each step moves x by
// 0.1 * 2 * (3 - x).
func ExampleNewSGD() {
	x := torch.Zeros([]int64{1}).SetRequiresGrad(true)
	defer x.Drop()
	opt, err := optim.NewSGD([]*torch.Tensor{x}, 0.1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer opt.Drop()
	for range 3 {
		torch.WithScope(func(s *torch.Scope) {
			if err := opt.ZeroGrad(); err != nil {
				fmt.Println(err)
				return
			}
			d := s.Attach(x.AddScalar(-3))
			if err := d.Mul(d).Sum().Backward(); err != nil {
				fmt.Println(err)
				return
			}
			if err := opt.Step(); err != nil {
				fmt.Println(err)
			}
		})
		v, _ := x.Item()
		fmt.Printf("x = %.4f\n", v)
	}
	// Output:
	// x = 0.6000
	// x = 1.0800
	// x = 1.4640
}

// optim.AdamW([{'params': weights}, {'params': biases, 'weight_decay': 0.0}], lr=0.01): the
// second group takes the constructor's options but its own weight decay, an explicit zero.
func ExampleAdamW_AddParamGroup() {
	w := torch.Zeros([]int64{4, 3}).SetRequiresGrad(true)
	b := torch.Zeros([]int64{4}).SetRequiresGrad(true)
	defer w.Drop()
	defer b.Drop()
	opt, err := optim.NewAdamW([]*torch.Tensor{w}, optim.AdamWOptions{LR: 0.01})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer opt.Drop()
	if err := opt.AddParamGroup([]*torch.Tensor{b}, optim.AdamWOptions{WeightDecay: new(0.0)}); err != nil {
		fmt.Println(err)
		return
	}
	for i, g := range opt.ParamGroups() {
		fmt.Printf("group %d: lr %g, betas %v, weight_decay %g\n", i, g.LR, g.Betas, g.WeightDecay)
	}
	// Output:
	// group 0: lr 0.01, betas [0.9 0.999], weight_decay 0.01
	// group 1: lr 0.01, betas [0.9 0.999], weight_decay 0
}

// A state dict names PyTorch's state_dict() entries: per-parameter state by parameter index,
// then each group's options.
func ExampleRMSprop_StateDict() {
	p := torch.FromSlice([]float32{1, -2}, 2).SetRequiresGrad(true)
	defer p.Drop()
	opt, err := optim.NewRMSprop([]*torch.Tensor{p}, optim.RMSpropOptions{Momentum: 0.9})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer opt.Drop()
	torch.WithScope(func(s *torch.Scope) {
		if err := s.Attach(p.Mul(p)).Sum().Backward(); err != nil {
			fmt.Println(err)
		}
	})
	if err := opt.Step(); err != nil {
		fmt.Println(err)
		return
	}
	sd := opt.StateDict()
	defer sd.Drop()
	for _, nt := range sd {
		fmt.Println(nt.Name, nt.Tensor.DType(), nt.Tensor.Shape())
	}
	// Output:
	// state.0.step torch.int64 []
	// state.0.square_avg torch.float32 [2]
	// state.0.momentum_buffer torch.float32 [2]
	// param_groups.0.lr torch.float64 []
	// param_groups.0.momentum torch.float64 []
	// param_groups.0.alpha torch.float64 []
	// param_groups.0.eps torch.float64 []
	// param_groups.0.centered torch.bool []
	// param_groups.0.weight_decay torch.float64 []
	// param_groups.0.maximize torch.bool []
	// param_groups.0.differentiable torch.bool []
	// param_groups.0.params torch.int64 [1]
}
