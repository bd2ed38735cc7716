package optim

import (
	"fmt"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// SGDOptions are torch.optim.SGD's keyword arguments besides lr; zero values are PyTorch's
// defaults (momentum 0, dampening 0, weight_decay 0, nesterov False, maximize False, foreach None,
// differentiable False).
type SGDOptions struct {
	Momentum    float64
	Dampening   float64
	WeightDecay float64
	Nesterov    bool
	Maximize    bool  // maximize the objective: step along the gradient
	Foreach     *bool // the multi-tensor implementation; nil: when every parameter is on CUDA
	// Differentiable runs the step with autograd recording it (see the package doc): the single-
	// tensor implementation, with Foreach nil or false.
	Differentiable bool
}

// SGD is torch.optim.SGD: stochastic gradient descent with optional momentum (PyTorch's
// formulation: buf = momentum*buf + (1-dampening)*grad, p -= lr*buf).
type SGD struct {
	optimizer
	defaults ParamGroup
}

var _ Optimizer = (*SGD)(nil)

// NewSGD is torch.optim.SGD(params, lr, **options).
func NewSGD(params []*torch.Tensor, lr float64, opts ...SGDOptions) (*SGD, error) {
	o, err := one("SGD", opts)
	if err != nil {
		return nil, err
	}
	s := &SGD{optimizer: optimizer{name: "SGD", kinds: []string{"momentum_buffer"}, steps: noStep, hypers: sgdHypers}}
	s.defaults = o.resolve(ParamGroup{LR: lr})
	if err := s.check(s.defaults); err != nil {
		return nil, err
	}
	if err := s.init(params, s.defaults); err != nil {
		return nil, err
	}
	return s, nil
}

// AddParamGroup is optimizer.add_param_group({'params': params, 'lr': lr, **options}): the
// options' zero fields take the values NewSGD was given.
func (s *SGD) AddParamGroup(params []*torch.Tensor, lr float64, opts ...SGDOptions) error {
	o, err := one("SGD", opts)
	if err != nil {
		return err
	}
	d := s.defaults
	d.LR = lr
	g := o.resolve(d)
	if err := s.check(g); err != nil {
		return err
	}
	return s.add(params, g)
}

func (o SGDOptions) resolve(d ParamGroup) ParamGroup {
	d.Momentum = orFloat(o.Momentum, d.Momentum)
	d.Dampening = orFloat(o.Dampening, d.Dampening)
	d.WeightDecay = orFloat(o.WeightDecay, d.WeightDecay)
	d.Nesterov = orBool(o.Nesterov, d.Nesterov)
	d.Maximize = orBool(o.Maximize, d.Maximize)
	d.Foreach = orForeach(o.Foreach, d.Foreach)
	d.Differentiable = orBool(o.Differentiable, d.Differentiable)
	return d
}

func (s *SGD) check(g ParamGroup) error {
	switch {
	case g.LR < 0:
		return fmt.Errorf("optim.SGD: Invalid learning rate: %v", g.LR)
	case g.Momentum < 0:
		return fmt.Errorf("optim.SGD: Invalid momentum value: %v", g.Momentum)
	case g.WeightDecay < 0:
		return fmt.Errorf("optim.SGD: Invalid weight_decay value: %v", g.WeightDecay)
	case g.Nesterov && (g.Momentum <= 0 || g.Dampening != 0):
		return fmt.Errorf("optim.SGD: Nesterov momentum requires a momentum and zero dampening")
	}
	return checkDifferentiable("SGD", g)
}

func sgdHypers(g *ParamGroup) []hyper {
	return []hyper{fh("lr", &g.LR), fh("momentum", &g.Momentum), fh("dampening", &g.Dampening),
		fh("weight_decay", &g.WeightDecay), bh("nesterov", &g.Nesterov), bh("maximize", &g.Maximize),
		oh("foreach", &g.Foreach), bh("differentiable", &g.Differentiable), initialLR(g)}
}

// Step is optimizer.step().
func (s *SGD) Step() error {
	return s.step(func(g *ParamGroup, hs []unsafe.Pointer, st *groupState) error {
		return csrc.SGDStep(hs, st.tensors[0].handles, g.LR, g.Momentum, g.Dampening, g.WeightDecay, g.Nesterov,
			g.Maximize, useForeach(g), g.Differentiable)
	})
}
