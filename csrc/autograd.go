package csrc

// #include "csrc.h"
import "C"

import "unsafe"

// AutogradGrad is torch.autograd.grad(outputs, inputs, gradOutputs, retainGraph, createGraph,
// allowUnused): one new handle per input, nil for an input the outputs do not reach when
// allowUnused. gradOutputs is nil (every output a scalar) or one handle per output, nil for None.
func AutogradGrad(outputs, gradOutputs, inputs []unsafe.Pointer, retainGraph, createGraph, allowUnused bool) ([]unsafe.Pointer, error) {
	results := make([]unsafe.Pointer, len(inputs))
	if len(inputs) == 0 {
		return results, nil
	}
	var gos *C.csrc_tensor
	if gradOutputs != nil {
		gos = cHandles(gradOutputs)
	}
	err := errorFrom(C.csrc_autograd_grad(cHandles(outputs), gos, C.int(len(outputs)), cHandles(inputs),
		C.int(len(inputs)), cHandles(results), cbool(retainGraph), cbool(createGraph), cbool(allowUnused)))
	return results, err
}

// SetGrad is tensor.grad = grad; a nil grad is None.
func SetGrad(t, grad unsafe.Pointer) error {
	return errorFrom(C.csrc_set_grad(C.csrc_tensor(t), C.csrc_tensor(grad)))
}
