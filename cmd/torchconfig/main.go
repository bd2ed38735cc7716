// Command torchconfig finds libtorch and adapts the vendored gotch to it (see package csrc/libtorch).
//
// It prints what it found and writes build/overlay.json, the file that `go build -overlay` reads.
// `make` runs it before every build; by hand:
//
//	go run ./cmd/torchconfig && export GOFLAGS="-mod=vendor -overlay=$PWD/build/overlay.json"
//
// Environment: LIBTORCH=DIR (an unpacked libtorch zip), PYTHON (the interpreter whose torch to use,
// default python3), LIBTORCH_CXX11_ABI=0|1 (override the detected ABI), CXX (default g++), CUDA_HOME
// (where the CUDA runtime headers are, for csrc's CUDA API; see libtorch.CUDAHeaderDirs).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aecifar/aecifar/csrc/libtorch"
)

func main() {
	gotchDir := flag.String("gotch", filepath.Join("vendor", "github.com", "sugarme", "gotch", "libtch"), "vendored gotch libtch `dir`")
	buildDir := flag.String("build", filepath.Join("build", "libtorch"), "`dir` for the adapted files, one subdirectory per libtorch")
	overlay := flag.String("overlay", filepath.Join("build", "overlay.json"), "overlay `file` to write")
	csrcDir := flag.String("csrc", "csrc", "the project's csrc `dir`")
	quiet := flag.Bool("q", false, "print nothing when the adaptation is cached")
	programFlags := flag.Bool("program-flags", false, "only print the g++ flags of a C++ program using the libtorch found (bench/cpp)")
	flag.Parse()
	if *programFlags {
		in, err := libtorch.Discover(libtorch.DefaultEnv())
		if err != nil {
			fmt.Fprintln(os.Stderr, "torchconfig:", err)
			os.Exit(1)
		}
		fmt.Println(strings.Join(in.ProgramFlags(), " "))
		return
	}
	if err := run(*gotchDir, *buildDir, *overlay, *csrcDir, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "torchconfig:", err)
		os.Exit(1)
	}
}

func run(gotchDir, buildDir, overlay, csrcDir string, quiet bool) error {
	in, err := libtorch.Discover(libtorch.DefaultEnv())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(buildDir, 0o755); err != nil {
		return err
	}
	libtorch.ProbeCUDA(in, csrcDir, buildDir, os.Getenv, os.Stderr)
	a, err := libtorch.Adapt(in, gotchDir, buildDir, os.Stderr)
	if err != nil {
		return err
	}
	if err := libtorch.WriteOverlay(overlay, gotchDir, csrcDir, a); err != nil {
		return err
	}
	if !quiet || !a.Cached {
		fmt.Fprintf(os.Stderr, "torchconfig: %s\n", in)
		fmt.Fprintf(os.Stderr, "torchconfig: gotch adapted in %s: %d ops stubbed (stubbed-ops.txt)\n", a.Dir, len(a.Stubbed))
		if in.CUDA {
			fmt.Fprintf(os.Stderr, "torchconfig: csrc CUDA API (graphs, streams, memory stats): %s\n", in.CUDAAPI)
		}
	}
	return nil
}
