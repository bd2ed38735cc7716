package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aecifar/aecifar/internal/dirlock"
)

// tiny is the flags of a CLI test's run: a few seconds at most on tinyData.
var tiny = []string{"--device", "cpu", "--quiet", "--batch-size", "4", "--ae-epochs", "2", "--clf-epochs", "2", "--max-batches", "2", "--workers", "1"}

func with(args ...string) []string { return append(slices.Clip(tiny), args...) }

// errorLines are the lines of stderr that are neither warnings nor notes.
func errorLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if l != "" && !strings.HasPrefix(l, "aecifar: warning: ") && !strings.HasPrefix(l, "aecifar: --fast on the CPU") {
			out = append(out, l)
		}
	}
	return out
}

// expect checks a child's exit code and, for a failure, that stderr holds one error line
// containing each of want; for a success, that stderr contains each of want.
func expect(t *testing.T, c child, code int, want ...string) {
	t.Helper()
	if c.killed || c.code != code {
		t.Fatalf("exit %d (killed %v), want %d:\n%s", c.code, c.killed, code, c.output())
	}
	text := c.stderr
	if code == 1 {
		lines := errorLines(c.stderr)
		if len(lines) != 1 {
			t.Fatalf("stderr has %d error lines, want 1:\n%s", len(lines), c.stderr)
		}
		text = lines[0]
		if !strings.HasPrefix(text, "aecifar: ") {
			t.Errorf("error line %q does not start with aecifar:", text)
		}
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("stderr %q lacks %q", text, w)
		}
	}
}

// expectChanges checks that dir changed from before exactly by want ("+name", "~name", "-name";
// a name ending in "/" stands for everything under it).
func expectChanges(t *testing.T, dir string, before tree, want ...string) {
	t.Helper()
	got := before.changes(snapshot(t, dir))
	var unexpected []string
	seen := map[string]bool{}
	for _, g := range got {
		ok := false
		for _, w := range want {
			if g == w || (strings.HasSuffix(w, "/") && strings.HasPrefix(g, w)) {
				ok, seen[w] = true, true
			}
		}
		if !ok {
			unexpected = append(unexpected, g)
		}
	}
	slices.Sort(unexpected)
	if len(unexpected) > 0 {
		t.Errorf("%s: unexpected changes %v", dir, unexpected)
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("%s: expected change %s did not happen (changes: %v)", dir, w, got)
		}
	}
}

// runOutputs are the files a complete run leaves.
var runOutputs = []string{"+cifar_autoencoder.pt", "+model_cifar10.pt", "+history.csv", "+history.json", "+results.json", "+resume.json",
	"+loss.png", "+accuracy.png", "+confusion.png", "+reconstructions.png"}

// fixtures are built once for the CLI tests: the data, and a complete run on it.
type fixtures struct {
	data, done string
}

var (
	fixOnce sync.Once
	fix     fixtures
	fixErr  string
)

func getFixtures(t *testing.T) fixtures {
	t.Helper()
	fixOnce.Do(func() {
		dir, err := os.MkdirTemp("", "aecifar-cli-")
		if err != nil {
			fixErr = err.Error()
			return
		}
		fix.data, fix.done = filepath.Join(dir, "data"), filepath.Join(dir, "done")
		copyTree(t, tinyData(t, 4, 2), fix.data)
		if c := aecifar(t, nil, append([]string{"run", "--data", fix.data, "--out", fix.done}, tiny...)...); c.code != 0 {
			fixErr = c.output()
		}
	})
	if fixErr != "" {
		t.Fatalf("fixtures: %s", fixErr)
	}
	return fix
}

// caseDirs copies the fixture data into a test's own directory and names an output directory.
func caseDirs(t *testing.T) (data, out string) {
	t.Helper()
	data = filepath.Join(t.TempDir(), "data")
	copyTree(t, getFixtures(t).data, data)
	return data, filepath.Join(t.TempDir(), "out")
}

// doneCopy is a copy of the fixtures' complete run.
func doneCopy(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "done")
	copyTree(t, getFixtures(t).done, out)
	return out
}

// renames is the files a command renames into place, in order, as the child's hook logs them.
func renames(t *testing.T, args ...string) []string {
	t.Helper()
	log := filepath.Join(t.TempDir(), "renames")
	c := aecifar(t, []string{"AECIFAR_TEST_RENAMES=" + log}, args...)
	if c.code != 0 {
		t.Fatalf("aecifar %v: %s", args, c.output())
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// interrupted is an output directory of a run killed just after its first commit (the first
// rename of resume.json), holding one epoch.
func interrupted(t *testing.T, data string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	args := append([]string{"run", "--data", data, "--out", out}, tiny...)
	probe := append([]string{"run", "--data", data, "--out", filepath.Join(t.TempDir(), "probe")}, tiny...)
	first := slices.IndexFunc(renames(t, probe...), func(p string) bool {
		return filepath.Base(p) == "resume.json"
	})
	if first < 0 {
		t.Fatal("the run commits no resume.json")
	}
	c := aecifar(t, []string{fmt.Sprintf("AECIFAR_TEST_KILL=after:%d", first+1)}, args...)
	if !c.killed {
		t.Fatalf("the run was not killed at its first commit:\n%s", c.output())
	}
	return out
}

// TestCLICases feeds each case of issue 15 (and more) through the command line: the exit code, one
// error line that names the problem, no goroutine trace, and what changed in the output directory.
// The data directory never changes.
func TestCLICases(t *testing.T) {
	if testing.Short() {
		t.Skip("runs aecifar some 40 times: skipped under -short")
	}
	fx := getFixtures(t)
	dataBefore := snapshot(t, fx.data)
	t.Cleanup(func() {
		expectChanges(t, fx.data, dataBefore)
		os.RemoveAll(filepath.Dir(fx.data))
	})

	t.Run("2: fewer classes than the classifier's 10", func(t *testing.T) {
		data, out := caseDirs(t)
		for _, c := range cifarClasses[2:] {
			os.RemoveAll(filepath.Join(data, "train", c))
			os.RemoveAll(filepath.Join(data, "test", c))
		}
		expect(t, aecifar(t, nil, append([]string{"run", "--data", data, "--out", out}, tiny...)...), 1, "holds 2 classes (airplane, automobile)", "Linear(512, 10)")
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("the refused run left %s behind (%v)", out, err)
		}
		done := doneCopy(t)
		before := snapshot(t, done)
		expect(t, aecifar(t, nil, "test", "--device", "cpu", "--data", data, "--out", done), 1, "holds 2 classes")
		expectChanges(t, done, before)
	})
	t.Run("2: 11 classes", func(t *testing.T) {
		data, out := caseDirs(t)
		copyTree(t, filepath.Join(data, "train", "cat"), filepath.Join(data, "train", "zebra"))
		copyTree(t, filepath.Join(data, "test", "cat"), filepath.Join(data, "test", "zebra"))
		expect(t, aecifar(t, nil, append([]string{"run", "--data", data, "--out", out}, tiny...)...), 1, "holds 11 classes", "and 6 more")
	})
	t.Run("3: train/ and test/ with different classes", func(t *testing.T) {
		data, out := caseDirs(t)
		if err := os.Rename(filepath.Join(data, "test", "cat"), filepath.Join(data, "test", "kitten")); err != nil {
			t.Fatal(err)
		}
		expect(t, aecifar(t, nil, append([]string{"run", "--data", data, "--out", out}, tiny...)...), 1, "only train/ has cat; only test/ has kitten")
	})
	t.Run("4: test writes its own directory, never the run's outputs", func(t *testing.T) {
		done := doneCopy(t)
		before := snapshot(t, done)
		other := filepath.Join(t.TempDir(), "other.pt")
		b, err := os.ReadFile(filepath.Join(done, "model_cifar10.pt"))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, other, b)
		c := aecifar(t, nil, "test", "--device", "cpu", "--quiet", "--data", fx.data, "--out", done, "--weights", other)
		expect(t, c, 0)
		expectChanges(t, done, before, "+test-other/results.json", "+test-other/confusion.png")
		expect(t, aecifar(t, nil, "test", "--device", "cpu", "--quiet", "--data", fx.data, "--out", done), 0)
		expectChanges(t, done, before, "+test-other/", "+test-model_cifar10/results.json", "+test-model_cifar10/confusion.png")
		mine := filepath.Join(t.TempDir(), "mine")
		expect(t, aecifar(t, nil, "test", "--device", "cpu", "--quiet", "--data", fx.data, "--out", done, "--test-out", mine), 0)
		expectChanges(t, mine, tree{}, "+results.json", "+confusion.png")
		// The same counts as the run's own test.
		var run, test struct{ Correct, Total int }
		readJSON(t, filepath.Join(done, "results.json"), &run)
		readJSON(t, filepath.Join(mine, "results.json"), &test)
		if run != test || run.Total != 20 {
			t.Errorf("test: %+v, the run's test: %+v (of 20 images)", test, run)
		}
		expect(t, aecifar(t, nil, "test", "--device", "cpu", "--data", fx.data, "--out", done, "--weights", filepath.Join(done, "nothing.pt")), 1, "cannot load checkpoint", "nothing.pt")
		expectChanges(t, done, before, "+test-other/", "+test-model_cifar10/")
	})
	t.Run("5: run on an interrupted run refuses without --resume or --restart", func(t *testing.T) {
		data, _ := caseDirs(t)
		out := interrupted(t, data)
		before := snapshot(t, out)
		if before["resume.json"] == "" {
			t.Fatalf("no resume.json in the interrupted run: %v", before)
		}
		expect(t, aecifar(t, nil, append([]string{"run", "--data", data, "--out", out}, tiny...)...), 1, "holds an interrupted run (autoencoder epoch 1 of 2 saved)", "--resume", "--restart")
		expect(t, aecifar(t, nil, append([]string{"train-ae", "--data", data, "--out", out}, tiny...)...), 1, "holds an interrupted run")
		expectChanges(t, out, before)
		restarted := filepath.Join(t.TempDir(), "restarted")
		copyTree(t, out, restarted)
		expect(t, aecifar(t, nil, append([]string{"run", "--restart", "--data", data, "--out", restarted}, tiny...)...), 0)
		expect(t, aecifar(t, nil, append([]string{"run", "--resume", "--data", data, "--out", out}, tiny...)...), 0)
		// Both end as the uninterrupted run, and with no resume state left.
		for _, dir := range []string{out, restarted} {
			sameRun(t, getFixtures(t).done, dir)
		}
	})
	t.Run("5: a second writer on one --out", func(t *testing.T) {
		data, out := caseDirs(t)
		lock, err := dirlock.Acquire(out)
		if err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, out)
		expect(t, aecifar(t, nil, append([]string{"run", "--data", data, "--out", out}, tiny...)...), 1, fmt.Sprintf("is in use by another aecifar (PID %d", os.Getpid()))
		expectChanges(t, out, before)
		lock.Release()

		// Two real processes: the first trains (long enough) while the second is refused.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		first := childCmd(ctx, nil, append([]string{"run", "--data", data, "--out", out}, with("--ae-epochs", "50", "--max-batches", "0")...)...)
		first.Stdout, first.Stderr = io.Discard, io.Discard
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { first.Process.Kill(); first.Wait() }()
		waitLocked(t, out, first.Process.Pid)
		expect(t, aecifar(t, nil, append([]string{"run", "--data", data, "--out", out}, tiny...)...), 1, fmt.Sprintf("(PID %d, `aecifar.test run --data", first.Process.Pid))
		expect(t, aecifar(t, nil, append([]string{"run", "--resume", "--data", data, "--out", out}, with("--ae-epochs", "50", "--max-batches", "0")...)...), 1, fmt.Sprintf("PID %d", first.Process.Pid))
	})
	t.Run("6: a bad image is found before training", func(t *testing.T) {
		for _, split := range []string{"test", "train"} {
			data, out := caseDirs(t)
			bad := filepath.Join(data, split, "dog", "0001.png")
			b, err := os.ReadFile(bad)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, bad, b[:len(b)/2])
			c := aecifar(t, nil, append([]string{"run", "--data", data, "--out", out}, tiny...)...)
			expect(t, c, 1, "does not decode", bad)
			if c.stdout != "" {
				t.Errorf("%s: it trained before failing:\n%s", split, c.stdout)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%s: the refused run left %s behind (%v)", split, out, err)
			}
		}
	})
	t.Run("6: flag combinations that cannot work", func(t *testing.T) {
		data, out := caseDirs(t)
		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{with("--clf-epochs", "0"), 1, "--clf-epochs 0 trains no classifier"},
			{with("--resume", "--restart"), 2, "give one of them"},
			{with("--weights", "x.pt"), 2, "flag provided but not defined: -weights"},
		} {
			c := aecifar(t, nil, append([]string{"run", "--data", data, "--out", out}, tc.args...)...)
			if tc.code == 2 {
				if c.code != 2 || !strings.Contains(c.stderr, tc.want) {
					t.Errorf("%v: exit %d, want 2 and %q:\n%s", tc.args, c.code, tc.want, c.stderr)
				}
				continue
			}
			expect(t, c, tc.code, tc.want)
		}
		expect(t, aecifar(t, nil, append([]string{"train-ae", "--data", data, "--out", out}, with("--ae-epochs", "0")...)...), 1, "--ae-epochs 0: nothing to train")
		expect(t, aecifar(t, nil, append([]string{"train-classifier", "--data", data, "--out", out}, tiny...)...), 1, "cannot load checkpoint", "train-classifier trains on the autoencoder that train-ae saves")
		expect(t, aecifar(t, nil, "test", "--resume", "--data", data, "--out", out), 2)
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("the refused runs left %s behind (%v)", out, err)
		}
		file := filepath.Join(t.TempDir(), "file")
		writeFile(t, file, nil)
		expect(t, aecifar(t, nil, append([]string{"run", "--data", data, "--out", filepath.Join(file, "out")}, tiny...)...), 1, "cannot write in output directory", "not a directory")
	})
	t.Run("6: --fast with images of another size", func(t *testing.T) {
		data, out := caseDirs(t)
		writePNG(t, filepath.Join(data, "train", "cat", "big.png"), image.NewRGBA(image.Rect(0, 0, 48, 40)))
		expect(t, aecifar(t, nil, append([]string{"run", "--fast", "--data", data, "--out", out}, tiny...)...), 1, "must all be one size", "big.png 48x40")
		// The default path crops every image to 32x32: the same data trains.
		expect(t, aecifar(t, nil, append([]string{"run", "--data", data, "--out", out}, tiny...)...), 0)
	})
	t.Run("7: Ctrl-C says what is saved", func(t *testing.T) {
		data, out := caseDirs(t)
		// Early: during the data check or the first epoch, with nothing saved.
		c := interruptWhen(t, out, func(string) bool { return true }, append([]string{"run", "--data", data, "--out", out}, with("--ae-epochs", "50", "--max-batches", "0")...)...)
		expect(t, c, 1, "interrupted during", "before any epoch of this run was saved: nothing to resume")
		if _, err := os.Stat(filepath.Join(out, "resume.json")); !os.IsNotExist(err) {
			t.Errorf("resume.json after an interruption before the first epoch's end: %v", err)
		}
		// After the first epoch.
		out = filepath.Join(t.TempDir(), "out")
		args := append([]string{"run", "--data", data, "--out", out}, with("--ae-epochs", "50", "--max-batches", "0")...)
		c = interruptWhen(t, out, func(stdout string) bool { return strings.Contains(stdout, "Epoch: 1 ") }, args...)
		expect(t, c, 1, "interrupted during autoencoder epoch", "of 50 is saved in "+out, "--resume")
		expect(t, aecifar(t, nil, append(args, "--resume", "--ae-epochs", "2", "--max-batches", "2")...), 1, "cannot resume the run in", "it ran with --ae-epochs 50 --max-batches 0, this command gives --ae-epochs 2 --max-batches 2")
	})
	t.Run("7: train-ae on a fresh --out", func(t *testing.T) {
		data, out := caseDirs(t)
		expect(t, aecifar(t, nil, append([]string{"train-ae", "--data", data, "--out", out}, tiny...)...), 0)
		expectChanges(t, out, tree{}, "+cifar_autoencoder.pt", "+history.csv", "+history.json", "+loss.png", "+resume.json")
		// train-classifier adds its stage; the run is then complete.
		before := snapshot(t, out)
		expect(t, aecifar(t, nil, append([]string{"train-classifier", "--data", data, "--out", out}, tiny...)...), 0)
		expectChanges(t, out, before, "+model_cifar10.pt", "~history.csv", "~history.json", "~loss.png", "+accuracy.png", "~resume.json")
		// Its autoencoder history is train-ae's.
		h := readLines(t, filepath.Join(out, "history.csv"))
		if len(h) != 5 || !strings.HasPrefix(h[1], "autoencoder,1,") || !strings.HasPrefix(h[3], "classifier,1,") {
			t.Errorf("history:\n%s", strings.Join(h, "\n"))
		}
	})
	t.Run("7: run | head", func(t *testing.T) {
		data, out := caseDirs(t)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// Enough epochs that the child still prints after the first line, when the pipe is closed.
		cmd := childCmd(ctx, nil, append([]string{"run", "--data", data, "--out", out}, with("--ae-epochs", "20")...)...)
		pipe, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(pipe).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "Epoch: 1") {
			t.Fatalf("first line %q, %v", line, err)
		}
		pipe.Close() // as head does after its lines
		c := finished(t, cmd, cmd.Wait(), "", stderr.String())
		expect(t, c, 0, "cannot write to standard output", "going on without printing the log")
		expectChanges(t, out, tree{}, runOutputs...)
	})
	t.Run("7: warnings for settings that hurt", func(t *testing.T) {
		data, out := caseDirs(t)
		c := aecifar(t, nil, append([]string{"run", "--data", data, "--out", out}, with("--threads", strconv.Itoa(runtime.NumCPU()+1), "--batch-size", "100000")...)...)
		expect(t, c, 0, fmt.Sprintf("aecifar: warning: --threads %d is more than the %d cores here", runtime.NumCPU()+1, runtime.NumCPU()),
			"aecifar: warning: --batch-size 100000 is more than the 34 training images")
	})
	t.Run("7: --data names cifar-10-batches-bin itself", func(t *testing.T) {
		root := tinyBinary(t)
		for _, dir := range []string{root, filepath.Join(root, "cifar-10-batches-bin")} {
			out := filepath.Join(t.TempDir(), "out")
			c := aecifar(t, nil, append([]string{"run", "--data", dir, "--out", out}, tiny...)...)
			expect(t, c, 0)
			if !strings.Contains(c.stdout, "Test Accuracy (Overall)") {
				t.Errorf("--data %s: no test:\n%s", dir, c.stdout)
			}
		}
	})
	t.Run("7: --resume compares the data by content, not by how its path is written", func(t *testing.T) {
		data, _ := caseDirs(t)
		out := interrupted(t, data)
		moved := filepath.Join(t.TempDir(), "moved")
		copyTree(t, data, moved)
		changed := filepath.Join(t.TempDir(), "changed")
		copyTree(t, data, changed)
		os.Remove(filepath.Join(changed, "train", "cat", "0000.png"))
		before := snapshot(t, out)
		expect(t, aecifar(t, nil, append([]string{"run", "--resume", "--data", changed, "--out", out}, tiny...)...), 1, "its data is not", "it held 40 training and 20 test images, now 39 and 20")
		writePNG(t, filepath.Join(changed, "train", "cat", "0000.png"), image.NewRGBA(image.Rect(0, 0, 32, 32)))
		expect(t, aecifar(t, nil, append([]string{"run", "--resume", "--data", changed, "--out", out}, tiny...)...), 1, "its data is not", "its content changed")
		expectChanges(t, out, before)
		expect(t, aecifar(t, nil, append([]string{"run", "--resume", "--data", moved + "/", "--out", out}, tiny...)...), 0)
		sameRun(t, getFixtures(t).done, out)
	})
	t.Run("more: damaged or foreign resume state", func(t *testing.T) {
		data, _ := caseDirs(t)
		args := func(out string, extra ...string) []string {
			return append(append([]string{"run", "--data", data, "--out", out}, tiny...), extra...)
		}
		for _, tc := range []struct {
			name   string
			damage func(out string)
			want   string
		}{
			{"resume.json cut short", func(out string) { truncate(t, filepath.Join(out, "resume.json")) }, "resume.json is damaged"},
			{"state file cut short", func(out string) {
				var m struct {
					Files map[string]struct{ Path string }
				}
				readJSON(t, filepath.Join(out, "resume.json"), &m)
				truncate(t, filepath.Join(out, m.Files["state"].Path))
			}, "is damaged (its SHA-256 is not the one resume.json recorded)"},
			{"an earlier aecifar's resume state", func(out string) {
				os.RemoveAll(filepath.Join(out, "resume"))
				writeFile(t, filepath.Join(out, "resume.json"), []byte(`{"stage": "autoencoder", "epoch": 1}`))
				writeFile(t, filepath.Join(out, "resume.pt"), []byte("PK"))
			}, "holds the resume state of an earlier aecifar"},
		} {
			out := interrupted(t, data)
			tc.damage(out)
			before := snapshot(t, out)
			expect(t, aecifar(t, nil, args(out, "--resume")...), 1, tc.want, "--restart")
			expectChanges(t, out, before)
			expect(t, aecifar(t, nil, args(out)...), 1, "--restart")
			expectChanges(t, out, before)
			expect(t, aecifar(t, nil, args(out, "--restart")...), 0)
			sameRun(t, getFixtures(t).done, out)
		}
		// Resuming nothing, and resuming a complete run.
		empty := filepath.Join(t.TempDir(), "empty")
		expect(t, aecifar(t, nil, args(empty, "--resume")...), 1, "nothing to resume in "+empty)
		done := doneCopy(t)
		before := snapshot(t, done)
		expect(t, aecifar(t, nil, args(done, "--resume")...), 0, "is complete: nothing to resume")
		expectChanges(t, done, before)
		// A damaged history.csv where train-classifier would add to it (no resume state to hold it).
		legacy := doneCopy(t)
		os.Remove(filepath.Join(legacy, "resume.json"))
		writeFile(t, filepath.Join(legacy, "history.csv"), []byte("stage,epoch\nautoencoder,1\n"))
		expect(t, aecifar(t, nil, append([]string{"train-classifier", "--data", data, "--out", legacy}, tiny...)...), 1, "history.csv", "remove it or start afresh with --restart")
	})
}

// interruptWhen starts args, sends SIGINT once the child holds out's lock and its stdout so far
// satisfies when, and returns the finished child.
func interruptWhen(t *testing.T, out string, when func(stdout string) bool, args ...string) child {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := childCmd(ctx, nil, args...)
	var stdout syncBuffer
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitLocked(t, out, cmd.Process.Pid)
	for !when(stdout.String()) {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	return finished(t, cmd, cmd.Wait(), stdout.String(), stderr.String())
}

// syncBuffer is a bytes.Buffer a child writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitLocked waits until the process pid holds dir's lock.
func waitLocked(t *testing.T, dir string, pid int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var h dirlock.Holder
		if b, err := os.ReadFile(filepath.Join(dir, dirlock.Name)); err == nil && json.Unmarshal(b, &h) == nil && h.PID == pid {
			return
		}
	}
	t.Fatalf("PID %d never locked %s", pid, dir)
}

// sameRun checks that got holds what the complete run want holds: byte for byte, except for the
// wall times (history's images_per_sec and seconds, results' seconds), and no resume state.
func sameRun(t *testing.T, want, got string) {
	t.Helper()
	for _, name := range []string{"cifar_autoencoder.pt", "model_cifar10.pt", "loss.png", "accuracy.png", "confusion.png", "reconstructions.png"} {
		if !bytes.Equal(readFile(t, filepath.Join(want, name)), readFile(t, filepath.Join(got, name))) {
			t.Errorf("%s differs from the uninterrupted run's", name)
		}
	}
	if w, g := untimedHistory(t, want), untimedHistory(t, got); w != g {
		t.Errorf("history.csv differs from the uninterrupted run's:\n%s\nwant\n%s", g, w)
	}
	for _, name := range []string{"results.json", "history.json"} {
		if w, g := untimedJSON(t, filepath.Join(want, name)), untimedJSON(t, filepath.Join(got, name)); w != g {
			t.Errorf("%s differs from the uninterrupted run's:\n%s\nwant\n%s", name, g, w)
		}
	}
	var m struct{ Complete bool }
	readJSON(t, filepath.Join(got, "resume.json"), &m)
	if !m.Complete {
		t.Error("resume.json does not say the run is complete")
	}
	if _, err := os.Stat(filepath.Join(got, "resume")); !os.IsNotExist(err) {
		t.Errorf("the resume state is still there (%v)", err)
	}
	for name := range snapshot(t, got) {
		if strings.Contains(name, ".tmp-") {
			t.Errorf("a temporary file is left: %s", name)
		}
	}
}

// untimedHistory is history.csv without its wall-time columns.
func untimedHistory(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	for _, l := range readLines(t, filepath.Join(dir, "history.csv")) {
		f := strings.Split(l, ",")
		out = append(out, strings.Join(f[:len(f)-2], ","))
	}
	return strings.Join(out, "\n")
}

// untimedJSON is a JSON file without its "seconds" and "images_per_sec" values, re-encoded.
var timed = regexp.MustCompile(`(?m)^\s*"(seconds|images_per_sec)": ([^{\n]*,?|\{[^}]*\},?)\n`)

func untimedJSON(t *testing.T, path string) string {
	t.Helper()
	return timed.ReplaceAllString(string(readFile(t, path)), "")
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	return strings.Split(strings.TrimSpace(string(readFile(t, path))), "\n")
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func truncate(t *testing.T, path string) {
	t.Helper()
	b := readFile(t, path)
	writeFile(t, path, b[:len(b)/2])
}

// tinyBinary unpacks tinyCIFAR10's release and returns the directory holding cifar-10-batches-bin.
func tinyBinary(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	gz, err := gzip.NewReader(bytes.NewReader(tinyCIFAR10(t)))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, h.Name), b)
	}
	return root
}
