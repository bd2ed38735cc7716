package ptfile

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aecifar/aecifar/internal/pytorch"
)

// pythonWithTorch finds a Python that imports torch (see internal/pytorch), or skips the test
// saying why.
func pythonWithTorch(t *testing.T) string {
	t.Helper()
	p, err := pytorch.Find()
	if err != nil {
		t.Skip(err)
	}
	return p
}

type roundtripExpect struct {
	Name         string  `json:"name"`
	DType        string  `json:"dtype"`
	Shape        []int64 `json:"shape"`
	RequiresGrad bool    `json:"requires_grad"`
	Hex          string  `json:"hex"`
	Shares       string  `json:"shares"`
}

// roundtrip writes ts with Write, has testdata/roundtrip.py check and
// re-save them with torch.save, and returns what Read makes of that file.
func roundtrip(t *testing.T, ts []Tensor, shares map[string]string, model string) []Tensor {
	t.Helper()
	py := pythonWithTorch(t)
	dir := t.TempDir()
	in, out, exp := filepath.Join(dir, "in.pt"), filepath.Join(dir, "out.pt"), filepath.Join(dir, "expect.json")
	if err := WriteFile(in, ts); err != nil {
		t.Fatal(err)
	}
	var e []roundtripExpect
	for _, x := range ts {
		e = append(e, roundtripExpect{x.Name, x.DType, x.Shape, x.RequiresGrad, hex.EncodeToString(x.Data), shares[x.Name]})
		if e[len(e)-1].Shape == nil {
			e[len(e)-1].Shape = []int64{}
		}
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{filepath.Join("testdata", "roundtrip.py"), in, exp, out}
	if model != "" {
		args = append(args, "--model", model)
	}
	cmd := exec.Command(py, args...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1") // no __pycache__ in testdata
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", py, args, err, outb)
	}
	t.Logf("%s", bytes.TrimSpace(outb))
	back, err := ReadFile(out)
	if err != nil {
		t.Fatalf("reading torch's re-save: %v", err)
	}
	return back
}

func assertSameTensors(t *testing.T, got, want []Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tensors, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.DType != w.DType || len(g.Shape) != len(w.Shape) || !slices.Equal(g.Shape, w.Shape) ||
			g.RequiresGrad != w.RequiresGrad || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("tensor %d: got %s %s %v grad=%v (%d bytes), want %s %s %v grad=%v (%d bytes)",
				i, g.Name, g.DType, g.Shape, g.RequiresGrad, len(g.Data), w.Name, w.DType, w.Shape, w.RequiresGrad, len(w.Data))
		}
	}
}

func TestRoundTripAutoencoder(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python with torch; skipped under -short")
	}
	ts, err := ReadFile(filepath.Join("testdata", "autoencoder.pt"))
	if err != nil {
		t.Fatal(err)
	}
	back := roundtrip(t, ts, nil, "autoencoder")
	assertSameTensors(t, back, ts)
}

// mixedTensors covers every dtype, a NaN, a scalar, empty and 5-D shapes,
// the pickle's 1-, 2- and 4-byte ints, requires_grad and a tied pair.
func mixedTensors() ([]Tensor, map[string]string) {
	f32 := make([]byte, 0, 4*6)
	for _, v := range []float32{1.5, -2, float32(math.NaN()), float32(math.Inf(-1)), 1e-40, 3} {
		f32 = binary.LittleEndian.AppendUint32(f32, math.Float32bits(v))
	}
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + 3)
		}
		return b
	}
	bools := make([]byte, 70000)
	for i := range bools {
		bools[i] = byte(i % 3 % 2)
	}
	tied := seq(4 * 3)
	ts := []Tensor{
		{Name: "enc.f32", DType: "float32", Shape: []int64{2, 3}, Data: f32},
		{Name: "enc.f64", DType: "float64", Shape: []int64{3}, Data: seq(24)},
		{Name: "enc.f16", DType: "float16", Shape: []int64{2, 2}, Data: []byte{0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00}},
		{Name: "enc.bf16", DType: "bfloat16", Shape: []int64{2}, Data: []byte{0x80, 0x3f, 0x49, 0x40}},
		{Name: "dec.i64", DType: "int64", Shape: []int64{1, 1, 1, 1, 2}, Data: seq(16)},
		{Name: "dec.i32", DType: "int32", Shape: []int64{}, Data: []byte{0xff, 0xff, 0xff, 0x7f}},
		{Name: "dec.i16", DType: "int16", Shape: []int64{0, 5}, Data: []byte{}},
		{Name: "dec.i8", DType: "int8", Shape: []int64{4}, Data: []byte{0x80, 0xff, 0, 0x7f}},
		{Name: "dec.u8", DType: "uint8", Shape: []int64{300}, Data: seq(300)},
		{Name: "dec.mask", DType: "bool", Shape: []int64{70000}, Data: bools},
		{Name: "head.weight", DType: "float32", Shape: []int64{3}, Data: tied, RequiresGrad: true},
		{Name: "embed.weight", DType: "float32", Shape: []int64{3}, Data: tied, RequiresGrad: true},
		{Name: "bn.num_batches_tracked", DType: "int64", Shape: nil, Data: seq(8)},
	}
	return ts, map[string]string{"embed.weight": "head.weight"}
}

func TestRoundTripMixed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python with torch; skipped under -short")
	}
	ts, shares := mixedTensors()
	back := roundtrip(t, ts, shares, "")
	assertSameTensors(t, back, ts)
}

// TestRoundTripZip64 writes ZIP64 size fields for records of 10 bytes and
// more, as for records of 4 GiB, and checks torch reads them. (ZIP64 offsets
// are read back by Go only, in TestZip64Offsets: miniz checks a record's
// 32-bit offset field against the file size, which only a file really past
// 4 GiB passes.)
func TestRoundTripZip64(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python with torch; skipped under -short")
	}
	defer func(old uint64) { zip64SizeLimit = old }(zip64SizeLimit)
	zip64SizeLimit = 10
	ts, shares := mixedTensors()
	back := roundtrip(t, ts, shares, "")
	assertSameTensors(t, back, ts)
}

// TestRoundTripManyTensors crosses pickle's 1000-item SETITEMS batches and
// 256-entry memo (LONG_BINPUT) on torch's re-save.
func TestRoundTripManyTensors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python with torch; skipped under -short")
	}
	var ts []Tensor
	for i := 0; i < 1100; i++ {
		ts = append(ts, Tensor{Name: fmt.Sprintf("layers.%d.bias", i), DType: "int16", Shape: []int64{1}, Data: []byte{byte(i), byte(i >> 8)}})
	}
	back := roundtrip(t, ts, nil, "")
	assertSameTensors(t, back, ts)
}

// TestFixturesMatchTorch has torch load every checked-in fixture and compare
// it with expected.json (gen.py --check), so the fixtures and the JSON the
// Go tests trust cannot drift apart.
func TestFixturesMatchTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python with torch; skipped under -short")
	}
	py := pythonWithTorch(t)
	cmd := exec.Command(py, filepath.Join("testdata", "gen.py"), "--check")
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gen.py --check: %v\n%s", err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}
