// Package optim mirrors torch.optim: SGD, Adam, AdamW, RMSprop, Adagrad and Adadelta with
// parameter groups, ZeroGrad, Step, StateDict and LoadStateDict, with PyTorch 1.13's options,
// defaults and arithmetic.
//
// # Options
//
// Every package of this module passes PyTorch's keyword arguments the same way:
//
//   - Required positional parameters of the PyTorch signature are Go parameters, in PyTorch's
//     order: NewSGD(params, lr) because torch.optim.SGD requires lr.
//   - Parameters with defaults go in one options struct named after the type (AdamWOptions),
//     passed as an optional last variadic argument; at most one is used, and passing more is an
//     error. Field names are PyTorch's keyword names in CamelCase (weight_decay is WeightDecay,
//     lr is LR); the zero value of every field means PyTorch's default, which its doc states.
//   - Where zero is a real setting that differs from the default, the field is a pointer and nil
//     means the default: AdamW's WeightDecay (default 1e-2) is *float64, so that
//     AdamWOptions{WeightDecay: new(0.0)} turns it off; Foreach (PyTorch's None) is *bool.
//   - PyTorch's string choices are typed string constants whose zero value "" means the default
//     (lr_scheduler.ModeMin, lr_scheduler.AnnealStrategyCos); their String() is PyTorch's string.
//   - Constructors that can fail return (T, error) with PyTorch's message where it has one.
//
// # Parameter groups
//
// A constructor makes one group from its params and options; AddParamGroup is
// optimizer.add_param_group: the new group's zero option fields take the constructor's values,
// as the keys a PyTorch group dict leaves out take the optimizer's defaults. So
//
//	optim.SGD([{'params': base}, {'params': head, 'lr': 1e-3}], lr=1e-2, momentum=0.9)
//
// is
//
//	opt, err := optim.NewSGD(base, 1e-2, optim.SGDOptions{Momentum: 0.9})
//	err = opt.AddParamGroup(head, 1e-3)
//
// ParamGroups returns the groups themselves, as optimizer.param_groups: a scheduler, or the
// caller, changes a group's LR (or any option, to a zero as well) by writing its field.
//
// # Steps
//
// Step runs in C++ (package csrc): one call updates every parameter of a group with the arithmetic
// of PyTorch 1.13's optimizers, op for op, in the single-tensor ("for-loop") or the multi-tensor
// ("foreach") implementation, which PyTorch chooses with foreach= and which round differently in
// places; so results match PyTorch's and a step costs one cgo call however many parameters there
// are. Foreach nil is PyTorch 2's default: foreach when every parameter of the group is on CUDA
// (PyTorch 1.13 always took the for-loop; on the CPU both agree). Like PyTorch, parameters without
// a gradient (frozen ones, or those the loss does not reach) are skipped, so passing all of a
// model's parameters while freezing some works as it does in the seed. Sparse gradients are not
// supported.
//
// Differentiable (SGD, Adam, RMSprop) runs the step with autograd on, as PyTorch's
// differentiable=True, so that the updated parameters are functions of what the step read: the
// parameters (which must then not be leaves that require grad: a clone of one, say), their .grad
// (set with Tensor.SetGrad from autograd.Grad with CreateGraph) and the optimizer's state. Adam's
// Fused is PyTorch 1.13's fused=True: one fused kernel per device and dtype, for CUDA parameters.
//
// # State
//
// StateDict is optimizer.state_dict() flattened into named tensors that torch.Save writes:
// "state.<i>.<key>" for parameter i's state (i counts parameters across groups, as PyTorch's
// indices do; the keys are PyTorch's: "step", "exp_avg", "momentum_buffer", ...) and
// "param_groups.<g>.<key>" for group g's options (float64 or bool scalars, betas a pair,
// "params" the group's parameter indices, "initial_lr" once a scheduler set it). LoadStateDict
// restores both, as optimizer.load_state_dict does.
//
// Errors: constructors and methods return errors; nothing panics on a user's mistake.
package optim

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// ParamGroup is one entry of optimizer.param_groups: parameters and the options that apply to
// them. Each optimizer reads the fields it has (their comments name which); schedulers read and
// write LR (and, for OneCycleLR, Momentum or Betas).
type ParamGroup struct {
	Params      []*torch.Tensor
	LR          float64
	WeightDecay float64
	Maximize    bool
	Foreach     *bool      // nil: foreach when every parameter is on CUDA
	Momentum    float64    // SGD, RMSprop
	Dampening   float64    // SGD
	Nesterov    bool       // SGD
	Betas       [2]float64 // Adam, AdamW
	Eps         float64    // Adam, AdamW, RMSprop, Adagrad, Adadelta
	AMSGrad     bool       // Adam, AdamW
	Capturable  bool       // Adam, AdamW: see AdamOptions
	// Differentiable (SGD, Adam, RMSprop) runs the step with autograd recording it: see SGDOptions.
	Differentiable bool
	Fused          bool    // Adam: see AdamOptions
	Alpha          float64 // RMSprop
	Centered       bool    // RMSprop
	LRDecay        float64 // Adagrad
	// InitialAccumulatorValue is Adagrad's: the value its sums start at.
	InitialAccumulatorValue float64
	Rho                     float64 // Adadelta
	// InitialLR is group['initial_lr']: the learning rate a scheduler's schedule starts from, set
	// by the first scheduler attached to the optimizer (nil until then).
	InitialLR *float64
}

// Optimizer is torch.optim.Optimizer.
type Optimizer interface {
	ParamGroups() []*ParamGroup
	ZeroGrad() error
	Step() error
	StateDict() torch.StateDict
	LoadStateDict(torch.StateDict) error
}

// optimizer is what the optimizers share: their groups and per-parameter state, and the
// state-dict layout that names them as PyTorch does.
type optimizer struct {
	name     string // "Adam", for errors
	groups   []*ParamGroup
	states   []*groupState
	kinds    []string // the per-parameter state tensors, in PyTorch's key order (after "step")
	steps    stepKind
	hypers   func(g *ParamGroup) []hyper // the group's options, in PyTorch's key order
	allocate func(g *ParamGroup, s *groupState) error
}

// stepKind is how PyTorch 1.13 keeps an optimizer's step count.
type stepKind int

const (
	noStep      stepKind = iota // SGD
	tensorStep                  // a float32 tensor: Adam, AdamW, Adagrad
	integerStep                 // a Python int: RMSprop, Adadelta
)

// groupState is one group's per-parameter state: tensors[k] holds kind k for every parameter.
type groupState struct {
	tensors     []state
	steps       []int64
	stepTensors state // Adam's and AdamW's capturable step counts, on the parameters' devices
}

func (o *optimizer) newGroupState(n int) *groupState {
	s := &groupState{steps: make([]int64, n), stepTensors: newState(n)}
	for range o.kinds {
		s.tensors = append(s.tensors, newState(n))
	}
	return s
}

// hasState reports whether parameter i has state, as PyTorch's state dict would hold it: its
// first kind of state exists.
func (s *groupState) hasState(i int) bool {
	return len(s.tensors) > 0 && s.tensors[0].tensors[i] != nil
}

// adopt wraps the handles that C++ allocated during a step, so that Go frees them.
func (s *groupState) adopt() {
	for k := range s.tensors {
		s.tensors[k].adopt()
	}
	s.stepTensors.adopt()
}

func (s *groupState) drop() {
	for k := range s.tensors {
		s.tensors[k].drop()
	}
	s.stepTensors.drop()
}

// init checks a new optimizer's first group and makes it.
func (o *optimizer) init(params []*torch.Tensor, g ParamGroup) error {
	if len(params) == 0 {
		return fmt.Errorf("optim.%s: optimizer got an empty parameter list", o.name)
	}
	return o.add(params, g)
}

// add is add_param_group for a group whose options are resolved.
func (o *optimizer) add(params []*torch.Tensor, g ParamGroup) error {
	seen := map[unsafe.Pointer]bool{}
	for _, old := range o.groups {
		for _, p := range old.Params {
			seen[p.Handle()] = true
		}
	}
	for i, p := range params {
		if err := p.Err(); err != nil {
			return fmt.Errorf("optim.%s: parameter %d: %w", o.name, i, err)
		}
		if seen[p.Handle()] {
			return fmt.Errorf("optim.%s: some parameters appear in more than one parameter group", o.name)
		}
	}
	g.Params = append([]*torch.Tensor(nil), params...)
	s := o.newGroupState(len(params))
	if o.allocate != nil {
		if err := o.allocate(&g, s); err != nil {
			s.drop()
			return fmt.Errorf("optim.%s: %w", o.name, err)
		}
	}
	o.groups = append(o.groups, &g)
	o.states = append(o.states, s)
	return nil
}

// ParamGroups is optimizer.param_groups.
func (o *optimizer) ParamGroups() []*ParamGroup { return o.groups }

// ZeroGrad is optimizer.zero_grad() with PyTorch 1.13's default, set_to_none=False: gradients are
// zeroed in place, so each backward accumulates into memory it already has. (set_to_none, PyTorch
// 2's default, frees them and makes every backward allocate them again, which costs page faults
// on the CPU.)
func (o *optimizer) ZeroGrad() error {
	for _, g := range o.groups {
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

// step runs one group's C++ step and adopts the state it allocated.
func (o *optimizer) step(f func(g *ParamGroup, hs []unsafe.Pointer, s *groupState) error) error {
	for i, g := range o.groups {
		hs, err := handles(g.Params)
		if err != nil {
			return err
		}
		s := o.states[i]
		err = f(g, hs, s)
		s.adopt()
		if err != nil {
			return fmt.Errorf("optim.%s.step: %w", o.name, err)
		}
	}
	return nil
}

// Drop frees the optimizer's state.
func (o *optimizer) Drop() {
	for _, s := range o.states {
		s.drop()
	}
}

// handles returns the parameters' handles, failing on dropped or error tensors.
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

// useForeach resolves a group's Foreach option: nil means foreach when every parameter is on CUDA
// and the step is not differentiable (the _foreach ops have no autograd).
func useForeach(g *ParamGroup) bool {
	if g.Foreach != nil {
		return *g.Foreach
	}
	if g.Differentiable {
		return false
	}
	for _, p := range g.Params {
		if !p.Device().IsCUDA() {
			return false
		}
	}
	return len(g.Params) > 0
}

// one returns the options a variadic options argument holds: the zero value for none, an error
// for more than one.
func one[O any](name string, opts []O) (O, error) {
	var o O
	switch len(opts) {
	case 0:
		return o, nil
	case 1:
		return opts[0], nil
	}
	return o, fmt.Errorf("optim.%s: %d option structs given, at most one is used", name, len(opts))
}

// Option resolution: a zero field keeps the value underneath (PyTorch's default, or the
// optimizer's for AddParamGroup).
func orFloat(v, def float64) float64 {
	if v != 0 {
		return v
	}
	return def
}

func orPtr[T any](v *T, def T) T {
	if v != nil {
		return *v
	}
	return def
}

func orPair(v, def [2]float64) [2]float64 {
	if v != [2]float64{} {
		return v
	}
	return def
}

func orBool(v, def bool) bool { return v || def }

// checkDifferentiable refuses what PyTorch's differentiable step cannot do: its foreach
// implementation asserts that it is not differentiable.
func checkDifferentiable(name string, g ParamGroup) error {
	if g.Differentiable && g.Foreach != nil && *g.Foreach {
		return fmt.Errorf("optim.%s: _foreach ops don't support autograd: differentiable needs foreach false or nil", name)
	}
	return nil
}

func orForeach(v, def *bool) *bool {
	if v != nil {
		return v
	}
	return def
}

// ---- state dicts ----

// hyper is one option of a group as PyTorch's param_groups name it; exactly one pointer is set.
type hyper struct {
	key  string
	f    *float64
	b    *bool
	pair *[2]float64
	opt  **bool // nil *bool is PyTorch's None: not written
	optF **float64
}

func fh(key string, p *float64) hyper     { return hyper{key: key, f: p} }
func bh(key string, p *bool) hyper        { return hyper{key: key, b: p} }
func ph(key string, p *[2]float64) hyper  { return hyper{key: key, pair: p} }
func oh(key string, p **bool) hyper       { return hyper{key: key, opt: p} }
func initialLR(g *ParamGroup) hyper       { return hyper{key: "initial_lr", optF: &g.InitialLR} }
func (h hyper) name(g int) string         { return fmt.Sprintf("param_groups.%d.%s", g, h.key) }
func stateName(i int, key string) string  { return fmt.Sprintf("state.%d.%s", i, key) }
func groupParamsName(g int) string        { return fmt.Sprintf("param_groups.%d.params", g) }
func boolTensor(b bool) *torch.Tensor     { return torch.Scalar(b) }
func floatTensor(v float64) *torch.Tensor { return torch.Scalar(v) }

// value is the option as a tensor, nil for None.
func (h hyper) value() *torch.Tensor {
	switch {
	case h.f != nil:
		return floatTensor(*h.f)
	case h.b != nil:
		return boolTensor(*h.b)
	case h.pair != nil:
		return torch.FromSlice([]float64{h.pair[0], h.pair[1]}, 2) // a copy: cgo refuses memory beside Go pointers
	case h.opt != nil && *h.opt != nil:
		return boolTensor(**h.opt)
	case h.optF != nil && *h.optF != nil:
		return floatTensor(**h.optF)
	}
	return nil
}

// set stores a loaded option's values (a pair's two, a scalar's one).
func (h hyper) set(v []float64) error {
	want := 1
	if h.pair != nil {
		want = 2
	}
	if len(v) != want {
		return fmt.Errorf("%s holds %d values, want %d", h.key, len(v), want)
	}
	switch {
	case h.f != nil:
		*h.f = v[0]
	case h.b != nil:
		*h.b = v[0] != 0
	case h.pair != nil:
		*h.pair = [2]float64{v[0], v[1]}
	case h.opt != nil:
		b := v[0] != 0
		*h.opt = &b
	case h.optF != nil:
		f := v[0]
		*h.optF = &f
	}
	return nil
}

// StateDict is optimizer.state_dict(), flattened (see the package doc): copies, which the caller
// drops.
func (o *optimizer) StateDict() torch.StateDict {
	var sd torch.StateDict
	index := 0
	for _, s := range o.states {
		for i := range s.steps {
			if s.hasState(i) || (o.steps != noStep && s.steps[i] > 0) {
				sd = o.paramState(sd, s, index, i)
			}
			index++
		}
	}
	index = 0
	for g, grp := range o.groups {
		for _, h := range o.hypers(grp) {
			if t := h.value(); t != nil {
				sd = append(sd, torch.NamedTensor{Name: h.name(g), Tensor: t})
			}
		}
		ids := make([]int64, len(grp.Params))
		for i := range ids {
			ids[i] = int64(index)
			index++
		}
		sd = append(sd, torch.NamedTensor{Name: groupParamsName(g), Tensor: torch.FromSlice(ids, int64(len(ids)))})
	}
	return sd
}

// paramState appends parameter i's state (of its group's s) as state.<index>.*.
func (o *optimizer) paramState(sd torch.StateDict, s *groupState, index, i int) torch.StateDict {
	switch o.steps {
	case tensorStep:
		t := s.stepTensors.tensors[i]
		if t != nil {
			// A replayed graph advances the device's count, not the host's.
			t = torch.Keep(t.Clone())
		} else {
			t = torch.Scalar(float32(s.steps[i]))
		}
		sd = append(sd, torch.NamedTensor{Name: stateName(index, "step"), Tensor: t})
	case integerStep:
		sd = append(sd, torch.NamedTensor{Name: stateName(index, "step"), Tensor: torch.Scalar(s.steps[i])})
	}
	for k, kind := range o.kinds {
		if t := s.tensors[k].tensors[i]; t != nil {
			sd = append(sd, torch.NamedTensor{Name: stateName(index, kind), Tensor: torch.Keep(t.Clone())})
		}
	}
	return sd
}

// LoadStateDict is optimizer.load_state_dict(sd) for a state dict from StateDict (or one written
// the same way): the groups' options are restored and the per-parameter state replaced, copied
// to each parameter's device and dtype (sd keeps its tensors). Nothing changes when it fails.
func (o *optimizer) LoadStateDict(sd torch.StateDict) error {
	groups := 0
	for _, nt := range sd {
		if rest, ok := strings.CutPrefix(nt.Name, "param_groups."); ok && strings.HasSuffix(rest, ".params") {
			groups++
		}
	}
	if groups != len(o.groups) {
		return fmt.Errorf("optim.%s: loaded state dict has a different number of parameter groups (%d, not %d)", o.name, groups, len(o.groups))
	}
	// Read and copy everything into copies of the groups and fresh state, then install them.
	copies := make([]ParamGroup, len(o.groups))
	fresh := make([]*groupState, len(o.groups))
	installed := false
	defer func() {
		if installed {
			return
		}
		for _, s := range fresh {
			if s != nil {
				s.drop()
			}
		}
	}()
	for g, grp := range o.groups {
		ids, err := sd.Get(groupParamsName(g)).Int64s()
		if err != nil {
			return fmt.Errorf("optim.%s: %s: %w", o.name, groupParamsName(g), err)
		}
		if len(ids) != len(grp.Params) {
			return fmt.Errorf("optim.%s: loaded state dict contains a parameter group that doesn't match the size of optimizer's group", o.name)
		}
		copies[g] = *grp
		for _, h := range o.hypers(&copies[g]) {
			t := sd.Get(h.name(g))
			if t == nil {
				continue
			}
			v, err := t.Float64s()
			if err == nil {
				err = h.set(v)
			}
			if err != nil {
				return fmt.Errorf("optim.%s: %s: %w", o.name, h.name(g), err)
			}
		}
		s := o.newGroupState(len(grp.Params))
		fresh[g] = s
		for i, p := range grp.Params {
			if err := o.loadParamState(sd, s, int(ids[i]), i, p); err != nil {
				return err
			}
		}
	}
	for g, grp := range o.groups {
		*grp = copies[g] // the same *ParamGroup, which schedulers hold
		o.states[g].drop()
		o.states[g] = fresh[g]
	}
	installed = true
	return nil
}

// loadParamState copies parameter i's saved state (state.<id>.*) into s.
func (o *optimizer) loadParamState(sd torch.StateDict, s *groupState, id, i int, p *torch.Tensor) error {
	if t := sd.Get(stateName(id, "step")); t != nil {
		v, err := t.Item()
		if err != nil {
			return fmt.Errorf("optim.%s: %s: %w", o.name, stateName(id, "step"), err)
		}
		s.steps[i] = int64(v)
	}
	for k, kind := range o.kinds {
		src := sd.Get(stateName(id, kind))
		if src == nil {
			continue
		}
		moved := src.ToOptions(p.Device(), p.DType(), false)
		c := torch.Keep(moved.Clone())
		moved.Drop()
		if err := c.Err(); err != nil {
			return fmt.Errorf("optim.%s: %s: %w", o.name, stateName(id, kind), err)
		}
		s.tensors[k].tensors[i], s.tensors[k].handles[i] = c, c.Handle()
	}
	return nil
}

// state is one kind of per-parameter state that C++ allocates: handles start nil and are adopted
// as tensors.
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
