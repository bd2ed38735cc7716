package optim

import (
	"fmt"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// AdamOptions are torch.optim.Adam's keyword arguments; zero values are PyTorch's defaults
// (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0, amsgrad False, foreach None,
// capturable False).
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
	// Capturable keeps each parameter's step count on its device and computes the bias corrections
	// there, so that a step captured in a CUDA graph is right when replayed (the host-side counts of
	// the other implementations would be frozen into the graph). It implies the foreach arithmetic.
	Capturable bool
}

// Adam is torch.optim.Adam. Weight decay is L2 added to the gradient, as in PyTorch's Adam (not AdamW).
type Adam struct {
	groups []*ParamGroup
	state  []adamState
}

type adamState struct {
	expAvg, expAvgSq, maxExpAvgSq state
	steps                         []int64 // the host's count of each parameter's steps
	stepTensors                   state   // Capturable: each parameter's step count on its device
}

// NewAdam is torch.optim.Adam(params, **options).
func NewAdam(params []*torch.Tensor, opts ...AdamOptions) (*Adam, error) {
	o := AdamOptions{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
	if len(opts) > 0 {
		u := opts[0]
		if u.LR != 0 {
			o.LR = u.LR
		}
		if u.Betas != [2]float64{} {
			o.Betas = u.Betas
		}
		if u.Eps != 0 {
			o.Eps = u.Eps
		}
		o.WeightDecay, o.AMSGrad, o.Foreach, o.Capturable = u.WeightDecay, u.AMSGrad, u.Foreach, u.Capturable
	}
	g := &ParamGroup{Params: params, LR: o.LR, Betas: o.Betas, Eps: o.Eps, WeightDecay: o.WeightDecay, AMSGrad: o.AMSGrad,
		Foreach: o.Foreach, Capturable: o.Capturable}
	return NewAdamGroups([]*ParamGroup{g})
}

// NewAdamGroups is torch.optim.Adam with a list of parameter groups, each complete.
func NewAdamGroups(groups []*ParamGroup) (*Adam, error) {
	for i, g := range groups {
		switch {
		case g.LR < 0:
			return nil, fmt.Errorf("optim.Adam: invalid learning rate %v (group %d)", g.LR, i)
		case g.Eps < 0:
			return nil, fmt.Errorf("optim.Adam: invalid epsilon value %v (group %d)", g.Eps, i)
		case g.Betas[0] < 0 || g.Betas[0] >= 1:
			return nil, fmt.Errorf("optim.Adam: invalid beta parameter at index 0: %v (group %d)", g.Betas[0], i)
		case g.Betas[1] < 0 || g.Betas[1] >= 1:
			return nil, fmt.Errorf("optim.Adam: invalid beta parameter at index 1: %v (group %d)", g.Betas[1], i)
		case g.WeightDecay < 0:
			return nil, fmt.Errorf("optim.Adam: invalid weight_decay value %v (group %d)", g.WeightDecay, i)
		}
	}
	a := &Adam{groups: groups}
	for _, g := range groups {
		n := len(g.Params)
		a.state = append(a.state, adamState{newState(n), newState(n), newState(n), make([]int64, n), newState(n)})
	}
	return a, nil
}

// ParamGroups is optimizer.param_groups.
func (a *Adam) ParamGroups() []*ParamGroup { return a.groups }

// ZeroGrad is optimizer.zero_grad() with PyTorch 1.13's default, set_to_none=False.
func (a *Adam) ZeroGrad() error { return zeroGrad(a.groups) }

// Step is optimizer.step().
func (a *Adam) Step() error {
	for i, g := range a.groups {
		hs, err := handles(g.Params)
		if err != nil {
			return err
		}
		s := &a.state[i]
		if g.Capturable || useForeach(g) {
			err = csrc.AdamForeachStep(hs, s.expAvg.handles, s.expAvgSq.handles, s.maxExpAvgSq.handles, s.steps, s.stepTensors.handles,
				g.LR, g.Betas[0], g.Betas[1], g.Eps, g.WeightDecay, g.AMSGrad, g.Capturable)
		} else {
			err = csrc.AdamStep(hs, s.expAvg.handles, s.expAvgSq.handles, s.maxExpAvgSq.handles, s.steps,
				g.LR, g.Betas[0], g.Betas[1], g.Eps, g.WeightDecay, g.AMSGrad)
		}
		s.expAvg.adopt()
		s.expAvgSq.adopt()
		s.maxExpAvgSq.adopt()
		s.stepTensors.adopt()
		if err != nil {
			return fmt.Errorf("optim.Adam.step: %w", err)
		}
	}
	return nil
}

// useForeach resolves a group's Foreach option: nil means foreach when every parameter is on CUDA.
func useForeach(g *ParamGroup) bool {
	if g.Foreach != nil {
		return *g.Foreach
	}
	for _, p := range g.Params {
		if !p.Device().IsCUDA() {
			return false
		}
	}
	return len(g.Params) > 0
}

// Drop frees the optimizer's state.
func (a *Adam) Drop() {
	for i := range a.state {
		a.state[i].expAvg.drop()
		a.state[i].expAvgSq.drop()
		a.state[i].maxExpAvgSq.drop()
		a.state[i].stepTensors.drop()
	}
}

var _ Optimizer = (*Adam)(nil)

// StateDict is a copy of the optimizer's per-parameter state, for checkpoints:
// "<group>.<param>.exp_avg", ".exp_avg_sq", ".max_exp_avg_sq" and ".step" (an int64 scalar); the
// caller drops it.
func (a *Adam) StateDict() torch.StateDict {
	var sd torch.StateDict
	for g := range a.state {
		s := &a.state[g]
		sd = s.expAvg.stateDict(g, "exp_avg", sd)
		sd = s.expAvgSq.stateDict(g, "exp_avg_sq", sd)
		sd = s.maxExpAvgSq.stateDict(g, "max_exp_avg_sq", sd)
		for i, n := range s.steps {
			switch {
			case s.stepTensors.tensors[i] != nil:
				// A replayed graph advances the device's count, not the host's.
				sd = append(sd, torch.NamedTensor{Name: fmt.Sprintf("%d.%d.step", g, i), Tensor: torch.Keep(s.stepTensors.tensors[i].Clone())})
			case n > 0:
				sd = append(sd, torch.NamedTensor{Name: fmt.Sprintf("%d.%d.step", g, i), Tensor: torch.Scalar(n)})
			}
		}
	}
	return sd
}

// LoadStateDict restores state saved by StateDict (copies; sd keeps its tensors).
func (a *Adam) LoadStateDict(sd torch.StateDict) error {
	for g := range a.state {
		s := &a.state[g]
		for _, k := range []struct {
			st   *state
			kind string
		}{{&s.expAvg, "exp_avg"}, {&s.expAvgSq, "exp_avg_sq"}, {&s.maxExpAvgSq, "max_exp_avg_sq"}} {
			if err := k.st.load(g, k.kind, sd); err != nil {
				return err
			}
		}
		for i := range s.steps {
			if t := sd.Get(fmt.Sprintf("%d.%d.step", g, i)); t != nil {
				v, err := t.Item()
				if err != nil {
					return err
				}
				s.steps[i] = int64(v)
				if st := s.stepTensors.tensors[i]; st != nil {
					if err := st.Fill_(v).Err(); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}
