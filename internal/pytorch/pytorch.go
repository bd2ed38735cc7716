// Package pytorch finds the Python interpreter whose PyTorch the project runs beside its Go code:
// the tests that check files and results against PyTorch and the benchmarks' Python original take
// the first candidate that imports torch (Find).
//
// The candidates are, in order, $PYTHON (when set), python3 on PATH and Debian's /usr/bin/python3:
// a pyenv python3 earlier on PATH may lack torch while the system's (python3-torch) has it. The
// Makefile's PYTHON_WITH_TORCH searches the same way. libtorch discovery (csrc/libtorch) asks only
// $PYTHON or python3, and says why, but runs its probe through Output too.
//
// Probes run from os.TempDir(), never from the working directory: in the repository root
// `import torch` finds the Go package torch/ as a namespace package and succeeds without PyTorch.
//
// The package is pure Go and imports nothing of the project, so build tools and tests alike can use
// it.
package pytorch

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Candidates returns the interpreters to try, in order. getenv reads PYTHON: os.Getenv, or a
// test's own environment.
func Candidates(getenv func(string) string) []string {
	var c []string
	if p := getenv("PYTHON"); p != "" {
		c = append(c, p)
	}
	return append(c, "python3", "/usr/bin/python3")
}

// Output runs python with args from os.TempDir() and returns its standard output; on failure the
// error is an *exec.ExitError holding the standard error, as from exec.Cmd.Output.
func Output(python string, args ...string) ([]byte, error) {
	cmd := exec.Command(python, args...)
	cmd.Dir = os.TempDir()
	return cmd.Output()
}

var (
	mu    sync.Mutex
	found = map[string]result{} // by $PYTHON and the modules asked for
)

type result struct {
	python string
	err    error
}

// Find returns the absolute path of the first candidate that imports torch and every one of
// modules (e.g. "torchvision"). Its error names each interpreter tried and why it failed. The answer
// is remembered for the process (per $PYTHON and modules), since every probe imports torch.
func Find(modules ...string) (string, error) {
	imports := strings.Join(append([]string{"torch"}, modules...), ", ")
	key := os.Getenv("PYTHON") + "\x00" + imports
	mu.Lock()
	defer mu.Unlock()
	if r, ok := found[key]; ok {
		return r.python, r.err
	}
	r := find(imports)
	found[key] = r
	return r.python, r.err
}

func find(imports string) result {
	var tried []string
	for _, c := range Candidates(os.Getenv) {
		p, err := exec.LookPath(c)
		if err != nil {
			tried = append(tried, err.Error())
			continue
		}
		if _, err := Output(p, "-c", "import "+imports); err != nil {
			tried = append(tried, fmt.Sprintf("%s: import %s: %v%s", p, imports, err, lastStderrLine(err)))
			continue
		}
		return result{python: p}
	}
	return result{err: fmt.Errorf("no Python imports %s (set PYTHON to one that does): %s", imports, strings.Join(tried, "; "))}
}

// lastStderrLine is the last line a failed interpreter printed (", No module named 'torch'"), or "".
func lastStderrLine(err error) string {
	ee, ok := err.(*exec.ExitError)
	if !ok {
		return ""
	}
	b := bytes.TrimSpace(ee.Stderr)
	if len(b) == 0 {
		return ""
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return ", " + string(b)
}
