package pytorch

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakePython writes an executable shell script standing in for an interpreter.
func fakePython(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCandidates(t *testing.T) {
	tests := []struct {
		python string
		want   []string
	}{
		{"", []string{"python3", "/usr/bin/python3"}},
		{"/opt/py/bin/python", []string{"/opt/py/bin/python", "python3", "/usr/bin/python3"}},
	}
	for _, tt := range tests {
		got := Candidates(func(k string) string {
			if k == "PYTHON" {
				return tt.python
			}
			return ""
		})
		if !slices.Equal(got, tt.want) {
			t.Errorf("PYTHON=%q: %q, want %q", tt.python, got, tt.want)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	good := fakePython(t, dir, "good", "exit 0")
	bad := fakePython(t, dir, "bad", `echo "ModuleNotFoundError: No module named 'torch'" >&2; exit 1`)
	onPath := t.TempDir()
	python3 := fakePython(t, onPath, "python3", "exit 0")

	t.Run("PYTHON first", func(t *testing.T) {
		t.Setenv("PYTHON", good)
		if p, err := Find(); err != nil || p != good {
			t.Fatalf("Find() = %q, %v; want %q", p, err, good)
		}
	})
	t.Run("then python3 on PATH", func(t *testing.T) {
		t.Setenv("PYTHON", bad)
		t.Setenv("PATH", onPath)
		if p, err := Find("torchvision"); err != nil || p != python3 {
			t.Fatalf("Find() = %q, %v; want %q", p, err, python3)
		}
	})
	t.Run("none", func(t *testing.T) {
		if testing.Short() {
			t.Skip("may start /usr/bin/python3: skipped under -short")
		}
		t.Setenv("PYTHON", bad)
		t.Setenv("PATH", t.TempDir())
		_, err := Find("aecifar_no_such_module")
		if err == nil {
			t.Fatal("found an interpreter that imports a module that does not exist")
		}
		for _, want := range []string{bad, "No module named 'torch'", "python3", "/usr/bin/python3", "set PYTHON"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		}
	})
}

// Output runs the interpreter outside the working directory, where `import torch` could find the
// Go package torch/.
func TestOutputRunsInTempDir(t *testing.T) {
	pwd := fakePython(t, t.TempDir(), "pwd", "pwd -P")
	out, err := Output(pwd)
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("ran in %s, want %s", got, want)
	}
}
