package lr_scheduler

import (
	"fmt"
	"io"

	"github.com/aecifar/aecifar/torch/optim"
)

// LambdaLROptions are LambdaLR's keyword arguments besides lr_lambda; zero values are PyTorch's
// defaults (last_epoch -1, verbose False).
type LambdaLROptions struct {
	LastEpoch *int // the index of the last epoch when resuming; nil is -1, a fresh schedule
	Verbose   bool
	Out       io.Writer // where verbose lines go; os.Stdout when nil (not PyTorch's)
}

// LambdaLR is torch.optim.lr_scheduler.LambdaLR: each group's learning rate is its initial one
// times a function of the epoch.
type LambdaLR struct {
	LRScheduler
	LRLambdas []func(epoch int) float64 // one per group
}

var _ Scheduler = (*LambdaLR)(nil)

// NewLambdaLR is LambdaLR(optimizer, lr_lambda, **options): lrLambda holds one function for every
// group or one per group.
func NewLambdaLR(opt optim.Optimizer, lrLambda []func(epoch int) float64, opts ...LambdaLROptions) (*LambdaLR, error) {
	o, err := one("LambdaLR", opts)
	if err != nil {
		return nil, err
	}
	n := len(opt.ParamGroups())
	s := &LambdaLR{}
	switch len(lrLambda) {
	case 1:
		for range n {
			s.LRLambdas = append(s.LRLambdas, lrLambda[0])
		}
	case n:
		s.LRLambdas = append(s.LRLambdas, lrLambda...)
	default:
		return nil, fmt.Errorf("lr_scheduler.LambdaLR: Expected %d lr_lambdas, but got %d", n, len(lrLambda))
	}
	if err := s.init("LambdaLR", opt, o.LastEpoch, o.Verbose, o.Out, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *LambdaLR) getLR() ([]float64, error) {
	out := make([]float64, len(s.BaseLRs))
	for i, b := range s.BaseLRs {
		out[i] = b * s.LRLambdas[i](s.LastEpoch)
	}
	return out, nil
}

func (s *LambdaLR) closedForm() []float64 { return nil }

// state holds PyTorch's lr_lambdas: None for each function (PyTorch saves only callable objects'
// attributes, and a Go function has none).
func (s *LambdaLR) state(d StateDict) { d["lr_lambdas"] = make([]any, len(s.LRLambdas)) }
func (s *LambdaLR) load(l *loader)    {}
