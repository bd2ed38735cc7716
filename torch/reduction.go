package torch

import "fmt"

// Reduction is a loss's reduction= argument, as PyTorch spells it; the zero value "" means the
// loss's default (mean for every loss here).
type Reduction string

// The reductions.
const (
	ReductionNone Reduction = "none"
	ReductionMean Reduction = "mean"
	ReductionSum  Reduction = "sum"
)

// code is libtorch's at::Reduction number for r, def when r is "".
func (r Reduction) code(def Reduction) (int64, error) {
	if r == "" {
		r = def
	}
	switch r {
	case ReductionNone:
		return 0, nil
	case ReductionMean:
		return 1, nil
	case ReductionSum:
		return 2, nil
	}
	return 0, fmt.Errorf("%q is not a valid value for reduction (none, mean or sum)", string(r))
}
