// The CUDA side of csrc: device synchronisation, the caching allocator's statistics, side streams and
// CUDA graphs (at::cuda::CUDAGraph), the pieces of torch.cuda that a captured training step needs.
//
// cuda.cpp needs the CUDA runtime headers (cuda_runtime_api.h), which a CUDA libtorch does not always
// ship. The build defines AECIFAR_CUDA only when libtorch has CUDA and a trial compilation of cuda.cpp
// against the headers it found succeeds (csrc/libtorch); otherwise every function here returns an
// error that says so, and the rest of the project builds and runs without them.
#ifndef AECIFAR_CSRC_CUDA_H
#define AECIFAR_CSRC_CUDA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// NULL when this build has the CUDA API below, else why not (the caller frees it).
char *csrc_cuda_api_available(void);

// torch.cuda.synchronize(device).
char *csrc_cuda_synchronize(int device);

// torch.cuda.memory_allocated, max_memory_allocated and memory_reserved for a device, in bytes.
char *csrc_cuda_memory_stats(int device, int64_t *allocated, int64_t *max_allocated, int64_t *reserved);
// torch.cuda.reset_peak_memory_stats(device).
char *csrc_cuda_reset_peak_memory_stats(int device);

typedef void *csrc_cuda_graph;   // at::cuda::CUDAGraph *
typedef void *csrc_cuda_stream;  // the stream state of a side-stream region

char *csrc_cuda_graph_new(csrc_cuda_graph *out);
void csrc_cuda_graph_free(csrc_cuda_graph g);
// Starts capturing on a side stream of device that becomes this thread's current stream; every op
// this thread launches until csrc_cuda_graph_capture_end is recorded, not run. The caller keeps the
// thread (a locked OS thread) for the whole capture.
char *csrc_cuda_graph_capture_begin(csrc_cuda_graph g, int device);
// Ends the capture, instantiates the graph and restores the thread's previous stream.
char *csrc_cuda_graph_capture_end(csrc_cuda_graph g);
// Launches the captured work on the thread's current stream.
char *csrc_cuda_graph_replay(csrc_cuda_graph g);
// Frees the graph's executable and its private memory pool.
char *csrc_cuda_graph_reset(csrc_cuda_graph g);

// Runs the thread's work until csrc_cuda_side_stream_end on a fresh side stream of device, ordered
// after everything queued before and before everything queued after (the warm-up that CUDA graphs
// need before a capture). The caller keeps the thread in between.
char *csrc_cuda_side_stream_begin(int device, csrc_cuda_stream *out);
char *csrc_cuda_side_stream_end(csrc_cuda_stream s);

#ifdef __cplusplus
}
#endif
#endif
