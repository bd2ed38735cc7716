package parity

import (
	"fmt"
	"math"
)

// Tol is an elementwise tolerance: got passes when |got-want| <= Abs + Rel*|want|.
type Tol struct {
	Abs, Rel float64
}

// Compare checks got against recorded values. It returns nil when every element is within
// tol, and otherwise an error naming how many elements failed and the worst one. NaN never
// passes.
func Compare[T float32 | float64](got []T, want []float64, tol Tol) error {
	if len(got) != len(want) {
		return fmt.Errorf("got %d values, want %d", len(got), len(want))
	}
	bad, worst, worstExcess := 0, -1, 0.0
	for i, w := range want {
		g := float64(got[i])
		d := math.Abs(g - w)
		limit := tol.Abs + tol.Rel*math.Abs(w)
		if d <= limit {
			continue
		}
		bad++
		excess := d - limit
		if math.IsNaN(d) {
			excess = math.Inf(1)
		}
		if worst < 0 || excess > worstExcess {
			worst, worstExcess = i, excess
		}
	}
	if bad == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d values beyond tolerance (abs %g, rel %g); worst [%d]: got %v, want %v (diff %g)",
		bad, len(want), tol.Abs, tol.Rel, worst, float64(got[worst]), want[worst], math.Abs(float64(got[worst])-want[worst]))
}

// Summarize computes the Summary of values the way gen.py does (float64 sums, largest
// magnitude, first five values), for comparison with a recorded one.
func Summarize[T float32 | float64](name string, values []T) Summary {
	s := Summary{Name: name}
	for i, v := range values {
		x := float64(v)
		s.Sum += x
		s.SumAbs += math.Abs(x)
		s.SumSq += x * x
		s.AbsMax = max(s.AbsMax, math.Abs(x))
		if i < 5 {
			s.First = append(s.First, x)
		}
	}
	return s
}
