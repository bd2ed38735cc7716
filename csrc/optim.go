package csrc

// #cgo LDFLAGS: -lm
// #include <math.h>
// #include "csrc.h"
import "C"

import "unsafe"

// Handles are libtorch tensor handles (at::Tensor *), as torch.Tensor.Handle returns them. In the
// optimizer steps below, every state slice has one entry per parameter, nil until the step that
// allocates it, and steps counts each parameter's steps.

func cHandles(h []unsafe.Pointer) *C.csrc_tensor {
	if len(h) == 0 {
		return nil
	}
	return (*C.csrc_tensor)(unsafe.Pointer(&h[0]))
}

func cSteps(s []int64) *C.int64_t { return (*C.int64_t)(unsafe.Pointer(&s[0])) }

// ZeroGrad is optimizer.zero_grad(set_to_none): each gradient set to none or zeroed in place.
func ZeroGrad(params []unsafe.Pointer, setToNone bool) error {
	return errorFrom(C.csrc_zero_grad(cHandles(params), C.int(len(params)), cbool(setToNone)))
}

// SGDStep is one step of PyTorch's SGD; bufs receives the momentum buffers it allocates. With
// differentiable the step runs with grad mode on, so that autograd records it.
func SGDStep(params, bufs []unsafe.Pointer, lr, momentum, dampening, weightDecay float64, nesterov, maximize, foreach,
	differentiable bool) error {
	if len(params) == 0 {
		return nil
	}
	return errorFrom(C.csrc_sgd_step(cHandles(params), cHandles(bufs), C.int(len(params)),
		C.double(lr), C.double(momentum), C.double(dampening), C.double(weightDecay), cbool(nesterov),
		cbool(maximize), cbool(foreach), cbool(differentiable)))
}

// AdamHypers are the options of one Adam or AdamW step.
type AdamHypers struct {
	LR, Beta1, Beta2, Eps, WeightDecay       float64
	AMSGrad, Maximize, Capturable, Decoupled bool // Decoupled: AdamW's weight decay
	Differentiable                           bool // Adam only
}

// AdamState is one group's Adam state: one handle per parameter in each slice, nil until the step
// that allocates it (StepTensors only with Capturable, Differentiable or the fused step).
type AdamState struct {
	ExpAvg, ExpAvgSq, MaxExpAvgSq, StepTensors []unsafe.Pointer
	Steps                                      []int64
}

// AdamStep is one step of PyTorch's single-tensor Adam, or with Decoupled of AdamW (see
// csrc_adam_step).
func AdamStep(params []unsafe.Pointer, s AdamState, h AdamHypers) error {
	if len(params) == 0 {
		return nil
	}
	p, m, v, vmax, st, n := cHandles(params), cHandles(s.ExpAvg), cHandles(s.ExpAvgSq), cHandles(s.MaxExpAvgSq),
		cHandles(s.StepTensors), C.int(len(params))
	if h.Decoupled {
		return errorFrom(C.csrc_adamw_step(p, m, v, vmax, cSteps(s.Steps), st, n, C.double(h.LR), C.double(h.Beta1),
			C.double(h.Beta2), C.double(h.Eps), C.double(h.WeightDecay), cbool(h.AMSGrad), cbool(h.Maximize),
			cbool(h.Capturable)))
	}
	return errorFrom(C.csrc_adam_step(p, m, v, vmax, cSteps(s.Steps), st, n, C.double(h.LR), C.double(h.Beta1),
		C.double(h.Beta2), C.double(h.Eps), C.double(h.WeightDecay), cbool(h.AMSGrad), cbool(h.Maximize),
		cbool(h.Capturable), cbool(h.Differentiable)))
}

// AdamForeachStep is one step of PyTorch's foreach Adam, or with Decoupled of AdamW (see
// csrc_adam_foreach_step); with Capturable, StepTensors receives the device step counts.
func AdamForeachStep(params []unsafe.Pointer, s AdamState, h AdamHypers) error {
	if len(params) == 0 {
		return nil
	}
	p, m, v, vmax, st, n := cHandles(params), cHandles(s.ExpAvg), cHandles(s.ExpAvgSq), cHandles(s.MaxExpAvgSq),
		cHandles(s.StepTensors), C.int(len(params))
	if h.Decoupled {
		return errorFrom(C.csrc_adamw_foreach_step(p, m, v, vmax, cSteps(s.Steps), st, n, C.double(h.LR),
			C.double(h.Beta1), C.double(h.Beta2), C.double(h.Eps), C.double(h.WeightDecay), cbool(h.AMSGrad),
			cbool(h.Maximize), cbool(h.Capturable)))
	}
	return errorFrom(C.csrc_adam_foreach_step(p, m, v, vmax, cSteps(s.Steps), st, n, C.double(h.LR), C.double(h.Beta1),
		C.double(h.Beta2), C.double(h.Eps), C.double(h.WeightDecay), cbool(h.AMSGrad), cbool(h.Maximize),
		cbool(h.Capturable)))
}

// AdamFusedStep is one step of PyTorch's fused Adam (see csrc_adam_fused_step); StepTensors
// receives the device step counts. Decoupled, Capturable and Differentiable are not read.
func AdamFusedStep(params []unsafe.Pointer, s AdamState, h AdamHypers) error {
	if len(params) == 0 {
		return nil
	}
	return errorFrom(C.csrc_adam_fused_step(cHandles(params), cHandles(s.ExpAvg), cHandles(s.ExpAvgSq),
		cHandles(s.MaxExpAvgSq), cSteps(s.Steps), cHandles(s.StepTensors), C.int(len(params)), C.double(h.LR),
		C.double(h.Beta1), C.double(h.Beta2), C.double(h.Eps), C.double(h.WeightDecay), cbool(h.AMSGrad),
		cbool(h.Maximize)))
}

// RMSpropStep is one step of PyTorch's RMSprop; differentiable as in SGDStep.
func RMSpropStep(params, squareAvg, momentumBuf, gradAvg []unsafe.Pointer, steps []int64,
	lr, alpha, eps, weightDecay, momentum float64, centered, maximize, foreach, differentiable bool) error {
	if len(params) == 0 {
		return nil
	}
	return errorFrom(C.csrc_rmsprop_step(cHandles(params), cHandles(squareAvg), cHandles(momentumBuf), cHandles(gradAvg),
		cSteps(steps), C.int(len(params)), C.double(lr), C.double(alpha), C.double(eps), C.double(weightDecay),
		C.double(momentum), cbool(centered), cbool(maximize), cbool(foreach), cbool(differentiable)))
}

// AdagradInit allocates Adagrad's sum for every parameter that has none, filled with
// initialAccumulatorValue, as torch.optim.Adagrad's constructor does.
func AdagradInit(params, sums []unsafe.Pointer, initialAccumulatorValue float64) error {
	if len(params) == 0 {
		return nil
	}
	return errorFrom(C.csrc_adagrad_init(cHandles(params), cHandles(sums), C.int(len(params)), C.double(initialAccumulatorValue)))
}

// AdagradStep is one step of PyTorch's Adagrad.
func AdagradStep(params, sums []unsafe.Pointer, steps []int64, lr, lrDecay, weightDecay, eps, initialAccumulatorValue float64,
	maximize, foreach bool) error {
	if len(params) == 0 {
		return nil
	}
	return errorFrom(C.csrc_adagrad_step(cHandles(params), cHandles(sums), cSteps(steps), C.int(len(params)),
		C.double(lr), C.double(lrDecay), C.double(weightDecay), C.double(eps), C.double(initialAccumulatorValue),
		cbool(maximize), cbool(foreach)))
}

// AdadeltaStep is one step of PyTorch's Adadelta.
func AdadeltaStep(params, squareAvg, accDelta []unsafe.Pointer, steps []int64, lr, rho, eps, weightDecay float64,
	maximize, foreach bool) error {
	if len(params) == 0 {
		return nil
	}
	return errorFrom(C.csrc_adadelta_step(cHandles(params), cHandles(squareAvg), cHandles(accDelta), cSteps(steps),
		C.int(len(params)), C.double(lr), C.double(rho), C.double(eps), C.double(weightDecay), cbool(maximize), cbool(foreach)))
}

// FreeTensor frees a handle csrc allocated.
func FreeTensor(h unsafe.Pointer) { C.csrc_tensor_free(C.csrc_tensor(h)) }

// Cos, Pow and Log are the C library's cos, pow and log: the functions that CPython's math.cos,
// float ** and math.log call. Learning-rate schedules use them so that their float64 arithmetic
// equals PyTorch's (Python's) to the last bit: Go's math package computes these functions with
// other algorithms, which round some results to a neighbouring float.
func Cos(x float64) float64 { return float64(C.cos(C.double(x))) }

// Pow is the C library's pow(x, y); see Cos.
func Pow(x, y float64) float64 { return float64(C.pow(C.double(x), C.double(y))) }

// Log is the C library's natural logarithm; see Cos.
func Log(x float64) float64 { return float64(C.log(C.double(x))) }

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
