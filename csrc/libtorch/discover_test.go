package libtorch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeLibtorch lays out a libtorch zip's files under dir: the version header and the libraries.
func fakeLibtorch(t *testing.T, dir, version string, cuda bool) {
	t.Helper()
	api := filepath.Join(dir, "include", "torch", "csrc", "api", "include", "torch")
	mustMkdir(t, api)
	header := "#pragma once\n#define TORCH_VERSION \\\n  \"" + version + "\"\n"
	mustWrite(t, filepath.Join(api, "version.h"), header)
	mustMkdir(t, filepath.Join(dir, "lib"))
	libs := []string{"libtorch.so", "libc10.so", "libtorch_cpu.so"}
	if cuda {
		libs = append(libs, "libtorch_cuda.so", "libc10_cuda.so")
	}
	for _, l := range libs {
		mustWrite(t, filepath.Join(dir, "lib", l), "not an ELF file")
	}
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testEnv is an environment with the given variables, no importable torch and an empty system prefix.
func testEnv(t *testing.T, vars map[string]string) Env {
	return Env{
		Getenv:       func(k string) string { return vars[k] },
		RunPython:    func(string, string) ([]byte, error) { return nil, errors.New("no python") },
		SystemPrefix: t.TempDir(),
		Multiarch:    "x86_64-linux-gnu",
	}
}

func TestDiscoverLIBTORCH(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cuda    bool
		abi     string
		wantABI bool
	}{
		{"cpu", false, "", true}, // unreadable libc10: assume the C++11 ABI
		{"cuda", true, "0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fakeLibtorch(t, dir, "2.1.0", tc.cuda)
			in, err := Discover(testEnv(t, map[string]string{"LIBTORCH": dir, "LIBTORCH_CXX11_ABI": tc.abi}))
			if err != nil {
				t.Fatal(err)
			}
			if in.Source != "LIBTORCH" || in.Version != "2.1.0" || in.CUDA != tc.cuda || in.CXX11ABI != tc.wantABI {
				t.Fatalf("got %+v", in)
			}
			if in.LibDir != filepath.Join(dir, "lib") {
				t.Fatalf("lib dir %s", in.LibDir)
			}
			flags := in.cgoFlags("-O1", "", nil)
			if got := strings.Contains(flags, "-ltorch_cuda"); got != tc.cuda {
				t.Fatalf("CUDA libraries linked = %v, want %v:\n%s", got, tc.cuda, flags)
			}
			if tc.cuda && !strings.Contains(flags, "--no-as-needed") {
				t.Fatalf("CUDA libraries linked without --no-as-needed:\n%s", flags)
			}
			if !strings.Contains(flags, "-Wl,-rpath,"+in.LibDir) {
				t.Fatalf("no rpath:\n%s", flags)
			}
		})
	}
}

func TestDiscoverMissingLIBTORCH(t *testing.T) {
	env := testEnv(t, map[string]string{"LIBTORCH": filepath.Join(t.TempDir(), "nowhere")})
	// Even with a system libtorch present, an explicit LIBTORCH that is wrong is an error.
	fakeSystem(t, env)
	_, err := Discover(env)
	if err == nil || !strings.Contains(err.Error(), "LIBTORCH=") || !strings.Contains(err.Error(), "no such directory") {
		t.Fatalf("err = %v", err)
	}
	// A directory without a libtorch in it.
	empty := t.TempDir()
	_, err = Discover(testEnv(t, map[string]string{"LIBTORCH": empty}))
	if err == nil || !strings.Contains(err.Error(), "version.h") {
		t.Fatalf("err = %v", err)
	}
}

func fakeSystem(t *testing.T, env Env) {
	t.Helper()
	api := filepath.Join(env.SystemPrefix, "include", "torch", "csrc", "api", "include", "torch")
	mustMkdir(t, api)
	mustWrite(t, filepath.Join(api, "version.h"), `#define TORCH_VERSION "1.13.0"`)
	lib := filepath.Join(env.SystemPrefix, "lib", env.Multiarch)
	mustMkdir(t, lib)
	mustWrite(t, filepath.Join(lib, "libtorch.so"), "")
}

func TestDiscoverNone(t *testing.T) {
	_, err := Discover(testEnv(t, nil))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	for _, option := range []string{"LIBTORCH=", "pip install torch", "apt-get install libtorch-dev"} {
		if !strings.Contains(err.Error(), option) {
			t.Errorf("message %q does not name %q", err, option)
		}
	}
}

func TestDiscoverOrder(t *testing.T) {
	env := testEnv(t, nil)
	fakeSystem(t, env)
	in, err := Discover(env)
	if err != nil || in.Source != "system" || in.Version != "1.13.0" {
		t.Fatalf("system: %+v, %v", in, err)
	}

	// A Python torch with C++ headers wins over the system's.
	pip := t.TempDir()
	fakeLibtorch(t, pip, "2.11.0", true)
	env.RunPython = func(python, script string) ([]byte, error) {
		return []byte("some warning\n{\"version\": \"2.11.0+cu130\", \"dir\": \"" + pip + "\", \"abi\": true, \"cuda\": \"13.0\"}\n"), nil
	}
	in, err = Discover(env)
	if err != nil || in.Source != "python" || in.Version != "2.11.0+cu130" || !in.CUDA || !in.CXX11ABI {
		t.Fatalf("python: %+v, %v", in, err)
	}

	// A Python torch without headers (Debian's python3-torch) falls through to the system's.
	env.RunPython = func(python, script string) ([]byte, error) {
		return []byte(`{"version": "1.13.0a0", "dir": "` + t.TempDir() + `", "abi": true, "cuda": null}`), nil
	}
	in, err = Discover(env)
	if err != nil || in.Source != "system" {
		t.Fatalf("headerless python: %+v, %v", in, err)
	}
}

// Debian's python3-torch-cuda: torch/lib holds symlinks into the multiarch directory, but none to
// libtorch_cuda.so. Discovery links from the real directory, where libtorch_cuda.so is, and builds
// for CUDA.
func TestDiscoverPythonSymlinkedLibs(t *testing.T) {
	env := testEnv(t, nil)
	multiarch := filepath.Join(env.SystemPrefix, "lib", env.Multiarch)
	mustMkdir(t, multiarch)
	for _, l := range []string{"libtorch.so.2.6", "libc10.so.2.6", "libtorch_cpu.so.2.6", "libtorch_cuda.so", "libc10_cuda.so.2.6"} {
		mustWrite(t, filepath.Join(multiarch, l), "not an ELF file")
	}
	site := filepath.Join(env.SystemPrefix, "lib", "python3", "dist-packages", "torch")
	fakeLibtorch(t, site, "2.6.0", false)
	for _, l := range []string{"libtorch.so", "libc10.so", "libtorch_cpu.so", "libc10_cuda.so"} {
		os.Remove(filepath.Join(site, "lib", l))
		if err := os.Symlink(filepath.Join(multiarch, l+".2.6"), filepath.Join(site, "lib", l)); err != nil {
			t.Fatal(err)
		}
	}
	env.RunPython = func(python, script string) ([]byte, error) {
		return []byte(`{"version": "2.6.0+debian", "dir": "` + site + `", "abi": true, "cuda": "12.4"}`), nil
	}
	in, err := Discover(env)
	if err != nil || in.Source != "python" || !in.CUDA || in.LibDir != multiarch {
		t.Fatalf("got %+v, %v; want python, CUDA, libraries from %s", in, err, multiarch)
	}
	if flags := strings.Join(in.ldFlags(), " "); !strings.Contains(flags, "-L"+multiarch+" ") || !strings.Contains(flags, "-ltorch_cuda") {
		t.Fatalf("link flags %s", flags)
	}
}
