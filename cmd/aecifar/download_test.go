package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch/vision/datasets"
)

// tinyCIFAR10 is a cifar-10-binary.tar.gz holding 20 training and 10 test images, two per class.
func tinyCIFAR10(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	add := func(name string, body []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: "cifar-10-batches-bin/" + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	records := func(first, n int) []byte {
		var b []byte
		for i := first; i < first+n; i++ {
			rec := make([]byte, 1+3*32*32)
			rec[0] = byte(i % 10)
			for j := 1; j < len(rec); j++ {
				rec[j] = byte(i*31 + j*7)
			}
			b = append(b, rec...)
		}
		return b
	}
	for b := 1; b <= 5; b++ {
		add(fmt.Sprintf("data_batch_%d.bin", b), records(4*(b-1), 4))
	}
	add("test_batch.bin", records(100, 10))
	add("batches.meta.txt", []byte("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// serveCIFAR10 points the CIFAR-10 download at a local server of body and returns it.
func serveCIFAR10(t *testing.T, body []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	t.Cleanup(srv.Close)
	sum := md5.Sum(body)
	oldURL, oldMD5 := datasets.CIFAR10URL, datasets.CIFAR10MD5
	t.Cleanup(func() { datasets.CIFAR10URL, datasets.CIFAR10MD5 = oldURL, oldMD5 })
	datasets.CIFAR10URL, datasets.CIFAR10MD5 = srv.URL+"/cifar-10-binary.tar.gz", hex.EncodeToString(sum[:])
	return srv
}

// TestRunDownloadsMissingData: `run --download` (what `make run` passes) on a directory with no
// data fetches CIFAR-10 from its URL, checks it, unpacks it and trains.
func TestRunDownloadsMissingData(t *testing.T) {
	serveCIFAR10(t, tinyCIFAR10(t))
	data := filepath.Join(t.TempDir(), "cifar10")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"run", "--download", "--device", "cpu", "--data", data, "--out", out, "--ae-epochs", "1",
		"--clf-epochs", "1", "--batch-size", "4", "--workers", "0"}
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, f := range []string{"cifar-10-binary.tar.gz", "cifar-10-batches-bin/test_batch.bin"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stderr.String(), "Downloading "+datasets.CIFAR10URL) {
		t.Errorf("no download line on stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "Test Accuracy (Overall)") {
		t.Errorf("the run did not test:\n%s", stdout.String())
	}
}

// TestRunDownloadOffline: with the server gone, one line that names the ways to provide the data
// by hand, and nothing half-written left in the data directory.
func TestRunDownloadOffline(t *testing.T) {
	srv := serveCIFAR10(t, tinyCIFAR10(t))
	srv.Close()
	data := filepath.Join(t.TempDir(), "cifar10")
	err := run([]string{"run", "--download", "--device", "cpu", "--data", data, "--out", t.TempDir()}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"no CIFAR-10 in " + data, "make data CIFAR10_ARCHIVE=FILE", "DATA=dir"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("message spans lines: %q", msg)
	}
	entries, _ := os.ReadDir(data)
	for _, e := range entries {
		t.Errorf("left %s in the data directory", e.Name())
	}
}
