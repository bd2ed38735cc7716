package torch

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A Scope frees together the tensors that belong to it: those attached to it, every result of an
// op whose first scoped input belongs to it and, while it is current (see WithScope), every
// tensor made from inputs that belong to no scope, creation ops (Zeros, Randn, FromSlice...)
// included. It is safe for use by several goroutines.
type Scope struct {
	mu      sync.Mutex
	tensors []*Tensor
	closed  bool
}

// NewScope returns an empty scope. Unlike WithScope's, it is never current: tensors join it by
// Attach or by being computed from its tensors.
func NewScope() *Scope { return &Scope{} }

// WithScope runs f with a fresh scope and closes it when f returns. While f runs the scope is
// current on the calling goroutine: results with no scoped input join it, so
//
//	torch.WithScope(func(s *torch.Scope) {
//		noise := torch.Randn([]int64{32, 10}) // freed with s
//		...
//	})
//
// leaks nothing. The goroutine stays on its OS thread while f runs (as NoGrad does); ops that f
// starts on other goroutines do not see the scope. Scopes nest: the innermost is current.
func WithScope(f func(s *Scope)) {
	s := NewScope()
	defer s.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer makeCurrent(s)()
	f(s)
}

// Attach makes t (and what is computed from it) belong to s and returns t. A tensor belongs to at
// most one scope: attaching moves it.
func (s *Scope) Attach(t *Tensor) *Tensor {
	if t == nil {
		return t
	}
	old := t.scope.Load()
	if old == s {
		return t
	}
	if old != nil {
		old.remove(t)
	}
	s.add(t)
	return t
}

func (s *Scope) add(t *Tensor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		// A result computed from a tensor whose scope already closed: nothing will free it but Drop
		// or the runtime's cleanup, as for a tensor with no scope.
		return
	}
	t.scope.Store(s)
	s.tensors = append(s.tensors, t)
}

func (s *Scope) remove(t *Tensor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, u := range s.tensors {
		if u == t {
			s.tensors[i] = nil
			break
		}
	}
	t.scope.CompareAndSwap(s, nil)
}

// scopeOf is the scope t belongs to (nil for none, or for a nil t).
func (t *Tensor) scopeOf() *Scope {
	if t == nil {
		return nil
	}
	return t.scope.Load()
}

// Keep takes t out of its scope, so that it outlives it, and returns t.
func Keep(t *Tensor) *Tensor {
	if s := t.scopeOf(); s != nil {
		s.remove(t)
	}
	return t
}

// Len is the number of tensors the scope would free now.
func (s *Scope) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.tensors {
		if t != nil && t.c != nil {
			n++
		}
	}
	return n
}

// Close drops every tensor of the scope. It is idempotent.
func (s *Scope) Close() {
	s.mu.Lock()
	ts := s.tensors
	s.tensors = nil
	s.closed = true
	s.mu.Unlock()
	for _, t := range ts {
		if t != nil {
			t.scope.CompareAndSwap(s, nil)
			t.Drop()
		}
	}
}

// The current scopes, per OS thread: WithScope locks its goroutine to its thread, so the thread
// identifies the goroutine while the scope is current.
var (
	currentCount atomic.Int64 // scopes current on any thread: 0 skips the lookup
	currentMu    sync.Mutex
	current      = map[int][]*Scope{}
)

// makeCurrent pushes s on the calling thread's stack of current scopes and returns its pop. The
// caller holds its OS thread locked.
func makeCurrent(s *Scope) (pop func()) {
	tid, ok := threadID()
	if !ok {
		return func() {}
	}
	currentMu.Lock()
	current[tid] = append(current[tid], s)
	currentMu.Unlock()
	currentCount.Add(1)
	return func() {
		currentMu.Lock()
		st := current[tid]
		if len(st) <= 1 {
			delete(current, tid)
		} else {
			current[tid] = st[:len(st)-1]
		}
		currentMu.Unlock()
		currentCount.Add(-1)
	}
}

// currentScope is the scope WithScope made current on the calling goroutine, if any.
func currentScope() *Scope {
	if currentCount.Load() == 0 {
		return nil
	}
	tid, ok := threadID()
	if !ok {
		return nil
	}
	currentMu.Lock()
	defer currentMu.Unlock()
	if st := current[tid]; len(st) > 0 {
		return st[len(st)-1]
	}
	return nil
}
