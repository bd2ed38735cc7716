// Package lr_scheduler mirrors torch.optim.lr_scheduler. Its name keeps PyTorch's underscore so that
// ported code reads `lr_scheduler.NewReduceLROnPlateau(...)` as the Python reads.
package lr_scheduler

import (
	"fmt"
	"io"
	"math"
	"os"

	"github.com/aecifar/aecifar/torch/optim"
)

// ReduceLROnPlateau is torch.optim.lr_scheduler.ReduceLROnPlateau: it multiplies each group's
// learning rate by Factor once the metric has not improved for more than Patience steps.
//
// Its semantics are PyTorch's exactly: improvement is judged against Best by ThresholdMode ("rel":
// best*(1-threshold) in min mode, best*(1+threshold) in max mode; "abs": best∓threshold); during
// cooldown bad epochs are not counted; a reduction max(lr*factor, min_lr) is applied only when it
// changes the rate by more than Eps, and in verbose mode prints PyTorch's line
// "Epoch 00005: reducing learning rate of group 0 to 1.0000e-04.".
type ReduceLROnPlateau struct {
	Optimizer     optim.Optimizer
	Mode          string // "min" or "max"
	Factor        float64
	Patience      int
	Threshold     float64
	ThresholdMode string // "rel" or "abs"
	Cooldown      int
	MinLRs        []float64 // one per parameter group
	Eps           float64
	Verbose       bool
	Out           io.Writer // where verbose lines go; os.Stdout by default

	Best            float64
	NumBadEpochs    int
	CooldownCounter int
	LastEpoch       int
}

// Option is one of ReduceLROnPlateau's keyword arguments.
type Option func(*ReduceLROnPlateau)

// Mode is mode= ("min" or "max").
func Mode(m string) Option { return func(s *ReduceLROnPlateau) { s.Mode = m } }

// Factor is factor=.
func Factor(f float64) Option { return func(s *ReduceLROnPlateau) { s.Factor = f } }

// Patience is patience=.
func Patience(p int) Option { return func(s *ReduceLROnPlateau) { s.Patience = p } }

// Threshold is threshold=.
func Threshold(t float64) Option { return func(s *ReduceLROnPlateau) { s.Threshold = t } }

// ThresholdMode is threshold_mode= ("rel" or "abs").
func ThresholdMode(m string) Option { return func(s *ReduceLROnPlateau) { s.ThresholdMode = m } }

// Cooldown is cooldown=.
func Cooldown(c int) Option { return func(s *ReduceLROnPlateau) { s.Cooldown = c } }

// MinLR is min_lr=: one value for every group, or one per group.
func MinLR(v ...float64) Option {
	return func(s *ReduceLROnPlateau) { s.MinLRs = append([]float64(nil), v...) }
}

// Eps is eps=.
func Eps(e float64) Option { return func(s *ReduceLROnPlateau) { s.Eps = e } }

// Verbose is verbose=.
func Verbose(v bool) Option { return func(s *ReduceLROnPlateau) { s.Verbose = v } }

// Output sends verbose lines to w instead of os.Stdout.
func Output(w io.Writer) Option { return func(s *ReduceLROnPlateau) { s.Out = w } }

// NewReduceLROnPlateau is ReduceLROnPlateau(optimizer, **options) with PyTorch's defaults: mode
// "min", factor 0.1, patience 10, threshold 1e-4, threshold_mode "rel", cooldown 0, min_lr 0, eps 1e-8.
func NewReduceLROnPlateau(opt optim.Optimizer, options ...Option) (*ReduceLROnPlateau, error) {
	s := &ReduceLROnPlateau{
		Optimizer: opt, Mode: "min", Factor: 0.1, Patience: 10, Threshold: 1e-4,
		ThresholdMode: "rel", MinLRs: []float64{0}, Eps: 1e-8, Out: os.Stdout,
	}
	for _, o := range options {
		o(s)
	}
	n := len(opt.ParamGroups())
	switch {
	case s.Factor >= 1.0:
		return nil, fmt.Errorf("lr_scheduler.ReduceLROnPlateau: Factor should be < 1.0")
	case s.Mode != "min" && s.Mode != "max":
		return nil, fmt.Errorf("lr_scheduler.ReduceLROnPlateau: mode %s is unknown", s.Mode)
	case s.ThresholdMode != "rel" && s.ThresholdMode != "abs":
		return nil, fmt.Errorf("lr_scheduler.ReduceLROnPlateau: threshold mode %s is unknown", s.ThresholdMode)
	case len(s.MinLRs) == 1:
		v := s.MinLRs[0]
		s.MinLRs = make([]float64, n)
		for i := range s.MinLRs {
			s.MinLRs[i] = v
		}
	case len(s.MinLRs) != n:
		return nil, fmt.Errorf("lr_scheduler.ReduceLROnPlateau: expected %d min_lrs, got %d", n, len(s.MinLRs))
	}
	s.reset()
	return s, nil
}

func (s *ReduceLROnPlateau) reset() {
	s.Best = math.Inf(1)
	if s.Mode == "max" {
		s.Best = math.Inf(-1)
	}
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
}

func (s *ReduceLROnPlateau) reduceLR() {
	for i, g := range s.Optimizer.ParamGroups() {
		old := g.LR
		lr := math.Max(old*s.Factor, s.MinLRs[i])
		if old-lr > s.Eps {
			g.LR = lr
			if s.Verbose {
				fmt.Fprintf(s.Out, "Epoch %05d: reducing learning rate of group %d to %.4e.\n", s.LastEpoch, i, lr)
			}
		}
	}
}

func (s *ReduceLROnPlateau) isBetter(a float64) bool {
	switch {
	case s.Mode == "min" && s.ThresholdMode == "rel":
		return a < s.Best*(1-s.Threshold)
	case s.Mode == "min":
		return a < s.Best-s.Threshold
	case s.ThresholdMode == "rel":
		return a > s.Best*(s.Threshold+1)
	default:
		return a > s.Best+s.Threshold
	}
}

// LastLR is scheduler._last_lr: the current learning rate of each group.
func (s *ReduceLROnPlateau) LastLR() []float64 {
	var lrs []float64
	for _, g := range s.Optimizer.ParamGroups() {
		lrs = append(lrs, g.LR)
	}
	return lrs
}
