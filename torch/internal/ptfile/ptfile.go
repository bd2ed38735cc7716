package ptfile

import (
	"errors"
	"fmt"
	"math/bits"
)

// Tensor is one entry of a state_dict: a named, dense, CPU tensor.
type Tensor struct {
	// Name is the state_dict key, dotted like PyTorch's ("conv1.weight").
	Name string
	// DType is PyTorch's dtype name without the "torch." prefix: "float32",
	// "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
	// "uint8" or "bool".
	DType string
	// Shape is the size of each dimension; empty for a 0-d (scalar) tensor.
	Shape []int64
	// Data holds the elements contiguous, row-major and little-endian,
	// exactly NumElements()*DTypeSize(DType) bytes.
	Data []byte
	// RequiresGrad is the tensor's requires_grad flag as saved. A
	// state_dict saved by model.state_dict() has it false throughout.
	RequiresGrad bool
}

// NumElements is the product of Shape (1 for a scalar). It returns -1 when
// a dimension is negative or the product overflows int64.
func (t *Tensor) NumElements() int64 {
	n, ok := numElements(t.Shape)
	if !ok {
		return -1
	}
	return n
}

// Errors returned by Read and ReadFile wrap one of these, so callers can
// tell a file that is not a checkpoint from a damaged one with errors.Is.
var (
	// ErrNotCheckpoint: the input is not a zip-format PyTorch checkpoint at
	// all (not a zip archive, no data.pkl record, legacy pre-1.6 format).
	ErrNotCheckpoint = errors.New("not a PyTorch checkpoint")
	// ErrTruncated: the input ends before its own structures say it does.
	ErrTruncated = errors.New("truncated PyTorch checkpoint")
	// ErrCorrupt: the structures are present but inconsistent (bad pickle,
	// missing storage record, a view reaching outside its storage, CRC).
	ErrCorrupt = errors.New("corrupt PyTorch checkpoint")
	// ErrUnsupported: a well-formed checkpoint that uses something this
	// package does not read (a dtype, a Python class, compression, a
	// non-tensor value).
	ErrUnsupported = errors.New("unsupported PyTorch checkpoint content")
)

func errorf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}

// dtypeInfo ties a dtype name to its element size and to the legacy typed
// storage class torch.save names in the pickle (torch.FloatStorage, ...).
type dtypeInfo struct {
	name    string
	size    int
	storage string
}

var dtypes = []dtypeInfo{
	{"float32", 4, "FloatStorage"},
	{"float64", 8, "DoubleStorage"},
	{"float16", 2, "HalfStorage"},
	{"bfloat16", 2, "BFloat16Storage"},
	{"int64", 8, "LongStorage"},
	{"int32", 4, "IntStorage"},
	{"int16", 2, "ShortStorage"},
	{"int8", 1, "CharStorage"},
	{"uint8", 1, "ByteStorage"},
	{"bool", 1, "BoolStorage"},
}

func dtypeByName(name string) (dtypeInfo, bool) {
	for _, d := range dtypes {
		if d.name == name {
			return d, true
		}
	}
	return dtypeInfo{}, false
}

func dtypeByStorage(storage string) (dtypeInfo, bool) {
	for _, d := range dtypes {
		if d.storage == storage {
			return d, true
		}
	}
	return dtypeInfo{}, false
}

// DTypeSize is the size in bytes of one element of dtype, or 0 when this
// package does not know the dtype.
func DTypeSize(dtype string) int {
	d, _ := dtypeByName(dtype)
	return d.size
}

// numElements multiplies shape, refusing negative sizes and overflow.
func numElements(shape []int64) (int64, bool) {
	n := uint64(1)
	for _, s := range shape {
		if s < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(n, uint64(s))
		if hi != 0 || lo > 1<<63-1 {
			return 0, false
		}
		n = lo
	}
	return int64(n), true
}

// mulCheck returns a*b for non-negative a, b, or false on int64 overflow.
func mulCheck(a, b int64) (int64, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > 1<<63-1 {
		return 0, false
	}
	return int64(lo), true
}

// addCheck returns a+b for non-negative a, b, or false on int64 overflow.
func addCheck(a, b int64) (int64, bool) {
	if a < 0 || b < 0 || a > 1<<63-1-b {
		return 0, false
	}
	return a + b, true
}
