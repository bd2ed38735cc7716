package torch

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	lib "github.com/sugarme/gotch/libtch"
)

// Element is a Go type with a tensor dtype.
type Element interface {
	~float32 | ~float64 | ~int64 | ~int32 | ~int16 | ~int8 | ~uint8 | ~bool
}

// dtypeOf is the dtype of T, by its kind: a named type (type level uint8) is its underlying type.
func dtypeOf[T Element]() DType {
	var z T
	switch reflect.TypeOf(z).Kind() {
	case reflect.Float32:
		return Float32
	case reflect.Float64:
		return Float64
	case reflect.Int64:
		return Int64
	case reflect.Int32:
		return Int32
	case reflect.Int16:
		return Int16
	case reflect.Int8:
		return Int8
	case reflect.Uint8:
		return Uint8
	default: // reflect.Bool: the Element constraint admits nothing else
		return Bool
	}
}

// FromSlice copies data into a new CPU tensor of the given shape, like torch.tensor(data).view(shape);
// with no shape it is a 0-dimensional tensor of one value (torch.tensor(v)).
func FromSlice[T Element](data []T, shape ...int64) *Tensor {
	n, err := shapeNumel(shape)
	if err != nil {
		return errTensor(fmt.Errorf("torch.FromSlice: %w", err))
	}
	if n != int64(len(data)) {
		return errTensor(fmt.Errorf("torch.FromSlice: %d values do not fill shape %v (%d elements)", len(data), shape, n))
	}
	dt := dtypeOf[T]()
	dims := shape
	if len(dims) == 0 {
		dims = []int64{1} // libtch needs a non-empty dims array; view it back to a scalar below
	}
	var p unsafe.Pointer
	var zero [1]T
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	} else {
		p = unsafe.Pointer(&zero[0])
	}
	var c lib.Ctensor
	err = locked(func() { c = lib.AtTensorOfData(p, dims, uint(len(dims)), uint(dt.Size()), int(dt.code())) })
	if err != nil {
		return errTensor(fmt.Errorf("torch.FromSlice: %w", err))
	}
	t := wrap(c)
	if len(shape) == 0 {
		v := Keep(t.View())
		t.Drop()
		t = v
	}
	if s := currentScope(); s != nil {
		s.add(t)
	}
	return t
}

// FromSlicePinned copies data into a new tensor in page-locked ("pinned") host memory, like
// torch.tensor(data).view(shape).pin_memory() in one copy: the source of a copy to CUDA with
// nonBlocking that overlaps the device's work (from ordinary memory the copy first waits for the
// stream). It needs CUDA; libtorch's pinned allocator keeps the memory until the copy is done even
// when the tensor is dropped right after it.
func FromSlicePinned[T Element](data []T, shape ...int64) *Tensor {
	n, err := shapeNumel(shape)
	if err != nil {
		return errTensor(fmt.Errorf("torch.FromSlicePinned: %w", err))
	}
	if n != int64(len(data)) || n == 0 {
		return errTensor(fmt.Errorf("torch.FromSlicePinned: %d values for shape %v (%d elements)", len(data), shape, n))
	}
	dt := dtypeOf[T]()
	h, err := csrc.PinnedFrom(unsafe.Pointer(&data[0]), n*int64(dt.Size()), shape, dt.code())
	if err != nil {
		return errTensor(fmt.Errorf("torch.FromSlicePinned: %w", err))
	}
	return FromHandle(h)
}

// Scalar is a 0-dimensional tensor holding v.
func Scalar[T Element](v T) *Tensor { return FromSlice([]T{v}) }

// nonEmpty gives libtch's generated wrappers, which take &s[0], a valid pointer for empty shapes.
func nonEmpty(s []int64) []int64 {
	if len(s) == 0 {
		return []int64{0}
	}
	return s
}

// copyOut copies t's elements (converted to dtype dt, on the CPU, contiguous) into dst.
func copyOut(name string, t *Tensor, dt DType, dst unsafe.Pointer, n int) error {
	if err := inputErr(name, t); err != nil {
		return err
	}
	src := t
	if t.DType() != dt || t.Device() != CPU || !t.IsContiguous() {
		src = call(name, func(out *lib.Ctensor) { lib.AtgToDevice(out, t.c, -1, dt.code(), 0, 0) }, t)
		if src.err != nil {
			return src.err
		}
		src = Keep(src)
		defer src.Drop()
		if !src.IsContiguous() {
			c := Keep(src.Contiguous())
			defer c.Drop()
			src = c
		}
	}
	if n == 0 {
		return nil
	}
	return locked(func() { lib.AtCopyData(src.c, dst, uint(n), uint(dt.Size())) })
}

// Float32s copies the tensor's values out as float32, in row-major order.
func (t *Tensor) Float32s() ([]float32, error) { return values[float32](t, "Float32s") }

// Float64s copies the tensor's values out as float64.
func (t *Tensor) Float64s() ([]float64, error) { return values[float64](t, "Float64s") }

// Int64s copies the tensor's values out as int64.
func (t *Tensor) Int64s() ([]int64, error) { return values[int64](t, "Int64s") }

func values[T Element](t *Tensor, name string) ([]T, error) {
	if err := inputErr(name, t); err != nil {
		return nil, err
	}
	v := make([]T, t.Numel())
	var p unsafe.Pointer
	if len(v) > 0 {
		p = unsafe.Pointer(&v[0])
	}
	if err := copyOut(name, t, dtypeOf[T](), p, len(v)); err != nil {
		return nil, err
	}
	return v, nil
}

// Item is tensor.item() for a one-element tensor, as float64.
func (t *Tensor) Item() (float64, error) {
	if err := inputErr("Item", t); err != nil {
		return 0, err
	}
	if n := t.Numel(); n != 1 {
		return 0, fmt.Errorf("torch.Item: a tensor with %d elements cannot be converted to a scalar", n)
	}
	v, err := t.Float64s()
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// MustItem is Item that panics on error.
func (t *Tensor) MustItem() float64 {
	v, err := t.Item()
	if err != nil {
		panic(err)
	}
	return v
}
