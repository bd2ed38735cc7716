package ptfile

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read. It must never panic or allocate
// without bound; whatever it accepts must be well formed, and must survive
// Write and Read unchanged. Seeds: testdata/fuzz/FuzzRead (small torch.save
// files, written by testdata/gen.py) plus the fixtures and a file from
// Write added here.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"tiny.pt", "views.pt", "proto4.pt", "torch2.pt", "bigendian.pt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var buf bytes.Buffer
	if err := Write(&buf, []Tensor{
		{Name: "a.w", DType: "int16", Shape: []int64{2, 1}, Data: []byte{1, 2, 3, 4}},
		{Name: "b", DType: "bool", Shape: nil, Data: []byte{1}},
	}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAccepted(t, b)
	})
}

// checkAccepted reads b; if Read accepts it, the tensors must be well formed and survive Write and
// Read unchanged.
func checkAccepted(t *testing.T, b []byte) {
	t.Helper()
	ts, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return
	}
	checkInvariants(t, ts)
	var out bytes.Buffer
	if err := Write(&out, ts); err != nil {
		t.Fatalf("Write of what Read accepted: %v", err)
	}
	back, err := Read(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatalf("Read of Write's output: %v", err)
	}
	assertSameTensors(t, back, ts)
}

// FuzzPickle fuzzes data.pkl itself, which FuzzRead rarely reaches because
// a mutated record fails its CRC. The harness wraps the pickle in a valid
// archive, with a record of exactly the right size for every storage the
// pickle names (up to 64 KiB each), so views and their bounds are
// exercised too. Seeds: the data.pkl of each fixture.
func FuzzPickle(f *testing.F) {
	for _, name := range []string{"tiny.pt", "views.pt", "proto4.pt", "dtypes.pt", "autoencoder.pt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			f.Fatal(err)
		}
		rc, err := zr.File[0].Open()
		if err != nil {
			f.Fatal(err)
		}
		pkl, err := io.ReadAll(rc)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(pkl, byte(len(name)))
	}
	f.Fuzz(func(t *testing.T, pkl []byte, fill byte) {
		u := &unpickler{data: pkl}
		u.load() // only to learn which storages to provide
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		add := func(name string, data []byte) {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
		add("f/data.pkl", pkl)
		for key, s := range u.storages {
			n, ok := mulCheck(s.numel, int64(s.dtype.size))
			if !ok || n > 1<<16 {
				continue
			}
			data := make([]byte, n)
			for i := range data {
				data[i] = fill + byte(i)
			}
			add("f/data/"+key, data)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		checkAccepted(t, buf.Bytes())
	})
}
