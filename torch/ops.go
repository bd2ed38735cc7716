package torch

import (
	lib "github.com/sugarme/gotch/libtch"
)

// The methods below mirror torch.Tensor's methods of the same names. Each returns a new tensor (or an
// error tensor, see the package doc); those ending in an underscore work in place and return t.

// View is t.view(shape...): same data, new shape (-1 infers one dimension).
func (t *Tensor) View(shape ...int64) *Tensor {
	return call("view", func(out *lib.Ctensor) { lib.AtgView(out, t.c, nonEmpty(shape), len(shape)) }, t)
}

// Reshape is t.reshape(shape...).
func (t *Tensor) Reshape(shape ...int64) *Tensor {
	return call("reshape", func(out *lib.Ctensor) { lib.AtgReshape(out, t.c, nonEmpty(shape), len(shape)) }, t)
}

// Permute is t.permute(dims...).
func (t *Tensor) Permute(dims ...int64) *Tensor {
	return call("permute", func(out *lib.Ctensor) { lib.AtgPermute(out, t.c, nonEmpty(dims), len(dims)) }, t)
}

// Clone is t.clone(): a copy with its own storage. (gotch's generated atg_clone is clone_out, so
// it is made as t.to(device, dtype, copy=True), which autograd tracks like clone.)
func (t *Tensor) Clone() *Tensor {
	return call("clone", func(out *lib.Ctensor) { lib.AtgToDevice(out, t.c, t.Device().code(), t.DType().code(), 0, 1) }, t)
}

// To is t.to(device).
func (t *Tensor) To(d Device) *Tensor {
	return t.ToOptions(d, t.DType(), false)
}

// ToOptions is t.to(device, dtype, non_blocking=nonBlocking).
func (t *Tensor) ToOptions(d Device, dt DType, nonBlocking bool) *Tensor {
	return call("to", func(out *lib.Ctensor) { lib.AtgToDevice(out, t.c, d.code(), dt.code(), b2i(nonBlocking), 0) }, t)
}

// Copy_ is t.copy_(src).
func (t *Tensor) Copy_(src *Tensor) *Tensor {
	if err := inputErr("copy_", t, src); err != nil {
		return errTensor(err)
	}
	if err := locked(func() { lib.AtCopy_(t.c, src.c) }); err != nil {
		return errTensor(err)
	}
	return t
}

// inPlace turns the result of an in-place op (a second handle on t's storage) into t itself.
func (t *Tensor) inPlace(r *Tensor) *Tensor {
	if r.err != nil {
		return r
	}
	Keep(r).Drop()
	return t
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
