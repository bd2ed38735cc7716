package optim

import (
	"unsafe"

	"github.com/aecifar/aecifar/torch"
)

// AdamWOptions are torch.optim.AdamW's keyword arguments; zero values are PyTorch's defaults
// (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2, amsgrad False, maximize False,
// foreach None, capturable False). A zero Betas pair means the default pair.
type AdamWOptions struct {
	LR    float64
	Betas [2]float64
	Eps   float64
	// WeightDecay is the decoupled decay coefficient, default 1e-2; new(0.0) turns it off.
	WeightDecay *float64
	AMSGrad     bool
	Maximize    bool
	Foreach     *bool // see AdamOptions
	Capturable  bool  // see AdamOptions
}

// AdamW is torch.optim.AdamW: Adam with decoupled weight decay (each step first shrinks the
// parameters by lr*weight_decay).
type AdamW struct {
	optimizer
	defaults ParamGroup
}

var _ Optimizer = (*AdamW)(nil)

// NewAdamW is torch.optim.AdamW(params, **options).
func NewAdamW(params []*torch.Tensor, opts ...AdamWOptions) (*AdamW, error) {
	o, err := one("AdamW", opts)
	if err != nil {
		return nil, err
	}
	a := &AdamW{optimizer: adamLike("AdamW", adamWHypers)}
	a.defaults = o.resolve(ParamGroup{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, WeightDecay: 1e-2})
	if err := checkAdam("AdamW", a.defaults); err != nil {
		return nil, err
	}
	if err := a.init(params, a.defaults); err != nil {
		return nil, err
	}
	return a, nil
}

// AddParamGroup is optimizer.add_param_group({'params': params, **options}): the options' zero
// fields take the values NewAdamW was given.
func (a *AdamW) AddParamGroup(params []*torch.Tensor, opts ...AdamWOptions) error {
	o, err := one("AdamW", opts)
	if err != nil {
		return err
	}
	g := o.resolve(a.defaults)
	if err := checkAdam("AdamW", g); err != nil {
		return err
	}
	return a.add(params, g)
}

func (o AdamWOptions) resolve(d ParamGroup) ParamGroup {
	d.LR = orFloat(o.LR, d.LR)
	d.Betas = orPair(o.Betas, d.Betas)
	d.Eps = orFloat(o.Eps, d.Eps)
	d.WeightDecay = orPtr(o.WeightDecay, d.WeightDecay)
	d.AMSGrad = orBool(o.AMSGrad, d.AMSGrad)
	d.Maximize = orBool(o.Maximize, d.Maximize)
	d.Foreach = orForeach(o.Foreach, d.Foreach)
	d.Capturable = orBool(o.Capturable, d.Capturable)
	return d
}

func adamWHypers(g *ParamGroup) []hyper {
	return []hyper{fh("lr", &g.LR), ph("betas", &g.Betas), fh("eps", &g.Eps), fh("weight_decay", &g.WeightDecay),
		bh("amsgrad", &g.AMSGrad), oh("foreach", &g.Foreach), bh("maximize", &g.Maximize),
		bh("capturable", &g.Capturable), initialLR(g)}
}

// Step is optimizer.step().
func (a *AdamW) Step() error {
	return a.step(func(g *ParamGroup, hs []unsafe.Pointer, s *groupState) error { return adamStep(g, hs, s, true) })
}
