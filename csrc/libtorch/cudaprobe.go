package libtorch

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The project's CUDA C++ (csrc/cuda.cpp: CUDA graphs, streams, the caching allocator's statistics)
// includes libtorch's CUDA headers, which include the CUDA runtime's (cuda_runtime_api.h). A CUDA
// libtorch does not always come with those: pip's torch keeps them in the nvidia-* wheels, the official
// zip expects a CUDA toolkit. ProbeCUDA finds them, compiles cuda.cpp against them and links it into
// a program with libtorch's libraries, once; only when both work does the build define AECIFAR_CUDA.
// Otherwise the project still builds, and the CUDA API reports why it is missing.
//
// Those headers' inline functions (CUDAStream::synchronize, CUDAEvent, CUDAGraph's) call the CUDA
// runtime directly, so csrc links libcudart too: the very file libtorch_cuda loads (found from its
// DT_NEEDED and RUNPATH entries: pip's torch keeps it in an nvidia wheel, the official zip bundles a
// renamed copy, Debian has it in the multiarch directory), so that the program never loads two.

// cudaSource is the file the probe compiles, relative to the csrc directory.
const cudaSource = "cuda.cpp"

// CUDAHeaderDirs lists, in order, where the CUDA runtime headers are looked for: $CUDA_HOME and
// $CUDA_PATH, the nvidia wheels beside Python's torch (CUDA 13's single nvidia/cu13, then CUDA 12's
// nvidia/cuda_runtime), /usr/local/cuda and /usr/include (Debian's nvidia-cuda-dev).
func CUDAHeaderDirs(in *Install, getenv func(string) string) []string {
	var dirs []string
	for _, v := range []string{"CUDA_HOME", "CUDA_PATH"} {
		if d := getenv(v); d != "" {
			dirs = append(dirs, filepath.Join(d, "include"))
		}
	}
	if in.Source == "python" {
		site := filepath.Dir(in.Root)
		dirs = append(dirs, filepath.Join(site, "nvidia", "cu13", "include"), filepath.Join(site, "nvidia", "cuda_runtime", "include"))
	}
	return append(dirs, "/usr/local/cuda/include", "/usr/include")
}

// ProbeCUDA sets in.CUDAHeaders and in.CUDAAPI. The result of the trial compilation is cached in
// cacheDir by everything it depends on.
func ProbeCUDA(in *Install, csrcDir, cacheDir string, getenv func(string) string, log io.Writer) {
	in.CUDAHeaders, in.CUDAAPI = "", ""
	if !in.CUDA {
		return
	}
	for _, d := range CUDAHeaderDirs(in, getenv) {
		if isFile(filepath.Join(d, "cuda_runtime_api.h")) {
			in.CUDAHeaders = d
			break
		}
	}
	if in.CUDAHeaders == "" {
		in.CUDAAPI = "disabled: no cuda_runtime_api.h in " + strings.Join(CUDAHeaderDirs(in, getenv), ", ") + " (set CUDA_HOME)"
		return
	}
	in.CUDARuntime = findCUDARuntime(in)
	key, err := probeKey(in, csrcDir)
	if err != nil {
		in.CUDAAPI = "disabled: " + err.Error()
		return
	}
	cache := filepath.Join(cacheDir, "cuda-probe-"+key+".txt")
	if b, err := os.ReadFile(cache); err == nil {
		in.CUDAAPI = string(b)
		return
	}
	fmt.Fprintf(log, "libtorch: compiling csrc/%s against the CUDA headers in %s and linking it...\n", cudaSource, in.CUDAHeaders)
	in.CUDAAPI = compileAndLink(in, csrcDir)
	os.MkdirAll(cacheDir, 0o755)
	writeFileAtomic(cache, []byte(in.CUDAAPI))
}

// compileAndLink builds csrc's CUDA source into an object and links it, with an empty main, against
// libtorch's libraries as the build will: "enabled", or "disabled: " and the compiler's or linker's
// last lines.
func compileAndLink(in *Install, csrcDir string) string {
	tmp, err := os.MkdirTemp("", "aecifar-cuda-probe-")
	if err != nil {
		return "disabled: " + err.Error()
	}
	defer os.RemoveAll(tmp)
	obj, main, prog := filepath.Join(tmp, "cuda.o"), filepath.Join(tmp, "main.cpp"), filepath.Join(tmp, "probe")
	args := append(in.cxxFlags(), "-c", "-DAECIFAR_CUDA", "-I"+in.CUDAHeaders, filepath.Join(csrcDir, cudaSource), "-o", obj)
	if out, err := exec.Command(cxx(), args...).CombinedOutput(); err != nil {
		return "disabled: csrc/" + cudaSource + " does not compile against these headers:\n" + tail(string(out), 15)
	}
	if err := os.WriteFile(main, []byte("int main() { return 0; }\n"), 0o644); err != nil {
		return "disabled: " + err.Error()
	}
	args = append(append([]string{main, obj, "-o", prog}, in.cudaRuntimeLDFlags()...), in.ldFlags()...)
	if out, err := exec.Command(cxx(), args...).CombinedOutput(); err != nil {
		runtime := "libcudart: " + in.CUDARuntime
		if in.CUDARuntime == "" {
			runtime = "libcudart: not found among libtorch_cuda's dependencies"
		}
		return "disabled: csrc/" + cudaSource + " does not link against libtorch's libraries (" + runtime + "):\n" + tail(string(out), 15)
	}
	return "enabled"
}

// findCUDARuntime returns the CUDA runtime library libtorch_cuda.so loads, or "" when it names none
// (a static cudart) or it is not found where the dynamic loader would look for it.
func findCUDARuntime(in *Install) string {
	lib, err := filepath.EvalSymlinks(filepath.Join(in.LibDir, "libtorch_cuda.so"))
	if err != nil {
		return ""
	}
	f, err := elf.Open(lib)
	if err != nil {
		return ""
	}
	defer f.Close()
	needed, _ := f.DynString(elf.DT_NEEDED)
	name := ""
	for _, n := range needed {
		if strings.HasPrefix(n, "libcudart") {
			name = n
			break
		}
	}
	if name == "" {
		return ""
	}
	var dirs []string
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		paths, _ := f.DynString(tag)
		for _, p := range paths {
			for _, d := range filepath.SplitList(p) {
				d = strings.NewReplacer("${ORIGIN}", filepath.Dir(lib), "$ORIGIN", filepath.Dir(lib)).Replace(d)
				dirs = append(dirs, d)
			}
		}
	}
	if in.Source == "python" {
		// pip's nvidia wheels beside torch, for a wheel whose RPATH does not name them.
		wheels, _ := filepath.Glob(filepath.Join(filepath.Dir(in.Root), "nvidia", "*", "lib"))
		dirs = append(dirs, wheels...)
	}
	cuda, triplet := filepath.Dir(in.CUDAHeaders), multiarch()
	dirs = append(dirs, filepath.Dir(lib), in.LibDir, filepath.Join(cuda, "lib64"), filepath.Join(cuda, "lib"),
		"/usr/local/cuda/lib64", filepath.Join("/usr/lib", triplet), filepath.Join("/lib", triplet), "/usr/lib64")
	for _, d := range dirs {
		if p := filepath.Join(d, name); isFile(p) {
			return filepath.Clean(p)
		}
	}
	return ""
}

// cudaRuntimeLDFlags link csrc's CUDA API with the CUDA runtime libtorch_cuda uses.
func (in *Install) cudaRuntimeLDFlags() []string {
	if in.CUDARuntime == "" {
		return nil
	}
	dir := filepath.Dir(in.CUDARuntime)
	return []string{"-L" + dir, "-l:" + filepath.Base(in.CUDARuntime), "-Wl,-rpath," + dir}
}

// CUDAAPIEnabled tells whether the build compiles csrc's CUDA API.
func (in *Install) CUDAAPIEnabled() bool { return in.CUDAAPI == "enabled" }

// probeKey hashes what the trial compilation depends on: the installation, the headers' directory,
// the compiler and csrc's sources (cuda.cpp and the headers beside it).
func probeKey(in *Install, csrcDir string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", in.baseConfigJSON(), in.CUDAHeaders, in.CUDARuntime)
	if out, err := exec.Command(cxx(), "--version").Output(); err == nil {
		h.Write(out)
	}
	files, _ := filepath.Glob(filepath.Join(csrcDir, "*.h"))
	files = append(files, filepath.Join(csrcDir, cudaSource))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("csrc sources: %v", err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
