package lr_scheduler

import (
	"fmt"
	"io"
	"math"

	"github.com/aecifar/aecifar/csrc"

	"github.com/aecifar/aecifar/torch/optim"
)

// CosineAnnealingLROptions are CosineAnnealingLR's keyword arguments besides T_max; zero values
// are PyTorch's defaults (eta_min 0, last_epoch -1, verbose False).
type CosineAnnealingLROptions struct {
	EtaMin    float64 // the minimum learning rate
	LastEpoch *int    // the index of the last epoch when resuming; nil is -1, a fresh schedule
	Verbose   bool
	Out       io.Writer // where verbose lines go; os.Stdout when nil (not PyTorch's)
}

// CosineAnnealingLR is torch.optim.lr_scheduler.CosineAnnealingLR: each group's learning rate
// follows half a cosine from its initial value down to EtaMin over TMax epochs, and back up over
// the next TMax, in PyTorch's recursive (chainable) form.
type CosineAnnealingLR struct {
	LRScheduler
	TMax   int
	EtaMin float64
}

var _ Scheduler = (*CosineAnnealingLR)(nil)

// NewCosineAnnealingLR is CosineAnnealingLR(optimizer, T_max, **options).
func NewCosineAnnealingLR(opt optim.Optimizer, tMax int, opts ...CosineAnnealingLROptions) (*CosineAnnealingLR, error) {
	o, err := one("CosineAnnealingLR", opts)
	if err != nil {
		return nil, err
	}
	if tMax == 0 {
		// PyTorch accepts it and fails at the second step with ZeroDivisionError.
		return nil, fmt.Errorf("lr_scheduler.CosineAnnealingLR: T_max must not be 0")
	}
	s := &CosineAnnealingLR{TMax: tMax, EtaMin: o.EtaMin}
	if err := s.init("CosineAnnealingLR", opt, o.LastEpoch, o.Verbose, o.Out, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *CosineAnnealingLR) getLR() ([]float64, error) {
	le, tMax, eta := float64(s.LastEpoch), float64(s.TMax), s.EtaMin
	switch {
	case s.LastEpoch == 0:
		return groupLRs(s.Optimizer), nil
	case s.stepCount == 1 && s.LastEpoch > 0:
		return s.perBase(func(b float64) float64 { return eta + float64((b-eta)*(1+cos(le*pi/tMax)))/2 }), nil
	case pyMod(s.LastEpoch-1-s.TMax, 2*s.TMax) == 0:
		return s.perBase2(func(b, lr float64) float64 { return lr + float64((b-eta)*(1-cos(pi/tMax)))/2 }), nil
	}
	return s.perGroup(func(lr float64) float64 {
		return float64((1+cos(pi*le/tMax))/(1+cos(pi*(le-1)/tMax))*(lr-eta)) + eta
	}), nil
}

// perBase2 maps each group's base and current learning rates.
func (s *CosineAnnealingLR) perBase2(f func(base, lr float64) float64) []float64 {
	lrs := groupLRs(s.Optimizer)
	for i := range lrs {
		lrs[i] = f(s.BaseLRs[i], lrs[i])
	}
	return lrs
}

func (s *CosineAnnealingLR) closedForm() []float64 {
	le, tMax, eta := float64(s.LastEpoch), float64(s.TMax), s.EtaMin
	return s.perBase(func(b float64) float64 { return eta + float64((b-eta)*(1+cos(pi*le/tMax)))/2 })
}

func (s *CosineAnnealingLR) state(d StateDict) { d["T_max"], d["eta_min"] = s.TMax, s.EtaMin }
func (s *CosineAnnealingLR) load(l *loader)    { l.int("T_max", &s.TMax); l.float("eta_min", &s.EtaMin) }

// CosineAnnealingWarmRestartsOptions are CosineAnnealingWarmRestarts' keyword arguments besides
// T_0; zero values are PyTorch's defaults (T_mult 1, eta_min 0, last_epoch -1, verbose False).
type CosineAnnealingWarmRestartsOptions struct {
	TMult     int     // the factor by which the period grows after each restart
	EtaMin    float64 // the minimum learning rate
	LastEpoch *int    // the index of the last epoch when resuming; nil is -1, a fresh schedule
	Verbose   bool
	Out       io.Writer // where verbose lines go; os.Stdout when nil (not PyTorch's)
}

// CosineAnnealingWarmRestarts is torch.optim.lr_scheduler.CosineAnnealingWarmRestarts (SGDR):
// each group's learning rate follows half a cosine from its initial value to EtaMin over TI
// epochs, then restarts, the period multiplied by TMult. Its learning rates are always the closed
// form, from TCur, the epochs since the last restart (fractional after StepFractional).
type CosineAnnealingWarmRestarts struct {
	LRScheduler
	T0, TI, TMult int
	EtaMin        float64
	TCur          float64
}

var _ Scheduler = (*CosineAnnealingWarmRestarts)(nil)

// NewCosineAnnealingWarmRestarts is CosineAnnealingWarmRestarts(optimizer, T_0, **options).
func NewCosineAnnealingWarmRestarts(opt optim.Optimizer, t0 int, opts ...CosineAnnealingWarmRestartsOptions) (*CosineAnnealingWarmRestarts, error) {
	o, err := one("CosineAnnealingWarmRestarts", opts)
	if err != nil {
		return nil, err
	}
	tMult := o.TMult
	if tMult == 0 {
		tMult = 1
	}
	switch {
	case t0 <= 0:
		return nil, fmt.Errorf("lr_scheduler.CosineAnnealingWarmRestarts: Expected positive integer T_0, but got %d", t0)
	case tMult < 1:
		return nil, fmt.Errorf("lr_scheduler.CosineAnnealingWarmRestarts: Expected integer T_mult >= 1, but got %d", tMult)
	}
	s := &CosineAnnealingWarmRestarts{T0: t0, TI: t0, TMult: tMult, EtaMin: o.EtaMin, TCur: float64(orPtr(o.LastEpoch, -1))}
	if err := s.init("CosineAnnealingWarmRestarts", opt, o.LastEpoch, o.Verbose, o.Out, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *CosineAnnealingWarmRestarts) getLR() ([]float64, error) {
	eta, tCur, tI := s.EtaMin, s.TCur, float64(s.TI)
	return s.perBase(func(b float64) float64 { return eta + float64((b-eta)*(1+cos(pi*tCur/tI)))/2 }), nil
}

func (s *CosineAnnealingWarmRestarts) closedForm() []float64 { return nil }

// Step is scheduler.step(): one epoch on, restarting when the period ends. (Unlike the other
// schedulers, PyTorch's never advances _step_count here.)
func (s *CosineAnnealingWarmRestarts) Step() error {
	if s.LastEpoch < 0 {
		return s.stepTo(0, false)
	}
	epoch := s.LastEpoch + 1
	s.TCur++
	if s.TCur >= float64(s.TI) {
		s.TCur -= float64(s.TI)
		s.TI *= s.TMult
	}
	return s.finish(float64(epoch), fmt.Sprintf("%.5d", epoch))
}

// StepEpoch is scheduler.step(epoch) with an integer epoch: the schedule as it stands at epoch.
func (s *CosineAnnealingWarmRestarts) StepEpoch(epoch int) error {
	return s.stepTo(float64(epoch), false)
}

// StepFractional is scheduler.step(epoch) with a float epoch, as PyTorch's documentation steps it
// within an epoch: scheduler.step(epoch + i / iters).
func (s *CosineAnnealingWarmRestarts) StepFractional(epoch float64) error {
	return s.stepTo(epoch, true)
}

// stepTo is step(epoch), epoch a Python float or int.
func (s *CosineAnnealingWarmRestarts) stepTo(epoch float64, isFloat bool) error {
	label := fmt.Sprintf("%.5d", int(epoch))
	if isFloat {
		label = fmt.Sprintf("%.2f", epoch)
	}
	if epoch < 0 {
		return fmt.Errorf("lr_scheduler.CosineAnnealingWarmRestarts: Expected non-negative epoch, but got %v", epoch)
	}
	t0 := float64(s.T0)
	switch {
	case epoch < t0:
		s.TI, s.TCur = s.T0, epoch
	case s.TMult == 1:
		s.TCur = math.Mod(epoch, t0) // Python's % for non-negative operands
	default:
		m := float64(s.TMult - 1)
		n := int(math.Trunc(csrc.Log(float64(epoch/t0*m)+1) / csrc.Log(float64(s.TMult))))
		p := intPow(s.TMult, n)
		s.TCur = epoch - float64(s.T0*(p-1))/m
		s.TI = s.T0 * p
	}
	return s.finish(epoch, label)
}

func (s *CosineAnnealingWarmRestarts) finish(epoch float64, label string) error {
	s.LastEpoch = int(math.Floor(epoch))
	lrs, _ := s.getLR()
	s.apply(lrs, label)
	return nil
}

func (s *CosineAnnealingWarmRestarts) state(d StateDict) {
	d["T_0"], d["T_i"], d["T_mult"], d["eta_min"], d["T_cur"] = s.T0, s.TI, s.TMult, s.EtaMin, s.TCur
}

func (s *CosineAnnealingWarmRestarts) load(l *loader) {
	l.int("T_0", &s.T0)
	l.int("T_i", &s.TI)
	l.int("T_mult", &s.TMult)
	l.float("eta_min", &s.EtaMin)
	l.float("T_cur", &s.TCur)
}
