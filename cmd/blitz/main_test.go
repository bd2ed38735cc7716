package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestBadCommandLines(t *testing.T) {
	for _, args := range [][]string{
		{"--batch-size", "0"},
		{"--print-every", "-1"},
		{"--no-such-flag"},
		{"extra"},
	} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v", args, err)
		}
	}
}

func TestMissingDataIsOneLine(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run([]string{"--data", t.TempDir(), "--download=false", "--out", t.TempDir(), "--device", "cpu"}, &out, &errOut)
	if err == nil || errors.Is(err, errUsage) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("%v", err)
	}
}

func TestBadDevice(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"--device", "tpu"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "invalid device") {
		t.Fatalf("%v", err)
	}
}
