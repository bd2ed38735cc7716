// See cuda.h. Everything CUDA-specific is inside #ifdef AECIFAR_CUDA, which the build defines only
// when it can compile this file against the CUDA runtime headers (csrc/libtorch/cudaprobe.go).
#include "cuda.h"
#include "try.h"

#include <cstdlib>
#include <cstring>
#include <optional>

#ifdef AECIFAR_CUDA

#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

namespace {

// A graph and the stream that was current when its capture began, restored at its end.
struct Graph {
  at::cuda::CUDAGraph graph;
  std::optional<c10::cuda::CUDAStream> previous;
};

// A side-stream region: the stream that was current before it.
struct Side {
  c10::cuda::CUDAStream previous;
  c10::DeviceIndex device;
};

c10::DeviceIndex index(int device) {
  TORCH_CHECK(device >= 0 && device < c10::cuda::device_count(), "CUDA device ", device,
              " does not exist (", int(c10::cuda::device_count()), " device(s))");
  return static_cast<c10::DeviceIndex>(device);
}

// Makes a fresh side stream of device current, after the device has finished everything queued so far
// (torch.cuda.graph synchronises the same way before a capture). Returns the stream it replaced.
c10::cuda::CUDAStream enterSideStream(c10::DeviceIndex device) {
  c10::cuda::CUDAGuard guard(device);
  c10::cuda::device_synchronize();
  auto previous = c10::cuda::getCurrentCUDAStream(device);
  c10::cuda::setCurrentCUDAStream(c10::cuda::getStreamFromPool(false, device));
  return previous;
}

} // namespace

extern "C" {

char *csrc_cuda_api_available(void) { return nullptr; }

char *csrc_cuda_synchronize(int device) {
  CSRC_TRY({
    c10::cuda::CUDAGuard guard(index(device));
    c10::cuda::device_synchronize();
  });
}

char *csrc_cuda_memory_stats(int device, int64_t *allocated, int64_t *max_allocated, int64_t *reserved) {
  CSRC_TRY({
    // Index 0 of each StatArray is StatType::AGGREGATE in every libtorch version.
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index(device));
    *allocated = stats.allocated_bytes[0].current;
    *max_allocated = stats.allocated_bytes[0].peak;
    *reserved = stats.reserved_bytes[0].current;
  });
}

char *csrc_cuda_reset_peak_memory_stats(int device) {
  CSRC_TRY(c10::cuda::CUDACachingAllocator::resetPeakStats(index(device)));
}

char *csrc_cuda_graph_new(csrc_cuda_graph *out) { CSRC_TRY(*out = new Graph()); }

void csrc_cuda_graph_free(csrc_cuda_graph g) { delete static_cast<Graph *>(g); }

char *csrc_cuda_graph_capture_begin(csrc_cuda_graph g, int device) {
  CSRC_TRY({
    auto *gr = static_cast<Graph *>(g);
    TORCH_CHECK(!gr->previous, "CUDA graph: capture_begin called twice");
    auto d = index(device);
    gr->previous = enterSideStream(d);
    try {
      c10::cuda::CUDAGuard guard(d); // capture_begin captures the current device's current stream
      gr->graph.capture_begin();
    } catch (...) {
      c10::cuda::setCurrentCUDAStream(*gr->previous);
      gr->previous.reset();
      throw;
    }
  });
}

char *csrc_cuda_graph_capture_end(csrc_cuda_graph g) {
  CSRC_TRY({
    auto *gr = static_cast<Graph *>(g);
    TORCH_CHECK(gr->previous, "CUDA graph: capture_end without capture_begin");
    auto previous = *gr->previous;
    gr->previous.reset();
    try {
      gr->graph.capture_end();
    } catch (...) {
      c10::cuda::setCurrentCUDAStream(previous);
      throw;
    }
    c10::cuda::setCurrentCUDAStream(previous);
  });
}

char *csrc_cuda_graph_replay(csrc_cuda_graph g) { CSRC_TRY(static_cast<Graph *>(g)->graph.replay()); }

char *csrc_cuda_graph_reset(csrc_cuda_graph g) { CSRC_TRY(static_cast<Graph *>(g)->graph.reset()); }

char *csrc_cuda_side_stream_begin(int device, csrc_cuda_stream *out) {
  CSRC_TRY({
    auto d = index(device);
    *out = new Side{enterSideStream(d), d};
  });
}

char *csrc_cuda_side_stream_end(csrc_cuda_stream s) {
  CSRC_TRY({
    auto *side = static_cast<Side *>(s);
    auto previous = side->previous;
    auto device = side->device;
    delete side;
    c10::cuda::CUDAGuard guard(device);
    c10::cuda::device_synchronize(); // the previous stream then sees all of the side stream's work
    c10::cuda::setCurrentCUDAStream(previous);
  });
}

} // extern "C"

#else // !AECIFAR_CUDA

static char *unavailable() {
  return strdup("this build of csrc has no CUDA support: libtorch is CPU-only, or the CUDA runtime "
                "headers (cuda_runtime_api.h) were not found when it was configured; set CUDA_HOME "
                "and run `make configure` (see build/libtorch/*/config.json)");
}

extern "C" {
char *csrc_cuda_api_available(void) { return unavailable(); }
char *csrc_cuda_synchronize(int) { return unavailable(); }
char *csrc_cuda_memory_stats(int, int64_t *, int64_t *, int64_t *) { return unavailable(); }
char *csrc_cuda_reset_peak_memory_stats(int) { return unavailable(); }
char *csrc_cuda_graph_new(csrc_cuda_graph *) { return unavailable(); }
void csrc_cuda_graph_free(csrc_cuda_graph) {}
char *csrc_cuda_graph_capture_begin(csrc_cuda_graph, int) { return unavailable(); }
char *csrc_cuda_graph_capture_end(csrc_cuda_graph) { return unavailable(); }
char *csrc_cuda_graph_replay(csrc_cuda_graph) { return unavailable(); }
char *csrc_cuda_graph_reset(csrc_cuda_graph) { return unavailable(); }
char *csrc_cuda_side_stream_begin(int, csrc_cuda_stream *) { return unavailable(); }
char *csrc_cuda_side_stream_end(csrc_cuda_stream) { return unavailable(); }
} // extern "C"

#endif
