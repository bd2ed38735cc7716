package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSummarizeRealStream runs go test -json on a small package made here, whose tests pass,
// fail and skip, and checks what the summary makes of go's own stream.
func TestSummarizeRealStream(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test on a temporary module (several seconds)")
	}
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/m\n\ngo 1.26\n")
	write("m_test.go", `package m

import "testing"

func TestPasses(t *testing.T) {}
func TestFails(t *testing.T) { t.Log("details"); t.Error("it broke") }
func TestSkips(t *testing.T) { t.Skip("no CUDA device") }
func TestSub(t *testing.T) {
	t.Run("a", func(t *testing.T) {})
	t.Run("b", func(t *testing.T) { t.Skipf("needs %s", "CIFAR10_DIR") })
}
`)
	cmd := exec.Command("go", "test", "-json", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	stream, _ := cmd.Output() // exits 1: a test fails
	var echo bytes.Buffer
	s, err := Summarize(bytes.NewReader(stream), &echo)
	if err != nil {
		t.Fatal(err)
	}
	if s.Passed != 3 { // TestPasses, TestSub/a; TestSub itself passes with a skipped subtest
		t.Errorf("passed %d, want 3", s.Passed)
	}
	if len(s.FailedTests) != 1 || s.FailedTests[0].Test != "TestFails" {
		t.Errorf("failed %v, want TestFails", s.FailedTests)
	}
	want := []Skip{{"example.com/m", "TestSkips", "m_test.go:7: no CUDA device"},
		{"example.com/m", "TestSub/b", "m_test.go:10: needs CIFAR10_DIR"}}
	if len(s.Skipped) != len(want) {
		t.Fatalf("skipped %v, want %v", s.Skipped, want)
	}
	for i := range want {
		if s.Skipped[i] != want[i] {
			t.Errorf("skip %d: %+v, want %+v", i, s.Skipped[i], want[i])
		}
	}
	for _, w := range []string{"it broke", "details", "FAIL\texample.com/m"} {
		if !strings.Contains(echo.String(), w) {
			t.Errorf("echoed output lacks %q:\n%s", w, echo.String())
		}
	}
	if strings.Contains(echo.String(), "TestPasses") {
		t.Errorf("echoed output shows a passing test:\n%s", echo.String())
	}
	var out bytes.Buffer
	s.Print(&out, "unit")
	for _, w := range []string{"unit: 3 passed, 1 failed, 2 skipped", "example.com/m TestSkips: m_test.go:7: no CUDA device",
		"FAILED: example.com/m TestFails"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("summary lacks %q:\n%s", w, out.String())
		}
	}
	if !s.Failed() {
		t.Error("Failed() is false with a failed test")
	}
}

func TestSummarizeRejectsOtherInput(t *testing.T) {
	for _, in := range []string{"", "ok  \tpkg\t0.1s\n", "{\"Foo\": 1}\n"} {
		if _, err := Summarize(strings.NewReader(in), &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestBuildFailureFails(t *testing.T) {
	in := `{"ImportPath":"p","Action":"build-output","Output":"p/x.go:1:1: syntax error\n"}
{"ImportPath":"p","Action":"build-fail"}
{"Action":"start","Package":"p"}
{"Action":"output","Package":"p","Output":"FAIL\tp [build failed]\n"}
{"Action":"fail","Package":"p","FailedBuild":"p"}
`
	var echo bytes.Buffer
	s, err := Summarize(strings.NewReader(in), &echo)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Failed() || s.BuildFailures != 1 || !strings.Contains(echo.String(), "syntax error") {
		t.Errorf("build failure: %+v, echoed %q", s, echo.String())
	}
}
