package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesAreCurrent regenerates the ops into a temporary directory and compares them
// with the checked-in files: a change to the generator, or to gotch's version, must come with
// `go generate ./torch/`.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	if _, err := os.Stat(filepath.Join(root, "vendor", "modules.txt")); err != nil {
		t.Skip("no vendor/ (run make setup): gotch's header and version are read from it")
	}
	out := t.TempDir()
	if err := run("", "", root, out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"csrc/gen_ops.h", "csrc/gen_ops.c", "torch/gen_ops.go", "torch/gen_sweep_test.go"} {
		want, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the generator writes now: run go generate ./torch/", name)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ in, camel, lower string }{
		{"leaky_relu", "LeakyRelu", "leakyRelu"},
		{"add_", "Add_", "add"},
		{"nll_loss", "NLLLoss", "nllLoss"},
		{"dtype", "DType", "dtype"},
		{"lstm_cell", "LSTMCell", "lstmCell"},
		{"max_pool2d", "MaxPool2d", "maxPool2d"},
		{"type", "Type", "type_"},
		{"len", "Len", "len_"},
	} {
		if got := camel(tc.in); got != tc.camel {
			t.Errorf("camel(%q) = %q, want %q", tc.in, got, tc.camel)
		}
		if got := lowerCamel(tc.in); got != tc.lower {
			t.Errorf("lowerCamel(%q) = %q, want %q", tc.in, got, tc.lower)
		}
	}
}
