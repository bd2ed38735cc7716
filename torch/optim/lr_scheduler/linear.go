package lr_scheduler

import (
	"fmt"
	"io"

	"github.com/aecifar/aecifar/torch/optim"
)

// LinearLROptions are LinearLR's keyword arguments; zero values are PyTorch's defaults
// (start_factor 1/3, end_factor 1.0, total_iters 5, last_epoch -1, verbose False).
type LinearLROptions struct {
	StartFactor float64 // the factor of the first epoch (0 cannot be used: PyTorch divides by it)
	// EndFactor is the factor reached after TotalIters epochs, default 1.0; new(0.0) decays to zero.
	EndFactor  *float64
	TotalIters int
	LastEpoch  *int // the index of the last epoch when resuming; nil is -1, a fresh schedule
	Verbose    bool
	Out        io.Writer // where verbose lines go; os.Stdout when nil (not PyTorch's)
}

// LinearLR is torch.optim.lr_scheduler.LinearLR: each group's learning rate is its initial one
// times a factor that goes linearly from StartFactor to EndFactor over TotalIters epochs.
type LinearLR struct {
	LRScheduler
	StartFactor, EndFactor float64
	TotalIters             int
}

var _ Scheduler = (*LinearLR)(nil)

// NewLinearLR is LinearLR(optimizer, **options).
func NewLinearLR(opt optim.Optimizer, opts ...LinearLROptions) (*LinearLR, error) {
	o, err := one("LinearLR", opts)
	if err != nil {
		return nil, err
	}
	s := &LinearLR{StartFactor: orFloat(o.StartFactor, 1.0/3), EndFactor: orPtr(o.EndFactor, 1.0), TotalIters: o.TotalIters}
	if s.TotalIters == 0 {
		s.TotalIters = 5
	}
	switch {
	case s.StartFactor > 1.0 || s.StartFactor < 0:
		return nil, fmt.Errorf("lr_scheduler.LinearLR: Starting multiplicative factor expected to be between 0 and 1")
	case s.EndFactor > 1.0 || s.EndFactor < 0:
		return nil, fmt.Errorf("lr_scheduler.LinearLR: Ending multiplicative factor expected to be between 0 and 1")
	}
	if err := s.init("LinearLR", opt, o.LastEpoch, o.Verbose, o.Out, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *LinearLR) getLR() ([]float64, error) {
	start, end := s.StartFactor, s.EndFactor
	switch {
	case s.LastEpoch == 0:
		return s.perGroup(func(lr float64) float64 { return lr * start }), nil
	case s.LastEpoch > s.TotalIters:
		return groupLRs(s.Optimizer), nil
	}
	d := float64(float64(s.TotalIters)*start) + float64(float64(s.LastEpoch-1)*(end-start))
	return s.perGroup(func(lr float64) float64 { return lr * (1. + (end-start)/d) }), nil
}

func (s *LinearLR) closedForm() []float64 {
	start, end := s.StartFactor, s.EndFactor
	f := start + float64((end-start)*float64(min(s.TotalIters, s.LastEpoch)))/float64(s.TotalIters)
	return s.perBase(func(b float64) float64 { return b * f })
}

func (s *LinearLR) state(d StateDict) {
	d["start_factor"], d["end_factor"], d["total_iters"] = s.StartFactor, s.EndFactor, s.TotalIters
}

func (s *LinearLR) load(l *loader) {
	l.float("start_factor", &s.StartFactor)
	l.float("end_factor", &s.EndFactor)
	l.int("total_iters", &s.TotalIters)
}
