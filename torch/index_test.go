package torch

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// indexItem is one item of an index in testdata/index/index.json (see its gen.py).
type indexItem struct {
	Int      *int64    `json:"int"`
	Slice    []*int64  `json:"slice"`
	Ellipsis bool      `json:"ellipsis"`
	None     bool      `json:"none"`
	Tensor   []float64 `json:"-"`
	Raw      any       `json:"tensor"`
	DType    string    `json:"dtype"`
	Shape    []int64   `json:"shape"`
}

type indexCase struct {
	Index  []indexItem `json:"index"`
	Value  any         `json:"value"`
	Error  bool        `json:"error"`
	Shape  []int64     `json:"shape"`
	Values []float64   `json:"values"`
}

func flatten(v any, out *[]int64) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			flatten(e, out)
		}
	case float64:
		*out = append(*out, int64(x))
	}
}

func (it indexItem) index(s *Scope) any {
	switch {
	case it.Int != nil:
		return *it.Int
	case it.Slice != nil:
		sp := Colon
		start, stop, step := it.Slice[0], it.Slice[1], it.Slice[2]
		switch {
		case start != nil && stop != nil:
			sp = SpanOf(*start, *stop)
		case start != nil:
			sp = SpanFrom(*start)
		case stop != nil:
			sp = SpanTo(*stop)
		}
		if step != nil {
			sp = sp.Step(*step)
		}
		return sp
	case it.Ellipsis:
		return Ellipsis
	case it.None:
		return NewAxis
	}
	var flat []int64
	flatten(it.Raw, &flat)
	x := s.Attach(FromSlice(flat, it.Shape...))
	if it.DType == "bool" {
		x = x.ToDType(Bool)
	}
	return x
}

func loadIndexCases(t *testing.T) (get, set []indexCase) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "index", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Get, Set []indexCase }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Get, f.Set
}

func checkIndexResult(t *testing.T, c indexCase, r *Tensor) {
	t.Helper()
	if c.Error {
		if r.Err() == nil {
			t.Errorf("PyTorch raises, At gave shape %v", r.Shape())
		}
		return
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	got, err := r.Float64s()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Shape(), c.Shape) || !slices.Equal(got, c.Values) {
		t.Errorf("shape %v values %v, PyTorch %v %v", r.Shape(), got, c.Shape, c.Values)
	}
}

// TestAtMatchesPython compares At with Python's t[...] on arange(60).reshape(3, 4, 5).
func TestAtMatchesPython(t *testing.T) {
	get, _ := loadIndexCases(t)
	if len(get) < 30 {
		t.Fatalf("%d cases", len(get))
	}
	for k, c := range get {
		WithScope(func(s *Scope) {
			x := ArangeStart(0, 60, ArangeStartOptions{DType: Float32}).Reshape(3, 4, 5)
			idx := make([]any, len(c.Index))
			for i, it := range c.Index {
				idx[i] = it.index(s)
			}
			t.Run(fmt.Sprint(k), func(t *testing.T) { checkIndexResult(t, c, x.At(idx...)) })
		})
	}
}

// TestSetAtMatchesPython compares SetAt_ with Python's t[...] = v.
func TestSetAtMatchesPython(t *testing.T) {
	_, set := loadIndexCases(t)
	for k, c := range set {
		WithScope(func(s *Scope) {
			x := ArangeStart(0, 60, ArangeStartOptions{DType: Float32}).Reshape(3, 4, 5)
			idx := make([]any, len(c.Index))
			for i, it := range c.Index {
				idx[i] = it.index(s)
			}
			v := c.Value
			if v == "tensor" {
				v = ArangeStart(0, 30, ArangeStartOptions{DType: Float32}).Reshape(3, 4, 1).Expand([]int64{3, 4, 3}).MulScalar(-1)
			}
			r := x.SetAt_(v, idx...)
			t.Run(fmt.Sprint(k), func(t *testing.T) {
				if r != x && r.Err() == nil {
					t.Error("SetAt_ does not return its receiver")
				}
				checkIndexResult(t, c, r)
			})
		})
	}
}

func TestAtRejectsOtherTypes(t *testing.T) {
	x := Zeros([]int64{2, 2})
	defer x.Drop()
	if err := x.At("a").Err(); err == nil {
		t.Error("a string index: no error")
	}
}
