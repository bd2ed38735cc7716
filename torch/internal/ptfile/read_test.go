package ptfile

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// expectedTensor is one entry of testdata/expected.json, written by gen.py.
type expectedTensor struct {
	Name         string  `json:"name"`
	DType        string  `json:"dtype"`
	Shape        []int64 `json:"shape"`
	RequiresGrad bool    `json:"requires_grad"`
	Hex          string  `json:"hex"`
	Sum          float64 `json:"sum"`
}

func loadExpected(t *testing.T) map[string][]expectedTensor {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Fixtures map[string][]expectedTensor `json:"fixtures"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Fixtures
}

// checkTensors compares what Read returned with what torch saved, exactly.
func checkTensors(t *testing.T, got []Tensor, want []expectedTensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tensors, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.Name || g.DType != w.DType || !slices.Equal(g.Shape, w.Shape) || g.RequiresGrad != w.RequiresGrad {
			t.Errorf("tensor %d: got %s %s %v grad=%v, want %s %s %v grad=%v",
				i, g.Name, g.DType, g.Shape, g.RequiresGrad, w.Name, w.DType, w.Shape, w.RequiresGrad)
			continue
		}
		wantData, err := hex.DecodeString(w.Hex)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g.Data, wantData) {
			t.Errorf("%s: data differs from torch's", w.Name)
		}
		// The sum is an independent, readable check of the decoding; float32
		// sums are exact to well below this tolerance at these sizes.
		if s := sum(g); math.Abs(s-w.Sum) > 1e-9*math.Max(1, math.Abs(w.Sum)) {
			t.Errorf("%s: sum %v, torch says %v", w.Name, s, w.Sum)
		}
	}
}

// sum adds the elements of the dtypes whose decoding is plain Go.
func sum(t Tensor) float64 {
	var s float64
	le := binary.LittleEndian
	for i := 0; i < len(t.Data); i += DTypeSize(t.DType) {
		b := t.Data[i:]
		switch t.DType {
		case "float32":
			s += float64(math.Float32frombits(le.Uint32(b)))
		case "float64":
			s += math.Float64frombits(le.Uint64(b))
		case "bfloat16":
			s += float64(math.Float32frombits(uint32(le.Uint16(b)) << 16))
		case "int64":
			s += float64(int64(le.Uint64(b)))
		case "int32":
			s += float64(int32(le.Uint32(b)))
		case "int16":
			s += float64(int16(le.Uint16(b)))
		case "int8":
			s += float64(int8(b[0]))
		case "uint8", "bool":
			s += float64(b[0])
		case "float16":
			s += float64(halfToFloat(le.Uint16(b)))
		}
	}
	return s
}

func halfToFloat(h uint16) float32 {
	sign := float32(1)
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float32(h & 0x3ff)
	switch exp {
	case 0:
		return sign * frac * float32(math.Pow(2, -24))
	case 31:
		if frac == 0 {
			return sign * float32(math.Inf(1))
		}
		return float32(math.NaN())
	}
	return sign * (1 + frac/1024) * float32(math.Pow(2, float64(exp-15)))
}

func TestReadFixtures(t *testing.T) {
	want := loadExpected(t)
	for _, name := range []string{"autoencoder.pt", "dtypes.pt", "views.pt", "tiny.pt", "proto4.pt", "torch2.pt", "bigendian.pt"} {
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("expected.json has no %s; rerun testdata/gen.py", name)
			}
			got, err := ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			checkTensors(t, got, w)
		})
	}
}

// TestReadAutoencoderKeys pins the state_dict keys of the seed's model, in
// PyTorch's order, so a port that names its parameters differently fails.
func TestReadAutoencoderKeys(t *testing.T) {
	ts, err := ReadFile(filepath.Join("testdata", "autoencoder.pt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name  string
		shape []int64
	}{
		{"conv1.weight", []int64{16, 3, 3, 3}}, {"conv1.bias", []int64{16}},
		{"conv2.weight", []int64{4, 16, 3, 3}}, {"conv2.bias", []int64{4}},
		{"t_conv1.weight", []int64{4, 16, 2, 2}}, {"t_conv1.bias", []int64{16}},
		{"t_conv2.weight", []int64{16, 3, 2, 2}}, {"t_conv2.bias", []int64{3}},
	}
	if len(ts) != len(want) {
		t.Fatalf("%d tensors, want %d", len(ts), len(want))
	}
	for i, w := range want {
		if ts[i].Name != w.name || !slices.Equal(ts[i].Shape, w.shape) || ts[i].DType != "float32" {
			t.Errorf("tensor %d is %s %v %s, want %s %v float32", i, ts[i].Name, ts[i].Shape, ts[i].DType, w.name, w.shape)
		}
	}
}

// TestReadViews checks the materialized views by value, independent of
// expected.json: base is arange(24).reshape(4, 6).
func TestReadViews(t *testing.T) {
	ts, err := ReadFile(filepath.Join("testdata", "views.pt"))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Tensor{}
	for _, x := range ts {
		byName[x.Name] = x
	}
	f32 := func(name string) []float32 {
		x := byName[name]
		out := make([]float32, len(x.Data)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(x.Data[4*i:]))
		}
		return out
	}
	tests := []struct {
		name string
		want []float32
	}{
		{"transposed", []float32{0, 6, 12, 18, 1, 7, 13, 19, 2, 8, 14, 20, 3, 9, 15, 21, 4, 10, 16, 22, 5, 11, 17, 23}},
		{"slice", []float32{8, 9, 10, 11, 14, 15, 16, 17, 20, 21, 22, 23}},
		{"row", []float32{12, 13, 14, 15, 16, 17}},
		{"step", []float32{0, 3, 12, 15}},
		{"param", []float32{1, -2, 0.5, 4}},
	}
	for _, tc := range tests {
		if got := f32(tc.name); !slices.Equal(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !byName["param"].RequiresGrad || !byName["grad"].RequiresGrad || byName["base"].RequiresGrad {
		t.Errorf("requires_grad not carried over")
	}
	exp := byName["expanded"]
	for i := 0; i < 12; i++ {
		if v := int64(binary.LittleEndian.Uint64(exp.Data[8*i:])); v != int64(i%3) {
			t.Fatalf("expanded[%d] = %d, want %d", i, v, i%3)
		}
	}
	// Shared storages are copied out, never aliased.
	byName["base"].Data[0] = 0xff
	if byName["transposed"].Data[0] == 0xff {
		t.Error("tensors that share a storage share Data")
	}
}

func TestReadLegacyRejected(t *testing.T) {
	_, err := ReadFile(filepath.Join("testdata", "legacy.pt"))
	if !errors.Is(err, ErrNotCheckpoint) {
		t.Fatalf("legacy format: got %v, want ErrNotCheckpoint", err)
	}
	t.Logf("legacy.pt: %v", err)
}
