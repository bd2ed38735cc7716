package torch

import "sync"

// A Scope frees together the tensors that belong to it: those attached to it and every result of an
// op whose first scoped input belongs to it. It is safe for use by several goroutines.
type Scope struct {
	mu      sync.Mutex
	tensors []*Tensor
	closed  bool
}

// NewScope returns an empty scope.
func NewScope() *Scope { return &Scope{} }

// WithScope runs f with a fresh scope and closes it when f returns.
func WithScope(f func(s *Scope)) {
	s := NewScope()
	defer s.Close()
	f(s)
}

// Attach makes t (and what is computed from it) belong to s and returns t. A tensor belongs to at
// most one scope: attaching moves it.
func (s *Scope) Attach(t *Tensor) *Tensor {
	if t == nil {
		return t
	}
	if t.scope == s {
		return t
	}
	if t.scope != nil {
		t.scope.remove(t)
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
	t.scope = s
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
	t.scope = nil
}

// Keep takes t out of its scope, so that it outlives it, and returns t.
func Keep(t *Tensor) *Tensor {
	if t != nil && t.scope != nil {
		t.scope.remove(t)
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
			t.scope = nil
			t.Drop()
		}
	}
}

// currentScope is the scope WithScope made current on this goroutine, if any.
func currentScope() *Scope { return nil }
