// Package functional is torch.nn.functional: PyTorch's F.* functions for the layers of package nn,
// with F's names, argument order, defaults and checks, over the generated ATen ops of package
// torch. Import it as F to read like the Python:
//
//	import F "github.com/aecifar/aecifar/torch/nn/functional"
//
//	x = F.Relu(F.MaxPool2d(conv1.Forward(x), []int64{2}))   // F.relu(F.max_pool2d(conv1(x), 2))
//
// Options follow the module's convention (see package nn): required positional arguments are Go
// parameters; keyword arguments go in one optional options struct named after the function, whose
// zero value is PyTorch's defaults (pointers where zero is a real setting, "No" names for booleans
// whose default is True, typed constants for string choices). Sizes that PyTorch takes as an int or
// a tuple are []int64; a single element stands for the int, as in PyTorch.
//
// Errors: a function returns an error tensor (see torch.FromError) for what PyTorch would raise,
// naming the F function, and passes on the error of a failed input.
package functional

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
)

// options returns the one options struct a function was given, the zero value for none, and an
// error for more than one.
func options[O any](name string, opts []O) (O, error) {
	var zero O
	switch len(opts) {
	case 0:
		return zero, nil
	case 1:
		return opts[0], nil
	}
	return zero, fmt.Errorf("%d options structs given, at most one is allowed", len(opts))
}

func fail(name string, err error) *torch.Tensor {
	return torch.FromError(fmt.Errorf("%s: %w", "F."+name, err))
}

func failf(name, format string, args ...any) *torch.Tensor {
	return torch.FromError(fmt.Errorf("%s: %w", "F."+name, fmt.Errorf(format, args...)))
}

func or[T any](p *T, def T) T {
	if p != nil {
		return *p
	}
	return def
}

func sameShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// torchSize formats a shape as PyTorch prints a torch.Size.
func torchSize(s []int64) string {
	out := "torch.Size(["
	for i, d := range s {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprint(d)
	}
	return out + "])"
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
