package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKillAnywhereThenResume kills runs with SIGKILL, at each rename that puts a file in place (just
// before it and just after it) and at random instants, then resumes each with --resume, and
// compares what it ends with against the uninterrupted run's: on the CPU the checkpoints, plots,
// history and results must be byte-identical (but for wall times), or, when the kill came before the
// first epoch was committed, --resume must refuse in one line and a plain run must then give the
// same outputs. Half the random trials kill the resumed run too, at a random instant, and resume
// again.
func TestKillAnywhereThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs aecifar some 200 times: skipped under -short")
	}
	data := tinyData(t, 4, 2)
	args := func(out string, extra ...string) []string {
		return append(append([]string{"run", "--data", data, "--out", out}, tiny...), extra...)
	}
	ref := filepath.Join(t.TempDir(), "ref")
	start := time.Now()
	renamed := renames(t, args(ref)...)
	wall := time.Since(start)
	t.Logf("the uninterrupted run renames %d files into place in %v", len(renamed), wall.Round(time.Millisecond))

	t.Run("at each rename", func(t *testing.T) {
		for i := range renamed {
			for _, when := range []string{"before", "after"} {
				point := fmt.Sprintf("%s:%d", when, i+1)
				t.Run(point, func(t *testing.T) {
					t.Parallel()
					out := filepath.Join(t.TempDir(), "out")
					c := aecifar(t, []string{"AECIFAR_TEST_KILL=" + point}, args(out)...)
					if !c.killed {
						t.Fatalf("not killed %s the rename of %s:\n%s", when, renamed[i], c.output())
					}
					resumeAndCompare(t, ref, out, args)
				})
			}
		}
	})
	t.Run("at random instants", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 0))
		for trial := range 24 {
			first := time.Duration(rng.Int64N(int64(wall * 6 / 5)))
			var second time.Duration
			if trial%2 == 1 {
				second = time.Duration(rng.Int64N(int64(wall)))
			}
			t.Run(fmt.Sprintf("%d:%v+%v", trial, first.Round(time.Millisecond), second.Round(time.Millisecond)), func(t *testing.T) {
				t.Parallel()
				out := filepath.Join(t.TempDir(), "out")
				killAfter(t, first, args(out)...)
				if second > 0 && hasManifest(t, out) {
					killAfter(t, second, args(out, "--resume")...)
				}
				resumeAndCompare(t, ref, out, args)
			})
		}
	})
}

// killAfter starts aecifar with args and SIGKILLs it after d, unless it ended before.
func killAfter(t *testing.T, d time.Duration, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := childCmd(ctx, nil, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(d, func() { cmd.Process.Kill() })
	defer timer.Stop()
	cmd.Wait()
}

func hasManifest(t *testing.T, out string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(out, "resume.json"))
	return err == nil
}

// resumeAndCompare resumes the run killed in out and compares its outputs with ref's.
func resumeAndCompare(t *testing.T, ref, out string, args func(out string, extra ...string) []string) {
	t.Helper()
	if !hasManifest(t, out) {
		// Killed before its first commit: nothing to resume, and nothing in the way of a new run.
		c := aecifar(t, nil, args(out, "--resume")...)
		expect(t, c, 1, "nothing to resume in "+out)
		expect(t, aecifar(t, nil, args(out)...), 0)
	} else {
		c := aecifar(t, nil, args(out, "--resume")...)
		expect(t, c, 0)
		if strings.Contains(c.stderr, "nothing to resume") && !strings.Contains(c.stderr, "is complete") {
			t.Fatalf("--resume: %s", c.stderr)
		}
	}
	sameRun(t, ref, out)
}
