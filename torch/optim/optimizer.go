// Package optim mirrors torch.optim: SGD and Adam with parameter groups, ZeroGrad and Step.
//
// Step runs in C++ (package csrc): one call updates every parameter of a group with the arithmetic
// of PyTorch 1.13's optimizers, op for op (single-tensor, or Adam's foreach and capturable variants),
// so results match PyTorch's and a step costs one cgo call however many parameters there are. Like PyTorch, parameters without a gradient (frozen
// ones, or those the loss does not reach) are skipped, so passing all of a model's parameters while
// freezing some works as it does in the seed.
package optim

import (
	"fmt"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// ParamGroup is one entry of optimizer.param_groups: parameters and the hyperparameters that apply
// to them. LR is read and written by schedulers.
type ParamGroup struct {
	Params      []*torch.Tensor
	LR          float64
	Momentum    float64 // SGD
	Dampening   float64 // SGD
	Nesterov    bool    // SGD
	WeightDecay float64
	Betas       [2]float64 // Adam
	Eps         float64    // Adam
	AMSGrad     bool       // Adam
	Foreach     *bool      // Adam: see AdamOptions
	Capturable  bool       // Adam: see AdamOptions
}

// Optimizer is torch.optim.Optimizer.
type Optimizer interface {
	ParamGroups() []*ParamGroup
	ZeroGrad() error
	Step() error
}

// handles returns the groups' parameters' handles, failing on dropped or error tensors.
func handles(ps []*torch.Tensor) ([]unsafe.Pointer, error) {
	hs := make([]unsafe.Pointer, len(ps))
	for i, p := range ps {
		if err := p.Err(); err != nil {
			return nil, fmt.Errorf("optim: parameter %d: %w", i, err)
		}
		hs[i] = p.Handle()
	}
	return hs, nil
}

// zeroGrad is zero_grad(set_to_none=False), PyTorch 1.13's default: gradients are zeroed in place,
// so each backward accumulates into memory it already has. (set_to_none, PyTorch 2's default,
// frees them and makes every backward allocate them again, which costs page faults on the CPU.)
func zeroGrad(groups []*ParamGroup) error {
	for _, g := range groups {
		hs, err := handles(g.Params)
		if err != nil {
			return err
		}
		if err := csrc.ZeroGrad(hs, false); err != nil {
			return fmt.Errorf("optim: zero_grad: %w", err)
		}
	}
	return nil
}

// state is per-parameter state that C++ allocates: handles start nil and are adopted as tensors.
type state struct {
	handles []unsafe.Pointer
	tensors []*torch.Tensor
}

func newState(n int) state {
	return state{handles: make([]unsafe.Pointer, n), tensors: make([]*torch.Tensor, n)}
}

// adopt wraps handles C++ allocated in this step, so that Go frees them.
func (s *state) adopt() {
	for i, h := range s.handles {
		if h != nil && s.tensors[i] == nil {
			s.tensors[i] = torch.FromHandle(h)
		}
	}
}

func (s *state) drop() {
	for i, t := range s.tensors {
		t.Drop()
		s.tensors[i], s.handles[i] = nil, nil
	}
}

// stateDict appends copies of a state's tensors as "<group>.<param>.<kind>", skipping parameters
// without state.
func (s *state) stateDict(group int, kind string, sd torch.StateDict) torch.StateDict {
	for i, t := range s.tensors {
		if t != nil {
			sd = append(sd, torch.NamedTensor{Name: fmt.Sprintf("%d.%d.%s", group, i, kind), Tensor: torch.Keep(t.Clone())})
		}
	}
	return sd
}

// load copies sd's "<group>.<param>.<kind>" tensors into fresh state tensors (replacing any).
func (s *state) load(group int, kind string, sd torch.StateDict) error {
	for i := range s.tensors {
		src := sd.Get(fmt.Sprintf("%d.%d.%s", group, i, kind))
		if src == nil {
			continue
		}
		c := torch.Keep(src.Clone())
		if err := c.Err(); err != nil {
			return err
		}
		s.tensors[i].Drop()
		s.tensors[i], s.handles[i] = c, c.Handle()
	}
	return nil
}
