package datasets_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms"
)

var fixtureClasses = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// record builds one 3073-byte record whose pixels encode (n, channel, i).
func record(n int) []byte {
	r := make([]byte, 3073)
	r[0] = byte(n % 10)
	for c := range 3 {
		for i := range 1024 {
			r[1+c*1024+i] = byte(n*7 + c*50 + i)
		}
	}
	return r
}

// fixtureArchive is a miniature cifar-10-binary.tar.gz: two records per
// training batch, three in the test batch. skip leaves one file out.
func fixtureArchive(t *testing.T, skip string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	add := func(name string, body []byte) {
		if strings.HasSuffix(name, skip) && skip != "" {
			return
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "cifar-10-batches-bin/", Mode: 0o755, Typeflag: tar.TypeDir}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for b := 1; b <= 5; b++ {
		add(fmt.Sprintf("cifar-10-batches-bin/data_batch_%d.bin", b), append(record(n), record(n+1)...))
		n += 2
	}
	add("cifar-10-batches-bin/test_batch.bin", slices.Concat(record(100), record(101), record(102)))
	add("cifar-10-batches-bin/batches.meta.txt", []byte(strings.Join(fixtureClasses, "\n")+"\n\n"))
	add("cifar-10-batches-bin/readme.html", []byte("<html></html>"))
	add("../escape.bin", []byte("must not be written"))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// serve points the package at a local server for body and returns a
// counter of requests.
func serve(t *testing.T, body []byte, status int, md5sum string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	oldURL, oldMD5 := datasets.CIFAR10URL, datasets.CIFAR10MD5
	t.Cleanup(func() { datasets.CIFAR10URL, datasets.CIFAR10MD5 = oldURL, oldMD5 })
	datasets.CIFAR10URL, datasets.CIFAR10MD5 = srv.URL+"/cifar-10-binary.tar.gz", md5sum
	return srv, &hits
}

// leftovers lists what a failed download left in root.
func leftovers(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestCIFAR10DownloadAndRead(t *testing.T) {
	archive := fixtureArchive(t, "")
	_, hits := serve(t, archive, http.StatusOK, md5Hex(archive))
	root := filepath.Join(t.TempDir(), "data")

	train, err := datasets.NewCIFAR10(root, datasets.CIFAR10Options{Download: true})
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 10 || !slices.Equal(train.Classes, fixtureClasses) || train.ClassToIdx["ship"] != 8 {
		t.Fatalf("train: %d samples, classes %v", train.Len(), train.Classes)
	}
	test, err := datasets.NewCIFAR10(root, datasets.CIFAR10Options{Train: new(false), Download: true, Transform: transforms.Compose{transforms.ToTensor{}}})
	if err != nil {
		t.Fatal(err)
	}
	if test.Len() != 3 {
		t.Fatalf("test: %d samples, want 3", test.Len())
	}
	if hits.Load() != 1 {
		t.Errorf("%d downloads, want 1 (the second call must find the data)", hits.Load())
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(root), "escape.bin")); err == nil {
		t.Error("an archive entry escaped the root")
	}
	// Sample 3 of the training set is record 3: label 3, pixel (x=5, y=1) of
	// channel c is byte 3*7 + c*50 + 37.
	img, label, err := train.Image(3)
	if err != nil {
		t.Fatal(err)
	}
	if label != 3 || train.Targets()[3] != 3 {
		t.Errorf("label %d", label)
	}
	i := 3 * (1*32 + 5)
	if got, want := img.Pix[i:i+3], []byte{21 + 37, 21 + 50 + 37, 21 + 100 + 37}; !bytes.Equal(got, want) {
		t.Errorf("pixel %v, want %v", got, want)
	}
	s, err := test.Get(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Label != 2 || !slices.Equal(s.Shape, []int64{3, 32, 32}) || s.Data[1024] != float32(byte((102*7+50)%256))/255 {
		t.Errorf("test sample 2: label %d shape %v G[0] %v", s.Label, s.Shape, s.Data[1024])
	}
	if _, err := train.Get(10, nil); err == nil {
		t.Error("index 10 of 10: no error")
	}
	// Only the archive and the dataset remain: no temporary files.
	if got := leftovers(t, root); !slices.Equal(got, []string{"cifar-10-batches-bin", "cifar-10-binary.tar.gz"}) {
		t.Errorf("root holds %v", got)
	}
}

func TestCIFAR10DownloadFailures(t *testing.T) {
	good := fixtureArchive(t, "")
	incomplete := fixtureArchive(t, "test_batch.bin")
	tests := []struct {
		name   string
		body   []byte
		status int
		md5    string
		closed bool
		want   string
	}{
		{"bad checksum", good, http.StatusOK, "00000000000000000000000000000000", false, "has MD5 " + md5Hex(good)},
		{"not found", good, http.StatusNotFound, md5Hex(good), false, "404"},
		{"unreachable", good, http.StatusOK, md5Hex(good), true, "is the network reachable"},
		{"incomplete archive", incomplete, http.StatusOK, md5Hex(incomplete), false, "archive is incomplete"},
		{"not gzip", []byte("not an archive"), http.StatusOK, md5Hex([]byte("not an archive")), false, "gzip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, tc.body, tc.status, tc.md5)
			if tc.closed {
				srv.Close()
			}
			root := t.TempDir()
			_, err := datasets.NewCIFAR10(root, datasets.CIFAR10Options{Download: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			for _, name := range leftovers(t, root) {
				if name != "cifar-10-binary.tar.gz" || tc.name == "bad checksum" {
					t.Errorf("left %s behind in root", name)
				}
			}
		})
	}
}

func TestCIFAR10Missing(t *testing.T) {
	_, err := datasets.NewCIFAR10(t.TempDir())
	if !errors.Is(err, datasets.ErrDatasetNotFound) || !strings.Contains(err.Error(), "download=true") {
		t.Errorf("error %v, want ErrDatasetNotFound", err)
	}
}

// A damaged copy (a truncated batch) is replaced by a fresh extraction.
func TestCIFAR10RepairsIncompleteData(t *testing.T) {
	archive := fixtureArchive(t, "")
	serve(t, archive, http.StatusOK, md5Hex(archive))
	root := t.TempDir()
	if _, err := datasets.NewCIFAR10(root, datasets.CIFAR10Options{Download: true}); err != nil {
		t.Fatal(err)
	}
	batch := filepath.Join(root, "cifar-10-batches-bin", "data_batch_2.bin")
	if err := os.WriteFile(batch, []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := datasets.NewCIFAR10(root); !errors.Is(err, datasets.ErrDatasetNotFound) {
		t.Fatalf("damaged data without download: %v", err)
	}
	c, err := datasets.NewCIFAR10(root, datasets.CIFAR10Options{Download: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 10 {
		t.Errorf("%d samples after repair, want 10", c.Len())
	}
}

// fixture100 is a miniature cifar-100-binary.tar.gz: four training records
// and two test ones, record n with coarse label n%20, fine label (7n)%100
// and pixels encoding (n, channel, i).
func fixture100(t *testing.T) []byte {
	t.Helper()
	rec := func(n int) []byte {
		r := make([]byte, 3074)
		r[0], r[1] = byte(n%20), byte((7*n)%100)
		for c := range 3 {
			for i := range 1024 {
				r[2+c*1024+i] = byte(n*5 + c*40 + i)
			}
		}
		return r
	}
	var fine, coarse []string
	for i := range 100 {
		fine = append(fine, fmt.Sprintf("fine%02d", i))
	}
	for i := range 20 {
		coarse = append(coarse, fmt.Sprintf("coarse%02d", i))
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name string
		body []byte
	}{
		{"cifar-100-binary/train.bin", slices.Concat(rec(0), rec(1), rec(2), rec(3))},
		{"cifar-100-binary/test.bin", slices.Concat(rec(10), rec(11))},
		{"cifar-100-binary/fine_label_names.txt", []byte(strings.Join(fine, "\n") + "\n")},
		{"cifar-100-binary/coarse_label_names.txt", []byte(strings.Join(coarse, "\n") + "\n")},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.body)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestCIFAR100DownloadAndRead(t *testing.T) {
	archive := fixture100(t)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(archive)
	}))
	t.Cleanup(srv.Close)
	oldURL, oldMD5 := datasets.CIFAR100URL, datasets.CIFAR100MD5
	t.Cleanup(func() { datasets.CIFAR100URL, datasets.CIFAR100MD5 = oldURL, oldMD5 })
	datasets.CIFAR100URL, datasets.CIFAR100MD5 = srv.URL+"/cifar-100-binary.tar.gz", md5Hex(archive)
	root := t.TempDir()
	var out bytes.Buffer
	train, err := datasets.NewCIFAR100(root, datasets.CIFAR100Options{Download: true, Progress: &out})
	if err != nil {
		t.Fatal(err)
	}
	wantLines := "Downloading " + datasets.CIFAR100URL + " to " + filepath.Join(root, "cifar-100-binary.tar.gz") + "\n" +
		"Extracting " + filepath.Join(root, "cifar-100-binary.tar.gz") + " to " + root + "\n"
	if out.String() != wantLines {
		t.Errorf("printed %q, want torchvision's %q", out.String(), wantLines)
	}
	if train.Len() != 4 || len(train.Classes) != 100 || len(train.CoarseClasses) != 20 || train.ClassToIdx["fine07"] != 7 {
		t.Fatalf("train: %d samples, %d classes, %d coarse", train.Len(), len(train.Classes), len(train.CoarseClasses))
	}
	if !slices.Equal(train.Targets(), []int{0, 7, 14, 21}) || !slices.Equal(train.CoarseTargets(), []int{0, 1, 2, 3}) {
		t.Errorf("targets %v, coarse %v", train.Targets(), train.CoarseTargets())
	}
	img, label, err := train.Image(3)
	if err != nil {
		t.Fatal(err)
	}
	i := 3 * (2*32 + 9)
	if got, want := img.Pix[i:i+3], []byte{15 + 73, 15 + 40 + 73, 15 + 80 + 73}; label != 21 || !bytes.Equal(got, want) {
		t.Errorf("image 3: label %d pixel %v, want 21 and %v", label, got, want)
	}
	out.Reset()
	test, err := datasets.NewCIFAR100(root, datasets.CIFAR100Options{Train: new(false), Download: true, Progress: &out})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := test.Get(1, nil); test.Len() != 2 || s.Label != 77 || !slices.Equal(s.Shape, []int64{3, 32, 32}) {
		t.Errorf("test: %d samples, sample 1 label %d shape %v", test.Len(), s.Label, s.Shape)
	}
	if hits.Load() != 1 || out.String() != "Files already downloaded and verified\n" {
		t.Errorf("%d downloads; second call printed %q", hits.Load(), out.String())
	}
}
