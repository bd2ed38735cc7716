package torch

import (
	"sync"
	"testing"
)

// TestWithScopeFreesUnscopedResults: inside WithScope, creation ops and ops on long-lived tensors
// join the scope, so the live count returns to its baseline; long-lived tensors survive.
func TestWithScopeFreesUnscopedResults(t *testing.T) {
	param := FromSlice([]float32{1, 2, 3}, 3)
	defer param.Drop()
	base := LiveTensors()
	var inner *Scope
	WithScope(func(s *Scope) {
		_ = Randn([]int64{4, 4})
		_ = Ones([]int64{2})
		_ = FromSlice([]int64{1, 2}, 2)
		_ = Scalar(2.5)
		_ = param.Sum()
		parts, err := Arange(6).Chunk(3)
		if err != nil || len(parts) != 3 {
			t.Fatalf("chunk: %v %v", parts, err)
		}
		WithScope(func(s2 *Scope) {
			inner = s2
			_ = Zeros([]int64{3})
			if s2.Len() != 1 || currentScope() != s2 {
				t.Errorf("inner scope holds %d tensors", s2.Len())
			}
		})
		if currentScope() != s {
			t.Error("the outer scope is not current again after the inner one")
		}
		// 4 creations, a sum, arange and its 3 chunks.
		if n := s.Len(); n != 9 {
			t.Errorf("scope holds %d tensors, want 9", n)
		}
	})
	if n := LiveTensors(); n != base {
		t.Errorf("%d live tensors after WithScope, %d before", n, base)
	}
	if inner.Len() != 0 || param.Err() != nil {
		t.Error("inner scope not emptied, or the long-lived tensor freed")
	}
	if currentScope() != nil {
		t.Error("a scope is current after WithScope returned")
	}
}

// TestWithScopeIsPerGoroutine: concurrent WithScopes each collect their own goroutine's tensors,
// and a goroutine started inside one does not see it.
func TestWithScopeIsPerGoroutine(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			WithScope(func(s *Scope) {
				for range 50 {
					_ = Zeros([]int64{2})
				}
				var other *Tensor
				done := make(chan struct{})
				go func() { other = Ones([]int64{1}); close(done) }()
				<-done
				if n := s.Len(); n != 50 {
					t.Errorf("scope holds %d tensors, want its own 50", n)
				}
				if other.scopeOf() != nil {
					t.Error("a tensor made on another goroutine joined the scope")
				}
				other.Drop()
			})
		}()
	}
	wg.Wait()
}

// A named element type is its underlying type, not a panic.
func TestFromSliceNamedType(t *testing.T) {
	type level uint8
	x := FromSlice([]level{1, 2}, 2)
	defer x.Drop()
	if x.DType() != Uint8 {
		t.Errorf("dtype %s", x.DType())
	}
}
