package torch

import (
	lib "github.com/sugarme/gotch/libtch"
)

// The methods below mirror torch.Tensor's methods of the same names. Each returns a new tensor (or an
// error tensor, see the package doc); those ending in an underscore work in place and return t.

// scalarCall runs an op that takes a libtorch Scalar, freeing the scalar afterwards.
func scalarCall(name string, v float64, f func(out *lib.Ctensor, s lib.Cscalar), inputs ...*Tensor) *Tensor {
	s := lib.AtsFloat(v)
	defer lib.AtsFree(s)
	return call(name, func(out *lib.Ctensor) { f(out, s) }, inputs...)
}

// Add is t + o.
func (t *Tensor) Add(o *Tensor) *Tensor {
	return call("add", func(out *lib.Ctensor) { lib.AtgAdd(out, t.c, o.c) }, t, o)
}

// Sub is t - o.
func (t *Tensor) Sub(o *Tensor) *Tensor {
	return call("sub", func(out *lib.Ctensor) { lib.AtgSub(out, t.c, o.c) }, t, o)
}

// Mul is t * o.
func (t *Tensor) Mul(o *Tensor) *Tensor {
	return call("mul", func(out *lib.Ctensor) { lib.AtgMul(out, t.c, o.c) }, t, o)
}

// Div is t / o.
func (t *Tensor) Div(o *Tensor) *Tensor {
	return call("div", func(out *lib.Ctensor) { lib.AtgDiv(out, t.c, o.c) }, t, o)
}

// AddScalar is t + v.
func (t *Tensor) AddScalar(v float64) *Tensor {
	return scalarCall("add", v, func(out *lib.Ctensor, s lib.Cscalar) { lib.AtgAddScalar(out, t.c, s) }, t)
}

// MulScalar is t * v.
func (t *Tensor) MulScalar(v float64) *Tensor {
	return scalarCall("mul", v, func(out *lib.Ctensor, s lib.Cscalar) { lib.AtgMulScalar(out, t.c, s) }, t)
}

// Eq is t == o, elementwise, as a bool tensor.
func (t *Tensor) Eq(o *Tensor) *Tensor {
	return call("eq", func(out *lib.Ctensor) { lib.AtgEqTensor(out, t.c, o.c) }, t, o)
}

// Relu is torch.relu(t).
func (t *Tensor) Relu() *Tensor {
	return call("relu", func(out *lib.Ctensor) { lib.AtgRelu(out, t.c) }, t)
}

// Sigmoid is torch.sigmoid(t).
func (t *Tensor) Sigmoid() *Tensor {
	return call("sigmoid", func(out *lib.Ctensor) { lib.AtgSigmoid(out, t.c) }, t)
}

// Sqrt is torch.sqrt(t).
func (t *Tensor) Sqrt() *Tensor {
	return call("sqrt", func(out *lib.Ctensor) { lib.AtgSqrt(out, t.c) }, t)
}

// Sum is t.sum() over all elements.
func (t *Tensor) Sum() *Tensor {
	return call("sum", func(out *lib.Ctensor) { lib.AtgSum(out, t.c, t.DType().code()) }, t)
}

// Mean is t.mean() over all elements.
func (t *Tensor) Mean() *Tensor {
	return call("mean", func(out *lib.Ctensor) { lib.AtgMean(out, t.c, t.DType().code()) }, t)
}

// Argmax is t.argmax(dim, keepdim).
func (t *Tensor) Argmax(dim int64, keepdim bool) *Tensor {
	return call("argmax", func(out *lib.Ctensor) { lib.AtgArgmax(out, t.c, dim, 0, b2i(keepdim)) }, t)
}

// View is t.view(shape...): same data, new shape (-1 infers one dimension).
func (t *Tensor) View(shape ...int64) *Tensor {
	return call("view", func(out *lib.Ctensor) { lib.AtgView(out, t.c, nonEmpty(shape), len(shape)) }, t)
}

// Reshape is t.reshape(shape...).
func (t *Tensor) Reshape(shape ...int64) *Tensor {
	return call("reshape", func(out *lib.Ctensor) { lib.AtgReshape(out, t.c, nonEmpty(shape), len(shape)) }, t)
}

// Flatten is t.flatten(startDim, endDim).
func (t *Tensor) Flatten(startDim, endDim int64) *Tensor {
	return call("flatten", func(out *lib.Ctensor) { lib.AtgFlatten(out, t.c, startDim, endDim) }, t)
}

// Narrow is t.narrow(dim, start, length).
func (t *Tensor) Narrow(dim, start, length int64) *Tensor {
	return call("narrow", func(out *lib.Ctensor) { lib.AtgNarrow(out, t.c, dim, start, length) }, t)
}

// Select is t.select(dim, index).
func (t *Tensor) Select(dim, index int64) *Tensor {
	return call("select", func(out *lib.Ctensor) { lib.AtgSelect(out, t.c, dim, index) }, t)
}

// IndexSelect is t.index_select(dim, index).
func (t *Tensor) IndexSelect(dim int64, index *Tensor) *Tensor {
	return call("index_select", func(out *lib.Ctensor) { lib.AtgIndexSelect(out, t.c, dim, index.c) }, t, index)
}

// Permute is t.permute(dims...).
func (t *Tensor) Permute(dims ...int64) *Tensor {
	return call("permute", func(out *lib.Ctensor) { lib.AtgPermute(out, t.c, nonEmpty(dims), len(dims)) }, t)
}

// Contiguous is t.contiguous().
func (t *Tensor) Contiguous() *Tensor {
	return call("contiguous", func(out *lib.Ctensor) { lib.AtgContiguous(out, t.c) }, t)
}

// Clone is t.clone(): a copy with its own storage. (gotch's generated atg_clone is clone_out, so
// it is made as t.to(device, dtype, copy=True), which autograd tracks like clone.)
func (t *Tensor) Clone() *Tensor {
	return call("clone", func(out *lib.Ctensor) { lib.AtgToDevice(out, t.c, t.Device().code(), t.DType().code(), 0, 1) }, t)
}

// Detach is t.detach(): same data, cut from the autograd graph.
func (t *Tensor) Detach() *Tensor {
	return call("detach", func(out *lib.Ctensor) { lib.AtgDetach(out, t.c) }, t)
}

// To is t.to(device).
func (t *Tensor) To(d Device) *Tensor {
	return t.ToOptions(d, t.DType(), false)
}

// ToOptions is t.to(device, dtype, non_blocking=nonBlocking).
func (t *Tensor) ToOptions(d Device, dt DType, nonBlocking bool) *Tensor {
	return call("to", func(out *lib.Ctensor) { lib.AtgToDevice(out, t.c, d.code(), dt.code(), b2i(nonBlocking), 0) }, t)
}

// ToDType is t.to(dtype).
func (t *Tensor) ToDType(dt DType) *Tensor {
	return call("to", func(out *lib.Ctensor) { lib.AtgTotype(out, t.c, dt.code()) }, t)
}

// Cat is torch.cat(tensors, dim).
func Cat(tensors []*Tensor, dim int64) *Tensor {
	cs := make([]lib.Ctensor, len(tensors))
	for i, t := range tensors {
		if t != nil {
			cs[i] = t.c
		}
	}
	if len(cs) == 0 {
		cs = append(cs, nil)
	}
	return call("cat", func(out *lib.Ctensor) { lib.AtgCat(out, cs, len(tensors), dim) }, tensors...)
}

// Fill_ is t.fill_(v).
func (t *Tensor) Fill_(v float64) *Tensor {
	return t.inPlace(scalarCall("fill_", v, func(out *lib.Ctensor, s lib.Cscalar) { lib.AtgFill_(out, t.c, s) }, t))
}

// Zero_ is t.zero_().
func (t *Tensor) Zero_() *Tensor {
	return t.inPlace(call("zero_", func(out *lib.Ctensor) { lib.AtgZero_(out, t.c) }, t))
}

// Uniform_ is t.uniform_(from, to).
func (t *Tensor) Uniform_(from, to float64) *Tensor {
	return t.inPlace(call("uniform_", func(out *lib.Ctensor) { lib.AtgUniform_(out, t.c, from, to) }, t))
}

// Random_ is t.random_(): integers drawn uniformly from [0, 2^mantissa] for floating dtypes and
// [0, max] for integer ones, from the default generator.
func (t *Tensor) Random_() *Tensor {
	return t.inPlace(call("random_", func(out *lib.Ctensor) { lib.AtgRandom_(out, t.c) }, t))
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
