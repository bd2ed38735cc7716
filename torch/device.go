package torch

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aecifar/aecifar/csrc"
)

// Device is where a tensor lives: CPU or one CUDA device.
type Device struct {
	Type  string // "cpu" or "cuda"
	Index int    // CUDA device index; 0 for the CPU
}

// CPU is the host.
var CPU = Device{Type: "cpu"}

// CUDA returns CUDA device i.
func CUDA(i int) Device { return Device{Type: "cuda", Index: i} }

func (d Device) String() string {
	if d.Type == "cuda" {
		return "cuda:" + strconv.Itoa(d.Index)
	}
	return d.Type
}

// IsCUDA tells whether d is a CUDA device.
func (d Device) IsCUDA() bool { return d.Type == "cuda" }

// code is libtch's device code: -1 for the CPU, the index for CUDA.
func (d Device) code() int32 {
	if d.IsCUDA() {
		return int32(d.Index)
	}
	return -1
}

func deviceOf(code int) Device {
	if code < 0 {
		return CPU
	}
	return CUDA(code)
}

// ParseDevice reads "cpu", "cuda", "cuda:N" (as torch.device does) and "auto" (CUDA 0 when available,
// else the CPU). It checks that a CUDA device exists, so that "cuda" on a machine without a GPU fails
// here with a clear message rather than at the first op.
func ParseDevice(s string) (Device, error) {
	n := CUDADeviceCount()
	switch {
	case s == "cpu":
		return CPU, nil
	case s == "auto":
		if n > 0 {
			return CUDA(0), nil
		}
		return CPU, nil
	case s == "cuda" || strings.HasPrefix(s, "cuda:"):
		i := 0
		if s != "cuda" {
			v, err := strconv.Atoi(s[len("cuda:"):])
			if err != nil || v < 0 {
				return Device{}, fmt.Errorf("invalid device %q: want cpu, cuda, cuda:N or auto", s)
			}
			i = v
		}
		if n == 0 {
			return Device{}, fmt.Errorf("device %q: no CUDA device available (this libtorch %s sees none)", s, csrc.TorchVersion())
		}
		if i >= n {
			return Device{}, fmt.Errorf("device %q: only %d CUDA device(s) available", s, n)
		}
		return CUDA(i), nil
	}
	return Device{}, fmt.Errorf("invalid device %q: want cpu, cuda, cuda:N or auto", s)
}

// CUDADeviceCount is the number of CUDA devices libtorch sees, like torch.cuda.device_count.
func CUDADeviceCount() int {
	n, err := csrc.CUDADeviceCount()
	if err != nil {
		return 0
	}
	return n
}

// CUDAIsAvailable is like torch.cuda.is_available.
func CUDAIsAvailable() bool { return CUDADeviceCount() > 0 }

// Version is the version of the libtorch the binary was built against.
func Version() string { return csrc.TorchVersion() }

// VersionAtLeast reports whether that libtorch is major.minor or later, for the few places where
// torch.nn's behaviour changed between the versions this project builds against.
func VersionAtLeast(major, minor int) bool {
	var ma, mi int
	if _, err := fmt.Sscanf(Version(), "%d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// ManualSeed seeds every generator (the CPU's and each CUDA device's), like torch.manual_seed. It
// fails only when a CUDA device cannot be reached.
func ManualSeed(seed uint64) error {
	if err := csrc.ManualSeed(seed); err != nil {
		return fmt.Errorf("torch.manual_seed: %w", err)
	}
	return nil
}

// SetNumThreads is torch.set_num_threads; GetNumThreads is torch.get_num_threads.
func SetNumThreads(n int) error { return csrc.SetNumThreads(n) }

// GetNumThreads is torch.get_num_threads.
func GetNumThreads() int { return csrc.NumThreads() }

// GetRNGState is torch.get_rng_state(): the CPU generator's state as a uint8 tensor.
func GetRNGState() *Tensor {
	h, err := csrc.RNGState()
	if err != nil {
		return errTensor(fmt.Errorf("torch.get_rng_state: %w", err))
	}
	return FromHandle(h)
}

// SetRNGState is torch.set_rng_state(state).
func SetRNGState(state *Tensor) error {
	if err := inputErr("set_rng_state", state); err != nil {
		return err
	}
	return csrc.SetRNGState(state.Handle())
}

// CacheHostMemory makes the C allocator keep the memory libtorch frees on the CPU instead of
// returning it to the operating system, so that a training loop's next step reuses it rather than
// page-faulting it in again (on the project's 2-core machine a quarter of a step's CPU time went to
// those faults). The cost: the process keeps its peak heap. It returns false where the C library
// does not support it. PyTorch has no such call; the port's fast path makes it.
func CacheHostMemory() bool { return csrc.CacheHostMemory() }
