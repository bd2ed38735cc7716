package torch

import (
	"fmt"
	"unsafe"
)

// What packages outside torch need to offer C++ entry points (package csrc) as ops of this package:
// the same error tensors and the same scope rule.

// FromError returns a tensor that holds err instead of a handle: ops on it pass err on, as they pass
// on the error of a failed op.
func FromError(err error) *Tensor {
	if err == nil {
		err = fmt.Errorf("torch.FromError: nil error")
	}
	return errTensor(err)
}

// InputErr is the first error among tensors a C++ entry point is about to read: a nil, failed or
// dropped tensor. name prefixes the messages of nil and dropped inputs.
func InputErr(name string, ts ...*Tensor) error { return inputErr(name, ts...) }

// FromHandleOf takes ownership of h, the result of a C++ op over inputs, and returns it as an op of
// this package returns its result: in the Scope of the first input that has one.
func FromHandleOf(h unsafe.Pointer, inputs ...*Tensor) *Tensor {
	t := FromHandle(h)
	if t.err != nil {
		return t
	}
	for _, in := range inputs {
		if sc := in.scopeOf(); sc != nil {
			sc.add(t)
			break
		}
	}
	return t
}
