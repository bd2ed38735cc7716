// Package lr_scheduler mirrors torch.optim.lr_scheduler: StepLR, MultiStepLR, ExponentialLR,
// CosineAnnealingLR, CosineAnnealingWarmRestarts, OneCycleLR, LambdaLR, LinearLR, SequentialLR and
// ReduceLROnPlateau. Its name keeps PyTorch's underscore so that ported code reads
// `lr_scheduler.NewStepLR(...)` as the Python reads.
//
// # Options
//
// The module's convention for keyword arguments (see package optim): required arguments are Go
// parameters in PyTorch's order (NewStepLR(opt, stepSize)); the others go in one options struct
// named after the scheduler (StepLROptions), passed as an optional last argument, whose zero
// fields mean PyTorch's defaults. A field whose zero is a real setting different from the default
// is a pointer: LastEpoch *int (default -1), ReduceLROnPlateauOptions.Patience *int (default 10),
// LinearLROptions.EndFactor *float64 (default 1.0). "Float or list" arguments (max_lr, min_lr) are
// slices holding one value for every group or one per group. String choices are typed constants
// (ModeMin, ThresholdModeRel, AnnealStrategyCos) whose zero value "" is the default. Options
// structs also carry Out, where verbose lines go (os.Stdout when nil), which PyTorch does not have.
//
// # Semantics
//
// The schedulers compute what PyTorch 1.13 computes, to the last bit: the chainable form that
// step() uses (each step scales the group's current learning rate, so schedulers compose with each
// other and with changes made to the groups), the closed form that step(epoch) uses (StepEpoch
// here), last_epoch counting (construction performs the first step, to epoch 0), the groups'
// initial_lr (optim.ParamGroup.InitialLR, set by the first scheduler attached), get_last_lr, the
// verbose lines, and state_dict. The float64 arithmetic is Python's, operation for operation and
// in the same order, with the C library's cos, pow and log (the functions CPython calls) rather
// than Go's math package, whose results differ in the last bit for some arguments; products are
// rounded before they are added, as Python rounds them, so that no compiler fuses them.
//
// StateDict returns PyTorch's state_dict() keys with Go values (numbers, strings, lists; nested
// state dicts for SequentialLR). It marshals to JSON, infinities as the strings "inf" and "-inf",
// and LoadStateDict accepts it back from JSON as well as from Go.
//
// Errors: constructors return PyTorch's message for a bad argument; Step returns OneCycleLR's
// error past its last step.
package lr_scheduler

import (
	"fmt"
	"io"
	"math"
	"os"
	"reflect"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch/optim"
)

// Scheduler is what every scheduler here but ReduceLROnPlateau (whose Step takes a metric) has.
type Scheduler interface {
	// Step is scheduler.step(): the next epoch's learning rates, in the chainable form.
	Step() error
	// GetLastLR is scheduler.get_last_lr(): the learning rates the last step set.
	GetLastLR() []float64
	StateDict() StateDict
	LoadStateDict(StateDict) error
}

// LRScheduler is torch.optim.lr_scheduler._LRScheduler (LRScheduler in PyTorch 2): the state and
// the stepping that the epoch-driven schedulers share. Each of them embeds it.
type LRScheduler struct {
	Optimizer optim.Optimizer
	// BaseLRs is base_lrs: each group's initial_lr when the scheduler was made.
	BaseLRs []float64
	// LastEpoch is last_epoch: the epoch of the last step (0 after construction).
	LastEpoch int
	Verbose   bool
	Out       io.Writer // where verbose lines go; os.Stdout when nil

	stepCount int       // _step_count
	lastLR    []float64 // _last_lr
	rule      rule
}

// rule is what a scheduler adds to LRScheduler. Step is the scheduler's own (LRScheduler's,
// promoted, unless the scheduler overrides it), so that the initial step is the scheduler's.
type rule interface {
	Step() error
	getLR() ([]float64, error)
	closedForm() []float64 // nil: the scheduler has none, and StepEpoch uses getLR
	state(d StateDict)
	load(l *loader)
}

func (s *LRScheduler) lrScheduler() *LRScheduler { return s }

// init is _LRScheduler.__init__: it attaches the optimizer, sets initial_lr and base_lrs, and
// performs the initial step.
func (s *LRScheduler) init(name string, opt optim.Optimizer, lastEpoch *int, verbose bool, out io.Writer, r rule) error {
	s.Optimizer, s.Verbose, s.Out, s.rule = opt, verbose, out, r
	s.LastEpoch = -1
	if lastEpoch != nil {
		s.LastEpoch = *lastEpoch
	}
	groups := opt.ParamGroups()
	s.BaseLRs = make([]float64, len(groups))
	for i, g := range groups {
		if g.InitialLR == nil {
			if s.LastEpoch != -1 {
				return fmt.Errorf("lr_scheduler.%s: param 'initial_lr' is not specified in param_groups[%d] when resuming an optimizer", name, i)
			}
			lr := g.LR
			g.InitialLR = &lr
		}
		s.BaseLRs[i] = *g.InitialLR
	}
	return s.initialStep()
}

// initialStep is _initial_step: the step construction performs.
func (s *LRScheduler) initialStep() error {
	s.stepCount = 0
	return s.rule.Step()
}

// Step is scheduler.step(): last_epoch advances by one and each group's learning rate becomes the
// chainable form's.
func (s *LRScheduler) Step() error {
	s.stepCount++
	s.LastEpoch++
	lrs, err := s.rule.getLR()
	if err != nil {
		return err
	}
	s.apply(lrs, epochNone)
	return nil
}

// StepEpoch is scheduler.step(epoch), which PyTorch deprecates but SequentialLR uses: last_epoch
// becomes epoch and the learning rates the closed form's (the chainable form's for the schedulers
// without one: LambdaLR, OneCycleLR).
func (s *LRScheduler) StepEpoch(epoch int) error {
	s.stepCount++
	s.LastEpoch = epoch
	lrs := s.rule.closedForm()
	if lrs == nil {
		var err error
		if lrs, err = s.rule.getLR(); err != nil {
			return err
		}
	}
	s.apply(lrs, fmt.Sprintf("%.5d", epoch))
	return nil
}

// epochNone is print_lr's epoch=None.
const epochNone = ""

// apply sets the groups' learning rates, prints them in verbose mode as print_lr does (epoch is
// the epoch as Python formats it, or epochNone) and records them as _last_lr.
func (s *LRScheduler) apply(lrs []float64, epoch string) {
	groups := s.Optimizer.ParamGroups()
	for i, lr := range lrs {
		if i >= len(groups) {
			break
		}
		groups[i].LR = lr
		if s.Verbose {
			if epoch == epochNone {
				fmt.Fprintf(s.out(), "Adjusting learning rate of group %d to %.4e.\n", i, lr)
			} else {
				fmt.Fprintf(s.out(), "Epoch %s: adjusting learning rate of group %d to %.4e.\n", epoch, i, lr)
			}
		}
	}
	s.lastLR = groupLRs(s.Optimizer)
}

func (s *LRScheduler) out() io.Writer {
	if s.Out == nil {
		return os.Stdout
	}
	return s.Out
}

// GetLastLR is scheduler.get_last_lr(): the learning rates of the last step, one per group.
func (s *LRScheduler) GetLastLR() []float64 { return append([]float64(nil), s.lastLR...) }

// StateDict is scheduler.state_dict(): PyTorch's keys (base_lrs, last_epoch, verbose,
// _step_count, _get_lr_called_within_step, _last_lr and the scheduler's own).
func (s *LRScheduler) StateDict() StateDict {
	d := StateDict{
		"base_lrs":                   append([]float64(nil), s.BaseLRs...),
		"last_epoch":                 s.LastEpoch,
		"verbose":                    s.Verbose,
		"_step_count":                s.stepCount,
		"_get_lr_called_within_step": false,
		"_last_lr":                   s.GetLastLR(),
	}
	s.rule.state(d)
	return d
}

// LoadStateDict is scheduler.load_state_dict(d): the keys d holds replace the scheduler's state
// (keys it lacks keep theirs, as __dict__.update does). d may come from StateDict or from JSON.
// Nothing changes when it fails.
func (s *LRScheduler) LoadStateDict(d StateDict) error {
	// The scheduler's own fields are loaded too: keep a copy of the whole scheduler to restore.
	outer := reflect.ValueOf(s.rule).Elem()
	backup := reflect.New(outer.Type()).Elem()
	backup.Set(outer)
	l := &loader{d: d}
	l.floats("base_lrs", &s.BaseLRs)
	l.int("last_epoch", &s.LastEpoch)
	l.bool("verbose", &s.Verbose)
	l.int("_step_count", &s.stepCount)
	l.floats("_last_lr", &s.lastLR)
	s.rule.load(l)
	if l.err != nil {
		outer.Set(backup)
		return fmt.Errorf("lr_scheduler: load_state_dict: %w", l.err)
	}
	return nil
}

func groupLRs(opt optim.Optimizer) []float64 {
	var lrs []float64
	for _, g := range opt.ParamGroups() {
		lrs = append(lrs, g.LR)
	}
	return lrs
}

// perGroup repeats a chainable form's factor over the groups' current learning rates.
func (s *LRScheduler) perGroup(f func(lr float64) float64) []float64 {
	lrs := groupLRs(s.Optimizer)
	for i, lr := range lrs {
		lrs[i] = f(lr)
	}
	return lrs
}

// perBase maps the base learning rates, for the closed forms.
func (s *LRScheduler) perBase(f func(base float64) float64) []float64 {
	out := make([]float64, len(s.BaseLRs))
	for i, b := range s.BaseLRs {
		out[i] = f(b)
	}
	return out
}

// one returns the options a variadic options argument holds.
func one[O any](name string, opts []O) (O, error) {
	var o O
	switch len(opts) {
	case 0:
		return o, nil
	case 1:
		return opts[0], nil
	}
	return o, fmt.Errorf("lr_scheduler.%s: %d option structs given, at most one is used", name, len(opts))
}

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

// Python's arithmetic where Go's differs: floor division and modulo round toward -inf, and
// cos, ** and log are the C library's.

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func pyMod(a, b int) int {
	m := a % b
	if m != 0 && ((m < 0) != (b < 0)) {
		m += b
	}
	return m
}

func cos(x float64) float64    { return csrc.Cos(x) }
func pow(x, y float64) float64 { return csrc.Pow(x, y) }

// pyPow is float ** float as CPython computes it for the finite arguments schedules use: 1 for
// a zero exponent or a base of 1 (whatever C's pow does), else pow.
func pyPow(x, y float64) float64 {
	if y == 0 || x == 1 {
		return 1
	}
	return pow(x, y)
}

// intPow is int ** int for a non-negative exponent.
func intPow(b, e int) int {
	r := 1
	for range e {
		r *= b
	}
	return r
}

// pi is math.pi. It is a variable, not a constant, so that the compiler cannot fold an
// expression like pi*5/3 exactly, which Python computes in two rounded steps.
var pi = math.Pi
