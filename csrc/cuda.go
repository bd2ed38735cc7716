package csrc

// #include <stdlib.h>
// #include "cuda.h"
import "C"

import "unsafe"

// CUDAAPIAvailable is nil when this build has csrc's CUDA API (cuda.h), else the reason it has not.
func CUDAAPIAvailable() error { return errorFrom(C.csrc_cuda_api_available()) }

// CUDASynchronize waits for everything queued on the device.
func CUDASynchronize(device int) error { return errorFrom(C.csrc_cuda_synchronize(C.int(device))) }

// CUDAMemoryStats returns the caching allocator's allocated, peak allocated and reserved bytes.
func CUDAMemoryStats(device int) (allocated, maxAllocated, reserved int64, err error) {
	var a, m, r C.int64_t
	err = errorFrom(C.csrc_cuda_memory_stats(C.int(device), &a, &m, &r))
	return int64(a), int64(m), int64(r), err
}

// CUDAResetPeakMemoryStats resets the peaks CUDAMemoryStats reports.
func CUDAResetPeakMemoryStats(device int) error {
	return errorFrom(C.csrc_cuda_reset_peak_memory_stats(C.int(device)))
}

// CUDAGraph is an at::cuda::CUDAGraph. Capture and side-stream calls must come from one OS thread
// (the caller locks it): the current CUDA stream is per thread.
type CUDAGraph struct{ p C.csrc_cuda_graph }

// NewCUDAGraph allocates a graph.
func NewCUDAGraph() (*CUDAGraph, error) {
	var p C.csrc_cuda_graph
	if err := errorFrom(C.csrc_cuda_graph_new(&p)); err != nil {
		return nil, err
	}
	return &CUDAGraph{p}, nil
}

// Free releases the graph (its executable and memory pool).
func (g *CUDAGraph) Free() {
	if g.p != nil {
		C.csrc_cuda_graph_free(g.p)
		g.p = nil
	}
}

func (g *CUDAGraph) CaptureBegin(device int) error {
	return errorFrom(C.csrc_cuda_graph_capture_begin(g.p, C.int(device)))
}
func (g *CUDAGraph) CaptureEnd() error { return errorFrom(C.csrc_cuda_graph_capture_end(g.p)) }
func (g *CUDAGraph) Replay() error     { return errorFrom(C.csrc_cuda_graph_replay(g.p)) }
func (g *CUDAGraph) Reset() error      { return errorFrom(C.csrc_cuda_graph_reset(g.p)) }

// SideStream is an open side-stream region (see csrc_cuda_side_stream_begin).
type SideStream struct{ p unsafe.Pointer }

// SideStreamBegin makes a side stream of device the calling thread's current stream.
func SideStreamBegin(device int) (SideStream, error) {
	var p C.csrc_cuda_stream
	err := errorFrom(C.csrc_cuda_side_stream_begin(C.int(device), &p))
	return SideStream{unsafe.Pointer(p)}, err
}

// End waits for the side stream's work and restores the thread's previous stream.
func (s SideStream) End() error {
	return errorFrom(C.csrc_cuda_side_stream_end(C.csrc_cuda_stream(s.p)))
}
