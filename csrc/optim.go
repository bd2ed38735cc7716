package csrc

// #include "csrc.h"
import "C"

import "unsafe"

// Handles are libtorch tensor handles (at::Tensor *), as torch.Tensor.Handle returns them.

func cHandles(h []unsafe.Pointer) *C.csrc_tensor {
	if len(h) == 0 {
		return nil
	}
	return (*C.csrc_tensor)(unsafe.Pointer(&h[0]))
}

// ZeroGrad is optimizer.zero_grad(set_to_none): each gradient set to none or zeroed in place.
func ZeroGrad(params []unsafe.Pointer, setToNone bool) error {
	return errorFrom(C.csrc_zero_grad(cHandles(params), C.int(len(params)), cbool(setToNone)))
}

// SGDStep is one step of PyTorch's single-tensor SGD; bufs (len(params), nil entries at first)
// receives the momentum buffers it allocates.
func SGDStep(params, bufs []unsafe.Pointer, lr, momentum, dampening, weightDecay float64, nesterov bool) error {
	return errorFrom(C.csrc_sgd_step(cHandles(params), cHandles(bufs), C.int(len(params)),
		C.double(lr), C.double(momentum), C.double(dampening), C.double(weightDecay), cbool(nesterov)))
}

// AdamStep is one step of PyTorch's single-tensor Adam; the state slices (len(params), nil entries
// at first) receive the tensors it allocates, steps counts each parameter's steps.
func AdamStep(params, expAvg, expAvgSq, maxExpAvgSq []unsafe.Pointer, steps []int64,
	lr, beta1, beta2, eps, weightDecay float64, amsgrad bool) error {
	if len(params) == 0 {
		return nil
	}
	return errorFrom(C.csrc_adam_step(cHandles(params), cHandles(expAvg), cHandles(expAvgSq), cHandles(maxExpAvgSq),
		(*C.int64_t)(unsafe.Pointer(&steps[0])), C.int(len(params)),
		C.double(lr), C.double(beta1), C.double(beta2), C.double(eps), C.double(weightDecay), cbool(amsgrad)))
}

// AdamForeachStep is one step of PyTorch's foreach Adam (see csrc_adam_foreach_step); with
// capturable, stepTensors (len(params), nil entries at first) receives the device step counts.
func AdamForeachStep(params, expAvg, expAvgSq, maxExpAvgSq []unsafe.Pointer, steps []int64, stepTensors []unsafe.Pointer,
	lr, beta1, beta2, eps, weightDecay float64, amsgrad, capturable bool) error {
	if len(params) == 0 {
		return nil
	}
	return errorFrom(C.csrc_adam_foreach_step(cHandles(params), cHandles(expAvg), cHandles(expAvgSq), cHandles(maxExpAvgSq),
		(*C.int64_t)(unsafe.Pointer(&steps[0])), cHandles(stepTensors), C.int(len(params)),
		C.double(lr), C.double(beta1), C.double(beta2), C.double(eps), C.double(weightDecay), cbool(amsgrad), cbool(capturable)))
}

// FreeTensor frees a handle csrc allocated.
func FreeTensor(h unsafe.Pointer) { C.csrc_tensor_free(C.csrc_tensor(h)) }

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
