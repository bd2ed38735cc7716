package optim

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
)

func params(t *testing.T, n int) []*torch.Tensor {
	t.Helper()
	var ps []*torch.Tensor
	for i := range n {
		p := torch.FromSlice([]float32{float32(i) + 1, -2}, 2).SetRequiresGrad(true)
		t.Cleanup(p.Drop)
		ps = append(ps, p)
	}
	return ps
}

// TestDefaults: the zero options are PyTorch's defaults, and pointer fields set real zeros.
func TestDefaults(t *testing.T) {
	ps := params(t, 2)
	check := func(name string, opt interface {
		Optimizer
		Drop()
	}, err error, want ParamGroup) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer opt.Drop()
		g := *opt.ParamGroups()[0]
		g.Params = nil
		if g.Foreach != nil || g.InitialLR != nil {
			t.Errorf("%s: Foreach %v, InitialLR %v", name, g.Foreach, g.InitialLR)
		}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("%s defaults\n%+v, want\n%+v", name, g, want)
		}
	}
	sgd, err := NewSGD(ps, 0.1)
	check("SGD", sgd, err, ParamGroup{LR: 0.1})
	adam, err := NewAdam(ps)
	check("Adam", adam, err, ParamGroup{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8})
	adamw, err := NewAdamW(ps)
	check("AdamW", adamw, err, ParamGroup{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, WeightDecay: 1e-2})
	adamw0, err := NewAdamW(ps, AdamWOptions{WeightDecay: new(0.0)})
	check("AdamW without decay", adamw0, err, ParamGroup{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8})
	rms, err := NewRMSprop(ps)
	check("RMSprop", rms, err, ParamGroup{LR: 1e-2, Alpha: 0.99, Eps: 1e-8})
	ada, err := NewAdagrad(ps)
	check("Adagrad", ada, err, ParamGroup{LR: 1e-2, Eps: 1e-10})
	delta, err := NewAdadelta(ps)
	check("Adadelta", delta, err, ParamGroup{LR: 1.0, Rho: 0.9, Eps: 1e-6})
}

// TestAddParamGroup: a group's zero options take the constructor's, and a parameter may be in
// one group only.
func TestAddParamGroup(t *testing.T) {
	ps := params(t, 3)
	opt, err := NewAdamW(ps[:1], AdamWOptions{LR: 0.1, WeightDecay: new(0.5), AMSGrad: true})
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	if err := opt.AddParamGroup(ps[1:2], AdamWOptions{Eps: 1e-3}); err != nil {
		t.Fatal(err)
	}
	if err := opt.AddParamGroup(ps[2:], AdamWOptions{WeightDecay: new(0.0)}); err != nil {
		t.Fatal(err)
	}
	gs := opt.ParamGroups()
	if g := gs[1]; g.LR != 0.1 || g.WeightDecay != 0.5 || !g.AMSGrad || g.Eps != 1e-3 {
		t.Errorf("group 1 %+v", g)
	}
	if g := gs[2]; g.WeightDecay != 0 || g.Eps != 1e-8 {
		t.Errorf("group 2 %+v", g)
	}
	if err := opt.AddParamGroup(ps[1:2]); err == nil || !strings.Contains(err.Error(), "more than one parameter group") {
		t.Errorf("a parameter in two groups: %v", err)
	}
	if _, err := NewRMSprop(nil); err == nil || !strings.Contains(err.Error(), "empty parameter list") {
		t.Errorf("no parameters: %v", err)
	}
	if _, err := NewAdagrad(ps, AdagradOptions{}, AdagradOptions{}); err == nil {
		t.Error("two option structs accepted")
	}
}

func TestInvalidOptions(t *testing.T) {
	ps := params(t, 1)
	for name, f := range map[string]func() error{
		"SGD lr":              func() error { _, err := NewSGD(ps, -1); return err },
		"SGD nesterov":        func() error { _, err := NewSGD(ps, 0.1, SGDOptions{Nesterov: true}); return err },
		"Adam beta1":          func() error { _, err := NewAdam(ps, AdamOptions{Betas: [2]float64{1, 0.999}}); return err },
		"AdamW decay":         func() error { _, err := NewAdamW(ps, AdamWOptions{WeightDecay: new(-1.0)}); return err },
		"RMSprop alpha":       func() error { _, err := NewRMSprop(ps, RMSpropOptions{Alpha: -0.5}); return err },
		"RMSprop momentum":    func() error { _, err := NewRMSprop(ps, RMSpropOptions{Momentum: -1}); return err },
		"Adagrad lr_decay":    func() error { _, err := NewAdagrad(ps, AdagradOptions{LRDecay: -1}); return err },
		"Adagrad accumulator": func() error { _, err := NewAdagrad(ps, AdagradOptions{InitialAccumulatorValue: -1}); return err },
		"Adadelta rho":        func() error { _, err := NewAdadelta(ps, AdadeltaOptions{Rho: 1.5}); return err },
	} {
		if err := f(); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// TestLoadStateDictRefusesOtherLayouts: a state dict for other groups is refused, and the
// optimizer keeps its state.
func TestLoadStateDictRefusesOtherLayouts(t *testing.T) {
	ps := params(t, 3)
	step := func(opt Optimizer) {
		t.Helper()
		torch.WithScope(func(s *torch.Scope) {
			if err := opt.ZeroGrad(); err != nil {
				t.Fatal(err)
			}
			loss := s.Attach(ps[0].Mul(ps[0]).Sum()).Add(ps[1].Sum()).Add(ps[2].Sum())
			if err := loss.Backward(); err != nil {
				t.Fatal(err)
			}
			if err := opt.Step(); err != nil {
				t.Fatal(err)
			}
		})
	}
	a, _ := NewRMSprop(ps[:2], RMSpropOptions{Momentum: 0.9})
	defer a.Drop()
	step(a)
	sd := a.StateDict()
	defer sd.Drop()

	twoGroups, _ := NewRMSprop(ps[:1])
	defer twoGroups.Drop()
	if err := twoGroups.AddParamGroup(ps[1:2]); err != nil {
		t.Fatal(err)
	}
	if err := twoGroups.LoadStateDict(sd); err == nil || !strings.Contains(err.Error(), "different number of parameter groups") {
		t.Errorf("two groups loaded one: %v", err)
	}
	three, _ := NewRMSprop(ps)
	defer three.Drop()
	step(three)
	before := three.StateDict()
	defer before.Drop()
	three.ParamGroups()[0].LR = 0.5
	if err := three.LoadStateDict(sd); err == nil || !strings.Contains(err.Error(), "doesn't match the size") {
		t.Errorf("three parameters loaded two: %v", err)
	}
	after := three.StateDict()
	defer after.Drop()
	if len(after) != len(before) || three.ParamGroups()[0].LR != 0.5 {
		t.Errorf("a refused load changed the optimizer")
	}
	same, _ := NewRMSprop(ps[:2])
	defer same.Drop()
	if err := same.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
	if g := same.ParamGroups()[0]; g.Momentum != 0.9 {
		t.Errorf("momentum %v not restored", g.Momentum)
	}
}
