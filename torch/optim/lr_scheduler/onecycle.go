package lr_scheduler

import (
	"fmt"
	"io"

	"github.com/aecifar/aecifar/torch/optim"
)

// AnnealStrategy is OneCycleLR's anneal_strategy.
type AnnealStrategy string

// OneCycleLR's annealing strategies; "" means AnnealStrategyCos.
const (
	AnnealStrategyCos    AnnealStrategy = "cos"
	AnnealStrategyLinear AnnealStrategy = "linear"
)

func (a AnnealStrategy) String() string { return string(a) }

// OneCycleLROptions are OneCycleLR's keyword arguments besides max_lr; zero values are PyTorch's
// defaults (total_steps None, epochs None, steps_per_epoch None, pct_start 0.3, anneal_strategy
// 'cos', cycle_momentum True, base_momentum 0.85, max_momentum 0.95, div_factor 25,
// final_div_factor 1e4, three_phase False, last_epoch -1, verbose False). Either TotalSteps or
// both Epochs and StepsPerEpoch must be set.
type OneCycleLROptions struct {
	TotalSteps    int
	Epochs        int
	StepsPerEpoch int
	// PctStart is the fraction of the cycle spent raising the learning rate, default 0.3;
	// new(0.0) is a cycle without that phase.
	PctStart       *float64
	AnnealStrategy AnnealStrategy
	// CycleMomentum, default true, cycles the momentum (SGD's and RMSprop's momentum, Adam's and
	// AdamW's beta1) inversely to the learning rate.
	CycleMomentum  *bool
	BaseMomentum   []float64 // one value for every group or one per group; nil: 0.85
	MaxMomentum    []float64 // one value for every group or one per group; nil: 0.95
	DivFactor      float64   // initial_lr = max_lr / div_factor
	FinalDivFactor float64   // min_lr = initial_lr / final_div_factor
	ThreePhase     bool
	LastEpoch      *int // the index of the last batch when resuming; nil is -1, a fresh schedule
	Verbose        bool
	Out            io.Writer // where verbose lines go; os.Stdout when nil (not PyTorch's)
}

// OneCycleLR is torch.optim.lr_scheduler.OneCycleLR: the 1cycle policy, stepped once per batch.
// PyTorch keeps each group's max_lr, min_lr, max_momentum and base_momentum in the optimizer's
// param groups; here the scheduler keeps them (and its state dict holds them, as lists under
// those names), and initial_lr is the group's InitialLR.
type OneCycleLR struct {
	LRScheduler
	TotalSteps     int
	AnnealStrategy AnnealStrategy
	CycleMomentum  bool
	UseBeta1       bool // the momentum cycled is beta1 (Adam, AdamW), not momentum
	phases         []phase
	maxLRs, minLRs []float64
	maxMomentums   []float64
	baseMomentums  []float64
}

var _ Scheduler = (*OneCycleLR)(nil)

// phase is one of _schedule_phases: its last step and the names of the group values it anneals
// between.
type phase struct {
	endStep                                    float64
	startLR, endLR, startMomentum, endMomentum string
}

// NewOneCycleLR is OneCycleLR(optimizer, max_lr, **options): maxLR holds one value for every group
// or one per group.
func NewOneCycleLR(opt optim.Optimizer, maxLR []float64, opts ...OneCycleLROptions) (*OneCycleLR, error) {
	o, err := one("OneCycleLR", opts)
	if err != nil {
		return nil, err
	}
	fail := func(format string, a ...any) (*OneCycleLR, error) {
		return nil, fmt.Errorf("lr_scheduler.OneCycleLR: "+format, a...)
	}
	s := &OneCycleLR{}
	switch {
	case o.TotalSteps == 0 && o.Epochs == 0 && o.StepsPerEpoch == 0:
		return fail("You must define either total_steps OR (epochs AND steps_per_epoch)")
	case o.TotalSteps != 0:
		if o.TotalSteps < 0 {
			return fail("Expected positive integer total_steps, but got %d", o.TotalSteps)
		}
		s.TotalSteps = o.TotalSteps
	case o.Epochs <= 0:
		return fail("Expected positive integer epochs, but got %d", o.Epochs)
	case o.StepsPerEpoch <= 0:
		return fail("Expected positive integer steps_per_epoch, but got %d", o.StepsPerEpoch)
	default:
		s.TotalSteps = o.Epochs * o.StepsPerEpoch
	}
	pct := orPtr(o.PctStart, 0.3)
	total := float64(s.TotalSteps)
	if o.ThreePhase {
		s.phases = []phase{
			{float64(pct*total) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
			{float64(2*pct*total) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
			{total - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"},
		}
	} else {
		s.phases = []phase{
			{float64(pct*total) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
			{total - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"},
		}
	}
	if pct < 0 || pct > 1 {
		return fail("Expected float between 0 and 1 pct_start, but got %v", pct)
	}
	s.AnnealStrategy = o.AnnealStrategy
	switch s.AnnealStrategy {
	case "":
		s.AnnealStrategy = AnnealStrategyCos
	case AnnealStrategyCos, AnnealStrategyLinear:
	default:
		return fail("anneal_strategy must by one of 'cos' or 'linear', instead got %s", s.AnnealStrategy)
	}
	groups := opt.ParamGroups()
	if s.maxLRs, err = formatParam("max_lr", len(groups), maxLR, nil); err != nil {
		return nil, err
	}
	divFactor, finalDiv := orFloat(o.DivFactor, 25), orFloat(o.FinalDivFactor, 1e4)
	fresh := orPtr(o.LastEpoch, -1) == -1
	s.minLRs = make([]float64, len(groups))
	for i, g := range groups {
		if fresh {
			initial := s.maxLRs[i] / divFactor
			g.InitialLR = &initial
		}
		if g.InitialLR != nil {
			s.minLRs[i] = *g.InitialLR / finalDiv
		}
	}
	s.CycleMomentum = orPtr(o.CycleMomentum, true)
	if s.CycleMomentum {
		switch opt.(type) {
		case *optim.Adam, *optim.AdamW:
			s.UseBeta1 = true
		case *optim.SGD, *optim.RMSprop:
		default:
			return fail("optimizer must support momentum with `cycle_momentum` option enabled")
		}
		if s.maxMomentums, err = formatParam("max_momentum", len(groups), o.MaxMomentum, []float64{0.95}); err != nil {
			return nil, err
		}
		if s.baseMomentums, err = formatParam("base_momentum", len(groups), o.BaseMomentum, []float64{0.85}); err != nil {
			return nil, err
		}
		if fresh {
			for i, g := range groups {
				s.setMomentum(g, s.maxMomentums[i])
			}
		}
	}
	if err := s.init("OneCycleLR", opt, o.LastEpoch, o.Verbose, o.Out, s); err != nil {
		return nil, err
	}
	return s, nil
}

// formatParam is _format_param: one value for every group, or one per group.
func formatParam(name string, groups int, v, def []float64) ([]float64, error) {
	if v == nil {
		v = def
	}
	switch len(v) {
	case 1:
		out := make([]float64, groups)
		for i := range out {
			out[i] = v[0]
		}
		return out, nil
	case groups:
		return append([]float64(nil), v...), nil
	}
	return nil, fmt.Errorf("lr_scheduler.OneCycleLR: expected %d values for %s, got %d", groups, name, len(v))
}

func (s *OneCycleLR) setMomentum(g *optim.ParamGroup, m float64) {
	if s.UseBeta1 {
		g.Betas[0] = m
	} else {
		g.Momentum = m
	}
}

// value is group[name] for group i.
func (s *OneCycleLR) value(name string, i int, g *optim.ParamGroup) float64 {
	switch name {
	case "initial_lr":
		if g.InitialLR != nil {
			return *g.InitialLR
		}
	case "max_lr":
		return s.maxLRs[i]
	case "min_lr":
		return s.minLRs[i]
	case "max_momentum":
		return s.maxMomentums[i]
	case "base_momentum":
		return s.baseMomentums[i]
	}
	return 0
}

func (s *OneCycleLR) anneal(start, end, pct float64) float64 {
	if s.AnnealStrategy == AnnealStrategyLinear {
		return float64((end-start)*pct) + start
	}
	cosOut := cos(pi*pct) + 1
	return end + float64((start-end)/2.0*cosOut)
}

func (s *OneCycleLR) getLR() ([]float64, error) {
	step := s.LastEpoch
	if step > s.TotalSteps {
		return nil, fmt.Errorf("lr_scheduler.OneCycleLR: Tried to step %d times. The specified number of total steps is %d", step+1, s.TotalSteps)
	}
	groups := s.Optimizer.ParamGroups()
	lrs := make([]float64, len(groups))
	for i, g := range groups {
		start := 0.0
		for k, ph := range s.phases {
			if float64(step) <= ph.endStep || k == len(s.phases)-1 {
				if ph.endStep-start == 0 {
					return nil, fmt.Errorf("lr_scheduler.OneCycleLR: float division by zero (a phase of no steps)")
				}
				pct := (float64(step) - start) / (ph.endStep - start)
				lrs[i] = s.anneal(s.value(ph.startLR, i, g), s.value(ph.endLR, i, g), pct)
				if s.CycleMomentum {
					s.setMomentum(g, s.anneal(s.value(ph.startMomentum, i, g), s.value(ph.endMomentum, i, g), pct))
				}
				break
			}
			start = ph.endStep
		}
	}
	return lrs, nil
}

func (s *OneCycleLR) closedForm() []float64 { return nil }

// state holds PyTorch's keys (its anneal_func, a bound method, as PyTorch 2's _anneal_func_type)
// and the per-group values PyTorch keeps in the optimizer's groups.
func (s *OneCycleLR) state(d StateDict) {
	phases := make([]StateDict, len(s.phases))
	for i, p := range s.phases {
		phases[i] = StateDict{"end_step": p.endStep, "start_lr": p.startLR, "end_lr": p.endLR,
			"start_momentum": p.startMomentum, "end_momentum": p.endMomentum}
	}
	d["total_steps"], d["_schedule_phases"], d["cycle_momentum"] = s.TotalSteps, phases, s.CycleMomentum
	d["_anneal_func_type"] = string(s.AnnealStrategy)
	if s.CycleMomentum {
		d["use_beta1"] = s.UseBeta1
		d["max_momentum"], d["base_momentum"] = append([]float64(nil), s.maxMomentums...), append([]float64(nil), s.baseMomentums...)
	}
	d["max_lr"], d["min_lr"] = append([]float64(nil), s.maxLRs...), append([]float64(nil), s.minLRs...)
}

func (s *OneCycleLR) load(l *loader) {
	l.int("total_steps", &s.TotalSteps)
	l.bool("cycle_momentum", &s.CycleMomentum)
	l.bool("use_beta1", &s.UseBeta1)
	var strategy string
	l.str("_anneal_func_type", &strategy)
	if strategy != "" {
		s.AnnealStrategy = AnnealStrategy(strategy)
	}
	l.floats("max_lr", &s.maxLRs)
	l.floats("min_lr", &s.minLRs)
	l.floats("max_momentum", &s.maxMomentums)
	l.floats("base_momentum", &s.baseMomentums)
	if ds, ok := l.dicts("_schedule_phases"); ok {
		phases := make([]phase, len(ds))
		for i, d := range ds {
			pl := &loader{d: d}
			pl.float("end_step", &phases[i].endStep)
			pl.str("start_lr", &phases[i].startLR)
			pl.str("end_lr", &phases[i].endLR)
			pl.str("start_momentum", &phases[i].startMomentum)
			pl.str("end_momentum", &phases[i].endMomentum)
			if pl.err != nil && l.err == nil {
				l.err = fmt.Errorf("_schedule_phases[%d]: %w", i, pl.err)
			}
		}
		s.phases = phases
	}
}
