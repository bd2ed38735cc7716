package lr_scheduler

import (
	"fmt"
	"io"
	"sort"

	"github.com/aecifar/aecifar/torch/optim"
)

// StepLROptions are StepLR's keyword arguments besides step_size; zero values are PyTorch's
// defaults (gamma 0.1, last_epoch -1, verbose False).
type StepLROptions struct {
	Gamma     float64
	LastEpoch *int // the index of the last epoch when resuming; nil is -1, a fresh schedule
	Verbose   bool
	Out       io.Writer // where verbose lines go; os.Stdout when nil (not PyTorch's)
}

// StepLR is torch.optim.lr_scheduler.StepLR: every StepSize epochs each group's learning rate is
// multiplied by Gamma.
type StepLR struct {
	LRScheduler
	StepSize int
	Gamma    float64
}

var _ Scheduler = (*StepLR)(nil)

// NewStepLR is StepLR(optimizer, step_size, **options).
func NewStepLR(opt optim.Optimizer, stepSize int, opts ...StepLROptions) (*StepLR, error) {
	o, err := one("StepLR", opts)
	if err != nil {
		return nil, err
	}
	if stepSize == 0 {
		return nil, fmt.Errorf("lr_scheduler.StepLR: step_size must not be 0 (Python: integer modulo by zero)")
	}
	s := &StepLR{StepSize: stepSize, Gamma: orFloat(o.Gamma, 0.1)}
	if err := s.init("StepLR", opt, o.LastEpoch, o.Verbose, o.Out, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *StepLR) getLR() ([]float64, error) {
	if s.LastEpoch == 0 || pyMod(s.LastEpoch, s.StepSize) != 0 {
		return groupLRs(s.Optimizer), nil
	}
	return s.perGroup(func(lr float64) float64 { return lr * s.Gamma }), nil
}

func (s *StepLR) closedForm() []float64 {
	return s.perBase(func(b float64) float64 { return b * pyPow(s.Gamma, float64(floorDiv(s.LastEpoch, s.StepSize))) })
}

func (s *StepLR) state(d StateDict) { d["step_size"], d["gamma"] = s.StepSize, s.Gamma }
func (s *StepLR) load(l *loader)    { l.int("step_size", &s.StepSize); l.float("gamma", &s.Gamma) }

// MultiStepLROptions are MultiStepLR's keyword arguments besides milestones; zero values are
// PyTorch's defaults (gamma 0.1, last_epoch -1, verbose False).
type MultiStepLROptions struct {
	Gamma     float64
	LastEpoch *int // the index of the last epoch when resuming; nil is -1, a fresh schedule
	Verbose   bool
	Out       io.Writer // where verbose lines go; os.Stdout when nil (not PyTorch's)
}

// MultiStepLR is torch.optim.lr_scheduler.MultiStepLR: each group's learning rate is multiplied
// by Gamma at each milestone epoch (by Gamma**k at a milestone listed k times).
type MultiStepLR struct {
	LRScheduler
	Milestones map[int]int // a Counter: how many times each epoch is listed
	Gamma      float64
}

var _ Scheduler = (*MultiStepLR)(nil)

// NewMultiStepLR is MultiStepLR(optimizer, milestones, **options).
func NewMultiStepLR(opt optim.Optimizer, milestones []int, opts ...MultiStepLROptions) (*MultiStepLR, error) {
	o, err := one("MultiStepLR", opts)
	if err != nil {
		return nil, err
	}
	s := &MultiStepLR{Milestones: map[int]int{}, Gamma: orFloat(o.Gamma, 0.1)}
	for _, m := range milestones {
		s.Milestones[m]++
	}
	if err := s.init("MultiStepLR", opt, o.LastEpoch, o.Verbose, o.Out, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *MultiStepLR) getLR() ([]float64, error) {
	k := s.Milestones[s.LastEpoch]
	if k == 0 {
		return groupLRs(s.Optimizer), nil
	}
	return s.perGroup(func(lr float64) float64 { return lr * pyPow(s.Gamma, float64(k)) }), nil
}

func (s *MultiStepLR) closedForm() []float64 {
	ms := sortedElements(s.Milestones)
	k := sort.Search(len(ms), func(i int) bool { return ms[i] > s.LastEpoch }) // bisect_right
	return s.perBase(func(b float64) float64 { return b * pyPow(s.Gamma, float64(k)) })
}

func (s *MultiStepLR) state(d StateDict) {
	c := make(map[int]int, len(s.Milestones))
	for k, n := range s.Milestones {
		c[k] = n
	}
	d["milestones"], d["gamma"] = c, s.Gamma
}

func (s *MultiStepLR) load(l *loader) {
	l.counter("milestones", &s.Milestones)
	l.float("gamma", &s.Gamma)
}

// ExponentialLROptions are ExponentialLR's keyword arguments besides gamma; zero values are
// PyTorch's defaults (last_epoch -1, verbose False).
type ExponentialLROptions struct {
	LastEpoch *int // the index of the last epoch when resuming; nil is -1, a fresh schedule
	Verbose   bool
	Out       io.Writer // where verbose lines go; os.Stdout when nil (not PyTorch's)
}

// ExponentialLR is torch.optim.lr_scheduler.ExponentialLR: every epoch each group's learning rate
// is multiplied by Gamma.
type ExponentialLR struct {
	LRScheduler
	Gamma float64
}

var _ Scheduler = (*ExponentialLR)(nil)

// NewExponentialLR is ExponentialLR(optimizer, gamma, **options).
func NewExponentialLR(opt optim.Optimizer, gamma float64, opts ...ExponentialLROptions) (*ExponentialLR, error) {
	o, err := one("ExponentialLR", opts)
	if err != nil {
		return nil, err
	}
	s := &ExponentialLR{Gamma: gamma}
	if err := s.init("ExponentialLR", opt, o.LastEpoch, o.Verbose, o.Out, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *ExponentialLR) getLR() ([]float64, error) {
	if s.LastEpoch == 0 {
		return groupLRs(s.Optimizer), nil
	}
	return s.perGroup(func(lr float64) float64 { return lr * s.Gamma }), nil
}

func (s *ExponentialLR) closedForm() []float64 {
	return s.perBase(func(b float64) float64 { return b * pyPow(s.Gamma, float64(s.LastEpoch)) })
}

func (s *ExponentialLR) state(d StateDict) { d["gamma"] = s.Gamma }
func (s *ExponentialLR) load(l *loader)    { l.float("gamma", &s.Gamma) }
