package libtorch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aecifar/aecifar/internal/atomicfile"
)

// AdapterVersion changes whenever the adapted output would change for the same inputs, so that
// cached adaptations are redone.
const AdapterVersion = "4"

// The files of gotch's libtch package that the build replaces.
const (
	generatedHeader = "torch_api_generated.cpp.h"
	libGo           = "lib.go"
)

// The adapted Go files keep their names (cgo derives its output names from them) and live in a
// directory whose name starts with "_", which `go build ./...` and `go vet ./...` skip, so that the
// build directory is never taken for packages.
var (
	libGoFile     = filepath.Join("_go", "lib.go")
	csrcFlagsFile = filepath.Join("_go", "cgo_flags.go")
	stubsFile     = filepath.Join("_go", "stubbed_ops.go")
)

// Adaptation is the result of Adapt: where the overlay files are and which ops were stubbed.
type Adaptation struct {
	Dir     string   // the keyed directory holding the adapted files
	Stubbed []string // C names of the generated functions turned into stubs, sorted
	Cached  bool     // reused from an earlier run
}

// Key identifies an adaptation: the installation, its library file, the gotch sources and the compiler.
func Key(in *Install, gotchDir string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "adapter %s\n", AdapterVersion)
	h.Write(in.baseConfigJSON())
	if st, err := os.Stat(filepath.Join(in.LibDir, "libtorch.so")); err == nil {
		fmt.Fprintf(h, "libtorch.so %d %d\n", st.Size(), st.ModTime().UnixNano())
	}
	src, err := os.ReadFile(filepath.Join(gotchDir, generatedHeader))
	if err != nil {
		return "", fmt.Errorf("gotch sources: %v (run `make setup` to vendor the Go modules)", err)
	}
	h.Write(src)
	if out, err := exec.Command(cxx(), "--version").Output(); err == nil {
		h.Write(out)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func cxx() string {
	if c := os.Getenv("CXX"); c != "" {
		return c
	}
	return "g++"
}

// Adapt writes the overlay files for gotchDir (the vendored gotch/libtch) into buildDir/<key>/,
// reusing them when that directory is complete. log receives progress lines.
func Adapt(in *Install, gotchDir, buildDir string, log io.Writer) (*Adaptation, error) {
	key, err := Key(in, gotchDir)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(buildDir, key)
	if stubbed, err := readStubList(filepath.Join(dir, "stubbed-ops.txt")); err == nil {
		// The syntax check is the slow part and is cached; the small generated files are rewritten
		// every time so that a change to this package reaches them.
		return &Adaptation{Dir: dir, Stubbed: stubbed, Cached: true}, writeSmallFiles(in, dir, stubbed)
	}
	tmp, err := os.MkdirTemp(buildDir, key+".tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	// Compile a copy of gotch's C++ sources: the copy of torch_api.cpp then includes the copy of the
	// generated header, which is the one we edit.
	entries, err := os.ReadDir(gotchDir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); ext == ".h" || ext == ".cpp" {
			if err := copyFile(filepath.Join(gotchDir, e.Name()), filepath.Join(tmp, e.Name())); err != nil {
				return nil, err
			}
		}
	}
	header := filepath.Join(tmp, generatedHeader)
	src, err := os.ReadFile(header)
	if err != nil {
		return nil, err
	}
	funcs, err := parseFunctions(src)
	if err != nil {
		return nil, err
	}
	// Stub the functions known not to compile against this version first: the first check then
	// usually passes, which saves a whole pass (a minute on a GPU host's first build).
	stubbed := map[string]bool{}
	if known := knownFailures(in.Version, funcs); len(known) > 0 {
		fmt.Fprintf(log, "libtorch: stubbing %d functions known not to compile against libtorch %s\n", len(known), in.Version)
		for _, f := range known {
			stubbed[f] = true
		}
		src = stubFunctions(src, funcs, stubbed, in.Version)
		if err := os.WriteFile(header, src, 0o644); err != nil {
			return nil, err
		}
		if funcs, err = parseFunctions(src); err != nil {
			return nil, err
		}
	}
	for pass := 1; ; pass++ {
		fmt.Fprintf(log, "libtorch: checking gotch's %d generated functions against libtorch %s (pass %d)...\n", len(funcs), in.Version, pass)
		diag, ok := syntaxCheck(in, tmp)
		if ok {
			break
		}
		bad := failingFunctions(diag, funcs)
		fresh := 0
		for _, f := range bad {
			if !stubbed[f.name] {
				stubbed[f.name] = true
				fresh++
			}
		}
		if fresh == 0 || pass == 5 {
			return nil, fmt.Errorf("gotch's C++ does not compile against libtorch %s outside its generated functions:\n%s", in.Version, tail(diag, 40))
		}
		src = stubFunctions(src, funcs, stubbed, in.Version)
		if err := os.WriteFile(header, src, 0o644); err != nil {
			return nil, err
		}
		if funcs, err = parseFunctions(src); err != nil {
			return nil, err
		}
	}

	names := make([]string, 0, len(stubbed))
	for n := range stubbed {
		names = append(names, n)
	}
	sort.Strings(names)
	out := filepath.Join(tmp, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(out, generatedHeader), src, 0o644); err != nil {
		return nil, err
	}
	if err := writeSmallFiles(in, out, names); err != nil {
		return nil, err
	}
	// The stub list is written last: its presence marks a complete adaptation.
	if err := os.WriteFile(filepath.Join(out, "stubbed-ops.txt"), []byte(stubListText(in, names)), 0o644); err != nil {
		return nil, err
	}
	os.RemoveAll(dir)
	if err := os.Rename(out, dir); err != nil {
		return nil, err
	}
	return &Adaptation{Dir: dir, Stubbed: names}, nil
}

// known holds, per libtorch major.minor version, the generated functions measured not to compile
// against it (the stubbed-ops.txt of an earlier adaptation). A function listed that does compile
// after all is stubbed needlessly; one that fails and is not listed is still found by the checks.
//
//go:embed known/*.txt
var known embed.FS

// knownFailures lists the functions of funcs that known lists for version.
func knownFailures(version string, funcs []function) []string {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return nil
	}
	b, err := known.ReadFile("known/" + parts[0] + "." + parts[1] + ".txt")
	if err != nil {
		return nil
	}
	present := map[string]bool{}
	for _, f := range funcs {
		present[f.name] = true
	}
	var names []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && present[l] {
			names = append(names, l)
		}
	}
	return names
}

// writeSmallFiles writes the files derived from the installation and the stub list, each only when
// it changed.
func writeSmallFiles(in *Install, dir string, stubbed []string) error {
	files := []struct {
		name string
		data []byte
	}{
		{libGoFile, []byte(libGoSource(in))},
		{csrcFlagsFile, []byte(csrcFlagsSource(in))},
		{stubsFile, []byte(stubsSource(in, stubbed))},
		{"config.json", in.ConfigJSON()},
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.data) {
			continue
		}
		if err := writeFileAtomic(path, f.data); err != nil {
			return err
		}
	}
	return nil
}

// WriteOverlay writes the go build -overlay file that substitutes the adapted files: gotch's lib.go and
// generated header in the vendored copy, and the #cgo flags file of the project's csrc package.
func WriteOverlay(path, gotchDir, csrcDir string, a *Adaptation) error {
	abs := func(p string) string {
		q, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return q
	}
	ov := struct{ Replace map[string]string }{Replace: map[string]string{
		abs(filepath.Join(gotchDir, libGo)):           abs(filepath.Join(a.Dir, libGoFile)),
		abs(filepath.Join(gotchDir, generatedHeader)): abs(filepath.Join(a.Dir, generatedHeader)),
		abs(filepath.Join(csrcDir, "cgo_flags.go")):   abs(filepath.Join(a.Dir, csrcFlagsFile)),
		abs(filepath.Join(csrcDir, "stubbed_ops.go")): abs(filepath.Join(a.Dir, stubsFile)),
	}}
	b, err := json.MarshalIndent(ov, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// libGoSource is gotch's lib.go with #cgo lines for this libtorch. -O1 because these functions only
// forward to libtorch: higher levels cost minutes of build time and no run time.
func libGoSource(in *Install) string {
	return "// Code generated by csrc/libtorch for " + in.String() + ". DO NOT EDIT.\n\n" +
		"package libtch\n\n" + in.cgoFlags("-O1", "", nil) + "import \"C\"\n"
}

// csrcFlagsSource is the #cgo flags file of package csrc, which compiles its CUDA API only when
// ProbeCUDA enabled it.
func csrcFlagsSource(in *Install) string {
	extra, ld := "", []string(nil)
	if in.CUDAAPIEnabled() {
		extra, ld = " -DAECIFAR_CUDA -I"+in.CUDAHeaders, in.cudaRuntimeLDFlags()
	}
	return "// Code generated by csrc/libtorch for " + in.String() + ". DO NOT EDIT.\n\n" +
		"package csrc\n\n" + in.cgoFlags("-O2", extra, ld) + "import \"C\"\n"
}

// stubsSource is package csrc's list of the gotch functions stubbed for this libtorch, so that
// package torch calls those ops through the dispatcher instead (csrc.Stubbed).
func stubsSource(in *Install, names []string) string {
	var b strings.Builder
	b.WriteString("// Code generated by csrc/libtorch for " + in.String() + ". DO NOT EDIT.\n\n")
	b.WriteString("package csrc\n\n// stubbed are gotch's functions (atg_ names without the prefix) that do not compile against\n")
	b.WriteString("// this libtorch.\nvar stubbed = map[string]bool{\n")
	for _, n := range names {
		fmt.Fprintf(&b, "\t%q: true,\n", strings.TrimPrefix(n, "atg_"))
	}
	b.WriteString("}\n")
	return b.String()
}

func stubListText(in *Install, names []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# gotch functions stubbed for libtorch %s (%s): %d\n", in.Version, in.Source, len(names))
	for _, n := range names {
		b.WriteString(n + "\n")
	}
	return b.String()
}

func readStubList(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			names = append(names, l)
		}
	}
	return names, nil
}

// function is one generated C function: its name and its lines [start, end], 1-based, inclusive.
type function struct {
	name       string
	start, end int
	signature  string
}

var funcStartRE = regexp.MustCompile(`^[A-Za-z_][\w\s\*]*?\b(atg_\w+)\(.*\)\s*\{\s*$`)

// parseFunctions finds the generated functions: each starts with its one-line signature ending in "{"
// and ends with a line holding only "}".
func parseFunctions(src []byte) ([]function, error) {
	var fs []function
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	var cur *function
	for sc.Scan() {
		line++
		t := sc.Text()
		if cur == nil {
			if m := funcStartRE.FindStringSubmatch(t); m != nil {
				cur = &function{name: m[1], start: line, signature: strings.TrimSuffix(strings.TrimSpace(t), "{")}
			}
			continue
		}
		if t == "}" {
			cur.end = line
			fs = append(fs, *cur)
			cur = nil
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: function %s has no end", generatedHeader, cur.name)
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("%s: no generated functions found", generatedHeader)
	}
	return fs, nil
}

// syntaxCheck compiles torch_api.cpp in dir without generating code and returns the diagnostics.
func syntaxCheck(in *Install, dir string) (string, bool) {
	args := append([]string{"-fsyntax-only", "-fmax-errors=0", "-w", "-I" + dir}, in.cxxFlags()...)
	args = append(args, filepath.Join(dir, "torch_api.cpp"))
	out, err := exec.Command(cxx(), args...).CombinedOutput()
	return string(out), err == nil
}

var diagLineRE = regexp.MustCompile(regexp.QuoteMeta(generatedHeader) + `:(\d+):`)

// failingFunctions maps every line of the generated header that the diagnostics mention (errors and
// the "required from here" lines of template errors) to the function holding it.
func failingFunctions(diag string, funcs []function) []function {
	seen := map[string]bool{}
	var bad []function
	for _, m := range diagLineRE.FindAllStringSubmatch(diag, -1) {
		n, _ := strconv.Atoi(m[1])
		i := sort.Search(len(funcs), func(i int) bool { return funcs[i].end >= n })
		if i < len(funcs) && funcs[i].start <= n && !seen[funcs[i].name] {
			seen[funcs[i].name] = true
			bad = append(bad, funcs[i])
		}
	}
	return bad
}

// stubFunctions replaces the bodies of the named functions with one that raises an error through
// gotch's usual channel (PROTECT stores it for get_and_reset_last_err) and returns a zero value.
func stubFunctions(src []byte, funcs []function, stub map[string]bool, version string) []byte {
	lines := strings.Split(string(src), "\n")
	var out []string
	next := 0
	for _, f := range funcs {
		if !stub[f.name] {
			continue
		}
		out = append(out, lines[next:f.start-1]...)
		out = append(out, f.signature+"{",
			"  // Stubbed by csrc/libtorch: this function does not compile against libtorch "+version+".",
			fmt.Sprintf("  PROTECT(throw std::runtime_error(%q);)", StubMessage(f.name, version)))
		if !strings.HasPrefix(f.signature, "void ") {
			out = append(out, "  return {};")
		}
		out = append(out, "}")
		next = f.end
	}
	out = append(out, lines[next:]...)
	return []byte(strings.Join(out, "\n"))
}

// StubMessage is the error a stubbed op raises.
func StubMessage(cName, version string) string {
	return fmt.Sprintf("%s is not available: gotch's binding does not compile against libtorch %s, so the build stubbed it (see build/libtorch/*/stubbed-ops.txt)", strings.TrimPrefix(cName, "atg_"), version)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func writeFileAtomic(path string, data []byte) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
