#include "csrc.h"
#include "try.h"

// ATen alone, not <torch/torch.h>: the whole C++ frontend triples this file's compile time.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h> // torch::cuda::device_count: stable across libtorch versions
#include <torch/version.h>

#include <cstdlib>
#include <malloc.h>
#include <cstring>
#include <string>


extern "C" {

void csrc_free(void *p) { free(p); }

void csrc_torch_version(char *buf, int len) {
  if (len <= 0) return;
  strncpy(buf, TORCH_VERSION, len - 1);
  buf[len - 1] = 0;
}

char *csrc_cuda_device_count(int *count) {
  CSRC_TRY(*count = (int)torch::cuda::device_count());
}

char *csrc_manual_seed(uint64_t seed) { CSRC_TRY(at::manual_seed(seed)); }

void csrc_sync_num_threads(void) { csrc_threads::sync(); }

char *csrc_set_num_threads(int n) {
  CSRC_TRY({
    at::set_num_threads(n); // rejects n < 1
    csrc_threads::count.store(n, std::memory_order_relaxed);
    csrc_threads::seen = csrc_threads::generation.fetch_add(1, std::memory_order_release) + 1;
  });
}

int csrc_get_num_threads(void) {
  csrc_threads::sync();
  return at::get_num_threads();
}

int csrc_thread_num_threads(void) { return at::get_num_threads(); }

int csrc_cache_host_memory(void) {
  // glibc returns large freed blocks to the OS (munmap, heap trimming); libtorch's CPU allocator
  // frees every activation and gradient each step, so the next step page-faults all of that
  // memory in again. Keep it instead: the largest mmap threshold glibc allows (32 MiB on 64-bit;
  // setting it also stops glibc's dynamic adjustment) and no trimming.
  int ok = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  ok &= mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return ok;
}

char *csrc_get_rng_state(csrc_tensor *out) {
  CSRC_TRY({
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    *out = new at::Tensor(gen.get_state());
  });
}

char *csrc_set_rng_state(csrc_tensor state) {
  CSRC_TRY({
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(*static_cast<at::Tensor *>(state));
  });
}

char *csrc_pinned_from(const void *data, int64_t nbytes, const int64_t *shape, int ndim, int scalar_type,
                       csrc_tensor *out) {
  CSRC_TRY({
    TORCH_CHECK(torch::cuda::is_available(), "pinned memory needs CUDA, and this libtorch sees no CUDA device");
    auto t = at::empty(at::IntArrayRef(shape, ndim),
                       at::TensorOptions().dtype(static_cast<at::ScalarType>(scalar_type)).pinned_memory(true));
    TORCH_CHECK(int64_t(t.nbytes()) == nbytes, "pinned tensor of ", t.nbytes(), " bytes for ", nbytes, " bytes of data");
    std::memcpy(t.data_ptr(), data, nbytes);
    *out = new at::Tensor(std::move(t));
  });
}

} // extern "C"
