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
