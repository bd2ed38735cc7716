// Package cuda is the part of torch.cuda that a training loop needs beyond tensors: synchronisation,
// the caching allocator's memory statistics, CUDA graphs (torch.cuda.CUDAGraph, torch.cuda.graph)
// with the side-stream warm-up they require, and GraphedStep, a training step warmed up, captured
// once and replayed (the recipe of torch.cuda.make_graphed_callables).
//
// Everything except IsAvailable and DeviceCount needs csrc's CUDA API, which the build compiles only
// against a CUDA libtorch whose CUDA runtime headers it found (see csrc/cuda.h); APIAvailable says
// whether this binary has it, and why not.
//
// The current CUDA stream belongs to an OS thread, so a capture or a side-stream region runs on one
// locked OS thread: do the work inside the function passed to Graph or SideStream, on the calling
// goroutine, and start no goroutines that launch CUDA work from it.
package cuda

import (
	"fmt"
	"runtime"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// IsAvailable is torch.cuda.is_available().
func IsAvailable() bool { return torch.CUDAIsAvailable() }

// DeviceCount is torch.cuda.device_count().
func DeviceCount() int { return torch.CUDADeviceCount() }

// APIAvailable is nil when this binary has the functions below, else why not.
func APIAvailable() error { return csrc.CUDAAPIAvailable() }

func index(d torch.Device, what string) (int, error) {
	if !d.IsCUDA() {
		return 0, fmt.Errorf("torch.cuda.%s: %s is not a CUDA device", what, d)
	}
	return d.Index, nil
}

// Synchronize is torch.cuda.synchronize(device): it waits for everything queued on the device.
func Synchronize(d torch.Device) error {
	i, err := index(d, "synchronize")
	if err != nil {
		return err
	}
	return csrc.CUDASynchronize(i)
}

// MemoryStats are the caching allocator's figures for one device, in bytes: torch.cuda's
// memory_allocated, max_memory_allocated and memory_reserved.
type MemoryStats struct {
	Allocated, MaxAllocated, Reserved int64
}

// Memory returns the device's MemoryStats.
func Memory(d torch.Device) (MemoryStats, error) {
	i, err := index(d, "memory_allocated")
	if err != nil {
		return MemoryStats{}, err
	}
	a, m, r, err := csrc.CUDAMemoryStats(i)
	return MemoryStats{a, m, r}, err
}

// ResetPeakMemoryStats is torch.cuda.reset_peak_memory_stats(device).
func ResetPeakMemoryStats(d torch.Device) error {
	i, err := index(d, "reset_peak_memory_stats")
	if err != nil {
		return err
	}
	return csrc.CUDAResetPeakMemoryStats(i)
}

// CUDAGraph is torch.cuda.CUDAGraph: work captured once by Graph and launched again by Replay with
// one call, with the same memory addresses every time (its inputs and outputs are static tensors).
type CUDAGraph struct {
	g      *csrc.CUDAGraph
	device torch.Device
}

// NewCUDAGraph is torch.cuda.CUDAGraph().
func NewCUDAGraph() (*CUDAGraph, error) {
	g, err := csrc.NewCUDAGraph()
	if err != nil {
		return nil, fmt.Errorf("torch.cuda.CUDAGraph: %w", err)
	}
	return &CUDAGraph{g: g}, nil
}

// Replay launches the captured work on the current stream; it does not wait for it.
func (g *CUDAGraph) Replay() error {
	if err := g.g.Replay(); err != nil {
		return fmt.Errorf("torch.cuda.CUDAGraph.replay: %w", err)
	}
	return nil
}

// Reset frees the captured graph and its private memory pool; the graph can then capture again.
func (g *CUDAGraph) Reset() error { return g.g.Reset() }

// Drop frees the graph.
func (g *CUDAGraph) Drop() {
	if g != nil && g.g != nil {
		g.g.Free()
		g.g = nil
	}
}

// Graph captures f into g on device, like `with torch.cuda.graph(g): f()`: it synchronises the device,
// makes a side stream current, and records instead of running every op f launches. The tensors f
// creates live in the graph's memory pool; those the caller keeps are the graph's static outputs.
// f must not synchronise with the host (no Item, no copies to the CPU). On an error the capture is
// abandoned and g reset.
func Graph(g *CUDAGraph, device torch.Device, f func() error) error {
	i, err := index(device, "graph")
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := g.g.CaptureBegin(i); err != nil {
		return fmt.Errorf("torch.cuda.graph: capture_begin: %w", err)
	}
	if ferr := f(); ferr != nil {
		g.g.CaptureEnd() // restores the stream; the capture itself is lost
		g.g.Reset()
		return ferr
	}
	if err := g.g.CaptureEnd(); err != nil {
		g.g.Reset()
		return fmt.Errorf("torch.cuda.graph: capture_end: %w", err)
	}
	g.device = device
	return nil
}

// SideStream runs f with a fresh side stream of device current, ordered after all earlier work on
// the device and before all later work: the warm-up that must precede a capture (PyTorch's
// `s.wait_stream(current); with torch.cuda.stream(s): f(); current.wait_stream(s)`).
func SideStream(device torch.Device, f func() error) error {
	i, err := index(device, "stream")
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s, err := csrc.SideStreamBegin(i)
	if err != nil {
		return fmt.Errorf("torch.cuda.stream: %w", err)
	}
	ferr := f()
	if err := s.End(); err != nil && ferr == nil {
		ferr = fmt.Errorf("torch.cuda.stream: %w", err)
	}
	return ferr
}
