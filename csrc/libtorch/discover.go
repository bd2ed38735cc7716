// Package libtorch finds a libtorch installation and adapts gotch's C++ layer to it.
//
// It is the one place where the build learns about libtorch. Discovery looks, in this order, at:
//
//  1. LIBTORCH=DIR: the layout of the official libtorch zip (DIR/include, DIR/lib).
//  2. Python's torch: `python3 -c 'import torch'` (PYTHON overrides the interpreter), when its package
//     directory holds include/ and lib/ as pip's wheels do. Debian's python3-torch has neither; it is
//     then found as the system's.
//  3. The system's: headers under /usr/include/torch, libtorch.so in the multiarch library directory
//     (Debian's libtorch-dev).
//
// An explicit LIBTORCH that does not hold a libtorch is an error; it never falls through to the next
// source, so a typo cannot silently build against another libtorch.
//
// Adapt then writes, into a directory keyed by the installation, the files that `go build -overlay`
// substitutes in the vendored copy of gotch: a lib.go whose #cgo lines name this libtorch (CUDA libraries
// only when it has them) and a generated C++ header in which every function that does not compile against
// this libtorch is a stub that raises a clear error. The Go module cache is never touched.
package libtorch

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/aecifar/aecifar/internal/pytorch"
)

// Install describes one libtorch installation.
type Install struct {
	Source      string   `json:"source"`  // "LIBTORCH", "python" or "system"
	Version     string   `json:"version"` // as libtorch reports it, e.g. "1.13.0" or "2.11.0+cu130"
	Root        string   `json:"root"`    // the directory named by LIBTORCH, torch's package dir, or "/usr"
	IncludeDirs []string `json:"include_dirs"`
	LibDir      string   `json:"lib_dir"`
	CUDA        bool     `json:"cuda"`      // libtorch_cuda is present
	CXX11ABI    bool     `json:"cxx11_abi"` // built with _GLIBCXX_USE_CXX11_ABI=1
	Python      string   `json:"python,omitempty"`

	// Set by ProbeCUDA, not by discovery: where the CUDA runtime headers are, and whether csrc's
	// CUDA API is compiled ("enabled", or "disabled: " and why).
	CUDAHeaders string `json:"cuda_headers,omitempty"`
	CUDAAPI     string `json:"cuda_api,omitempty"`
	CUDARuntime string `json:"cuda_runtime,omitempty"` // the libcudart libtorch_cuda loads, which csrc's CUDA API links
}

func (in *Install) String() string {
	dev := "CPU only"
	if in.CUDA {
		dev = "CUDA"
	}
	abi := 0
	if in.CXX11ABI {
		abi = 1
	}
	return fmt.Sprintf("libtorch %s from %s (%s), %s, _GLIBCXX_USE_CXX11_ABI=%d", in.Version, in.Source, in.LibDir, dev, abi)
}

// Env is what discovery reads of the world. Tests replace it; DefaultEnv reads the real one.
type Env struct {
	Getenv func(string) string
	// RunPython runs the interpreter with a script and returns its standard output.
	RunPython func(python, script string) ([]byte, error)
	// SystemPrefix is where the system's libtorch would live ("/usr"); Multiarch is the triplet of
	// its library directory ("x86_64-linux-gnu").
	SystemPrefix string
	Multiarch    string
}

// DefaultEnv reads the process environment and runs real interpreters.
func DefaultEnv() Env {
	return Env{
		Getenv: os.Getenv,
		RunPython: func(python, script string) ([]byte, error) {
			return pytorch.Output(python, "-c", script)
		},
		SystemPrefix: "/usr",
		Multiarch:    multiarch(),
	}
}

func multiarch() string {
	if out, err := exec.Command("gcc", "-print-multiarch").Output(); err == nil {
		if s := strings.TrimSpace(string(out)); s != "" {
			return s
		}
	}
	switch runtime.GOARCH {
	case "arm64":
		return "aarch64-linux-gnu"
	default:
		return "x86_64-linux-gnu"
	}
}

// ErrNotFound is returned (wrapped) when no source holds a libtorch.
var ErrNotFound = errors.New("libtorch not found")

// Discover finds libtorch in the documented order.
func Discover(env Env) (*Install, error) {
	if dir := env.Getenv("LIBTORCH"); dir != "" {
		in, err := fromDir("LIBTORCH", dir, env)
		if err != nil {
			return nil, fmt.Errorf("LIBTORCH=%s: %w", dir, err)
		}
		return in, nil
	}
	var tried []string
	if in, err := fromPython(env); err == nil {
		return in, nil
	} else {
		tried = append(tried, err.Error())
	}
	if in, err := fromSystem(env); err == nil {
		return in, nil
	} else {
		tried = append(tried, err.Error())
	}
	return nil, fmt.Errorf("%w: set LIBTORCH=DIR to an unpacked libtorch zip (DIR/include, DIR/lib), "+
		"or install torch for python3 (pip install torch; PYTHON=... picks the interpreter), "+
		"or install the system's (apt-get install libtorch-dev) [%s]", ErrNotFound, strings.Join(tried, "; "))
}

// fromDir reads a libtorch laid out like the official zip: root/include and root/lib.
func fromDir(source, root string, env Env) (*Install, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("no such directory")
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("not a directory")
	}
	in := &Install{
		Source:      source,
		Root:        root,
		IncludeDirs: []string{filepath.Join(root, "include"), filepath.Join(root, "include", "torch", "csrc", "api", "include")},
		LibDir:      filepath.Join(root, "lib"),
	}
	if err := in.inspect(env); err != nil {
		return nil, err
	}
	return in, nil
}

// The script prints what the build needs of Python's torch as JSON.
const pythonScript = `import json, torch, os
print(json.dumps({"version": torch.__version__, "dir": os.path.dirname(torch.__file__),
  "abi": bool(torch._C._GLIBCXX_USE_CXX11_ABI), "cuda": torch.version.cuda}))`

func fromPython(env Env) (*Install, error) {
	// $PYTHON or python3 only, without internal/pytorch's further /usr/bin/python3: where that is
	// Debian's python3-torch, the system's libtorch would be found again as "python" (under another
	// version string, so another adaptation), changing what a configured machine builds against.
	python := env.Getenv("PYTHON")
	if python == "" {
		python = "python3"
	}
	out, err := env.RunPython(python, pythonScript)
	if err != nil {
		return nil, fmt.Errorf("%s: no importable torch", python)
	}
	var info struct {
		Version string  `json:"version"`
		Dir     string  `json:"dir"`
		ABI     bool    `json:"abi"`
		CUDA    *string `json:"cuda"`
	}
	// Importing torch may print warnings before the JSON line: take the last line.
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &info); err != nil {
		return nil, fmt.Errorf("%s: unreadable torch description: %v", python, err)
	}
	if !isFile(filepath.Join(info.Dir, "include", "torch", "csrc", "api", "include", "torch", "version.h")) {
		return nil, fmt.Errorf("%s: torch %s at %s ships no C++ headers", python, info.Version, info.Dir)
	}
	in, err := fromDir("python", info.Dir, env)
	if err != nil {
		return nil, fmt.Errorf("%s: torch at %s: %v", python, info.Dir, err)
	}
	in.Python = python
	in.Version = info.Version
	in.CXX11ABI = info.ABI
	return in, nil
}

func fromSystem(env Env) (*Install, error) {
	prefix := env.SystemPrefix
	in := &Install{
		Source:      "system",
		Root:        prefix,
		IncludeDirs: []string{filepath.Join(prefix, "include"), filepath.Join(prefix, "include", "torch", "csrc", "api", "include")},
		LibDir:      filepath.Join(prefix, "lib", env.Multiarch),
	}
	if err := in.inspect(env); err != nil {
		return nil, fmt.Errorf("system (%s): %v", prefix, err)
	}
	return in, nil
}

var versionRE = regexp.MustCompile(`#define\s+TORCH_VERSION\s+(?:\\\s*)?"([^"]+)"`)

// inspect fills Version, CUDA and CXX11ABI from the files of an installation.
func (in *Install) inspect(env Env) error {
	header := filepath.Join(in.IncludeDirs[1], "torch", "version.h")
	src, err := os.ReadFile(header)
	if err != nil {
		return fmt.Errorf("no %s", header)
	}
	m := versionRE.FindSubmatch(src)
	if m == nil {
		return fmt.Errorf("%s names no TORCH_VERSION", header)
	}
	in.Version = string(m[1])
	lib := filepath.Join(in.LibDir, "libtorch.so")
	if !isFile(lib) {
		return fmt.Errorf("no %s", lib)
	}
	in.CUDA = isFile(filepath.Join(in.LibDir, "libtorch_cuda.so"))
	if !in.CUDA {
		// Debian's python3-torch-cuda keeps symlinks to the multiarch directory's libraries in torch/lib,
		// but none to libtorch_cuda.so: link from where the libraries really are.
		if real, err := filepath.EvalSymlinks(lib); err == nil && isFile(filepath.Join(filepath.Dir(real), "libtorch_cuda.so")) {
			in.LibDir, in.CUDA = filepath.Dir(real), true
		}
	}
	switch env.Getenv("LIBTORCH_CXX11_ABI") {
	case "0":
		in.CXX11ABI = false
	case "1":
		in.CXX11ABI = true
	default:
		in.CXX11ABI = usesCXX11ABI(filepath.Join(in.LibDir, "libc10.so"))
	}
	return nil
}

// usesCXX11ABI tells whether a library was built with the C++11 string ABI: its dynamic symbols then
// mention std::__cxx11. A library that cannot be read is assumed to use it, as every current build does.
func usesCXX11ABI(lib string) bool {
	f, err := elf.Open(lib)
	if err != nil {
		return true
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		return true
	}
	for _, s := range syms {
		if strings.Contains(s.Name, "cxx11") {
			return true
		}
	}
	return false
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// ConfigJSON is the description written beside the adapted files.
func (in *Install) ConfigJSON() []byte {
	b, _ := json.MarshalIndent(in, "", "  ")
	return append(b, '\n')
}

// baseConfigJSON is ConfigJSON without ProbeCUDA's results: what discovery alone found.
func (in *Install) baseConfigJSON() []byte {
	base := *in
	base.CUDAHeaders, base.CUDAAPI, base.CUDARuntime = "", "", ""
	return base.ConfigJSON()
}

// cxxFlags are the compiler flags that every C++ file compiled against this libtorch needs.
func (in *Install) cxxFlags() []string {
	args := []string{"-std=c++17", "-D_GLIBCXX_USE_CXX11_ABI=0"}
	if in.CXX11ABI {
		args[1] = "-D_GLIBCXX_USE_CXX11_ABI=1"
	}
	for _, d := range in.IncludeDirs {
		args = append(args, "-I"+d)
	}
	return args
}

// cgoFlags returns the #cgo directives that compile and link C++ against this libtorch; extraCPP
// is added to CPPFLAGS and extraLD before libtorch's LDFLAGS.
func (in *Install) cgoFlags(opt, extraCPP string, extraLD []string) string {
	var b bytes.Buffer
	abi := "0"
	if in.CXX11ABI {
		abi = "1"
	}
	inc := ""
	for _, d := range in.IncludeDirs {
		// The compiler searches /usr/include anyway; naming it with -I reorders the search and
		// breaks libstdc++'s #include_next.
		if d != "/usr/include" {
			inc += " -I" + d
		}
	}
	// CPPFLAGS reach both the C preamble and the C++ files; CXXFLAGS only the C++ ones.
	fmt.Fprintf(&b, "// #cgo CPPFLAGS: -D_GLIBCXX_USE_CXX11_ABI=%s%s%s\n", abi, inc, extraCPP)
	fmt.Fprintf(&b, "// #cgo CFLAGS: %s\n", opt)
	fmt.Fprintf(&b, "// #cgo CXXFLAGS: -std=c++17 %s -Wno-deprecated-declarations\n", opt)
	fmt.Fprintf(&b, "// #cgo LDFLAGS: %s\n", strings.Join(append(extraLD, in.ldFlags()...), " "))
	return b.String()
}

// ProgramFlags are the g++ flags that compile and link a C++ program against this libtorch
// (bench/cpp): the ABI, the include directories, and ldFlags.
func (in *Install) ProgramFlags() []string {
	abi := "0"
	if in.CXX11ABI {
		abi = "1"
	}
	flags := []string{"-std=c++17", "-D_GLIBCXX_USE_CXX11_ABI=" + abi}
	for _, d := range in.IncludeDirs {
		if d != "/usr/include" { // see cgoFlags
			flags = append(flags, "-I"+d)
		}
	}
	return append(flags, in.ldFlags()...)
}

// ldFlags are the linker flags for a program using this libtorch.
func (in *Install) ldFlags() []string {
	flags := []string{"-L" + in.LibDir, "-Wl,-rpath," + in.LibDir}
	if in.CUDA {
		// Without --no-as-needed the linker drops libtorch_cuda (nothing references it directly),
		// its static initialisers never run, and CUDA is never registered.
		flags = append(flags, "-Wl,--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Wl,--as-needed")
	}
	return append(flags, "-ltorch", "-ltorch_cpu", "-lc10", "-lstdc++")
}
