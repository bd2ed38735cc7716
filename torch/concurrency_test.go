package torch

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// concurrentGoroutines × concurrentIters ops run at once in the tests below: enough for the
// goroutines to hop between OS threads many times (they yield after every op).
const (
	concurrentGoroutines = 8
	concurrentIters      = 200
)

// linearCase is one goroutine's op: linear(x, w) with x [rows, k] and w [out, wk]. Every goroutine
// has its own sizes, so an error that reached the wrong goroutine would name the wrong shapes.
type linearCase struct {
	rows, k, out, wk int64
}

func (c linearCase) valid() bool { return c.k == c.wk }

// x and w hold small integers, so the product is exact in float32.
func (c linearCase) inputs() (x, w []float32) {
	x = make([]float32, c.rows*c.k)
	for i := range x {
		x[i] = float32(i%7 - 3)
	}
	w = make([]float32, c.out*c.wk)
	for i := range w {
		w[i] = float32(i%5 - 2)
	}
	return x, w
}

func (c linearCase) want() []float32 {
	x, w := c.inputs()
	y := make([]float32, c.rows*c.out)
	for i := range c.rows {
		for j := range c.out {
			var s float32
			for l := range c.k {
				s += x[i*c.k+l] * w[j*c.k+l]
			}
			y[i*c.out+j] = s
		}
	}
	return y
}

// run does the op once and checks its outcome; it returns a description of what went wrong.
func (c linearCase) run() error {
	xs, ws := c.inputs()
	s := NewScope()
	defer s.Close()
	x := s.Attach(FromSlice(xs, c.rows, c.k))
	w := s.Attach(FromSlice(ws, c.out, c.wk))
	y := Linear(x, w)
	got, err := y.Float32s()
	if c.valid() {
		if err != nil {
			return fmt.Errorf("valid linear %dx%d by %dx%d: %v", c.rows, c.k, c.out, c.wk, err)
		}
		want := c.want()
		for i := range want {
			if got[i] != want[i] {
				return fmt.Errorf("linear %dx%d by %dx%d: element %d = %v, want %v", c.rows, c.k, c.out, c.wk, i, got[i], want[i])
			}
		}
		return nil
	}
	if err == nil {
		return fmt.Errorf("linear %dx%d by %dx%d succeeded", c.rows, c.k, c.out, c.wk)
	}
	// libtorch's addmm names the shapes it was given: input, and the transposed weight.
	shapes := fmt.Sprintf("(%dx%d and %dx%d)", c.rows, c.k, c.wk, c.out)
	if !strings.Contains(err.Error(), "torch.linear") || !strings.Contains(err.Error(), shapes) {
		return fmt.Errorf("linear %dx%d by %dx%d: error %q does not name torch.linear and %s", c.rows, c.k, c.out, c.wk, err, shapes)
	}
	return nil
}

// TestConcurrentOpsKeepTheirErrors runs ops from many goroutines at once, half of them valid, half
// with mismatched shapes. Each valid op must give the exact product, and each failing op its own
// error: gotch leaves the error in thread-local storage, so an op whose goroutine moved to another
// OS thread between the call and the read would lose its error or take another goroutine's.
func TestConcurrentOpsKeepTheirErrors(t *testing.T) {
	var wg sync.WaitGroup
	errs := make([]error, concurrentGoroutines)
	for g := range concurrentGoroutines {
		c := linearCase{rows: int64(2 + g), k: int64(3 + g), out: int64(4 + g), wk: int64(3 + g)}
		if g%2 == 1 {
			c.wk++ // w is [out, k+1]: linear must fail
		}
		wg.Go(func() {
			for i := range concurrentIters {
				if err := c.run(); err != nil {
					errs[g] = fmt.Errorf("goroutine %d, iteration %d: %w", g, i, err)
					return
				}
				runtime.Gosched()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestNoGradStaysInItsGoroutine runs goroutines inside NoGrad next to goroutines outside it, all
// doing ops on a tensor that requires grad and yielding in between. A result requires grad exactly
// when its goroutine records gradients: libtorch's grad mode is per OS thread, so a NoGrad that let
// its goroutine (or another) change threads would turn recording off elsewhere, or back on inside.
func TestNoGradStaysInItsGoroutine(t *testing.T) {
	leaf := FromSlice([]float32{1, 2, 3, 4}, 2, 2).SetRequiresGrad(true)
	defer leaf.Drop()
	if err := leaf.Err(); err != nil {
		t.Fatal(err)
	}
	// All goroutines start together, so that NoGrad bodies overlap with the others.
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, concurrentGoroutines)
	for g := range concurrentGoroutines {
		noGrad := g%2 == 0
		check := func() error {
			for i := range concurrentIters {
				var err error
				WithScope(func(s *Scope) {
					y := s.Attach(leaf.MulScalar(2)).Relu()
					if err = y.Err(); err != nil {
						return
					}
					if got, want := y.RequiresGrad(), !noGrad; got != want {
						err = fmt.Errorf("iteration %d: result requires grad = %v, want %v", i, got, want)
					}
				})
				if err != nil {
					return err
				}
				runtime.Gosched()
			}
			return nil
		}
		wg.Go(func() {
			<-start
			if noGrad {
				NoGrad(func() { errs[g] = check() })
			} else {
				errs[g] = check()
			}
			if errs[g] != nil {
				return
			}
			// Back outside NoGrad, recording is on again on whatever thread this goroutine is now.
			y := leaf.MulScalar(2)
			defer y.Drop()
			if !y.RequiresGrad() {
				errs[g] = fmt.Errorf("grad mode still off after NoGrad returned")
			}
		})
	}
	close(start)
	wg.Wait()
	for g, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d (NoGrad: %v): %v", g, g%2 == 0, err)
		}
	}
}

// TestIsGradEnabledInsideNoGrad: torch.is_grad_enabled() is False inside torch.no_grad().
func TestIsGradEnabledInsideNoGrad(t *testing.T) {
	for i := range concurrentIters {
		var inside bool
		NoGrad(func() { inside = IsGradEnabled() })
		if inside {
			t.Fatalf("call %d: IsGradEnabled() = true inside NoGrad", i)
		}
		if !IsGradEnabled() {
			t.Fatalf("call %d: IsGradEnabled() = false after NoGrad", i)
		}
	}
}
