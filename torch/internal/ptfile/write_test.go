package ptfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeBytes(t *testing.T, ts []Tensor) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, ts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readBytes(t *testing.T, b []byte) []Tensor {
	t.Helper()
	ts, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestWriteLayout checks the archive has torch.save's records, in its order
// (storages sorted as strings), with every record's data 64-byte aligned.
func TestWriteLayout(t *testing.T) {
	var ts []Tensor
	for i := 0; i < 12; i++ {
		ts = append(ts, Tensor{Name: fmt.Sprintf("l%d.w", i), DType: "uint8", Shape: []int64{int64(i)}, Data: make([]byte, i)})
	}
	b := writeBytes(t, ts)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		if off%64 != 0 {
			t.Errorf("%s: data at offset %d, not 64-byte aligned", f.Name, off)
		}
		if f.Method != zip.Store {
			t.Errorf("%s: method %d, want stored", f.Name, f.Method)
		}
	}
	want := []string{"archive/data.pkl", "archive/byteorder"}
	for _, k := range []string{"0", "1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9"} {
		want = append(want, "archive/data/"+k)
	}
	want = append(want, "archive/version")
	if !slices.Equal(names, want) {
		t.Errorf("records\n got %q\nwant %q", names, want)
	}
	for name, content := range map[string]string{"archive/version": "3\n", "archive/byteorder": "little"} {
		rc, err := zr.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		if string(got) != content {
			t.Errorf("%s = %q, want %q", name, got, content)
		}
	}
	assertSameTensors(t, readBytes(t, b), ts)
}

// TestZip64Offsets writes ZIP64 size and offset fields for nearly every
// record and reads them back through archive/zip.
func TestZip64Offsets(t *testing.T) {
	defer func(s, o uint64) { zip64SizeLimit, zip64OffsetLimit = s, o }(zip64SizeLimit, zip64OffsetLimit)
	zip64SizeLimit, zip64OffsetLimit = 10, 10
	ts, _ := mixedTensors()
	b := writeBytes(t, ts)
	if !bytes.Contains(b, []byte("PK\x06\x06")) {
		t.Error("no ZIP64 end of central directory record")
	}
	assertSameTensors(t, readBytes(t, b), ts)
}

func TestWriteRejects(t *testing.T) {
	f4 := []byte{0, 0, 0, 0}
	tests := []struct {
		name string
		ts   []Tensor
		want string
	}{
		{"unknown dtype", []Tensor{{Name: "a", DType: "complex64", Shape: []int64{1}, Data: make([]byte, 8)}}, "unsupported dtype"},
		{"short data", []Tensor{{Name: "a", DType: "float32", Shape: []int64{2}, Data: f4}}, "4 bytes of data"},
		{"negative dim", []Tensor{{Name: "a", DType: "float32", Shape: []int64{-1}, Data: nil}}, "invalid shape"},
		{"overflow", []Tensor{{Name: "a", DType: "float64", Shape: []int64{1 << 40, 1 << 30}, Data: nil}}, "invalid shape"},
		{"duplicate", []Tensor{{Name: "a", DType: "float32", Data: f4}, {Name: "a", DType: "float32", Data: f4}}, "two tensors named"},
		{"bad utf-8", []Tensor{{Name: "\xff", DType: "float32", Data: f4}}, "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tc.ts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written before the error", buf.Len())
			}
		})
	}
}

// TestPickleInts checks the integer encodings the writer picks (BININT1,
// BININT2, BININT, LONG1) decode to the same values.
func TestPickleInts(t *testing.T) {
	for _, v := range []int64{0, 1, 255, 256, 65535, 65536, 1<<31 - 1, 1 << 31, 1<<32 + 5, 1 << 40, math.MaxInt64} {
		p := &pickler{memo: map[string]uint32{}}
		p.op(0x80, 2)
		p.int(v)
		p.op('.')
		got, err := (&unpickler{data: p.b.Bytes()}).load()
		if err != nil || got != any(v) {
			t.Errorf("%d: decoded %v (%T), %v", v, got, got, err)
		}
	}
	// Negative LONG1 values, as Python writes them.
	for _, tc := range []struct {
		b    []byte
		want int64
	}{
		{[]byte{0xff}, -1},
		{[]byte{0x00, 0x80}, -32768},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00}, math.MaxInt64},
		{[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0xff}, math.MinInt64},
	} {
		if got := decodeLong(tc.b); got != any(tc.want) {
			t.Errorf("decodeLong(% x) = %v, want %d", tc.b, got, tc.want)
		}
	}
	if _, ok := decodeLong([]byte{0, 0, 0, 0, 0, 0, 0, 0x80, 0}).(pyBigInt); !ok {
		t.Error("2**63 decoded as an int64")
	}
}

func TestMetadataVersions(t *testing.T) {
	ts := []Tensor{{Name: "conv1.weight"}, {Name: "conv1.bias"}, {Name: "enc.0.bn.running_mean"},
		{Name: "enc.0.bn.num_batches_tracked"}, {Name: "scale"}}
	prefixes, versions := metadataVersions(ts)
	if want := []string{"", "conv1", "enc", "enc.0", "enc.0.bn"}; !slices.Equal(prefixes, want) {
		t.Errorf("prefixes %q, want %q", prefixes, want)
	}
	for p, v := range map[string]int64{"": 1, "conv1": 1, "enc": 1, "enc.0": 1, "enc.0.bn": 2} {
		if versions[p] != v {
			t.Errorf("version of %q = %d, want %d", p, versions[p], v)
		}
	}
}

// failAfter lets n bytes through, then fails every write.
type failAfter struct {
	w io.Writer
	n int
}

var errInjected = errors.New("injected write failure")

func (f *failAfter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		k, _ := f.w.Write(b[:f.n])
		f.n = 0
		return k, errInjected
	}
	f.n -= len(b)
	return f.w.Write(b)
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileAtomic(t *testing.T) {
	ts, _ := mixedTensors()
	old := []byte("previous checkpoint")

	t.Run("fails midway", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "model.pt")
		if err := os.WriteFile(path, old, 0o640); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 100, 5000, 70000} {
			testHookWriter = func(w io.Writer) io.Writer { return &failAfter{w, n} }
			err := WriteFile(path, ts)
			testHookWriter = nil
			if !errors.Is(err, errInjected) {
				t.Fatalf("after %d bytes: got %v, want the injected failure", n, err)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
				t.Fatalf("after %d bytes: previous file changed", n)
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{"model.pt"}) {
				t.Fatalf("after %d bytes: directory holds %q", n, names)
			}
		}
	})

	t.Run("invalid tensors", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "model.pt")
		if err := os.WriteFile(path, old, 0o640); err != nil {
			t.Fatal(err)
		}
		bad := append(slices.Clone(ts), Tensor{Name: "x", DType: "float32", Shape: []int64{3}, Data: []byte{1}})
		if err := WriteFile(path, bad); err == nil {
			t.Fatal("no error for a tensor with short data")
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
			t.Fatal("previous file changed")
		}
		if names := dirNames(t, dir); !slices.Equal(names, []string{"model.pt"}) {
			t.Fatalf("directory holds %q", names)
		}
	})

	t.Run("unwritable directory", func(t *testing.T) {
		dir := t.TempDir()
		// A regular file where the directory should be fails even for root.
		notDir := filepath.Join(dir, "file")
		if err := os.WriteFile(notDir, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{filepath.Join(dir, "missing", "model.pt"), filepath.Join(notDir, "model.pt")} {
			if err := WriteFile(path, ts); err == nil {
				t.Errorf("%s: no error", path)
			}
		}
		if names := dirNames(t, dir); !slices.Equal(names, []string{"file"}) {
			t.Fatalf("directory holds %q", names)
		}
	})

	t.Run("target is a directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := WriteFile(dir, ts); err == nil {
			t.Fatal("no error writing over a directory")
		}
	})

	t.Run("replaces and keeps mode", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "model.pt")
		if err := os.WriteFile(path, old, 0o640); err != nil {
			t.Fatal(err)
		}
		if err := WriteFile(path, ts); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		assertSameTensors(t, got, ts)
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, want 0640 kept", st.Mode().Perm())
		}
		if names := dirNames(t, dir); !slices.Equal(names, []string{"model.pt"}) {
			t.Fatalf("directory holds %q", names)
		}
		fresh := filepath.Join(dir, "new.pt")
		if err := WriteFile(fresh, ts); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(fresh); st.Mode().Perm() != 0o644 {
			t.Errorf("new file mode %v, want 0644", st.Mode().Perm())
		}
	})
}
