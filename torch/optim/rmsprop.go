package optim

import (
	"fmt"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// RMSpropOptions are torch.optim.RMSprop's keyword arguments; zero values are PyTorch's defaults
// (lr 1e-2, alpha 0.99, eps 1e-8, weight_decay 0, momentum 0, centered False, foreach None,
// maximize False, differentiable False).
type RMSpropOptions struct {
	LR          float64
	Alpha       float64 // the smoothing constant of the squared-gradient average
	Eps         float64
	WeightDecay float64
	Momentum    float64
	Centered    bool  // normalise by the gradient's estimated variance instead of its second moment
	Foreach     *bool // the multi-tensor implementation; nil: when every parameter is on CUDA
	Maximize    bool
	// Differentiable runs the step with autograd recording it, as SGDOptions.Differentiable.
	Differentiable bool
}

// RMSprop is torch.optim.RMSprop.
type RMSprop struct {
	optimizer
	defaults ParamGroup
}

var _ Optimizer = (*RMSprop)(nil)

// NewRMSprop is torch.optim.RMSprop(params, **options).
func NewRMSprop(params []*torch.Tensor, opts ...RMSpropOptions) (*RMSprop, error) {
	o, err := one("RMSprop", opts)
	if err != nil {
		return nil, err
	}
	r := &RMSprop{optimizer: optimizer{name: "RMSprop", kinds: []string{"square_avg", "momentum_buffer", "grad_avg"},
		steps: integerStep, hypers: rmspropHypers}}
	r.defaults = o.resolve(ParamGroup{LR: 1e-2, Alpha: 0.99, Eps: 1e-8})
	if err := r.check(r.defaults); err != nil {
		return nil, err
	}
	if err := r.init(params, r.defaults); err != nil {
		return nil, err
	}
	return r, nil
}

// AddParamGroup is optimizer.add_param_group({'params': params, **options}): the options' zero
// fields take the values NewRMSprop was given.
func (r *RMSprop) AddParamGroup(params []*torch.Tensor, opts ...RMSpropOptions) error {
	o, err := one("RMSprop", opts)
	if err != nil {
		return err
	}
	g := o.resolve(r.defaults)
	if err := r.check(g); err != nil {
		return err
	}
	return r.add(params, g)
}

func (o RMSpropOptions) resolve(d ParamGroup) ParamGroup {
	d.LR = orFloat(o.LR, d.LR)
	d.Alpha = orFloat(o.Alpha, d.Alpha)
	d.Eps = orFloat(o.Eps, d.Eps)
	d.WeightDecay = orFloat(o.WeightDecay, d.WeightDecay)
	d.Momentum = orFloat(o.Momentum, d.Momentum)
	d.Centered = orBool(o.Centered, d.Centered)
	d.Foreach = orForeach(o.Foreach, d.Foreach)
	d.Maximize = orBool(o.Maximize, d.Maximize)
	d.Differentiable = orBool(o.Differentiable, d.Differentiable)
	return d
}

func (r *RMSprop) check(g ParamGroup) error {
	switch {
	case g.LR < 0:
		return fmt.Errorf("optim.RMSprop: Invalid learning rate: %v", g.LR)
	case g.Eps < 0:
		return fmt.Errorf("optim.RMSprop: Invalid epsilon value: %v", g.Eps)
	case g.Momentum < 0:
		return fmt.Errorf("optim.RMSprop: Invalid momentum value: %v", g.Momentum)
	case g.WeightDecay < 0:
		return fmt.Errorf("optim.RMSprop: Invalid weight_decay value: %v", g.WeightDecay)
	case g.Alpha < 0:
		return fmt.Errorf("optim.RMSprop: Invalid alpha value: %v", g.Alpha)
	}
	return checkDifferentiable("RMSprop", g)
}

func rmspropHypers(g *ParamGroup) []hyper {
	return []hyper{fh("lr", &g.LR), fh("momentum", &g.Momentum), fh("alpha", &g.Alpha), fh("eps", &g.Eps),
		bh("centered", &g.Centered), fh("weight_decay", &g.WeightDecay), oh("foreach", &g.Foreach),
		bh("maximize", &g.Maximize), bh("differentiable", &g.Differentiable), initialLR(g)}
}

// Step is optimizer.step().
func (r *RMSprop) Step() error {
	return r.step(func(g *ParamGroup, hs []unsafe.Pointer, s *groupState) error {
		return csrc.RMSpropStep(hs, s.tensors[0].handles, s.tensors[1].handles, s.tensors[2].handles, s.steps,
			g.LR, g.Alpha, g.Eps, g.WeightDecay, g.Momentum, g.Centered, g.Maximize, useForeach(g),
			g.Differentiable)
	})
}
