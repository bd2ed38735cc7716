package torch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The sweep calls ATen ops through the generated Go API with the arguments Python called them
// with (testdata/sweep/cases.json, written by testdata/sweep/gen.py) and compares the results:
// integers, bools, shapes and dtypes exactly, floats within the file's tolerance (1e-5) of the
// largest magnitude of the same result tensor, NaN equal to NaN. gen_sweep_test.go maps each
// schema name to its Go call.

// sweepValue is a non-tensor result (a bool, int64 or float64) with its error.
type sweepValue struct {
	v   any
	err error
}

// sweepList is a tensor-list result with its error.
type sweepList struct {
	ts  []*Tensor
	err error
}

// jnum is a JSON number, or one of the strings "nan", "inf" and "-inf", kept as its text.
type jnum string

func (n *jnum) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = jnum(s)
		return nil
	}
	*n = jnum(b)
	return nil
}

// Int64 is the number as an integer.
func (n jnum) Int64() (int64, error) { return strconv.ParseInt(string(n), 10, 64) }

// sweepArg is one encoded argument or result of a case.
type sweepArg struct {
	Tensor  []jnum     `json:"tensor"`
	Shape   []int64    `json:"shape"`
	DType   string     `json:"dtype"`
	Tensors []sweepArg `json:"tensors"`
	Bool    *bool      `json:"bool"`
	Int     *int64     `json:"int"`
	Float   *jnum      `json:"float"`
	Str     *string    `json:"str"`
	Ints    []int64    `json:"ints"`
	Floats  []float64  `json:"floats"`
	None    bool       `json:"none"`
	isT     bool
}

func (a *sweepArg) UnmarshalJSON(b []byte) error {
	type plain sweepArg
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return err
	}
	a.isT = bytes.Contains(b, []byte(`"tensor":`))
	return nil
}

// number reads a JSON number or "nan", "inf", "-inf".
func number(n jnum) float64 {
	switch n {
	case "nan":
		return math.NaN()
	case "inf":
		return math.Inf(1)
	case "-inf":
		return math.Inf(-1)
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		panic(err)
	}
	return f
}

type sweepCase struct {
	Op     string              `json:"op"`
	Args   map[string]sweepArg `json:"args"`
	Result sweepArg            `json:"result"`
}

// sweepArgs gives a generated call its arguments, by schema name.
type sweepArgs struct {
	t    *testing.T
	s    *Scope
	args map[string]sweepArg
}

func (a *sweepArgs) has(name string) bool {
	v, ok := a.args[name]
	return ok && !v.None
}

func (a *sweepArgs) get(name string) sweepArg { return a.args[name] }

func (a *sweepArgs) makeTensor(v sweepArg) *Tensor {
	dt, err := DTypeOf(v.DType)
	if err != nil {
		a.t.Fatal(err)
	}
	var x *Tensor
	if dt.isFloating() {
		f := make([]float64, len(v.Tensor))
		for i, n := range v.Tensor {
			f[i] = number(n)
		}
		x = FromSlice(f, v.Shape...)
	} else {
		n := make([]int64, len(v.Tensor))
		for i, e := range v.Tensor {
			var err error
			if n[i], err = e.Int64(); err != nil {
				a.t.Fatal(err)
			}
		}
		x = FromSlice(n, v.Shape...)
	}
	return a.s.Attach(x).ToDType(dt)
}

func (a *sweepArgs) tensor(name string) *Tensor {
	v := a.get(name)
	if v.None || !v.isT {
		return nil
	}
	return a.makeTensor(v)
}

func (a *sweepArgs) tensors(name string) []*Tensor {
	var ts []*Tensor
	for _, v := range a.get(name).Tensors {
		ts = append(ts, a.makeTensor(v))
	}
	return ts
}

func (a *sweepArgs) int(name string) int64 {
	if v := a.get(name); v.Int != nil {
		return *v.Int
	}
	return 0
}

func (a *sweepArgs) intp(name string) *int64 {
	if !a.has(name) {
		return nil
	}
	return new(a.int(name))
}

func (a *sweepArgs) float(name string) float64 {
	switch v := a.get(name); {
	case v.Float != nil:
		return number(*v.Float)
	case v.Int != nil:
		return float64(*v.Int)
	}
	return 0
}

func (a *sweepArgs) floatp(name string) *float64 {
	if !a.has(name) {
		return nil
	}
	return new(a.float(name))
}

func (a *sweepArgs) bool(name string) bool {
	if v := a.get(name); v.Bool != nil {
		return *v.Bool
	}
	return false
}

func (a *sweepArgs) boolp(name string) *bool {
	if !a.has(name) {
		return nil
	}
	return new(a.bool(name))
}

func (a *sweepArgs) ints(name string) []int64 {
	v := a.get(name)
	if v.None {
		return nil
	}
	if v.Ints == nil && v.Int != nil {
		return []int64{*v.Int}
	}
	return v.Ints
}

func (a *sweepArgs) floats(name string) []float64 { return a.get(name).Floats }

// scalar is a Python number as Go: an int stays an int64, a float a float64, a bool a bool.
func (a *sweepArgs) scalar(name string) any {
	switch v := a.get(name); {
	case v.Int != nil:
		return *v.Int
	case v.Float != nil:
		return number(*v.Float)
	case v.Bool != nil:
		return *v.Bool
	}
	return nil
}

func (a *sweepArgs) dtype(name string) DType {
	v := a.get(name)
	if v.DType == "" || v.isT {
		return 0
	}
	dt, err := DTypeOf(v.DType)
	if err != nil {
		a.t.Fatal(err)
	}
	return dt
}

func (a *sweepArgs) str(name string) string {
	if v := a.get(name); v.Str != nil {
		return *v.Str
	}
	return ""
}

func (a *sweepArgs) device(string) Device   { return Device{} }
func (a *sweepArgs) devicep(string) *Device { return nil }
func (a *sweepArgs) layoutp(string) *Layout { return nil }

func (a *sweepArgs) memoryFormat(string) MemoryFormat { return 0 }

// reduction maps Python's at::Reduction number to the Go string.
func (a *sweepArgs) reduction(name string) Reduction {
	if !a.has(name) {
		return ""
	}
	return []Reduction{ReductionNone, ReductionMean, ReductionSum}[a.int(name)]
}

// compareTensor checks a result tensor against the recorded one.
func compareTensor(got *Tensor, want sweepArg, tol float64) error {
	if err := got.Err(); err != nil {
		return err
	}
	if dt := got.DType().Name(); dt != want.DType {
		return fmt.Errorf("dtype %s, PyTorch %s", dt, want.DType)
	}
	if !slices.Equal(got.Shape(), want.Shape) {
		return fmt.Errorf("shape %v, PyTorch %v", got.Shape(), want.Shape)
	}
	if !got.DType().isFloating() {
		v, err := got.Int64s()
		if err != nil {
			return err
		}
		for i, n := range want.Tensor {
			w, err := n.Int64()
			if err != nil {
				return err
			}
			if v[i] != w {
				return fmt.Errorf("[%d] = %d, PyTorch %d", i, v[i], w)
			}
		}
		return nil
	}
	v, err := got.Float64s()
	if err != nil {
		return err
	}
	scale := 0.0
	for i, n := range want.Tensor {
		w := number(n)
		for _, x := range []float64{w, v[i]} {
			if !math.IsInf(x, 0) && !math.IsNaN(x) {
				scale = max(scale, math.Abs(x))
			}
		}
	}
	for i, n := range want.Tensor {
		w := number(n)
		switch {
		case math.IsNaN(w) && math.IsNaN(v[i]):
		case math.IsInf(w, 0) || math.IsInf(v[i], 0):
			if w != v[i] {
				return fmt.Errorf("[%d] = %v, PyTorch %v", i, v[i], w)
			}
		case !(math.Abs(v[i]-w) <= tol*scale):
			return fmt.Errorf("[%d] = %v, PyTorch %v (scale %g)", i, v[i], w, scale)
		}
	}
	return nil
}

func compareResult(got any, want sweepArg, tol float64) error {
	switch g := got.(type) {
	case *Tensor:
		if !want.isT {
			return fmt.Errorf("a tensor, PyTorch returned another kind of value")
		}
		return compareTensor(g, want, tol)
	case []*Tensor:
		if len(g) != len(want.Tensors) {
			return fmt.Errorf("%d results, PyTorch %d", len(g), len(want.Tensors))
		}
		for i := range g {
			if err := compareTensor(g[i], want.Tensors[i], tol); err != nil {
				return fmt.Errorf("result %d: %w", i, err)
			}
		}
		return nil
	case sweepList:
		if g.err != nil {
			return g.err
		}
		return compareResult(g.ts, want, tol)
	case sweepValue:
		if g.err != nil {
			return g.err
		}
		switch v := g.v.(type) {
		case bool:
			if want.Bool == nil || *want.Bool != v {
				return fmt.Errorf("%v, PyTorch %+v", v, want)
			}
		case int64:
			if want.Int == nil || *want.Int != v {
				return fmt.Errorf("%v, PyTorch %+v", v, want)
			}
		case float64:
			if want.Float == nil || math.Abs(number(*want.Float)-v) > tol*math.Abs(v) {
				return fmt.Errorf("%v, PyTorch %+v", v, want)
			}
		}
		return nil
	}
	return fmt.Errorf("unexpected result type %T", got)
}

// TestSweepMatchesPyTorch runs every case and reports how many ops they cover.
func TestSweepMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "sweep", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Tolerance float64     `json:"tolerance"`
		Cases     []sweepCase `json:"cases"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	var missing []string
	failures := 0
	for k, c := range f.Cases {
		call, ok := sweepOps[c.Op]
		if !ok {
			missing = append(missing, c.Op)
			continue
		}
		covered[c.Op] = true
		WithScope(func(s *Scope) {
			got := call(&sweepArgs{t: t, s: s, args: c.Args})
			if err := compareResult(got, c.Result, f.Tolerance); err != nil {
				failures++
				names := make([]string, 0, len(c.Args))
				for n := range c.Args {
					names = append(names, n)
				}
				sort.Strings(names)
				t.Errorf("case %d, %s(%s): %v", k, c.Op, strings.Join(names, ", "), err)
			}
		})
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	t.Logf("sweep: %d cases over %d ATen overloads (of %d generated); %d failed; %d overloads PyTorch has and Go does not expose: %v",
		len(f.Cases), len(covered), len(sweepOps), failures, len(missing), missing)
	if len(covered) < 500 {
		t.Errorf("the sweep covers %d overloads, expected at least 500", len(covered))
	}
}
