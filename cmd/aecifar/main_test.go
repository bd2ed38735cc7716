package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
)

// TestBadInput: each user mistake gives one clear line and the right error, never a panic.
func TestBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	empty := t.TempDir()
	for _, tc := range []struct {
		name      string
		args      []string
		wantUsage bool   // a bad command line (exit status 2)
		want      string // in the message
	}{
		{"no command", nil, true, "Usage"},
		{"unknown command", []string{"fly"}, true, `unknown command "fly"`},
		{"unknown flag", []string{"run", "--epochs", "3"}, true, "flag provided but not defined"},
		{"negative epochs", []string{"run", "--ae-epochs", "-1"}, true, "invalid autoencoder epochs -1"},
		{"batch size 0", []string{"run", "--batch-size", "0"}, true, "invalid batch size 0"},
		{"stray argument", []string{"test", "extra"}, true, `unexpected argument "extra"`},
		{"unknown device", []string{"run", "--device", "tpu", "--data", empty}, false, `invalid device "tpu"`},
		{"missing data", []string{"run", "--device", "cpu", "--data", missing, "--out", t.TempDir()}, false, "does not exist"},
		{"empty data", []string{"run", "--device", "cpu", "--data", empty, "--out", t.TempDir()}, false, empty},
		{"resume with nothing", []string{"run", "--device", "cpu", "--resume", "--data", missing, "--out", t.TempDir()}, false, "nothing to resume"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tc.args, &stdout, &stderr)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, errUsage); got != tc.wantUsage {
				t.Fatalf("usage error = %v, want %v (%v)", got, tc.wantUsage, err)
			}
			msg := stderr.String()
			if !tc.wantUsage {
				msg = err.Error()
				if strings.Contains(msg, "\n") {
					t.Errorf("message spans lines: %q", msg)
				}
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message %q lacks %q", msg, tc.want)
			}
		})
	}
	if !torch.CUDAIsAvailable() {
		err := run([]string{"run", "--device", "cuda"}, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "no CUDA device") {
			t.Errorf("--device cuda without a GPU: %v", err)
		}
	}
}

func TestHelp(t *testing.T) {
	var stdout bytes.Buffer
	if err := run([]string{"--help"}, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"run", "train-ae", "train-classifier", "test", "reconstruct", "data"} {
		if !strings.Contains(stdout.String(), cmd) {
			t.Errorf("help does not mention %s", cmd)
		}
	}
	var stderr bytes.Buffer
	if err := run([]string{"run", "--help"}, &bytes.Buffer{}, &stderr); err == nil || !strings.Contains(stderr.String(), "-resume") {
		t.Errorf("run --help: %v\n%s", err, stderr.String())
	}
}

func TestTestRejectsWrongCheckpoint(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pt")
	if err := os.WriteFile(bad, []byte("not a checkpoint"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A state_dict of another model: the autoencoder's keys where the classifier's are expected.
	other := filepath.Join(dir, "other.pt")
	w := torch.Zeros([]int64{16, 3, 3, 3})
	defer w.Drop()
	if err := torch.Save(torch.StateDict{{Name: "conv1.weight", Tensor: w}}, other); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want string }{
		{bad, "not a PyTorch checkpoint"},
		{other, "Missing key(s)"},
	} {
		err := run([]string{"test", "--device", "cpu", "--data", tinyTree(t), "--out", t.TempDir(), "--weights", tc.file}, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--weights %s: %v, want %q", filepath.Base(tc.file), err, tc.want)
		}
	}
}

// tinyTree is an ImageFolder tree with one small PNG per class and split.
func tinyTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	// A 1x1 white PNG.
	png := []byte{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde,
		0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8, 0xff, 0xff, 0x3f, 0x00, 0x05,
		0xfe, 0x02, 0xfe, 0xdc, 0xcc, 0x59, 0xe7, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42,
		0x60, 0x82}
	for _, split := range []string{"train", "test"} {
		for _, c := range []string{"a", "b"} {
			dir := filepath.Join(root, split, c)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "0.png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

func TestDataRejectsAnotherArchive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cifar")
	other := filepath.Join(t.TempDir(), "other.tar.gz")
	if err := os.WriteFile(other, []byte("not cifar"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"data", "--data", dir, "--archive", other}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "is not CIFAR-10's binary release") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a rejected archive left %s behind", dir)
	}
}
