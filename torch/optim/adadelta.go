package optim

import (
	"fmt"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// AdadeltaOptions are torch.optim.Adadelta's keyword arguments; zero values are PyTorch's
// defaults (lr 1.0, rho 0.9, eps 1e-6, weight_decay 0, foreach None, maximize False).
type AdadeltaOptions struct {
	LR          float64
	Rho         float64 // the smoothing constant of the running averages
	Eps         float64
	WeightDecay float64
	Foreach     *bool // the multi-tensor implementation; nil: when every parameter is on CUDA
	Maximize    bool
}

// Adadelta is torch.optim.Adadelta.
type Adadelta struct {
	optimizer
	defaults ParamGroup
}

var _ Optimizer = (*Adadelta)(nil)

// NewAdadelta is torch.optim.Adadelta(params, **options).
func NewAdadelta(params []*torch.Tensor, opts ...AdadeltaOptions) (*Adadelta, error) {
	o, err := one("Adadelta", opts)
	if err != nil {
		return nil, err
	}
	a := &Adadelta{optimizer: optimizer{name: "Adadelta", kinds: []string{"square_avg", "acc_delta"}, steps: integerStep,
		hypers: adadeltaHypers}}
	a.defaults = o.resolve(ParamGroup{LR: 1.0, Rho: 0.9, Eps: 1e-6})
	if err := a.check(a.defaults); err != nil {
		return nil, err
	}
	if err := a.init(params, a.defaults); err != nil {
		return nil, err
	}
	return a, nil
}

// AddParamGroup is optimizer.add_param_group({'params': params, **options}): the options' zero
// fields take the values NewAdadelta was given.
func (a *Adadelta) AddParamGroup(params []*torch.Tensor, opts ...AdadeltaOptions) error {
	o, err := one("Adadelta", opts)
	if err != nil {
		return err
	}
	g := o.resolve(a.defaults)
	if err := a.check(g); err != nil {
		return err
	}
	return a.add(params, g)
}

func (o AdadeltaOptions) resolve(d ParamGroup) ParamGroup {
	d.LR = orFloat(o.LR, d.LR)
	d.Rho = orFloat(o.Rho, d.Rho)
	d.Eps = orFloat(o.Eps, d.Eps)
	d.WeightDecay = orFloat(o.WeightDecay, d.WeightDecay)
	d.Foreach = orForeach(o.Foreach, d.Foreach)
	d.Maximize = orBool(o.Maximize, d.Maximize)
	return d
}

func (a *Adadelta) check(g ParamGroup) error {
	switch {
	case g.LR < 0:
		return fmt.Errorf("optim.Adadelta: Invalid learning rate: %v", g.LR)
	case g.Rho < 0 || g.Rho > 1:
		return fmt.Errorf("optim.Adadelta: Invalid rho value: %v", g.Rho)
	case g.Eps < 0:
		return fmt.Errorf("optim.Adadelta: Invalid epsilon value: %v", g.Eps)
	case g.WeightDecay < 0:
		return fmt.Errorf("optim.Adadelta: Invalid weight_decay value: %v", g.WeightDecay)
	}
	return nil
}

func adadeltaHypers(g *ParamGroup) []hyper {
	return []hyper{fh("lr", &g.LR), fh("rho", &g.Rho), fh("eps", &g.Eps), fh("weight_decay", &g.WeightDecay),
		bh("maximize", &g.Maximize), oh("foreach", &g.Foreach), initialLR(g)}
}

// Step is optimizer.step().
func (a *Adadelta) Step() error {
	return a.step(func(g *ParamGroup, hs []unsafe.Pointer, s *groupState) error {
		return csrc.AdadeltaStep(hs, s.tensors[0].handles, s.tensors[1].handles, s.steps, g.LR, g.Rho, g.Eps,
			g.WeightDecay, g.Maximize, useForeach(g))
	})
}
