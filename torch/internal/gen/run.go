package main

import (
	"bufio"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const gotchModule = "github.com/sugarme/gotch"

// run loads the declarations, checks them against gotch's header and writes the files.
func run(yamlPath, header, root, out string) error {
	if yamlPath == "" {
		dir, err := gotchDir(root)
		if err != nil {
			return err
		}
		yamlPath = filepath.Join(dir, "gen", "pytorch", "Declarations-v2.1.0.yaml")
	}
	if header == "" {
		header = filepath.Join(root, "vendor", gotchModule, "libtch", "torch_api_generated.h")
	}
	decls, err := loadDecls(yamlPath)
	if err != nil {
		return err
	}
	funcs := gotchFuncs(decls)
	if err := checkHeader(funcs, header); err != nil {
		return err
	}
	api, err := buildAPI(funcs)
	if err != nil {
		return err
	}
	return writeAll(out, api)
}

// gotchDir is gotch's directory in the module cache, for the version vendor/modules.txt names
// (Declarations.yaml is not vendored: go mod vendor keeps only Go packages).
func gotchDir(root string) (string, error) {
	f, err := os.Open(filepath.Join(root, "vendor", "modules.txt"))
	if err != nil {
		return "", fmt.Errorf("%w (run make setup first)", err)
	}
	defer f.Close()
	version := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) == 3 && fs[0] == "#" && fs[1] == gotchModule {
			version = fs[2]
		}
	}
	if version == "" {
		return "", fmt.Errorf("vendor/modules.txt does not list %s", gotchModule)
	}
	cmd := exec.Command("go", "mod", "download", "-json", gotchModule+"@"+version)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", gotchModule, version, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && k == `"Dir"` {
			return strings.Trim(strings.TrimSpace(v), `",`), nil
		}
	}
	return "", fmt.Errorf("go mod download did not report %s's directory", gotchModule)
}

// writeAll writes the generated files under root.
func writeAll(root string, api *API) error {
	h, c := writeC(api)
	src, err := format.Source([]byte(writeGo(api)))
	if err != nil {
		return fmt.Errorf("gofmt of torch/gen_ops.go: %w", err)
	}
	files := map[string][]byte{
		"csrc/gen_ops.h":   []byte(h),
		"csrc/gen_ops.c":   []byte(c),
		"torch/gen_ops.go": src,
	}
	sweep, err := format.Source([]byte(writeSweep(api)))
	if err != nil {
		return fmt.Errorf("gofmt of torch/gen_sweep_test.go: %w", err)
	}
	files["torch/gen_sweep_test.go"] = sweep
	for name, b := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "gen: %d ops (%d Go functions and methods); not exposed: %v\n", len(api.Ops), api.count(), api.Skipped)
	return nil
}
