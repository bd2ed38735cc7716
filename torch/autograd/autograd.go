// Package autograd mirrors torch.autograd's functional interface: Grad computes the gradients of
// outputs with respect to chosen inputs and returns them, instead of accumulating them into the
// leaves' .grad as Tensor.Backward does. With CreateGraph the gradients are themselves
// differentiable: gradient penalties, higher derivatives, and differentiable optimizer steps
// (optim's Differentiable options) are built on it.
package autograd

import (
	"fmt"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// GradOptions are torch.autograd.grad's keyword arguments; zero values are PyTorch's defaults
// (grad_outputs None, retain_graph None, create_graph False, allow_unused False).
type GradOptions struct {
	// GradOutputs are the vectors of the vector-Jacobian products, one per output; nil means every
	// output is a scalar (and takes 1), as do nil entries.
	GradOutputs []*torch.Tensor
	// RetainGraph keeps the graph for another backward pass; nil means CreateGraph's value, as
	// PyTorch's None.
	RetainGraph *bool
	// CreateGraph records the gradient computation, so that the results can be differentiated.
	CreateGraph bool
	// AllowUnused returns nil for an input the outputs do not depend on, instead of an error.
	AllowUnused bool
}

// Grad is torch.autograd.grad(outputs, inputs, **options): the sum of the gradients of outputs
// with respect to each input, one tensor per input (nil for an unused one under AllowUnused), in
// the scope of the first input that has one. Nothing accumulates into .grad.
func Grad(outputs, inputs []*torch.Tensor, opts ...GradOptions) ([]*torch.Tensor, error) {
	var o GradOptions
	switch len(opts) {
	case 0:
	case 1:
		o = opts[0]
	default:
		return nil, fmt.Errorf("autograd.grad: %d option structs given, at most one is used", len(opts))
	}
	if len(outputs) == 0 || len(inputs) == 0 {
		return nil, fmt.Errorf("autograd.grad: no outputs or no inputs given")
	}
	if o.GradOutputs != nil && len(o.GradOutputs) != len(outputs) {
		return nil, fmt.Errorf("autograd.grad: grad_outputs has %d tensors, outputs %d", len(o.GradOutputs), len(outputs))
	}
	outs, err := handles("outputs", outputs)
	if err != nil {
		return nil, err
	}
	ins, err := handles("inputs", inputs)
	if err != nil {
		return nil, err
	}
	var gos []unsafe.Pointer
	if o.GradOutputs != nil {
		gos = make([]unsafe.Pointer, len(o.GradOutputs))
		for i, g := range o.GradOutputs {
			if g == nil {
				continue
			}
			if err := torch.InputErr("autograd.grad", g); err != nil {
				return nil, fmt.Errorf("autograd.grad: grad_outputs[%d]: %w", i, err)
			}
			gos[i] = g.Handle()
		}
	}
	retain := o.CreateGraph
	if o.RetainGraph != nil {
		retain = *o.RetainGraph
	}
	hs, err := csrc.AutogradGrad(outs, gos, ins, retain, o.CreateGraph, o.AllowUnused)
	if err != nil {
		return nil, fmt.Errorf("autograd.grad: %w", err)
	}
	gs := make([]*torch.Tensor, len(hs))
	for i, h := range hs {
		if h != nil {
			gs[i] = torch.FromHandleOf(h, inputs...)
		}
	}
	return gs, nil
}

func handles(what string, ts []*torch.Tensor) ([]unsafe.Pointer, error) {
	hs := make([]unsafe.Pointer, len(ts))
	for i, t := range ts {
		if err := torch.InputErr("autograd.grad", t); err != nil {
			return nil, fmt.Errorf("autograd.grad: %s[%d]: %w", what, i, err)
		}
		hs[i] = t.Handle()
	}
	return hs, nil
}
