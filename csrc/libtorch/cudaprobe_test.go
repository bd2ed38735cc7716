package libtorch

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// probeFixture is a fake CUDA libtorch (its libraries empty but real shared objects, so that the
// probe's link works), a csrc directory whose cuda.cpp includes the CUDA runtime header only under
// AECIFAR_CUDA (as the real one does), and a CUDA_HOME holding that header (valid C++ when good, not
// when bad).
func probeFixture(t *testing.T, header string) (in *Install, csrcDir, cudaHome string) {
	t.Helper()
	root := t.TempDir()
	fakeLibtorch(t, root, "2.11.0", true)
	for _, l := range []string{"libtorch.so", "libc10.so", "libtorch_cpu.so", "libtorch_cuda.so", "libc10_cuda.so"} {
		out, err := exec.Command(cxx(), "-shared", "-x", "c++", "/dev/null", "-o", filepath.Join(root, "lib", l)).CombinedOutput()
		if err != nil {
			t.Fatalf("making an empty %s: %v\n%s", l, err, out)
		}
	}
	in, err := fromDir("LIBTORCH", root, testEnv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	csrcDir = t.TempDir()
	mustWrite(t, filepath.Join(csrcDir, "cuda.h"), "#pragma once\n")
	mustWrite(t, filepath.Join(csrcDir, "cuda.cpp"), "#include \"cuda.h\"\n#ifdef AECIFAR_CUDA\n#include <cuda_runtime_api.h>\nint probe = CUDART_PROBE;\n#endif\n")
	cudaHome = t.TempDir()
	mustMkdir(t, filepath.Join(cudaHome, "include"))
	mustWrite(t, filepath.Join(cudaHome, "include", "cuda_runtime_api.h"), header)
	return in, csrcDir, cudaHome
}

func TestProbeCUDAEnabled(t *testing.T) {
	in, csrcDir, home := probeFixture(t, "#define CUDART_PROBE 1\n")
	cache := t.TempDir()
	env := func(k string) string { return map[string]string{"CUDA_HOME": home}[k] }
	var log bytes.Buffer
	ProbeCUDA(in, csrcDir, cache, env, &log)
	if !in.CUDAAPIEnabled() || in.CUDAHeaders != filepath.Join(home, "include") {
		t.Fatalf("CUDAAPI = %q, headers %q; want enabled with %s/include", in.CUDAAPI, in.CUDAHeaders, home)
	}
	flags := csrcFlagsSource(in)
	if !strings.Contains(flags, "-DAECIFAR_CUDA -I"+in.CUDAHeaders) {
		t.Fatalf("csrc flags do not compile the CUDA API:\n%s", flags)
	}
	if strings.Contains(libGoSource(in), "AECIFAR_CUDA") {
		t.Fatal("gotch's flags got csrc's CUDA define")
	}
	// The second probe is answered from the cache, without compiling.
	log.Reset()
	ProbeCUDA(in, csrcDir, cache, env, &log)
	if !in.CUDAAPIEnabled() || log.Len() != 0 {
		t.Fatalf("cached probe: CUDAAPI %q, log %q", in.CUDAAPI, log.String())
	}
	// A change to csrc's sources is probed again.
	mustWrite(t, filepath.Join(csrcDir, "cuda.cpp"), "#ifdef AECIFAR_CUDA\n#error changed\n#endif\n")
	ProbeCUDA(in, csrcDir, cache, env, &log)
	if in.CUDAAPIEnabled() || !strings.Contains(in.CUDAAPI, "changed") {
		t.Fatalf("after a source change CUDAAPI = %q, want disabled with the compiler's error", in.CUDAAPI)
	}
}

// A CUDA source that compiles but needs a symbol libtorch's libraries do not have is disabled too:
// the build would fail at its link.
func TestProbeCUDAUnlinkable(t *testing.T) {
	in, csrcDir, home := probeFixture(t, "#define CUDART_PROBE 1\n")
	mustWrite(t, filepath.Join(csrcDir, "cuda.cpp"), "#ifdef AECIFAR_CUDA\nextern \"C\" int cudaNowhere(void);\nint probe() { return cudaNowhere(); }\n#endif\n")
	ProbeCUDA(in, csrcDir, t.TempDir(), func(k string) string { return map[string]string{"CUDA_HOME": home}[k] }, &bytes.Buffer{})
	if in.CUDAAPIEnabled() || !strings.Contains(in.CUDAAPI, "does not link") || !strings.Contains(in.CUDAAPI, "cudaNowhere") {
		t.Fatalf("CUDAAPI = %q, want disabled because cuda.cpp does not link", in.CUDAAPI)
	}
}

func TestProbeCUDADisabled(t *testing.T) {
	in, csrcDir, home := probeFixture(t, "this is not C++\n")
	env := func(k string) string { return map[string]string{"CUDA_HOME": home}[k] }
	ProbeCUDA(in, csrcDir, t.TempDir(), env, &bytes.Buffer{})
	if in.CUDAAPIEnabled() || !strings.HasPrefix(in.CUDAAPI, "disabled: csrc/cuda.cpp does not compile") {
		t.Fatalf("CUDAAPI = %q, want disabled because cuda.cpp does not compile", in.CUDAAPI)
	}
	if strings.Contains(csrcFlagsSource(in), "AECIFAR_CUDA") {
		t.Fatal("a failed probe still defines AECIFAR_CUDA")
	}
	// The key the gotch adaptation is cached under does not depend on the probe.
	if !bytes.Equal(in.baseConfigJSON(), (&Install{Source: in.Source, Version: in.Version, Root: in.Root, IncludeDirs: in.IncludeDirs,
		LibDir: in.LibDir, CUDA: in.CUDA, CXX11ABI: in.CXX11ABI}).ConfigJSON()) {
		t.Fatal("baseConfigJSON keeps the probe's fields")
	}
}

func TestProbeCUDAMissingHeadersOrCPU(t *testing.T) {
	in, csrcDir, _ := probeFixture(t, "")
	ProbeCUDA(in, csrcDir, t.TempDir(), func(string) string { return "" }, &bytes.Buffer{})
	// /usr/include may hold the headers on a machine with Debian's nvidia-cuda-dev; then the fake
	// cuda.cpp compiles against them, which is fine. Otherwise the message names where it looked.
	if in.CUDAHeaders == "" && !strings.Contains(in.CUDAAPI, "no cuda_runtime_api.h in") {
		t.Fatalf("CUDAAPI = %q, want a message naming the directories searched", in.CUDAAPI)
	}
	in.CUDA = false
	ProbeCUDA(in, csrcDir, t.TempDir(), func(string) string { return "" }, &bytes.Buffer{})
	if in.CUDAAPI != "" || in.CUDAHeaders != "" || strings.Contains(csrcFlagsSource(in), "AECIFAR_CUDA") {
		t.Fatalf("CPU libtorch: CUDAAPI %q headers %q", in.CUDAAPI, in.CUDAHeaders)
	}
}

func TestCUDAHeaderDirsPip(t *testing.T) {
	in := &Install{Source: "python", Root: "/site/torch"}
	got := CUDAHeaderDirs(in, func(k string) string { return map[string]string{"CUDA_HOME": "/opt/cuda"}[k] })
	want := []string{"/opt/cuda/include", "/site/nvidia/cu13/include", "/site/nvidia/cuda_runtime/include", "/usr/local/cuda/include", "/usr/include"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("CUDAHeaderDirs = %v, want %v", got, want)
	}
}

// csrc's CUDA source calls the CUDA runtime directly (inline functions of libtorch's CUDA headers);
// the probe links it with the libcudart libtorch_cuda.so loads, found through its DT_NEEDED entry
// and its $ORIGIN-relative RUNPATH, as in pip's torch, where the runtime lives in an nvidia wheel.
func TestProbeCUDALinksLibtorchsRuntime(t *testing.T) {
	in, csrcDir, home := probeFixture(t, "#define CUDART_PROBE 1\n")
	wheel := filepath.Join(filepath.Dir(in.LibDir), "nvidia", "cuda_runtime", "lib")
	mustMkdir(t, wheel)
	src := filepath.Join(t.TempDir(), "cudart.cpp")
	mustWrite(t, src, "extern \"C\" int cudaProbeRuntime(void) { return 0; }\n")
	build := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(cxx(), args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	build("-shared", "-fPIC", src, "-Wl,-soname,libcudart.so.12", "-o", filepath.Join(wheel, "libcudart.so.12"))
	build("-shared", "-x", "c++", "/dev/null", "-o", filepath.Join(in.LibDir, "libtorch_cuda.so"),
		"-Wl,--no-as-needed", "-L"+wheel, "-l:libcudart.so.12", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../nvidia/cuda_runtime/lib")
	mustWrite(t, filepath.Join(csrcDir, "cuda.cpp"),
		"#ifdef AECIFAR_CUDA\nextern \"C\" int cudaProbeRuntime(void);\nint probe() { return cudaProbeRuntime(); }\n#endif\n")

	ProbeCUDA(in, csrcDir, t.TempDir(), func(k string) string { return map[string]string{"CUDA_HOME": home}[k] }, &bytes.Buffer{})
	if !in.CUDAAPIEnabled() {
		t.Fatalf("CUDAAPI = %q, want enabled", in.CUDAAPI)
	}
	if want := filepath.Join(wheel, "libcudart.so.12"); in.CUDARuntime != want {
		t.Fatalf("CUDARuntime = %q, want %q", in.CUDARuntime, want)
	}
	flags := csrcFlagsSource(in)
	if !strings.Contains(flags, "-L"+wheel+" -l:libcudart.so.12 -Wl,-rpath,"+wheel) {
		t.Fatalf("csrc flags do not link the runtime:\n%s", flags)
	}
	if strings.Contains(libGoSource(in), "cudart") {
		t.Fatal("gotch's flags got csrc's CUDA runtime")
	}

	// Without the runtime, the same source does not link, and the message says what was missing.
	build("-shared", "-x", "c++", "/dev/null", "-o", filepath.Join(in.LibDir, "libtorch_cuda.so"))
	ProbeCUDA(in, csrcDir, t.TempDir(), func(k string) string { return map[string]string{"CUDA_HOME": home}[k] }, &bytes.Buffer{})
	if in.CUDAAPIEnabled() || in.CUDARuntime != "" || !strings.Contains(in.CUDAAPI, "libcudart: not found") {
		t.Fatalf("without libcudart: CUDAAPI %q, CUDARuntime %q", in.CUDAAPI, in.CUDARuntime)
	}
}

// A pip torch whose libtorch_cuda.so names libcudart without an RPATH to it: the nvidia wheels beside
// torch are searched.
func TestFindCUDARuntimeInPipWheels(t *testing.T) {
	in, _, _ := probeFixture(t, "")
	in.Source = "python"
	wheel := filepath.Join(filepath.Dir(in.Root), "nvidia", "cu13", "lib")
	mustMkdir(t, wheel)
	build := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(cxx(), args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	build("-shared", "-x", "c++", "/dev/null", "-Wl,-soname,libcudart.so.13", "-o", filepath.Join(wheel, "libcudart.so.13"))
	build("-shared", "-x", "c++", "/dev/null", "-o", filepath.Join(in.LibDir, "libtorch_cuda.so"),
		"-Wl,--no-as-needed", "-L"+wheel, "-l:libcudart.so.13")
	if got, want := findCUDARuntime(in), filepath.Join(wheel, "libcudart.so.13"); got != want {
		t.Fatalf("findCUDARuntime = %q, want %q", got, want)
	}
}
