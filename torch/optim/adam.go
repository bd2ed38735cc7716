package optim

import (
	"fmt"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// AdamOptions are torch.optim.Adam's keyword arguments; zero values are PyTorch's defaults
// (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0, amsgrad False, foreach None,
// maximize False, capturable False, differentiable False, fused False). A zero Betas pair means the
// default pair.
type AdamOptions struct {
	LR          float64
	Betas       [2]float64
	Eps         float64
	WeightDecay float64
	AMSGrad     bool
	// Foreach selects the multi-tensor implementation (one _foreach_ op per stage over all
	// parameters) or, false, the single-tensor for-loop. nil is PyTorch 2's default: foreach when
	// every parameter is on CUDA (PyTorch 1.13 always took the for-loop; on the CPU both agree).
	Foreach *bool
	// Maximize maximizes the objective: the update follows the gradient instead of its negation.
	Maximize bool
	// Capturable keeps each parameter's step count on its device and computes the bias corrections
	// there, so that a step captured in a CUDA graph is right when replayed (the host-side counts of
	// the other implementations would be frozen into the graph). The bias corrections are then
	// float32, not float64 (both implementations have it).
	Capturable bool
	// Differentiable runs the step with autograd recording it, as SGDOptions.Differentiable; the
	// bias corrections are then float32 tensor arithmetic, as in PyTorch.
	Differentiable bool
	// Fused runs each step as one fused kernel per device and dtype (torch._fused_adam_), with the
	// step counts on the devices. As in PyTorch 1.13 every parameter must be a floating-point CUDA
	// tensor, and it excludes Differentiable; an explicit Foreach true takes precedence.
	Fused bool
}

// Adam is torch.optim.Adam. Weight decay is L2 added to the gradient, as in PyTorch's Adam (AdamW
// decouples it).
type Adam struct {
	optimizer
	defaults ParamGroup
}

var _ Optimizer = (*Adam)(nil)

// NewAdam is torch.optim.Adam(params, **options).
func NewAdam(params []*torch.Tensor, opts ...AdamOptions) (*Adam, error) {
	o, err := one("Adam", opts)
	if err != nil {
		return nil, err
	}
	a := &Adam{optimizer: adamLike("Adam", adamHypers)}
	a.defaults = o.resolve(ParamGroup{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8})
	if err := checkAdam("Adam", a.defaults); err != nil {
		return nil, err
	}
	if err := checkFused(a.defaults, params); err != nil {
		return nil, err
	}
	if err := a.init(params, a.defaults); err != nil {
		return nil, err
	}
	return a, nil
}

// AddParamGroup is optimizer.add_param_group({'params': params, **options}): the options' zero
// fields take the values NewAdam was given.
func (a *Adam) AddParamGroup(params []*torch.Tensor, opts ...AdamOptions) error {
	o, err := one("Adam", opts)
	if err != nil {
		return err
	}
	g := o.resolve(a.defaults)
	if err := checkAdam("Adam", g); err != nil {
		return err
	}
	if err := checkFused(g, params); err != nil {
		return err
	}
	return a.add(params, g)
}

func (o AdamOptions) resolve(d ParamGroup) ParamGroup {
	d.LR = orFloat(o.LR, d.LR)
	d.Betas = orPair(o.Betas, d.Betas)
	d.Eps = orFloat(o.Eps, d.Eps)
	d.WeightDecay = orFloat(o.WeightDecay, d.WeightDecay)
	d.AMSGrad = orBool(o.AMSGrad, d.AMSGrad)
	d.Foreach = orForeach(o.Foreach, d.Foreach)
	d.Maximize = orBool(o.Maximize, d.Maximize)
	d.Capturable = orBool(o.Capturable, d.Capturable)
	d.Differentiable = orBool(o.Differentiable, d.Differentiable)
	d.Fused = orBool(o.Fused, d.Fused)
	return d
}

// adamLike is the layout Adam and AdamW share.
func adamLike(name string, hypers func(*ParamGroup) []hyper) optimizer {
	return optimizer{name: name, kinds: []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}, steps: tensorStep, hypers: hypers}
}

func checkAdam(name string, g ParamGroup) error {
	switch {
	case g.LR < 0:
		return fmt.Errorf("optim.%s: Invalid learning rate: %v", name, g.LR)
	case g.Eps < 0:
		return fmt.Errorf("optim.%s: Invalid epsilon value: %v", name, g.Eps)
	case g.Betas[0] < 0 || g.Betas[0] >= 1:
		return fmt.Errorf("optim.%s: Invalid beta parameter at index 0: %v", name, g.Betas[0])
	case g.Betas[1] < 0 || g.Betas[1] >= 1:
		return fmt.Errorf("optim.%s: Invalid beta parameter at index 1: %v", name, g.Betas[1])
	case g.WeightDecay < 0:
		return fmt.Errorf("optim.%s: Invalid weight_decay value: %v", name, g.WeightDecay)
	}
	return checkDifferentiable(name, g)
}

// checkFused is PyTorch 1.13's check of fused=True, made for each group as it is added.
func checkFused(g ParamGroup, params []*torch.Tensor) error {
	if !g.Fused {
		return nil
	}
	if g.Differentiable {
		return fmt.Errorf("optim.Adam: `fused` cannot be `differentiable`")
	}
	for _, p := range params {
		if p.Err() != nil {
			continue // add reports it
		}
		if isFloat, _ := p.IsFloatingPoint(); !p.Device().IsCUDA() || !isFloat {
			return fmt.Errorf("optim.Adam: FusedAdam requires all the params to be CUDA, floating point")
		}
	}
	return nil
}

func adamHypers(g *ParamGroup) []hyper {
	return []hyper{fh("lr", &g.LR), ph("betas", &g.Betas), fh("eps", &g.Eps), fh("weight_decay", &g.WeightDecay),
		bh("amsgrad", &g.AMSGrad), bh("maximize", &g.Maximize), oh("foreach", &g.Foreach),
		bh("capturable", &g.Capturable), bh("differentiable", &g.Differentiable), bh("fused", &g.Fused), initialLR(g)}
}

// adamStep is Adam's or (decoupled) AdamW's step of one group. The implementation follows PyTorch
// 1.13's choice: an explicit foreach, else fused, else the single-tensor for-loop, except that a
// nil Foreach on CUDA means foreach (PyTorch 2's default) unless the step is differentiable.
func adamStep(g *ParamGroup, hs []unsafe.Pointer, s *groupState, decoupled bool) error {
	st := csrc.AdamState{ExpAvg: s.tensors[0].handles, ExpAvgSq: s.tensors[1].handles,
		MaxExpAvgSq: s.tensors[2].handles, StepTensors: s.stepTensors.handles, Steps: s.steps}
	h := csrc.AdamHypers{LR: g.LR, Beta1: g.Betas[0], Beta2: g.Betas[1], Eps: g.Eps, WeightDecay: g.WeightDecay,
		AMSGrad: g.AMSGrad, Maximize: g.Maximize, Capturable: g.Capturable, Decoupled: decoupled,
		Differentiable: g.Differentiable}
	switch {
	case g.Foreach != nil && *g.Foreach:
		return csrc.AdamForeachStep(hs, st, h)
	case g.Fused:
		return csrc.AdamFusedStep(hs, st, h)
	case useForeach(g):
		return csrc.AdamForeachStep(hs, st, h)
	}
	return csrc.AdamStep(hs, st, h)
}

// Step is optimizer.step().
func (a *Adam) Step() error {
	return a.step(func(g *ParamGroup, hs []unsafe.Pointer, s *groupState) error { return adamStep(g, hs, s, false) })
}
