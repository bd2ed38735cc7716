package torch

import (
	"runtime"
	"testing"

	"github.com/aecifar/aecifar/csrc"
)

// libtorch's intra-op thread count belongs to an OS thread, and goroutines move between OS threads:
// SetNumThreads must reach the threads that ran ops before it, at their next op (a torch op or a
// csrc function), not only the thread it was called on.
func TestSetNumThreadsReachesEveryThread(t *testing.T) {
	prev := GetNumThreads()
	defer SetNumThreads(prev)
	if err := SetNumThreads(2); err != nil {
		t.Fatal(err)
	}
	x := Ones([]int64{4})
	defer x.Drop()
	torchOp := func() { x.AddScalar(1).Drop() }
	type request struct {
		op    func()
		reply chan int
	}
	var workers []chan request
	for range 3 {
		c := make(chan request)
		workers = append(workers, c)
		go func() {
			runtime.LockOSThread() // each worker keeps its own OS thread; it ends with the test
			for r := range c {
				r.op()
				r.reply <- csrc.ThreadNumThreads()
			}
		}()
	}
	defer func() {
		for _, c := range workers {
			close(c)
		}
	}()
	counts := func(op func()) (out []int) {
		for _, w := range workers {
			r := request{op, make(chan int)}
			w <- r
			out = append(out, <-r.reply)
		}
		return out
	}
	for _, c := range []struct {
		name string
		op   func()
	}{
		{"torch op", torchOp},
		{"csrc function", func() { GetRNGState().Drop() }},
	} {
		for _, n := range []int{2, 1} {
			runtime.LockOSThread()
			err := SetNumThreads(n)
			runtime.UnlockOSThread()
			if err != nil {
				t.Fatal(err)
			}
			for i, got := range counts(c.op) {
				if got != n {
					t.Errorf("after SetNumThreads(%d) on another thread, worker %d's %s ran with %d threads", n, i, c.name, got)
				}
			}
		}
	}
}
