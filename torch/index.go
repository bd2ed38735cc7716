package torch

import (
	"fmt"
	"reflect"
)

// Python's t[...] is At, and t[...] = v is SetAt_. Their arguments spell the index as Go can:
//
//	Python              Go
//	t[2], t[-1]         t.At(2), t.At(-1)                    select (ints of any Go integer type)
//	t[:, -1, :]         t.At(torch.Colon, -1, torch.Colon)
//	t[1:3], t[1:]       t.At(torch.SpanOf(1, 3)), t.At(torch.SpanFrom(1))
//	t[:3], t[::2]       t.At(torch.SpanTo(3)), t.At(torch.Colon.Step(2))
//	t[..., 0]           t.At(torch.Ellipsis, 0)
//	t[None]             t.At(torch.NewAxis)
//	t[mask], t[idx]     t.At(mask), t.At(idx)                a bool or integer tensor
//	t[[0, 2]]           t.At([]int64{0, 2})
//	t[mask] = 0         t.SetAt_(0, mask)
//
// As in PyTorch, integers and spans make views (select, slice), and tensor indices gather copies
// (aten::index) after them; indices past the end of a span are clamped, a select out of range is
// an error.

// Span is a slice index, start:stop:step, either end open. Make one with Colon, SpanOf, SpanFrom
// or SpanTo, and Step.
type Span struct {
	start, stop       int64
	hasStart, hasStop bool
	step              int64 // 0 means 1
}

// Colon is the full slice, Python's ':'.
var Colon = Span{}

// SpanOf is start:stop.
func SpanOf(start, stop int64) Span {
	return Span{start: start, stop: stop, hasStart: true, hasStop: true}
}

// SpanFrom is start: (to the end).
func SpanFrom(start int64) Span { return Span{start: start, hasStart: true} }

// SpanTo is :stop (from the start).
func SpanTo(stop int64) Span { return Span{stop: stop, hasStop: true} }

// Step is the span with the given step, Python's start:stop:step.
func (s Span) Step(step int64) Span {
	s.step = step
	return s
}

type ellipsisIndex struct{}
type newAxisIndex struct{}

// Ellipsis is Python's ... in an index: as many full slices as the other indices leave dimensions.
var Ellipsis = ellipsisIndex{}

// NewAxis is None in an index: a new dimension of size 1.
var NewAxis = newAxisIndex{}

// At is t[indices...] (see the table above).
func (t *Tensor) At(indices ...any) *Tensor {
	s := NewScope()
	defer s.Close()
	v, adv, err := t.basicIndex(s, indices)
	if err != nil {
		return errTensor(fmt.Errorf("torch: t[...]: %w", err))
	}
	if adv != nil {
		v = v.Index(adv)
	}
	return Keep(v).joinScopeOf(t)
}

// SetAt_ is t[indices...] = value, with value a tensor (broadcast to the indexed shape) or a Go
// number; it writes into t and returns it.
func (t *Tensor) SetAt_(value any, indices ...any) *Tensor {
	s := NewScope()
	defer s.Close()
	v, adv, err := t.basicIndex(s, indices)
	if err != nil {
		return errTensor(fmt.Errorf("torch: t[...] = v: %w", err))
	}
	var src *Tensor
	switch x := value.(type) {
	case *Tensor:
		src = x
	default:
		if _, _, _, err := scalarOf(value); err != nil {
			return errTensor(fmt.Errorf("torch: t[...] = v: %w", err))
		}
		src = s.Attach(ScalarTensor(value, ScalarTensorOptions{DType: v.DType(), Device: v.Device()}))
	}
	var r *Tensor
	if adv != nil {
		r = v.IndexPut_(adv, src)
	} else {
		r = v.Copy_(src)
	}
	if err := r.Err(); err != nil {
		return errTensor(fmt.Errorf("torch: t[...] = v: %w", err))
	}
	return t
}

// joinScopeOf puts t in u's scope, or the current one, as an op's result would be.
func (t *Tensor) joinScopeOf(u *Tensor) *Tensor {
	if t.err != nil {
		return t
	}
	sc := u.scopeOf()
	if sc == nil {
		sc = currentScope()
	}
	if sc != nil {
		sc.add(t)
	}
	return t
}

// basicIndex applies the selects, slices and new axes of indices to t (intermediates in s) and
// returns the view with the tensor indices to gather, by dimension (nil when there are none).
func (t *Tensor) basicIndex(s *Scope, indices []any) (*Tensor, []*Tensor, error) {
	if err := inputErr("index", t); err != nil {
		return nil, nil, err
	}
	consumed := 0
	for _, ix := range indices {
		switch x := ix.(type) {
		case newAxisIndex, ellipsisIndex:
		case *Tensor:
			if err := inputErr("index", x); err != nil {
				return nil, nil, err
			}
			if dt := x.DType(); dt == Bool || dt == Uint8 {
				consumed += x.Dim()
			} else {
				consumed++
			}
		default:
			consumed++
		}
	}
	if consumed > t.Dim() {
		return nil, nil, fmt.Errorf("too many indices for tensor of dimension %d", t.Dim())
	}
	v := t
	dim := 0
	var adv []*Tensor
	advanced := func(x *Tensor, dims int) {
		for len(adv) < dim {
			adv = append(adv, nil)
		}
		adv = append(adv, x)
		dim += dims
	}
	for k, ix := range indices {
		switch x := ix.(type) {
		case newAxisIndex:
			v = s.Attach(v.Unsqueeze(int64(dim)))
			dim++
		case ellipsisIndex:
			// A second ellipsis stands for nothing more, as in PyTorch (NumPy rejects it).
			dim += t.Dim() - consumed
		case Span:
			o := SliceOptions{Dim: int64(dim)}
			if x.hasStart {
				o.Start = &x.start
			}
			if x.hasStop {
				o.End = &x.stop
			}
			if x.step != 0 {
				o.Step = &x.step
			}
			v = s.Attach(v.Slice(o))
			dim++
		case *Tensor:
			if dt := x.DType(); dt == Bool || dt == Uint8 {
				advanced(x, max(x.Dim(), 1))
			} else {
				advanced(x, 1)
			}
		case []int64:
			advanced(s.Attach(FromSlice(x, int64(len(x))).ToDevice(t.Device(), Int64)), 1)
		default:
			i, ok := asInt(ix)
			if !ok {
				return nil, nil, fmt.Errorf("index %d is a %T: use an integer, a Span, Colon, Ellipsis, NewAxis, a tensor or []int64", k, ix)
			}
			// As in PyTorch, an integer is a select even among tensor indices: the view's dimensions
			// before dim, which those indices refer to, do not move.
			v = s.Attach(v.Select(int64(dim), i))
		}
		if err := v.Err(); err != nil {
			return nil, nil, err
		}
	}
	return v, adv, nil
}

// asInt reads any Go integer.
func asInt(v any) (int64, bool) {
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return r.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(r.Uint()), true
	}
	return 0, false
}
