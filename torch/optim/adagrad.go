package optim

import (
	"fmt"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// AdagradOptions are torch.optim.Adagrad's keyword arguments; zero values are PyTorch's defaults
// (lr 1e-2, lr_decay 0, weight_decay 0, initial_accumulator_value 0, eps 1e-10, foreach None,
// maximize False).
type AdagradOptions struct {
	LR          float64
	LRDecay     float64 // the step's learning rate is lr / (1 + (step-1)*lr_decay)
	WeightDecay float64
	// InitialAccumulatorValue is the value the sums of squared gradients start at.
	InitialAccumulatorValue float64
	Eps                     float64
	Foreach                 *bool // the multi-tensor implementation; nil: when every parameter is on CUDA
	Maximize                bool
}

// Adagrad is torch.optim.Adagrad. As in PyTorch, its state (each parameter's sum and a step count
// of 0) exists from construction on, and every sum starts at the initial_accumulator_value given to
// the constructor, in every group: PyTorch 1.13's constructor fills the sums from its own argument,
// not from the group's option, which only the state dict records. In the foreach
// implementation PyTorch 1.13 computes each step's learning rate in float32 (from its float32
// step tensors), the single-tensor one in float64; both are kept.
type Adagrad struct {
	optimizer
	defaults ParamGroup
}

var _ Optimizer = (*Adagrad)(nil)

// NewAdagrad is torch.optim.Adagrad(params, **options).
func NewAdagrad(params []*torch.Tensor, opts ...AdagradOptions) (*Adagrad, error) {
	o, err := one("Adagrad", opts)
	if err != nil {
		return nil, err
	}
	a := &Adagrad{}
	a.optimizer = optimizer{name: "Adagrad", kinds: []string{"sum"}, steps: tensorStep, hypers: adagradHypers,
		allocate: func(g *ParamGroup, s *groupState) error {
			hs, err := handles(g.Params)
			if err == nil {
				err = csrc.AdagradInit(hs, s.tensors[0].handles, a.defaults.InitialAccumulatorValue)
			}
			s.adopt()
			return err
		}}
	a.defaults = o.resolve(ParamGroup{LR: 1e-2, Eps: 1e-10})
	if err := a.check(a.defaults); err != nil {
		return nil, err
	}
	if err := a.init(params, a.defaults); err != nil {
		return nil, err
	}
	return a, nil
}

// AddParamGroup is optimizer.add_param_group({'params': params, **options}): the options' zero
// fields take the values NewAdagrad was given. Its sums are made as the constructor makes them, as
// for a group passed to PyTorch's constructor. (PyTorch 1.13 gives a group that add_param_group
// adds later no state, so that its step fails.)
func (a *Adagrad) AddParamGroup(params []*torch.Tensor, opts ...AdagradOptions) error {
	o, err := one("Adagrad", opts)
	if err != nil {
		return err
	}
	g := o.resolve(a.defaults)
	if err := a.check(g); err != nil {
		return err
	}
	return a.add(params, g)
}

func (o AdagradOptions) resolve(d ParamGroup) ParamGroup {
	d.LR = orFloat(o.LR, d.LR)
	d.LRDecay = orFloat(o.LRDecay, d.LRDecay)
	d.WeightDecay = orFloat(o.WeightDecay, d.WeightDecay)
	d.InitialAccumulatorValue = orFloat(o.InitialAccumulatorValue, d.InitialAccumulatorValue)
	d.Eps = orFloat(o.Eps, d.Eps)
	d.Foreach = orForeach(o.Foreach, d.Foreach)
	d.Maximize = orBool(o.Maximize, d.Maximize)
	return d
}

func (a *Adagrad) check(g ParamGroup) error {
	switch {
	case g.LR < 0:
		return fmt.Errorf("optim.Adagrad: Invalid learning rate: %v", g.LR)
	case g.LRDecay < 0:
		return fmt.Errorf("optim.Adagrad: Invalid lr_decay value: %v", g.LRDecay)
	case g.WeightDecay < 0:
		return fmt.Errorf("optim.Adagrad: Invalid weight_decay value: %v", g.WeightDecay)
	case g.InitialAccumulatorValue < 0:
		return fmt.Errorf("optim.Adagrad: Invalid initial_accumulator_value value: %v", g.InitialAccumulatorValue)
	case g.Eps < 0:
		return fmt.Errorf("optim.Adagrad: Invalid epsilon value: %v", g.Eps)
	}
	return nil
}

func adagradHypers(g *ParamGroup) []hyper {
	return []hyper{fh("lr", &g.LR), fh("lr_decay", &g.LRDecay), fh("eps", &g.Eps), fh("weight_decay", &g.WeightDecay),
		fh("initial_accumulator_value", &g.InitialAccumulatorValue), oh("foreach", &g.Foreach),
		bh("maximize", &g.Maximize), initialLR(g)}
}

// Step is optimizer.step().
func (a *Adagrad) Step() error {
	return a.step(func(g *ParamGroup, hs []unsafe.Pointer, s *groupState) error {
		return csrc.AdagradStep(hs, s.tensors[0].handles, s.steps, g.LR, g.LRDecay, g.WeightDecay, g.Eps,
			a.defaults.InitialAccumulatorValue, g.Maximize, useForeach(g))
	})
}
