package optim

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// The fixture: testdata/optimizers.json, written by testdata/gen.py (its docstring describes the
// problem and every field).
type optimFile struct {
	TorchVersion  string             `json:"torch_version"`
	Params        []parity.DetTensor `json:"params"`
	Targets       []parity.DetTensor `json:"targets"`
	Weights       []parity.DetTensor `json:"weights"`
	Loss          string             `json:"loss"`
	Steps         int                `json:"steps"`
	SnapshotAfter int                `json:"snapshot_after"`
	Cases         []optimCase        `json:"cases"`
}

type optimCase struct {
	Name   string         `json:"name"`
	Type   string         `json:"type"`
	Args   map[string]any `json:"args"`
	Groups []struct {
		Params  []int          `json:"params"`
		Options map[string]any `json:"options"`
	} `json:"groups"`
	Sign      float64       `json:"sign"`
	Losses    []float64     `json:"losses"`
	Params    [][][]float64 `json:"params"` // after step k, parameter i's values
	StateDict []stateEntry  `json:"state_dict"`
}

// stateEntry is one named tensor of the flattened state_dict; hyperparameters have no dtype.
type stateEntry struct {
	Name   string    `json:"name"`
	DType  string    `json:"dtype"`
	Shape  []int64   `json:"shape"`
	Values []float64 `json:"values"`
}

func loadOptimizers(t testing.TB) *optimFile {
	t.Helper()
	var f optimFile
	if err := parity.Decode(filepath.Join("testdata", "optimizers.json"), &f); err != nil {
		t.Fatalf("%v (run testdata/gen.py)", err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("optimizers.json records no cases")
	}
	return &f
}

// kwargs reads recorded keyword arguments.
type kwargs map[string]any

func (k kwargs) f(key string) float64 {
	v, _ := k[key].(float64)
	return v
}

func (k kwargs) b(key string) bool {
	v, _ := k[key].(bool)
	return v
}

func (k kwargs) optF(key string) *float64 {
	if _, ok := k[key]; !ok {
		return nil
	}
	return new(k.f(key))
}

func (k kwargs) optB(key string) *bool {
	if _, ok := k[key]; !ok {
		return nil
	}
	return new(k.b(key))
}

func (k kwargs) pair(key string) [2]float64 {
	v, _ := k[key].([]any)
	if len(v) != 2 {
		return [2]float64{}
	}
	return [2]float64{v[0].(float64), v[1].(float64)}
}

type testOptimizer interface {
	Optimizer
	Drop()
}

// newOptimizer makes the case's optimizer on groups of ps: the constructor's options, then each
// further group added with its own.
func newOptimizer(typ string, args kwargs, groups [][]*torch.Tensor, groupOpts []kwargs) (testOptimizer, error) {
	switch typ {
	case "SGD":
		o := func(k kwargs) SGDOptions {
			return SGDOptions{Momentum: k.f("momentum"), Dampening: k.f("dampening"), WeightDecay: k.f("weight_decay"),
				Nesterov: k.b("nesterov"), Maximize: k.b("maximize"), Foreach: k.optB("foreach"),
				Differentiable: k.b("differentiable")}
		}
		opt, err := NewSGD(groups[0], args.f("lr"), o(args))
		for i := 1; i < len(groups) && err == nil; i++ {
			err = opt.AddParamGroup(groups[i], groupOpts[i].f("lr"), o(groupOpts[i]))
		}
		return opt, err
	case "Adam":
		o := func(k kwargs) AdamOptions {
			return AdamOptions{LR: k.f("lr"), Betas: k.pair("betas"), Eps: k.f("eps"), WeightDecay: k.f("weight_decay"),
				AMSGrad: k.b("amsgrad"), Foreach: k.optB("foreach"), Maximize: k.b("maximize"), Capturable: k.b("capturable"),
				Differentiable: k.b("differentiable"), Fused: k.b("fused")}
		}
		opt, err := NewAdam(groups[0], o(args))
		for i := 1; i < len(groups) && err == nil; i++ {
			err = opt.AddParamGroup(groups[i], o(groupOpts[i]))
		}
		return opt, err
	case "AdamW":
		o := func(k kwargs) AdamWOptions {
			return AdamWOptions{LR: k.f("lr"), Betas: k.pair("betas"), Eps: k.f("eps"), WeightDecay: k.optF("weight_decay"),
				AMSGrad: k.b("amsgrad"), Foreach: k.optB("foreach"), Maximize: k.b("maximize"), Capturable: k.b("capturable")}
		}
		opt, err := NewAdamW(groups[0], o(args))
		for i := 1; i < len(groups) && err == nil; i++ {
			err = opt.AddParamGroup(groups[i], o(groupOpts[i]))
		}
		return opt, err
	case "RMSprop":
		o := func(k kwargs) RMSpropOptions {
			return RMSpropOptions{LR: k.f("lr"), Alpha: k.f("alpha"), Eps: k.f("eps"), WeightDecay: k.f("weight_decay"),
				Momentum: k.f("momentum"), Centered: k.b("centered"), Foreach: k.optB("foreach"), Maximize: k.b("maximize"),
				Differentiable: k.b("differentiable")}
		}
		opt, err := NewRMSprop(groups[0], o(args))
		for i := 1; i < len(groups) && err == nil; i++ {
			err = opt.AddParamGroup(groups[i], o(groupOpts[i]))
		}
		return opt, err
	case "Adagrad":
		o := func(k kwargs) AdagradOptions {
			return AdagradOptions{LR: k.f("lr"), LRDecay: k.f("lr_decay"), WeightDecay: k.f("weight_decay"),
				InitialAccumulatorValue: k.f("initial_accumulator_value"), Eps: k.f("eps"), Foreach: k.optB("foreach"),
				Maximize: k.b("maximize")}
		}
		opt, err := NewAdagrad(groups[0], o(args))
		for i := 1; i < len(groups) && err == nil; i++ {
			err = opt.AddParamGroup(groups[i], o(groupOpts[i]))
		}
		return opt, err
	case "Adadelta":
		o := func(k kwargs) AdadeltaOptions {
			return AdadeltaOptions{LR: k.f("lr"), Rho: k.f("rho"), Eps: k.f("eps"), WeightDecay: k.f("weight_decay"),
				Foreach: k.optB("foreach"), Maximize: k.b("maximize")}
		}
		opt, err := NewAdadelta(groups[0], o(args))
		for i := 1; i < len(groups) && err == nil; i++ {
			err = opt.AddParamGroup(groups[i], o(groupOpts[i]))
		}
		return opt, err
	}
	return nil, fmt.Errorf("unknown optimizer %q", typ)
}

// problem is the fixture's parameters, targets and weights, and the loss over them.
type problem struct {
	params, targets, weights []*torch.Tensor
}

func newProblem(f *optimFile) *problem {
	p := &problem{}
	for _, s := range f.Params {
		p.params = append(p.params, torch.FromSlice(s.Values(), s.Shape...).SetRequiresGrad(true))
	}
	for i, s := range f.Targets {
		p.targets = append(p.targets, torch.FromSlice(s.Values(), s.Shape...))
		w := f.Weights[i].Values()
		for j := range w {
			w[j] = float32(math.Abs(float64(w[j])))
		}
		p.weights = append(p.weights, torch.FromSlice(w, f.Weights[i].Shape...))
	}
	return p
}

func (p *problem) drop() {
	for _, ts := range [][]*torch.Tensor{p.params, p.targets, p.weights} {
		for _, t := range ts {
			t.Drop()
		}
	}
}

// groups arranges the parameters as the case's groups.
func (p *problem) groups(c *optimCase) ([][]*torch.Tensor, []kwargs) {
	var gs [][]*torch.Tensor
	var opts []kwargs
	for _, g := range c.Groups {
		var ps []*torch.Tensor
		for _, i := range g.Params {
			ps = append(ps, p.params[i])
		}
		gs = append(gs, ps)
		opts = append(opts, kwargs(g.Options))
	}
	return gs, opts
}

// step is one training step: zero_grad, sign * sum_k sum(|w_k| (p_k - t_k)^2), backward, step.
func (p *problem) step(t *testing.T, opt Optimizer, sign float64) float64 {
	t.Helper()
	v, err := p.tryStep(t, opt, sign)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// tryStep is step returning the optimizer's error.
func (p *problem) tryStep(t *testing.T, opt Optimizer, sign float64) (float64, error) {
	t.Helper()
	s := torch.NewScope()
	defer s.Close()
	if err := opt.ZeroGrad(); err != nil {
		t.Fatal(err)
	}
	loss := weightedLoss(s, p.params, p.targets, p.weights).MulScalar(sign)
	v, err := loss.Item()
	if err != nil {
		t.Fatal(err)
	}
	if err := loss.Backward(); err != nil {
		t.Fatal(err)
	}
	return v, opt.Step()
}

// weightedLoss is the fixtures' loss, sum_k sum(weights_k * (params_k - targets_k)^2) over the
// targets (weights already |w_k|), in s.
func weightedLoss(s *torch.Scope, params, targets, weights []*torch.Tensor) *torch.Tensor {
	var loss *torch.Tensor
	for i := range targets {
		d := s.Attach(params[i].Sub(targets[i]))
		term := d.Mul(d).Mul(weights[i]).Sum()
		if loss == nil {
			loss = term
		} else {
			loss = loss.Add(term)
		}
	}
	return loss
}

// f32Tol is the parity tolerance: within 1e-5 of the largest magnitude in the compared tensor
// (other CPUs run other float32 kernels; see testdata/gen.py), which is about 80 float32 units in
// the last place of that scale.
const f32Tol = 1e-5

func scaleOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s = max(s, math.Abs(x))
	}
	return s
}

// compareParams checks every parameter after step k against PyTorch's, and returns the largest
// difference relative to the scale.
func (p *problem) compareParams(t *testing.T, label string, k int, want [][]float64) float64 {
	t.Helper()
	worst := 0.0
	for i, w := range want {
		got, err := p.params[i].Float32s()
		if err != nil {
			t.Fatal(err)
		}
		scale := scaleOf(w)
		if err := parity.Compare(got, w, parity.Tol{Abs: f32Tol * scale}); err != nil {
			t.Fatalf("%s, parameter %d after step %d: %v", label, i, k+1, err)
		}
		for j := range w {
			worst = max(worst, math.Abs(float64(got[j])-w[j])/scale)
		}
	}
	return worst
}

// compareStateDict checks a StateDict against PyTorch's flattened state_dict: the same names
// (the per-parameter state in the same order; a group's options in any, as PyTorch orders them as
// the group dict was written), state tensors of the same dtype and shape within f32Tol of their
// scale, the options exactly.
func compareStateDict(t *testing.T, sd torch.StateDict, want []stateEntry) {
	t.Helper()
	order := func(names []string) []string {
		var state, groups []string
		for _, n := range names {
			if strings.HasPrefix(n, "state.") {
				state = append(state, n)
			} else {
				groups = append(groups, n)
			}
		}
		slices.Sort(groups)
		return append(state, groups...)
	}
	var names, wantNames []string
	for _, nt := range sd {
		names = append(names, nt.Name)
	}
	for _, e := range want {
		wantNames = append(wantNames, e.Name)
	}
	if !slices.Equal(order(names), order(wantNames)) {
		t.Fatalf("state dict names\n%v\nPyTorch's\n%v", names, wantNames)
	}
	for _, e := range want {
		got := sd.Get(e.Name)
		v, err := got.Float64s()
		if err != nil {
			t.Fatal(err)
		}
		if e.DType == "" { // an option: exact
			if !slices.Equal(v, e.Values) {
				t.Errorf("%s = %v, PyTorch %v", e.Name, v, e.Values)
			}
			continue
		}
		if dt := got.DType().Name(); dt != e.DType || !slices.Equal(got.Shape(), e.Shape) {
			t.Errorf("%s: %s %v, PyTorch %s %v", e.Name, dt, got.Shape(), e.DType, e.Shape)
		}
		if err := parity.Compare(v, e.Values, parity.Tol{Abs: f32Tol * scaleOf(e.Values)}); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
	}
}

// TestOptimizerTrajectoriesMatchPyTorch runs every recorded optimizer and option set for 10 steps
// and compares the loss before each step and every parameter after it with PyTorch's (within
// f32Tol of each tensor's scale; the losses within 1e-5 relative). After the snapshot step it
// compares StateDict with PyTorch's state_dict, then loads it into a new optimizer made with the
// type's defaults (LoadStateDict restores the options as well), on a copy of the parameters, and
// checks that this one continues as PyTorch's did. The parameter outside the loss must not move.
func TestOptimizerTrajectoriesMatchPyTorch(t *testing.T) {
	f := loadOptimizers(t)
	worst, worstCase := 0.0, ""
	for i := range f.Cases {
		c := &f.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			before := torch.LiveTensors()
			defer func() {
				if n := torch.LiveTensors(); n != before && !t.Failed() {
					t.Errorf("%d live tensors after the run, %d before", n, before)
				}
			}()
			p := newProblem(f)
			defer p.drop()
			groups, groupOpts := p.groups(c)
			opt, err := newOptimizer(c.Type, kwargs(c.Args), groups, groupOpts)
			if err != nil {
				t.Fatal(err)
			}
			defer opt.Drop()
			var q *problem
			var resumed testOptimizer
			for k := range f.Steps {
				loss := p.step(t, opt, c.Sign)
				if err := parity.Compare([]float64{loss}, c.Losses[k:k+1], parity.Tol{Rel: 1e-5}); err != nil {
					t.Fatalf("loss before step %d: %v", k+1, err)
				}
				if d := p.compareParams(t, "original", k, c.Params[k]); d > worst {
					worst, worstCase = d, c.Name
				}
				if q != nil {
					if loss2 := q.step(t, resumed, c.Sign); loss2 != loss {
						t.Fatalf("resumed, loss before step %d: %v, the original's %v", k+1, loss2, loss)
					}
					q.compareParams(t, "resumed", k, c.Params[k])
				}
				if k+1 == f.SnapshotAfter {
					sd := opt.StateDict()
					compareStateDict(t, sd, c.StateDict)
					q, resumed = resumeOptimizer(t, f, c, p, sd)
					sd.Drop()
					defer q.drop()
					defer resumed.Drop()
				}
			}
			if v, _ := p.params[3].Float32s(); !slices.Equal(v, f.Params[3].Values()) {
				t.Errorf("the parameter without a gradient moved: %v", v)
			}
		})
	}
	t.Logf("largest difference from PyTorch: %.3g of the tensor's scale (%s)", worst, worstCase)
}

// resumeOptimizer copies p's parameters, makes the case's optimizer type with its defaults on the
// same group structure and loads sd into it.
func resumeOptimizer(t *testing.T, f *optimFile, c *optimCase, p *problem, sd torch.StateDict) (*problem, testOptimizer) {
	t.Helper()
	q := newProblem(f)
	torch.NoGrad(func() {
		for i, x := range p.params {
			q.params[i].Copy_(x)
		}
	})
	groups, _ := q.groups(c)
	lr := kwargs{}
	if c.Type == "SGD" {
		lr = kwargs{"lr": 1.0} // SGD's lr is required; the state dict restores the real one
	}
	opts := make([]kwargs, len(groups))
	for i := range opts {
		opts[i] = lr
	}
	opt, err := newOptimizer(c.Type, lr, groups, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := opt.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
	return q, opt
}

// TestCapturableMatchesPyTorch runs every Adam and AdamW case once more as Capturable, against
// the same values. PyTorch 1.13 runs capturable only on CUDA, so it has recorded none: the bias
// corrections are then float32 on the device instead of float64 on the host, and 1 - beta2**t in
// float32 is off by up to 5e-5 relative for small t (0.999 is no float32), hence the wider
// tolerance (torch/optim's parity_test.go measured the same for Adam on optim.json).
func TestCapturableMatchesPyTorch(t *testing.T) {
	f := loadOptimizers(t)
	const tol = 3e-5
	worst, worstCase := 0.0, ""
	for i := range f.Cases {
		c := f.Cases[i]
		if c.Type != "Adam" && c.Type != "AdamW" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			p := newProblem(f)
			defer p.drop()
			groups, groupOpts := p.groups(&c)
			args := kwargs{"capturable": true}
			for k, v := range c.Args {
				args[k] = v
			}
			opt, err := newOptimizer(c.Type, args, groups, groupOpts)
			if err != nil {
				t.Fatal(err)
			}
			defer opt.Drop()
			for _, g := range opt.ParamGroups() {
				if !g.Capturable {
					t.Fatal("a group is not capturable")
				}
			}
			for k := range f.Steps {
				loss := p.step(t, opt, c.Sign)
				if err := parity.Compare([]float64{loss}, c.Losses[k:k+1], parity.Tol{Rel: tol}); err != nil {
					t.Fatalf("loss before step %d: %v", k+1, err)
				}
				for j, w := range c.Params[k] {
					got, err := p.params[j].Float32s()
					if err != nil {
						t.Fatal(err)
					}
					scale := scaleOf(w)
					if err := parity.Compare(got, w, parity.Tol{Abs: tol * scale}); err != nil {
						t.Fatalf("parameter %d after step %d: %v", j, k+1, err)
					}
					for e := range w {
						if d := math.Abs(float64(got[e])-w[e]) / scale; d > worst {
							worst, worstCase = d, c.Name
						}
					}
				}
			}
		})
	}
	t.Logf("largest difference from PyTorch's non-capturable values: %.3g of the tensor's scale (%s)", worst, worstCase)
}
