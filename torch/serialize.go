package torch

import (
	"fmt"
	"unsafe"

	"github.com/aecifar/aecifar/torch/internal/ptfile"
	lib "github.com/sugarme/gotch/libtch"
)

// NamedTensor is a tensor with its dotted state_dict name.
type NamedTensor struct {
	Name   string
	Tensor *Tensor
}

// StateDict is an ordered state_dict: names and tensors in module registration order.
type StateDict []NamedTensor

// Get returns the tensor named name, or nil.
func (sd StateDict) Get(name string) *Tensor {
	for _, nt := range sd {
		if nt.Name == name {
			return nt.Tensor
		}
	}
	return nil
}

// Drop frees every tensor of the state dict (use it on one that Load returned).
func (sd StateDict) Drop() {
	for _, nt := range sd {
		nt.Tensor.Drop()
	}
}

// Save is torch.save(state_dict, path): a zip-format .pt file that Python's torch.load reads and
// load_state_dict accepts. The write is atomic: the file at path is either the previous one or the
// complete new one, even if the process dies midway.
func Save(sd StateDict, path string) error {
	ts := make([]ptfile.Tensor, len(sd))
	for i, nt := range sd {
		if err := inputErr("save", nt.Tensor); err != nil {
			return fmt.Errorf("torch.Save: %s: %w", nt.Name, err)
		}
		dt := nt.Tensor.DType()
		data := make([]byte, nt.Tensor.Numel()*int64(dt.Size()))
		var p unsafe.Pointer
		if len(data) > 0 {
			p = unsafe.Pointer(&data[0])
		}
		if err := copyOut("save", nt.Tensor, dt, p, int(nt.Tensor.Numel())); err != nil {
			return fmt.Errorf("torch.Save: %s: %w", nt.Name, err)
		}
		ts[i] = ptfile.Tensor{Name: nt.Name, DType: dt.Name(), Shape: nt.Tensor.Shape(), Data: data, RequiresGrad: nt.Tensor.RequiresGrad()}
	}
	return ptfile.WriteFile(path, ts)
}

// Load is torch.load(path) for a state_dict file (from Go or from Python's torch.save): CPU tensors,
// owned by the caller, in the file's order.
func Load(path string) (StateDict, error) {
	ts, err := ptfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sd := make(StateDict, 0, len(ts))
	for _, pt := range ts {
		dt, err := DTypeOf(pt.DType)
		if err != nil {
			sd.Drop()
			return nil, fmt.Errorf("%s: %s: %w", path, pt.Name, err)
		}
		t := fromBytes(pt.Data, dt, pt.Shape)
		if err := t.Err(); err != nil {
			sd.Drop()
			return nil, fmt.Errorf("%s: %s: %w", path, pt.Name, err)
		}
		sd = append(sd, NamedTensor{pt.Name, t})
	}
	return sd, nil
}

// fromBytes makes a CPU tensor from little-endian, row-major raw data.
func fromBytes(data []byte, dt DType, shape []int64) *Tensor {
	n, err := shapeNumel(shape)
	if err != nil {
		return errTensor(err)
	}
	if n*int64(dt.Size()) != int64(len(data)) {
		return errTensor(fmt.Errorf("%d bytes do not hold shape %v of %s", len(data), shape, dt))
	}
	dims := shape
	if len(dims) == 0 {
		dims = []int64{1}
	}
	buf := data
	if len(buf) == 0 {
		buf = make([]byte, 8) // a valid pointer for an empty tensor
	}
	var c lib.Ctensor
	err = locked(func() {
		c = lib.AtTensorOfData(unsafe.Pointer(&buf[0]), dims, uint(len(dims)), uint(dt.Size()), int(dt.code()))
	})
	if err != nil {
		return errTensor(err)
	}
	t := wrap(c)
	if len(shape) == 0 {
		v := t.View()
		t.Drop()
		return v
	}
	return t
}
