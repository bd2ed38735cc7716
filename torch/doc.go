// Package torch is a lean Go mirror of PyTorch's tensor API over libtorch, for porting PyTorch code
// one to one: the same names, argument order, defaults and numbers.
//
// # Tensors and ownership
//
// A *Tensor owns one libtorch tensor handle. Drop frees it now and is idempotent; a cleanup registered
// with the Go runtime frees handles that were never dropped, but only as a safety net: libtorch memory
// is invisible to Go's garbage collector, so a training loop must free its intermediates itself.
// Scopes make that one line: the results of an op join the Scope of its first input that has one, so
//
//	s := torch.NewScope()
//	x := s.Attach(batch)          // everything computed from x now belongs to s
//	loss := nn.NewMSELoss().Forward(model.Forward(x), x)
//	...
//	s.Close()                     // frees x, the activations and the loss
//
// frees a whole training step. Parameters and other long-lived tensors belong to no scope. Keep takes a
// tensor out of its scope. LiveTensors counts the handles alive, for tests that prove a loop leaks none.
// WithScope makes its scope current on the goroutine's OS thread for the body: tensors made there
// from nothing (Zeros, Randn, FromSlice, ...) join it too.
//
// # The ops and their arguments
//
// The ATen ops are generated from PyTorch's own declarations (gen_ops.go, by go generate: 2072 ops)
// under PyTorch's names in Go case: torch.cat is Cat, Tensor.max(dim) is MaxDim, an overload's name
// is appended where Go needs one name per signature (EqScalar, SumDim, ArangeStartStep). An op that
// PyTorch has as a function and a method is both here (torch.Relu(x) and x.Relu()); in-place ops end
// in an underscore (x.Relu_()), as in PyTorch. Ops with several results return them all
// (values, indices := x.MaxDim(1)).
//
// One convention holds across torch and its subpackages (nn, optim, lr_scheduler, utils/data,
// vision): positional arguments are Go arguments in PyTorch's order; keyword arguments are one
// trailing, optional options struct named after the function, whose zero value means PyTorch's
// defaults:
//
//	torch.LeakyRelu(x)                                              // F.leaky_relu(x)
//	torch.LeakyRelu(x, torch.LeakyReluOptions{NegativeSlope: 0.2}) // F.leaky_relu(x, 0.2)
//	nn.NewConv2d(3, 16, 3, nn.Conv2dOptions{Padding: 1})
//	optim.NewSGD(params, 0.001, optim.SGDOptions{Momentum: 0.9})
//
// Where zero is a meaningful value different from the default, the field is a pointer (nil is the
// default) or, for PyTorch's Scalar, an any holding a Go number (nil is the default). An omitted
// DType means PyTorch's type promotion. PyTorch's string choices are typed constants (Reduction,
// lr_scheduler.Mode); "" is the default.
//
// # Printing and indexing
//
// String prints a tensor as PyTorch's repr does, summarised past 1000 elements. At and SetAt_ are
// Python's t[...]: integers select, Colon (':'), SpanOf/SpanFrom/SpanTo and .Step slice, Ellipsis
// and NewAxis are ... and None, a tensor or []int64 indexes by value, a bool tensor masks:
//
//	output.At(torch.Colon, -1, torch.Colon)    // output[:, -1, :]
//	x.At(mask)                                 // x[mask]
//	x.SetAt_(0, torch.SpanTo(2))               // x[:2] = 0
//
// # Errors
//
// An op that fails in libtorch (a shape mismatch, say) returns a tensor that holds the error instead of
// a handle; any op on such a tensor passes the first error on without calling libtorch, so a forward
// pass reads like PyTorch and its error surfaces where the caller checks it: Err, Item, Backward, the
// Float32s family, or Must* (which panics). The error names the op and carries libtorch's message.
// Functions that do not produce tensors return an error like any Go function.
//
// # Threads
//
// gotch's C layer leaves an op's error in thread-local storage; every op here locks its goroutine to
// its OS thread across the call and the read, so an error reaches the goroutine that caused it.
// libtorch's grad mode is thread-local too: NoGrad locks the OS thread for its whole body. So is its
// intra-op thread count (OpenMP's): SetNumThreads records the count, and each OS thread applies it
// before its next op.
package torch

//go:generate go run ./internal/gen
