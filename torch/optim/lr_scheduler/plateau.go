package lr_scheduler

import (
	"fmt"
	"io"
	"math"
	"os"

	"github.com/aecifar/aecifar/torch/optim"
)

// Mode is ReduceLROnPlateau's mode: whether the metric should fall or rise.
type Mode string

// ReduceLROnPlateau's modes; "" means ModeMin.
const (
	ModeMin Mode = "min"
	ModeMax Mode = "max"
)

func (m Mode) String() string { return string(m) }

// ThresholdMode is ReduceLROnPlateau's threshold_mode: how an improvement is measured.
type ThresholdMode string

// ReduceLROnPlateau's threshold modes; "" means ThresholdModeRel.
const (
	ThresholdModeRel ThresholdMode = "rel" // against best*(1-threshold) in min mode, best*(1+threshold) in max mode
	ThresholdModeAbs ThresholdMode = "abs" // against best-threshold in min mode, best+threshold in max mode
)

func (m ThresholdMode) String() string { return string(m) }

// ReduceLROnPlateauOptions are ReduceLROnPlateau's keyword arguments; zero values are PyTorch's
// defaults (mode 'min', factor 0.1, patience 10, threshold 1e-4, threshold_mode 'rel', cooldown 0,
// min_lr 0, eps 1e-8, verbose False).
type ReduceLROnPlateauOptions struct {
	Mode   Mode
	Factor float64
	// Patience is the number of epochs without improvement to allow, default 10; new(0) reduces
	// after the first.
	Patience *int
	// Threshold is what counts as an improvement, default 1e-4; new(0.0) counts any.
	Threshold     *float64
	ThresholdMode ThresholdMode
	Cooldown      int
	MinLR         []float64 // one value for every group, or one per group; nil: 0
	Eps           float64   // the smallest change of a learning rate that is applied
	Verbose       bool
	Out           io.Writer // where verbose lines go; os.Stdout when nil (not PyTorch's)
}

// ReduceLROnPlateau is torch.optim.lr_scheduler.ReduceLROnPlateau: it multiplies each group's
// learning rate by Factor once the metric has not improved for more than Patience steps.
//
// Its semantics are PyTorch's exactly: improvement is judged against Best by ThresholdMode;
// during cooldown bad epochs are not counted; a reduction max(lr*factor, min_lr) is applied only
// when it changes the rate by more than Eps, and in verbose mode prints PyTorch's line
// "Epoch 00005: reducing learning rate of group 0 to 1.0000e-04.".
type ReduceLROnPlateau struct {
	Optimizer     optim.Optimizer
	Mode          Mode
	Factor        float64
	Patience      int
	Threshold     float64
	ThresholdMode ThresholdMode
	Cooldown      int
	MinLRs        []float64 // one per parameter group
	Eps           float64
	Verbose       bool
	Out           io.Writer // where verbose lines go; os.Stdout when nil

	Best            float64
	NumBadEpochs    int
	CooldownCounter int
	LastEpoch       int
	lastLR          []float64 // nil until the first step, as PyTorch's _last_lr
}

// NewReduceLROnPlateau is ReduceLROnPlateau(optimizer, **options).
func NewReduceLROnPlateau(opt optim.Optimizer, opts ...ReduceLROnPlateauOptions) (*ReduceLROnPlateau, error) {
	o, err := one("ReduceLROnPlateau", opts)
	if err != nil {
		return nil, err
	}
	s := &ReduceLROnPlateau{
		Optimizer: opt, Mode: o.Mode, Factor: orFloat(o.Factor, 0.1), Patience: orPtr(o.Patience, 10),
		Threshold: orPtr(o.Threshold, 1e-4), ThresholdMode: o.ThresholdMode, Cooldown: o.Cooldown,
		Eps: orFloat(o.Eps, 1e-8), Verbose: o.Verbose, Out: o.Out,
	}
	if s.Mode == "" {
		s.Mode = ModeMin
	}
	if s.ThresholdMode == "" {
		s.ThresholdMode = ThresholdModeRel
	}
	if s.Factor >= 1.0 {
		return nil, fmt.Errorf("lr_scheduler.ReduceLROnPlateau: Factor should be < 1.0")
	}
	n := len(opt.ParamGroups())
	switch len(o.MinLR) {
	case 0, 1:
		s.MinLRs = make([]float64, n)
		for i := range s.MinLRs {
			if len(o.MinLR) == 1 {
				s.MinLRs[i] = o.MinLR[0]
			}
		}
	case n:
		s.MinLRs = append([]float64(nil), o.MinLR...)
	default:
		return nil, fmt.Errorf("lr_scheduler.ReduceLROnPlateau: expected %d min_lrs, got %d", n, len(o.MinLR))
	}
	if err := s.checkModes(); err != nil {
		return nil, err
	}
	s.reset()
	return s, nil
}

func (s *ReduceLROnPlateau) checkModes() error {
	if s.Mode != ModeMin && s.Mode != ModeMax {
		return fmt.Errorf("lr_scheduler.ReduceLROnPlateau: mode %s is unknown", s.Mode)
	}
	if s.ThresholdMode != ThresholdModeRel && s.ThresholdMode != ThresholdModeAbs {
		return fmt.Errorf("lr_scheduler.ReduceLROnPlateau: threshold mode %s is unknown", s.ThresholdMode)
	}
	return nil
}

// modeWorse is mode_worse: the worst value of the metric for the mode.
func (s *ReduceLROnPlateau) modeWorse() float64 {
	if s.Mode == ModeMax {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

func (s *ReduceLROnPlateau) reset() {
	s.Best = s.modeWorse()
	s.CooldownCounter = 0
	s.NumBadEpochs = 0
}

// Step is scheduler.step(metrics): it records one epoch's metric and reduces the learning rates
// when the metric has plateaued.
func (s *ReduceLROnPlateau) Step(metric float64) {
	s.LastEpoch++
	if s.isBetter(metric) {
		s.Best = metric
		s.NumBadEpochs = 0
	} else {
		s.NumBadEpochs++
	}
	if s.CooldownCounter > 0 {
		s.CooldownCounter--
		s.NumBadEpochs = 0 // ignore bad epochs during cooldown
	}
	if s.NumBadEpochs > s.Patience {
		s.reduceLR()
		s.CooldownCounter = s.Cooldown
		s.NumBadEpochs = 0
	}
	s.lastLR = groupLRs(s.Optimizer)
}

func (s *ReduceLROnPlateau) reduceLR() {
	for i, g := range s.Optimizer.ParamGroups() {
		old := g.LR
		lr := math.Max(old*s.Factor, s.MinLRs[i])
		if old-lr > s.Eps {
			g.LR = lr
			if s.Verbose {
				out := s.Out
				if out == nil {
					out = os.Stdout
				}
				fmt.Fprintf(out, "Epoch %.5d: reducing learning rate of group %d to %.4e.\n", s.LastEpoch, i, lr)
			}
		}
	}
}

func (s *ReduceLROnPlateau) isBetter(a float64) bool {
	switch {
	case s.Mode == ModeMin && s.ThresholdMode == ThresholdModeRel:
		return a < s.Best*(1-s.Threshold)
	case s.Mode == ModeMin:
		return a < s.Best-s.Threshold
	case s.ThresholdMode == ThresholdModeRel:
		return a > s.Best*(s.Threshold+1)
	default:
		return a > s.Best+s.Threshold
	}
}

// GetLastLR is the learning rates after the last step, one per group (PyTorch 1.13 keeps them
// as _last_lr; PyTorch 2 adds get_last_lr); before the first step, the groups' current ones.
func (s *ReduceLROnPlateau) GetLastLR() []float64 {
	if s.lastLR == nil {
		return groupLRs(s.Optimizer)
	}
	return append([]float64(nil), s.lastLR...)
}

// StateDict is scheduler.state_dict(): PyTorch's keys (best and mode_worse may be infinite:
// StateDict's JSON writes them as strings).
func (s *ReduceLROnPlateau) StateDict() StateDict {
	d := StateDict{
		"factor": s.Factor, "min_lrs": append([]float64(nil), s.MinLRs...), "patience": s.Patience,
		"verbose": s.Verbose, "cooldown": s.Cooldown, "cooldown_counter": s.CooldownCounter,
		"mode": string(s.Mode), "threshold": s.Threshold, "threshold_mode": string(s.ThresholdMode),
		"best": s.Best, "num_bad_epochs": s.NumBadEpochs, "mode_worse": s.modeWorse(), "eps": s.Eps,
		"last_epoch": s.LastEpoch,
	}
	if s.lastLR != nil {
		d["_last_lr"] = append([]float64(nil), s.lastLR...)
	}
	return d
}

// LoadStateDict is scheduler.load_state_dict(d): the keys d holds replace the scheduler's state,
// and the modes are checked again. Nothing changes when it fails.
func (s *ReduceLROnPlateau) LoadStateDict(d StateDict) error {
	c := *s
	var mode, thresholdMode string
	mode, thresholdMode = string(c.Mode), string(c.ThresholdMode)
	l := &loader{d: d}
	l.float("factor", &c.Factor)
	l.floats("min_lrs", &c.MinLRs)
	l.int("patience", &c.Patience)
	l.bool("verbose", &c.Verbose)
	l.int("cooldown", &c.Cooldown)
	l.int("cooldown_counter", &c.CooldownCounter)
	l.str("mode", &mode)
	l.float("threshold", &c.Threshold)
	l.str("threshold_mode", &thresholdMode)
	l.float("best", &c.Best)
	l.int("num_bad_epochs", &c.NumBadEpochs)
	l.float("eps", &c.Eps)
	l.int("last_epoch", &c.LastEpoch)
	l.floats("_last_lr", &c.lastLR)
	c.Mode, c.ThresholdMode = Mode(mode), ThresholdMode(thresholdMode)
	if l.err == nil {
		l.err = c.checkModes()
	}
	if l.err == nil && len(c.MinLRs) != len(s.Optimizer.ParamGroups()) {
		l.err = fmt.Errorf("expected %d min_lrs, got %d", len(s.Optimizer.ParamGroups()), len(c.MinLRs))
	}
	if l.err != nil {
		return fmt.Errorf("lr_scheduler: load_state_dict: %w", l.err)
	}
	*s = c
	return nil
}
