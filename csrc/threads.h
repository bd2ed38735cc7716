// The intra-op thread count that csrc_set_num_threads sets, shared by csrc's C++ files (try.h).
//
// libtorch's intra-op thread count belongs to an OS thread (OpenMP's nthreads ICV): at::set_num_threads
// sets it for the calling thread and for threads whose first parallel op comes later, never for a
// thread that already ran one. Go runs a goroutine's calls on whichever OS thread it is on, so a count
// set on one thread would leave ops on the others at the old one (measured: three threads that had run
// ops kept 2 after set_num_threads(1), on 1.13 and 2.6). csrc_set_num_threads therefore also records
// the count under a new generation, and sync(), run before every csrc function (CSRC_TRY) and every
// torch op (csrc_sync_num_threads), applies it once to each thread that has not seen that generation.
//
// The state is inline (one instance in the program, whichever files include this) so that any csrc
// file, cuda.cpp linked alone by the build's CUDA probe included, needs no other file's symbols.
#ifndef AECIFAR_CSRC_THREADS_H
#define AECIFAR_CSRC_THREADS_H

#include <ATen/Parallel.h>

#include <atomic>
#include <cstdint>

namespace csrc_threads {

inline std::atomic<int> count{0};
inline std::atomic<uint64_t> generation{0};
inline thread_local uint64_t seen = 0;

inline void sync() {
  uint64_t g = generation.load(std::memory_order_acquire);
  if (seen == g) {
    return;
  }
  seen = g;
  try {
    at::set_num_threads(count.load(std::memory_order_relaxed));
  } catch (...) {
    // csrc_set_num_threads accepted this count once; nothing to report here.
  }
}

} // namespace csrc_threads

#endif
