package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json's TestEvent).
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	FailedBuild string
}

// Test names a test of a package.
type Test struct {
	Package, Test string
}

// Skip is a skipped test and the message it skipped with.
type Skip struct {
	Package, Test, Reason string
}

// Summary is what a `go test -json` stream reported.
type Summary struct {
	Passed         int
	FailedTests    []Test
	FailedPackages []string
	BuildFailures  int
	Skipped        []Skip
}

// Failed tells whether any test, package or build failed.
func (s *Summary) Failed() bool {
	return len(s.FailedTests) > 0 || len(s.FailedPackages) > 0 || s.BuildFailures > 0
}

// Summarize reads a `go test -json` stream from r and echoes to w what plain `go test` would
// print: package-level lines (ok, FAIL, no test files), build output, and the whole output of
// each failed test.
func Summarize(r io.Reader, w io.Writer) (*Summary, error) {
	s := &Summary{}
	outputs := map[Test][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			return nil, fmt.Errorf("line %d is not a go test -json event: %.80q", line, sc.Text())
		}
		t := Test{e.Package, e.Test}
		switch {
		case e.Action == "build-output":
			fmt.Fprint(w, e.Output)
		case e.Action == "build-fail":
			s.BuildFailures++
		case e.Action == "output" && e.Test == "":
			if o := e.Output; o != "PASS\n" && o != "FAIL\n" && !strings.HasPrefix(o, "=== ") {
				fmt.Fprint(w, o)
			}
		case e.Action == "output":
			outputs[t] = append(outputs[t], e.Output)
		case e.Test == "":
			if e.Action == "fail" && e.FailedBuild == "" {
				s.FailedPackages = append(s.FailedPackages, e.Package)
			}
		case e.Action == "pass":
			s.Passed++
			delete(outputs, t)
		case e.Action == "fail":
			s.FailedTests = append(s.FailedTests, t)
			fmt.Fprint(w, strings.Join(outputs[t], ""))
			delete(outputs, t)
		case e.Action == "skip":
			s.Skipped = append(s.Skipped, Skip{e.Package, e.Test, reason(outputs[t])})
			delete(outputs, t)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if line == 0 {
		return nil, fmt.Errorf("no go test -json events on the input")
	}
	return s, nil
}

// reason is a skipped test's own output: its t.Skip message, without go test's framing lines.
func reason(output []string) string {
	var msg []string
	for _, o := range output {
		o = strings.TrimSpace(o)
		if o == "" || strings.HasPrefix(o, "=== ") || strings.HasPrefix(o, "--- SKIP") {
			continue
		}
		msg = append(msg, o)
	}
	if len(msg) == 0 {
		return "(no message)"
	}
	return strings.Join(msg, " / ")
}
