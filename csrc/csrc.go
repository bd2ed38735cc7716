// Package csrc is the C++ this project owns, behind C headers, and its cgo bindings:
//
//   - csrc.h / csrc.cpp: libtorch's version, seeding, threads, RNG state, pinned host tensors,
//     the host allocator's tuning;
//   - csrc.h / optim.cpp: optimizer steps (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, each
//     single-tensor and foreach; Adam's and AdamW's capturable; SGD's, Adam's and RMSprop's
//     differentiable; Adam's fused), and the C library's cos, pow and log for learning-rate
//     schedules;
//   - csrc.h / autograd.cpp: torch.autograd.grad and the tensor.grad setter (package torch/autograd,
//     Tensor.SetGrad);
//   - augment.h / augment.cpp: the seed's augmentation as one affine resampling per image, on the
//     images' device (package torch/vision/transforms/fused);
//   - distributed.h / distributed.cpp: c10d (TCPStore, PrefixStore, ProcessGroupGloo, in CUDA
//     builds ProcessGroupNCCL, and against libtorch 2.6 DistributedDataParallel's Reducer) for
//     package torch/distributed;
//   - cuda.h / cuda.cpp: CUDA graphs, side streams, synchronisation and the caching allocator's
//     statistics (package torch/cuda), compiled only when the build defines AECIFAR_CUDA (a CUDA
//     libtorch whose CUDA runtime headers were found: see csrc/libtorch's ProbeCUDA); otherwise its
//     functions return an error saying why.
//
// The #cgo flags that compile it against libtorch are not in this directory: the build generates them
// for the libtorch it finds (package csrc/libtorch, run by `make` through cmd/torchconfig) and
// substitutes them as cgo_flags.go through `go build -overlay`. Building this package by hand therefore
// needs GOFLAGS="-mod=vendor -overlay=$PWD/build/overlay.json" (see the README).
//
// Every function returns its error from the call that failed; none reads thread-local error state.
package csrc

// #include <stdlib.h>
// #include "csrc.h"
import "C"

import (
	"errors"
	"sync/atomic"
	"unsafe"

	// gen_ops.c calls gotch's C layer: its package links it.
	_ "github.com/sugarme/gotch/libtch"
)

// errorFrom turns an error string returned by csrc into an error and frees it.
func errorFrom(msg *C.char) error {
	if msg == nil {
		return nil
	}
	defer C.csrc_free(unsafe.Pointer(msg))
	return errors.New(C.GoString(msg))
}

// TorchVersion is the version of the libtorch this binary was compiled against.
func TorchVersion() string {
	var buf [64]C.char
	C.csrc_torch_version(&buf[0], C.int(len(buf)))
	return C.GoString(&buf[0])
}

// CUDADeviceCount is the number of CUDA devices libtorch sees (0 with a CPU-only libtorch).
func CUDADeviceCount() (int, error) {
	var n C.int
	if err := errorFrom(C.csrc_cuda_device_count(&n)); err != nil {
		return 0, err
	}
	return int(n), nil
}

// TakeError converts a malloc'd C error string (from gotch's get_and_reset_last_err, or from csrc)
// into an error and frees it; nil stays nil.
func TakeError(msg unsafe.Pointer) error {
	return errorFrom((*C.char)(msg))
}

// ManualSeed seeds libtorch's generators (CPU and every CUDA device), like torch.manual_seed.
func ManualSeed(seed uint64) error { return errorFrom(C.csrc_manual_seed(C.uint64_t(seed))) }

// SetNumThreads sets libtorch's intra-op thread count, like torch.set_num_threads, for every OS
// thread: each applies it before its next csrc call, or its next torch op through SyncNumThreads.
func SetNumThreads(n int) error {
	if err := errorFrom(C.csrc_set_num_threads(C.int(n))); err != nil {
		return err
	}
	threadsSet.Store(true)
	return nil
}

// ThreadNumThreads is the calling OS thread's intra-op count as libtorch has it now, without
// catching up on SetNumThreads: what the thread's next op would use without SyncNumThreads. For tests;
// lock the goroutine to its thread around the op and this call.
func ThreadNumThreads() int { return int(C.csrc_thread_num_threads()) }

// threadsSet tells whether SetNumThreads ever succeeded: until then no thread has a count to catch up on.
var threadsSet atomic.Bool

// SyncNumThreads applies the last SetNumThreads to the calling OS thread if it has not yet. Call it
// on a locked OS thread before a libtorch op that is not a csrc function (csrc's own functions do it).
func SyncNumThreads() {
	if threadsSet.Load() {
		C.csrc_sync_num_threads()
	}
}

// NumThreads is libtorch's intra-op thread count, like torch.get_num_threads.
func NumThreads() int { return int(C.csrc_get_num_threads()) }

// RNGState returns a new handle on the CPU generator's state (a uint8 tensor).
func RNGState() (unsafe.Pointer, error) {
	var h C.csrc_tensor
	if err := errorFrom(C.csrc_get_rng_state(&h)); err != nil {
		return nil, err
	}
	return unsafe.Pointer(h), nil
}

// SetRNGState restores the CPU generator's state from a handle RNGState returned (or a copy).
func SetRNGState(state unsafe.Pointer) error {
	return errorFrom(C.csrc_set_rng_state(C.csrc_tensor(state)))
}

// PinnedFrom copies nbytes at data into a new pinned host tensor of the given shape and ScalarType
// code, and returns its handle.
func PinnedFrom(data unsafe.Pointer, nbytes int64, shape []int64, scalarType int32) (unsafe.Pointer, error) {
	var h C.csrc_tensor
	var dims *C.int64_t
	if len(shape) > 0 {
		dims = (*C.int64_t)(unsafe.Pointer(&shape[0]))
	}
	err := errorFrom(C.csrc_pinned_from(data, C.int64_t(nbytes), dims, C.int(len(shape)), C.int(scalarType), &h))
	return unsafe.Pointer(h), err
}

// CacheHostMemory keeps freed host memory in the process heap (see csrc.h); false where the C
// library refused.
func CacheHostMemory() bool { return C.csrc_cache_host_memory() != 0 }

// Stubbed tells whether gotch's C function atg_<name> was stubbed because it does not compile
// against this build's libtorch: package torch then calls the op through the dispatcher.
func Stubbed(name string) bool { return stubbed[name] }
