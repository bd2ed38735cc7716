package cuda

import (
	"fmt"
	"slices"

	"github.com/aecifar/aecifar/torch"
)

// graphWarmup is the number of eager calls before a capture, as in torch.cuda.make_graphed_callables
// (num_warmup_iters=3): lazily initialised state (optimizer state, library handles) must exist
// before capture, and PyTorch's recipe warms up on a side stream.
const graphWarmup = 3

// GraphedStep runs a step (a training step: forward, backward, optimizer) on static input tensors:
// eagerly for its first few calls (on a side stream), then captured once as a CUDA graph and
// replayed, each call copying its inputs into the static ones first. On the CPU, or without csrc's
// CUDA API, every call is eager. Invalidate drops the graph so that the next call captures again
// (after a learning rate change: the optimizer's rate is a constant of the captured step).
type GraphedStep struct {
	device  torch.Device
	step    func(inputs ...*torch.Tensor) error
	statics []*torch.Tensor // the graph's inputs (CUDA with graphs only)
	calls   int
	graph   *CUDAGraph
	// noGraphs is why steps run eagerly on CUDA: a binary built without csrc's CUDA API.
	noGraphs error
}

// NewGraphedStep wraps step, whose inputs have the shapes and dtypes of like (one full batch; where
// graphs are used, the static inputs are allocated like them, on device).
func NewGraphedStep(device torch.Device, step func(inputs ...*torch.Tensor) error, like ...*torch.Tensor) *GraphedStep {
	g := &GraphedStep{device: device, step: step}
	if !device.IsCUDA() {
		return g
	}
	if g.noGraphs = APIAvailable(); g.noGraphs != nil {
		return g
	}
	for _, t := range like {
		g.statics = append(g.statics, torch.Zeros(t.Shape(), torch.ZerosOptions{DType: t.DType(), Device: device}))
	}
	return g
}

// Eager tells why a step on CUDA runs eagerly instead of as a graph (nil when it does not).
func (g *GraphedStep) Eager() error { return g.noGraphs }

// Captured reports whether the step holds a captured graph, which its next full-size call replays.
func (g *GraphedStep) Captured() bool { return g.graph != nil }

// Run runs the step on inputs: on CUDA with graphs, copied into the static inputs when they have
// their shapes, else (a last, smaller batch) passed to an eager step; elsewhere passed as they are.
func (g *GraphedStep) Run(inputs ...*torch.Tensor) error {
	if !g.device.IsCUDA() || g.noGraphs != nil {
		return g.step(inputs...) // no graph reads the static inputs: no copy
	}
	for i, in := range inputs {
		if !slices.Equal(in.Shape(), g.statics[i].Shape()) {
			return g.step(inputs...)
		}
	}
	for i, in := range inputs {
		if err := g.statics[i].Copy_(in).Err(); err != nil {
			return err
		}
	}
	if g.graph != nil {
		return g.graph.Replay()
	}
	if g.calls < graphWarmup {
		g.calls++
		return SideStream(g.device, func() error { return g.step(g.statics...) })
	}
	graph, err := NewCUDAGraph()
	if err != nil {
		return err
	}
	if err := Graph(graph, g.device, func() error { return g.step(g.statics...) }); err != nil {
		graph.Drop()
		return fmt.Errorf("capturing the step as a CUDA graph: %w", err)
	}
	g.graph = graph
	return g.graph.Replay()
}

// Invalidate drops the captured graph, if any: the next full-size call captures the step again
// (without a new warm-up). Call it when something the capture baked in as a constant changed,
// such as the optimizer's learning rate after a scheduler step.
func (g *GraphedStep) Invalidate() {
	g.graph.Drop()
	g.graph = nil
}

// Drop frees the captured graph and the static inputs; the step must not run again. It is
// idempotent.
func (g *GraphedStep) Drop() {
	g.Invalidate()
	for _, t := range g.statics {
		t.Drop()
	}
}
