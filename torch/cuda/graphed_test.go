package cuda_test

import (
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/cuda"
)

// On the CPU a graphed step is the step: every call runs it on the caller's own tensors.
func TestGraphedStepOnCPUPassesInputs(t *testing.T) {
	x := torch.Ones([]int64{4})
	defer x.Drop()
	like := torch.Zeros([]int64{4})
	defer like.Drop()
	calls := 0
	g := cuda.NewGraphedStep(torch.CPU, func(in ...*torch.Tensor) error {
		calls++
		if len(in) != 1 || in[0] != x {
			t.Errorf("call %d: the step got %v, not the caller's tensor", calls, in)
		}
		return nil
	}, like)
	defer g.Drop()
	for range 5 {
		if err := g.Run(x); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 5 || g.Captured() || g.Eager() != nil {
		t.Fatalf("%d calls, captured %v, eager %v: want 5 eager calls and no graph", calls, g.Captured(), g.Eager())
	}
}

// On CUDA the step runs eagerly while it warms up, is then captured and replayed on the values
// copied into its static input; a batch of another shape runs eagerly, and Invalidate captures again.
func TestGraphedStepCapturesAndReplays(t *testing.T) {
	dev := needCUDA(t)
	sum := torch.Zeros([]int64{}, torch.ZerosOptions{Device: dev})
	defer sum.Drop()
	like := torch.Zeros([]int64{8}, torch.ZerosOptions{Device: dev})
	defer like.Drop()
	calls := 0
	g := cuda.NewGraphedStep(dev, func(in ...*torch.Tensor) error {
		calls++ // on the host: counts eager calls and the capture, not replays
		s := torch.NewScope()
		defer s.Close()
		return sum.Copy_(sum.Add(s.Attach(in[0].Sum()))).Err()
	}, like)
	defer g.Drop()
	run := func(v float64, n int64) {
		t.Helper()
		x := torch.Full([]int64{n}, v, torch.FullOptions{Device: dev})
		defer x.Drop()
		if err := g.Run(x); err != nil {
			t.Fatal(err)
		}
	}
	want := 0.0
	for k := range 6 {
		run(float64(k), 8)
		want += 8 * float64(k)
	}
	if !g.Captured() || calls != 4 { // 3 warm-up calls, then the capture, then 2 replays
		t.Fatalf("after 6 calls: captured %v, %d host calls; want a graph after 3 warm-up calls and the capture", g.Captured(), calls)
	}
	run(10, 3) // another shape: eager
	want += 30
	g.Invalidate()
	run(1, 8) // captured again
	want += 8
	if got, err := sum.Item(); err != nil || got != want || calls != 6 || !g.Captured() {
		t.Fatalf("sum %v (%v), want %v; %d host calls, want 6", got, err, want, calls)
	}
}
