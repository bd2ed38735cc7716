package torch

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"

	lib "github.com/sugarme/gotch/libtch"
)

// Backward is tensor.backward() for a scalar tensor: it accumulates gradients into the leaves.
func (t *Tensor) Backward() error {
	if err := inputErr("backward", t); err != nil {
		return err
	}
	if err := locked(func() { lib.AtBackward(t.c, 0, 0) }); err != nil {
		return fmt.Errorf("torch.backward: %w", err)
	}
	return nil
}

// RequiresGrad is tensor.requires_grad.
func (t *Tensor) RequiresGrad() bool { return t.Defined() && lib.AtRequiresGrad(t.c) }

// SetRequiresGrad is tensor.requires_grad_(b); it returns t.
func (t *Tensor) SetRequiresGrad(b bool) *Tensor {
	return t.inPlace(call("requires_grad_", func(out *lib.Ctensor) { lib.AtgSetRequiresGrad(out, t.c, b2i(b)) }, t))
}

// Grad is tensor.grad: a new handle on the accumulated gradient, which the caller drops; nil when
// there is none yet.
func (t *Tensor) Grad() *Tensor {
	g := call("grad", func(out *lib.Ctensor) { lib.AtgGrad(out, t.c) }, t)
	if g.err == nil && !lib.AtDefined(g.c) {
		Keep(g).Drop()
		return nil
	}
	return g
}

// SetGrad is `tensor.grad = grad`: t's gradient becomes grad itself, not a copy (t.Grad() then
// returns a handle on the same tensor), with the checks of Python's setter: grad has t's dtype,
// device and shape, and is not t. A nil grad is `tensor.grad = None`. A gradient that requires
// grad (from autograd.Grad with CreateGraph) keeps its graph, which a differentiable optimizer step
// extends.
func (t *Tensor) SetGrad(grad *Tensor) error {
	if err := inputErr("grad", t); err != nil {
		return err
	}
	var h unsafe.Pointer
	if grad != nil {
		if err := inputErr("grad", grad); err != nil {
			return err
		}
		h = grad.Handle()
	}
	if err := csrc.SetGrad(t.Handle(), h); err != nil {
		return fmt.Errorf("torch.grad: %w", err)
	}
	return nil
}

// NoGrad runs f with gradient recording off, like `with torch.no_grad():`. libtorch's grad mode is
// per OS thread, so the goroutine stays locked to its thread while f runs; ops f starts on other
// goroutines are not covered.
func NoGrad(f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// gotch returns the C int through a Go int without truncating it: keep the low 32 bits.
	prev := int(int32(lib.AtGradSetEnabled(0)))
	defer lib.AtGradSetEnabled(prev)
	f()
}

// IsGradEnabled is torch.is_grad_enabled() for the calling goroutine's thread.
func IsGradEnabled() bool {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prev := int(int32(lib.AtGradSetEnabled(1)))
	lib.AtGradSetEnabled(prev)
	return prev != 0
}
