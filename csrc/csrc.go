// Package csrc is the C++ this project owns, behind one C header (csrc.h), and its cgo bindings.
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
	"unsafe"
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
