package torch

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	lib "github.com/sugarme/gotch/libtch"
)

// Tensor is a handle to a libtorch tensor, or an error in its place (see the package doc).
type Tensor struct {
	c       lib.Ctensor
	err     error
	scope   atomic.Pointer[Scope] // the scope that frees it, if any
	cleanup runtime.Cleanup
}

var live atomic.Int64

// LiveTensors is the number of tensor handles created and not yet freed.
func LiveTensors() int64 { return live.Load() }

// wrap takes ownership of a handle libtorch returned.
func wrap(c lib.Ctensor) *Tensor {
	t := &Tensor{c: c}
	live.Add(1)
	t.cleanup = runtime.AddCleanup(t, freeHandle, c)
	return t
}

func freeHandle(c lib.Ctensor) {
	lib.AtFree(c)
	live.Add(-1)
}

// errTensor is a tensor that holds err instead of a handle.
func errTensor(err error) *Tensor { return &Tensor{err: err} }

// ErrDropped is returned by ops on a tensor whose handle was freed.
var ErrDropped = errors.New("torch: use of a dropped tensor")

// Drop frees the handle now. It is idempotent and safe on nil and error tensors.
func (t *Tensor) Drop() {
	if t == nil || t.c == nil {
		return
	}
	t.cleanup.Stop()
	c := t.c
	t.c = nil
	if t.err == nil {
		t.err = ErrDropped
	}
	freeHandle(c)
}

// Err is the error this tensor holds: the first failure of the ops that produced it, or ErrDropped.
func (t *Tensor) Err() error {
	if t == nil {
		return errors.New("torch: nil tensor")
	}
	return t.err
}

// FirstErr is the error of the first of ts that holds one (see Err), or nil: one check for the
// results of several ops.
func FirstErr(ts ...*Tensor) error {
	for _, t := range ts {
		if err := t.Err(); err != nil {
			return err
		}
	}
	return nil
}

// MustOK panics with the tensor's error, if any, and returns t.
func (t *Tensor) MustOK() *Tensor {
	if err := t.Err(); err != nil {
		panic(err)
	}
	return t
}

// Defined tells whether t holds a handle (false after Drop or for an error tensor).
func (t *Tensor) Defined() bool { return t != nil && t.err == nil && t.c != nil }

// call runs one libtch op that writes nout result handles into out, reading gotch's thread-local error
// on the same OS thread. inputs are checked first: an error or dropped input short-circuits.
func call(name string, f func(out *lib.Ctensor), inputs ...*Tensor) *Tensor {
	var scope *Scope
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if in.err != nil {
			return errTensor(in.err)
		}
		if in.c == nil {
			return errTensor(fmt.Errorf("torch.%s: %w", name, ErrDropped))
		}
		if scope == nil {
			scope = in.scope.Load()
		}
	}
	var out [1]lib.Ctensor
	if err := locked(func() { f(&out[0]) }); err != nil {
		return errTensor(fmt.Errorf("torch.%s: %w", name, err))
	}
	if scope == nil {
		scope = currentScope()
	}
	t := wrap(out[0])
	if scope != nil {
		scope.add(t)
	}
	return t
}

// locked runs f on a locked OS thread, with the thread count SetNumThreads set, and returns the
// error gotch left for it.
func locked(f func()) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	csrc.SyncNumThreads()
	f()
	return takeLastErr()
}

func takeLastErr() error {
	if p := lib.GetAndResetLastErr(); p != nil {
		return trimBacktrace(csrc.TakeError(unsafe.Pointer(p)))
	}
	return nil
}

// trimBacktrace drops the C++ backtrace libtorch appends to its messages ("Exception raised from
// ... frame #0 ..."), keeping the message a user can act on.
func trimBacktrace(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "\nException raised from "); i >= 0 {
		return errors.New(strings.TrimSpace(msg[:i]))
	}
	return err
}

// inputErr is the first error among tensors a non-tensor-returning function is about to use.
func inputErr(name string, ts ...*Tensor) error {
	for _, t := range ts {
		if t == nil {
			return fmt.Errorf("torch.%s: nil tensor", name)
		}
		if t.err != nil {
			return t.err
		}
		if t.c == nil {
			return fmt.Errorf("torch.%s: %w", name, ErrDropped)
		}
	}
	return nil
}

// Dim is the number of dimensions (0 for an error tensor).
func (t *Tensor) Dim() int {
	if !t.Defined() {
		return 0
	}
	return int(lib.AtDim(t.c))
}

// Shape is the size of each dimension, like tensor.shape (nil for an error tensor).
func (t *Tensor) Shape() []int64 {
	n := t.Dim()
	if n == 0 {
		if t.Defined() {
			return []int64{}
		}
		return nil
	}
	s := make([]int64, n)
	lib.AtShape(t.c, unsafe.Pointer(&s[0]))
	return s
}

// Size is tensor.size(dim); negative dims count from the end.
func (t *Tensor) Size(dim int) int64 {
	s := t.Shape()
	if dim < 0 {
		dim += len(s)
	}
	if dim < 0 || dim >= len(s) {
		return 0
	}
	return s[dim]
}

// Numel is the number of elements.
func (t *Tensor) Numel() int64 {
	if !t.Defined() {
		return 0
	}
	n := int64(1)
	for _, d := range t.Shape() {
		n *= d
	}
	return n
}

// DType is the element type.
func (t *Tensor) DType() DType {
	if !t.Defined() {
		return 0
	}
	return dtypeFromCode(lib.AtScalarType(t.c))
}

// Device is where the tensor lives.
func (t *Tensor) Device() Device {
	if !t.Defined() {
		return CPU
	}
	// gotch reads the C int into a Go int without truncating it: keep the low 32 bits.
	return deviceOf(int(int32(lib.AtDevice(t.c))))
}

// IsContiguous is tensor.is_contiguous().
func (t *Tensor) IsContiguous() bool { return t.Defined() && lib.AtIsContiguous(t.c) }

// shapeNumel multiplies out a shape, rejecting negative sizes.
func shapeNumel(shape []int64) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		n *= d
	}
	return n, nil
}

// Handle is the libtorch handle (an at::Tensor *) for C++ code that works on this tensor, such as
// csrc's; nil for a dropped or error tensor. The tensor keeps ownership.
func (t *Tensor) Handle() unsafe.Pointer {
	if !t.Defined() {
		return nil
	}
	return unsafe.Pointer(t.c)
}

// FromHandle takes ownership of a handle that C++ code allocated (an at::Tensor *) and returns it
// as a Tensor that belongs to no scope.
func FromHandle(h unsafe.Pointer) *Tensor {
	if h == nil {
		return errTensor(errors.New("torch.FromHandle: nil handle"))
	}
	return wrap(lib.Ctensor(h))
}

// MoveTo_ moves t to device d in place, like `param.data = param.data.to(d)`: every holder of t
// sees the moved tensor, and requires_grad is kept. It is how Module.To moves shared parameters.
func (t *Tensor) MoveTo_(d Device) error {
	if err := inputErr("to", t); err != nil {
		return err
	}
	if t.Device() == d {
		return nil
	}
	rg := t.RequiresGrad()
	copied := Keep(call("to", func(out *lib.Ctensor) { lib.AtgToDevice(out, t.c, d.code(), t.DType().code(), 0, 0) }, t))
	if copied.err != nil {
		return copied.err
	}
	moved := copied.Detach()
	copied.Drop()
	if rg {
		moved.SetRequiresGrad(true)
	}
	if moved.err != nil {
		return moved.err
	}
	// Swap the handles, re-arming each cleanup for the handle it now owns, then free the old one.
	t.cleanup.Stop()
	moved.cleanup.Stop()
	t.c, moved.c = moved.c, t.c
	t.cleanup = runtime.AddCleanup(t, freeHandle, t.c)
	moved.cleanup = runtime.AddCleanup(moved, freeHandle, moved.c)
	moved.Drop()
	return nil
}
