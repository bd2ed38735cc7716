package ptfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type record struct {
	name   string
	data   []byte
	method uint16
}

// makeZip builds an archive with archive/zip, not with this package's
// writer, so the reader is also tested on unaligned zips with data
// descriptors.
func makeZip(t *testing.T, recs ...record) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, r := range recs {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: r.name, Method: r.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(r.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pickleOf returns PROTO 2, what body emits, STOP.
func pickleOf(body func(p *pickler)) []byte {
	p := &pickler{memo: map[string]uint32{}}
	p.op(0x80, 2)
	body(p)
	p.op('.')
	return p.b.Bytes()
}

// tensorArgs emits _rebuild_tensor_v2(...) with a hand-picked view.
func tensorArgs(p *pickler, storage, key string, numel, offset int64, size, stride []int64) {
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op('(', '(')
	p.str("storage")
	p.global("torch", storage)
	p.str(key)
	p.str("cpu")
	p.int(numel)
	p.op('t', 'Q')
	p.int(offset)
	p.intTuple(size)
	p.intTuple(stride)
	p.bool(false)
	p.newOrderedDict()
	p.op('t', 'R')
}

// oneTensor is the pickle of {"x": tensor}.
func oneTensor(storage string, numel, offset int64, size, stride []int64) []byte {
	return pickleOf(func(p *pickler) {
		p.op('}')
		p.str("x")
		tensorArgs(p, storage, "0", numel, offset, size, stride)
		p.op('s')
	})
}

func TestReadErrors(t *testing.T) {
	f32x4 := make([]byte, 16)
	good := oneTensor("FloatStorage", 4, 0, []int64{4}, []int64{1})
	ver := record{name: "a/version", data: []byte("3\n")}
	tests := []struct {
		name string
		file []byte
		kind error
		msg  string
	}{
		{"empty file", nil, ErrNotCheckpoint, "not a zip"},
		{"not a zip", []byte("hello, world, this is text and not a zip archive"), ErrNotCheckpoint, "not a zip"},
		{"empty zip", makeZip(t), ErrNotCheckpoint, "empty"},
		{"no directory", makeZip(t, record{name: "data.pkl", data: good}), ErrNotCheckpoint, "archive directory"},
		{"no data.pkl", makeZip(t, record{name: "a/data/0", data: f32x4}, ver), ErrNotCheckpoint, "no a/data.pkl"},
		{"torchscript", makeZip(t, record{name: "a/constants.pkl", data: good}, ver), ErrUnsupported, "TorchScript"},
		{"garbage pickle", makeZip(t, record{name: "a/data.pkl", data: []byte("\x80\x02garbage")}, ver), ErrUnsupported, "opcode 0x67"},
		{"pickle without STOP", makeZip(t, record{name: "a/data.pkl", data: good[:len(good)-1]}), ErrCorrupt, "STOP"},
		{"pickle string past end", makeZip(t, record{name: "a/data.pkl", data: []byte("\x80\x02X\xff\xff\xff\x7fab")}), ErrCorrupt, "runs past the end"},
		{"memo read before write", makeZip(t, record{name: "a/data.pkl", data: []byte("\x80\x02h\x07.")}), ErrCorrupt, "memo entry 7"},
		{"stack underflow", makeZip(t, record{name: "a/data.pkl", data: []byte("\x80\x02(K\x01\x86.")}), ErrCorrupt, "underflow"},
		{"deep marks", makeZip(t, record{name: "a/data.pkl", data: bytes.Repeat([]byte("("), maxMarkDepth+1)}), ErrUnsupported, "nested deeper"},
		{"missing storage", makeZip(t, record{name: "a/data.pkl", data: good}, ver), ErrCorrupt, "a/data/0 is missing"},
		{"storage too small", makeZip(t, record{name: "a/data.pkl", data: good}, record{name: "a/data/0", data: f32x4[:12]}), ErrCorrupt, "has 12 bytes"},
		{"view past storage", makeZip(t, record{name: "a/data.pkl", data: oneTensor("FloatStorage", 4, 1, []int64{4}, []int64{1})},
			record{name: "a/data/0", data: f32x4}), ErrCorrupt, "reach past"},
		{"scalar past storage", makeZip(t, record{name: "a/data.pkl", data: oneTensor("FloatStorage", 4, 4, nil, nil)},
			record{name: "a/data/0", data: f32x4}), ErrCorrupt, "reach past"},
		{"strided view past storage", makeZip(t, record{name: "a/data.pkl", data: oneTensor("FloatStorage", 4, 0, []int64{2, 2}, []int64{3, 1})},
			record{name: "a/data/0", data: f32x4}), ErrCorrupt, "reach past"},
		{"numel larger than file", makeZip(t, record{name: "a/data.pkl", data: oneTensor("FloatStorage", 1<<50, 0, []int64{4}, []int64{1})},
			record{name: "a/data/0", data: f32x4}), ErrCorrupt, "more than the file holds"},
		{"expanded view too big", makeZip(t, record{name: "a/data.pkl", data: oneTensor("FloatStorage", 4, 0, []int64{1 << 40}, []int64{0})},
			record{name: "a/data/0", data: f32x4}), ErrUnsupported, "needs more memory"},
		{"shape overflow", makeZip(t, record{name: "a/data.pkl", data: oneTensor("FloatStorage", 4, 0, []int64{1 << 40, 1 << 40}, []int64{0, 0})},
			record{name: "a/data/0", data: f32x4}), ErrCorrupt, "overflows"},
		{"sizes and strides differ", makeZip(t, record{name: "a/data.pkl", data: oneTensor("FloatStorage", 4, 0, []int64{4}, []int64{1, 1})},
			record{name: "a/data/0", data: f32x4}), ErrCorrupt, "1 sizes but 2 strides"},
		{"unsupported dtype", makeZip(t, record{name: "a/data.pkl", data: oneTensor("ComplexFloatStorage", 2, 0, []int64{2}, []int64{1})},
			record{name: "a/data/0", data: f32x4}), ErrUnsupported, "unsupported dtype: storage class torch.ComplexFloatStorage"},
		{"compressed storage", makeZip(t, record{name: "a/data.pkl", data: good}, record{name: "a/data/0", data: f32x4, method: zip.Deflate}),
			ErrUnsupported, "compressed"},
		{"disallowed global", makeZip(t, record{name: "a/data.pkl", data: []byte("\x80\x02cos\nsystem\n.")}), ErrUnsupported, "os.system"},
		{"not a dict", makeZip(t, record{name: "a/data.pkl", data: []byte("\x80\x02].")}), ErrUnsupported, "holds a list"},
		{"non-tensor value", makeZip(t, record{name: "a/data.pkl", data: pickleOf(func(p *pickler) {
			p.op('}')
			p.str("epoch")
			p.int(3)
			p.op('s')
		})}), ErrUnsupported, `"epoch" is a int`},
		{"nested state_dict", makeZip(t, record{name: "a/data.pkl", data: pickleOf(func(p *pickler) {
			p.op('}')
			p.str("model")
			p.op('}')
			p.op('s')
		})}), ErrUnsupported, `"model" is a dict`},
		{"storage with two dtypes", makeZip(t, record{name: "a/data.pkl", data: pickleOf(func(p *pickler) {
			p.op('}', '(')
			p.str("x")
			tensorArgs(p, "FloatStorage", "0", 4, 0, []int64{4}, []int64{1})
			p.str("y")
			tensorArgs(p, "IntStorage", "0", 4, 0, []int64{4}, []int64{1})
			p.op('u')
		})}, record{name: "a/data/0", data: f32x4}), ErrCorrupt, "used as float32[4] and as int32[4]"},
		{"bad version", makeZip(t, record{name: "a/data.pkl", data: good}, record{name: "a/version", data: []byte("99\n")}), ErrUnsupported, "version 99"},
		{"bad byteorder", makeZip(t, record{name: "a/data.pkl", data: good}, record{name: "a/byteorder", data: []byte("middle")}), ErrCorrupt, "byteorder"},
		{"duplicate record", makeZip(t, record{name: "a/data.pkl", data: good}, record{name: "a/data.pkl", data: good}), ErrCorrupt, "two"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.file), int64(len(tc.file)))
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %v containing %q", err, tc.kind, tc.msg)
			}
		})
	}
}

// TestReadHandMadeViews reads views built by hand: a storage shared by two
// tensors, an offset, a transpose, and a 0-d tensor, from an archive/zip
// file (unaligned, data descriptors).
func TestReadHandMadeViews(t *testing.T) {
	storage := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	pkl := pickleOf(func(p *pickler) {
		p.newOrderedDict()
		p.op('(')
		p.str("t")
		tensorArgs(p, "ByteStorage", "7", 12, 1, []int64{3, 2}, []int64{1, 3}) // elements 1..8 of a 2x3 at offset 1, transposed
		p.str("s")
		tensorArgs(p, "ByteStorage", "7", 12, 11, nil, nil)
		p.str("z")
		tensorArgs(p, "ByteStorage", "7", 12, 12, []int64{0, 3}, []int64{3, 1})
		p.op('u')
	})
	b := makeZip(t, record{name: "x/data.pkl", data: pkl}, record{name: "x/data/7", data: storage}, record{name: "x/version", data: []byte("3\n")})
	ts := readBytes(t, b)
	if len(ts) != 3 {
		t.Fatalf("%d tensors", len(ts))
	}
	if want := []byte{1, 4, 2, 5, 3, 6}; !bytes.Equal(ts[0].Data, want) {
		t.Errorf("t = %v, want %v", ts[0].Data, want)
	}
	if !bytes.Equal(ts[1].Data, []byte{11}) || len(ts[1].Shape) != 0 {
		t.Errorf("s = %v %v, want scalar 11", ts[1].Shape, ts[1].Data)
	}
	if len(ts[2].Data) != 0 || ts[2].NumElements() != 0 {
		t.Errorf("z = %v", ts[2].Data)
	}
}

// TestReadTruncated cuts small files at every length; each must fail with
// one of the package's errors and no panic.
func TestReadTruncated(t *testing.T) {
	for _, name := range []string{"tiny.pt", "views.pt", "proto4.pt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(b); n++ {
			_, err := Read(bytes.NewReader(b[:n]), int64(n))
			if err == nil {
				t.Fatalf("%s cut to %d bytes: no error", name, n)
			}
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrNotCheckpoint) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s cut to %d bytes: %v is none of the package's errors", name, n, err)
			}
			if n >= 4 && !errors.Is(err, ErrTruncated) {
				t.Fatalf("%s cut to %d bytes: %v, want ErrTruncated", name, n, err)
			}
		}
	}
}

// TestReadBitFlips corrupts a file one byte at a time: every result is an
// error or a readable state_dict, never a panic.
func TestReadBitFlips(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "views.pt"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0x5a
		if ts, err := Read(bytes.NewReader(c), int64(len(c))); err == nil {
			checkInvariants(t, ts)
		}
	}
}

// checkInvariants: whatever Read returns is well formed and writable.
func checkInvariants(t *testing.T, ts []Tensor) {
	t.Helper()
	for _, x := range ts {
		if int64(len(x.Data)) != x.NumElements()*int64(DTypeSize(x.DType)) || DTypeSize(x.DType) == 0 {
			t.Fatalf("%q: %d bytes for %s %v", x.Name, len(x.Data), x.DType, x.Shape)
		}
	}
}

type failingReaderAt struct{ b []byte }

var errDisk = errors.New("disk on fire")

func (f failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off > 100 {
		return 0, errDisk
	}
	return bytes.NewReader(f.b).ReadAt(p, off)
}

// TestReadIOError: an I/O error is returned as itself, not as a damaged file.
func TestReadIOError(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "tiny.pt"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Read(failingReaderAt{b}, int64(len(b)))
	if !errors.Is(err, errDisk) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotCheckpoint) || errors.Is(err, ErrTruncated) {
		t.Fatalf("got %v, want the disk error alone", err)
	}
}
