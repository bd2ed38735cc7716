// Command gen writes torch's generated ops: every public ATen operator that gotch's C layer
// compiles, as Go methods and functions of package torch (torch/gen_ops.go) over C shims in csrc
// (csrc/gen_ops.h, csrc/gen_ops.c), and the table the sweep test drives them with
// (torch/gen_ops_test.go). Run it with go generate in torch/ (see torch/doc.go).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	yamlPath := flag.String("yaml", "", "PyTorch's Declarations.yaml (default: gotch's, from the module cache)")
	header := flag.String("header", "", "gotch's torch_api_generated.h (default: the vendored one)")
	root := flag.String("root", "../", "the repository root, relative to the working directory")
	out := flag.String("out", "", "where to write csrc/ and torch/ (default: the repository root)")
	flag.Parse()
	if *out == "" {
		*out = *root
	}
	if err := run(*yamlPath, *header, *root, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
