// Command testsummary reads `go test -json` on its standard input, prints what plain `go test`
// prints (each package's result line, the output of failed tests, build errors), and ends with a
// summary of the tests that were skipped and why, so that a CI log shows what did not run.
//
//	go test -json ./... | go run ./internal/testsummary -title tests
//
// -echo=false prints only the summary (of a stream saved earlier); -summary=false only echoes.
// It exits 1 when a test or a build failed, or when the input is not a `go test -json` stream.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	title := flag.String("title", "go test", "what the summary calls this run")
	echo := flag.Bool("echo", true, "print what plain go test prints while reading")
	summary := flag.Bool("summary", true, "end with the summary")
	flag.Parse()
	var w io.Writer = io.Discard
	if *echo {
		w = os.Stdout
	}
	s, err := Summarize(os.Stdin, w)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	if *summary {
		s.Print(os.Stdout, *title)
	}
	if s.Failed() {
		os.Exit(1)
	}
}

// Print writes the closing summary: counts, then each skipped test with its reason.
func (s *Summary) Print(w io.Writer, title string) {
	fmt.Fprintf(w, "\n%s: %d passed, %d failed, %d skipped", title, s.Passed, len(s.FailedTests), len(s.Skipped))
	if s.BuildFailures > 0 {
		fmt.Fprintf(w, ", %d packages failed to build", s.BuildFailures)
	}
	fmt.Fprintln(w)
	if len(s.Skipped) > 0 {
		fmt.Fprintf(w, "skipped in %s:\n", title)
		for _, sk := range s.Skipped {
			fmt.Fprintf(w, "  %s %s: %s\n", sk.Package, sk.Test, sk.Reason)
		}
	}
	for _, f := range s.FailedTests {
		fmt.Fprintf(w, "FAILED: %s %s\n", f.Package, f.Test)
	}
}
