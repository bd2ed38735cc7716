package optim

import (
	"fmt"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// SGDOptions are torch.optim.SGD's keyword arguments besides lr.
type SGDOptions struct {
	Momentum, Dampening, WeightDecay float64
	Nesterov                         bool
}

// SGD is torch.optim.SGD: stochastic gradient descent with optional momentum (PyTorch's
// formulation: buf = momentum*buf + (1-dampening)*grad, p -= lr*buf).
type SGD struct {
	groups []*ParamGroup
	bufs   []state // per group: momentum buffers
}

// NewSGD is torch.optim.SGD(params, lr, **options).
func NewSGD(params []*torch.Tensor, lr float64, opts ...SGDOptions) (*SGD, error) {
	var o SGDOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	g := &ParamGroup{Params: params, LR: lr, Momentum: o.Momentum, Dampening: o.Dampening, Nesterov: o.Nesterov, WeightDecay: o.WeightDecay}
	return NewSGDGroups([]*ParamGroup{g})
}

// NewSGDGroups is torch.optim.SGD with a list of parameter groups.
func NewSGDGroups(groups []*ParamGroup) (*SGD, error) {
	for i, g := range groups {
		switch {
		case g.LR < 0:
			return nil, fmt.Errorf("optim.SGD: invalid learning rate %v (group %d)", g.LR, i)
		case g.Momentum < 0:
			return nil, fmt.Errorf("optim.SGD: invalid momentum value %v (group %d)", g.Momentum, i)
		case g.WeightDecay < 0:
			return nil, fmt.Errorf("optim.SGD: invalid weight_decay value %v (group %d)", g.WeightDecay, i)
		case g.Nesterov && (g.Momentum <= 0 || g.Dampening != 0):
			return nil, fmt.Errorf("optim.SGD: nesterov momentum requires a momentum and zero dampening")
		}
	}
	s := &SGD{groups: groups}
	for _, g := range groups {
		s.bufs = append(s.bufs, newState(len(g.Params)))
	}
	return s, nil
}

// ParamGroups is optimizer.param_groups.
func (s *SGD) ParamGroups() []*ParamGroup { return s.groups }

// ZeroGrad is optimizer.zero_grad() with PyTorch 1.13's default, set_to_none=False.
func (s *SGD) ZeroGrad() error { return zeroGrad(s.groups) }

// Step is optimizer.step().
func (s *SGD) Step() error {
	for i, g := range s.groups {
		hs, err := handles(g.Params)
		if err != nil {
			return err
		}
		b := &s.bufs[i]
		err = csrc.SGDStep(hs, b.handles, g.LR, g.Momentum, g.Dampening, g.WeightDecay, g.Nesterov)
		b.adopt()
		if err != nil {
			return fmt.Errorf("optim.SGD.step: %w", err)
		}
	}
	return nil
}

// Drop frees the optimizer's state.
func (s *SGD) Drop() {
	for i := range s.bufs {
		s.bufs[i].drop()
	}
}

var _ Optimizer = (*SGD)(nil)

// StateDict is a copy of the optimizer's per-parameter state (momentum buffers), for checkpoints:
// tensors named "<group>.<param>.momentum_buffer", which the caller drops.
func (s *SGD) StateDict() torch.StateDict {
	var sd torch.StateDict
	for g := range s.bufs {
		sd = s.bufs[g].stateDict(g, "momentum_buffer", sd)
	}
	return sd
}

// LoadStateDict restores state saved by StateDict (copies; sd keeps its tensors).
func (s *SGD) LoadStateDict(sd torch.StateDict) error {
	for g := range s.bufs {
		if err := s.bufs[g].load(g, "momentum_buffer", sd); err != nil {
			return err
		}
	}
	return nil
}
