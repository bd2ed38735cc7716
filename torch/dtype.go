package torch

import "fmt"

// DType is a tensor's element type. Its zero value means "the default" (float32, as in PyTorch), so
// each value is libtorch's c10::ScalarType code plus one.
type DType int32

// The element types, named as in PyTorch (torch.float32 is Float32).
const (
	Uint8    DType = 0 + 1
	Int8     DType = 1 + 1
	Int16    DType = 2 + 1
	Int32    DType = 3 + 1
	Int64    DType = 4 + 1
	Float16  DType = 5 + 1
	Float32  DType = 6 + 1
	Float64  DType = 7 + 1
	Bool     DType = 11 + 1
	BFloat16 DType = 15 + 1
)

// code is libtorch's ScalarType code; the zero DType maps to float32.
func (d DType) code() int32 {
	if d == 0 {
		return int32(Float32) - 1
	}
	return int32(d) - 1
}

func dtypeFromCode(c int32) DType { return DType(c + 1) }

// Size is the element size in bytes.
func (d DType) Size() int {
	switch d {
	case Uint8, Int8, Bool:
		return 1
	case Int16, Float16, BFloat16:
		return 2
	case Int32, Float32:
		return 4
	case Int64, Float64:
		return 8
	}
	return 0
}

func (d DType) String() string {
	switch d {
	case Uint8:
		return "torch.uint8"
	case Int8:
		return "torch.int8"
	case Int16:
		return "torch.int16"
	case Int32:
		return "torch.int32"
	case Int64:
		return "torch.int64"
	case Float16:
		return "torch.float16"
	case Float32:
		return "torch.float32"
	case Float64:
		return "torch.float64"
	case Bool:
		return "torch.bool"
	case BFloat16:
		return "torch.bfloat16"
	}
	return fmt.Sprintf("torch.dtype(%d)", d.code())
}

// Name is the dtype without the "torch." prefix, as state_dict files spell it ("float32").
func (d DType) Name() string { return d.String()[len("torch."):] }

// DTypeOf parses a name such as "float32" (or "torch.float32").
func DTypeOf(name string) (DType, error) {
	for _, d := range []DType{Uint8, Int8, Int16, Int32, Int64, Float16, Float32, Float64, Bool, BFloat16} {
		if name == d.Name() || name == d.String() {
			return d, nil
		}
	}
	return 0, fmt.Errorf("torch: unknown dtype %q", name)
}
