package torch

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// printCase is one entry of testdata/print/repr.json (written by testdata/print/gen.py).
type printCase struct {
	Name   string  `json:"name"`
	Values []any   `json:"values"`
	Shape  []int64 `json:"shape"`
	DType  string  `json:"dtype"`
	Op     string  `json:"op"`
	Repr   string  `json:"repr"`
}

func (c printCase) tensor(t *testing.T, s *Scope) *Tensor {
	t.Helper()
	dt, err := DTypeOf(c.DType)
	if err != nil {
		t.Fatal(err)
	}
	var x *Tensor
	if dt.isFloating() {
		v := make([]float64, len(c.Values))
		for i, e := range c.Values {
			switch e := e.(type) {
			case json.Number:
				if v[i], err = e.Float64(); err != nil {
					t.Fatal(err)
				}
			case string:
				v[i] = map[string]float64{"nan": math.NaN(), "inf": math.Inf(1), "-inf": math.Inf(-1)}[e]
			}
		}
		x = FromSlice(v, c.Shape...)
	} else {
		v := make([]int64, len(c.Values))
		for i, e := range c.Values {
			n, err := e.(json.Number).Int64()
			if err != nil {
				t.Fatal(err)
			}
			v[i] = n
		}
		x = FromSlice(v, c.Shape...)
	}
	x = s.Attach(x).ToDType(dt)
	switch c.Op {
	case "":
		return x
	case "leaf":
		return x.SetRequiresGrad(true)
	case "add_self":
		x.SetRequiresGrad(true)
		return x.Add(x)
	case "mul_self":
		x.SetRequiresGrad(true)
		return x.Mul(x)
	case "sum":
		x.SetRequiresGrad(true)
		return x.Sum()
	}
	t.Fatalf("unknown op %q", c.Op)
	return nil
}

// TestStringMatchesPyTorch compares String with repr() of the same tensors in PyTorch: the text is
// exact (the values are exact float32 or integers).
func TestStringMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "print", "repr.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []printCase `json:"cases"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // int64 values beyond 2^53
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 30 {
		t.Fatalf("%d cases", len(f.Cases))
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			WithScope(func(s *Scope) {
				x := c.tensor(t, s)
				if got := x.String(); got != c.Repr {
					t.Errorf("got\n%s\nPyTorch prints\n%s", got, c.Repr)
				}
			})
		})
	}
}

func TestStringOfErrors(t *testing.T) {
	var nilT *Tensor
	if got := nilT.String(); got != "tensor(nil)" {
		t.Errorf("nil: %s", got)
	}
	bad := FromSlice([]float32{1, 2, 3}, 3).Add(FromSlice([]float32{1, 2}, 2))
	if got := bad.String(); got[:14] != "tensor(error: " {
		t.Errorf("error tensor: %s", got)
	}
}
