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

// errorPrefix is how an error line begins: "aecifar: ", or "aecifar run: " for a bad command line.
var errorPrefix = regexp.MustCompile(`^aecifar( [a-z-]+)?: `)

// expect checks a child's exit code and, for a failure, that stderr holds one error line
// containing each of want; for a success, that stderr contains each of want.
func expect(t *testing.T, c child, code int, want ...string) {
	t.Helper()
	if c.killed || c.code != code {
		t.Fatalf("exit %d (killed %v), want %d:\n%s", c.code, c.killed, code, c.output())
	}
	text := c.stderr
	if code != 0 {
		lines := errorLines(c.stderr)
		if len(lines) != 1 {
			t.Fatalf("stderr has %d error lines, want 1:\n%s", len(lines), c.stderr)
		}
		text = lines[0]
		if !errorPrefix.MatchString(text) {
			t.Errorf("error line %q does not start with aecifar: or aecifar COMMAND:", text)
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

var (
	interruptedOnce sync.Once
	interruptedDir  string
)

// interruptedCopy is a copy of an output directory of a run on the fixture data killed just after
// its first commit (autoencoder epoch 1 of 2 saved).
func interruptedCopy(t *testing.T) string {
	t.Helper()
	fx := getFixtures(t)
	interruptedOnce.Do(func() {
		dir := filepath.Join(filepath.Dir(fx.data), "interrupted")
		copyTree(t, interrupted(t, fx.data), dir)
		interruptedDir = dir
	})
	if interruptedDir == "" {
		t.Fatal("the interrupted run of the fixtures failed (see the first test that asked for it)")
	}
	out := filepath.Join(t.TempDir(), "interrupted")
	copyTree(t, interruptedDir, out)
	return out
}

// refusal is a case the command line must refuse. prepare gets a copy of the fixture data and a
// fresh output path in env, may damage the one or point the other at a copy of a run, and returns
// the command line; the case then checks the exit code, one error line containing each of want
// (no goroutine trace), and that neither env.data nor env.out changed (one absent stays absent).
type refusal struct {
	name    string
	prepare func(t *testing.T, env *caseEnv) []string
	code    int
	want    []string
}

// caseEnv is a refusal's directories, and what its error must name besides the row's want.
type caseEnv struct {
	data, out string
	want      []string
}

// runArgs is cmd (run, train-ae or train-classifier) on data into out with the tiny flags.
func runArgs(cmd, data, out string, extra ...string) []string {
	return append(append([]string{cmd, "--data", data, "--out", out}, tiny...), extra...)
}

// testArgs is the test command on data for the run in out.
func testArgs(data, out string, extra ...string) []string {
	return append([]string{"test", "--device", "cpu", "--quiet", "--data", data, "--out", out}, extra...)
}

// refusals are the cases of issue 15 (numbered by its list, "more" for those added) that the
// command line refuses before it changes anything.
var refusals = []refusal{
	// 1: the resume state.
	{"1: --resume with nothing saved", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", e.data, e.out, "--resume")
	}, 1, []string{"nothing to resume in", "start the run without --resume"}},
	{"1: --resume with resume.json cut short", func(t *testing.T, e *caseEnv) []string {
		e.out = interruptedCopy(t)
		truncate(t, filepath.Join(e.out, "resume.json"))
		return runArgs("run", e.data, e.out, "--resume")
	}, 1, []string{"resume.json is damaged", "--restart"}},
	{"1: run with resume.json cut short", func(t *testing.T, e *caseEnv) []string {
		e.out = interruptedCopy(t)
		truncate(t, filepath.Join(e.out, "resume.json"))
		return runArgs("run", e.data, e.out)
	}, 1, []string{"resume.json is damaged", "--restart"}},
	{"1: --resume with the state file cut short", func(t *testing.T, e *caseEnv) []string {
		e.out = interruptedCopy(t)
		truncate(t, filepath.Join(e.out, stateFile(t, e.out)))
		return runArgs("run", e.data, e.out, "--resume")
	}, 1, []string{"is damaged (its SHA-256 is not the one resume.json recorded)", "--restart"}},
	{"1: --resume with an earlier aecifar's resume state", func(t *testing.T, e *caseEnv) []string {
		e.out = legacyResume(t)
		return runArgs("run", e.data, e.out, "--resume")
	}, 1, []string{"holds the resume state of an earlier aecifar", "--restart"}},
	{"1: run on an earlier aecifar's resume state", func(t *testing.T, e *caseEnv) []string {
		e.out = legacyResume(t)
		return runArgs("run", e.data, e.out)
	}, 1, []string{"holds the resume state of an earlier aecifar", "--restart"}},
	{"1: train-classifier on a damaged history.csv", func(t *testing.T, e *caseEnv) []string {
		e.out = doneCopy(t)
		os.Remove(filepath.Join(e.out, "resume.json")) // no resume state to hold the history
		writeFile(t, filepath.Join(e.out, "history.csv"), []byte("stage,epoch\nautoencoder,1\n"))
		return runArgs("train-classifier", e.data, e.out)
	}, 1, []string{"history.csv", "remove it or start afresh with --restart"}},

	// 2: the number of classes.
	{"2: run on 2 classes", func(t *testing.T, e *caseEnv) []string {
		keepClasses(t, e.data, 2)
		return runArgs("run", e.data, e.out)
	}, 1, []string{"holds 2 classes (airplane, automobile)", "Linear(512, 10)"}},
	{"2: test on 2 classes", func(t *testing.T, e *caseEnv) []string {
		keepClasses(t, e.data, 2)
		e.out = doneCopy(t)
		return testArgs(e.data, e.out)
	}, 1, []string{"holds 2 classes (airplane, automobile)", "Linear(512, 10)"}},
	{"2: run on 11 classes", func(t *testing.T, e *caseEnv) []string {
		addZebra(t, e.data)
		return runArgs("run", e.data, e.out)
	}, 1, []string{"holds 11 classes", "and 6 more", "Linear(512, 10)"}},
	{"2: test on 11 classes", func(t *testing.T, e *caseEnv) []string {
		addZebra(t, e.data)
		e.out = doneCopy(t)
		return testArgs(e.data, e.out)
	}, 1, []string{"holds 11 classes", "Linear(512, 10)"}},

	// 3: the class lists of train/ and test/.
	{"3: run on train/ and test/ with different classes", func(t *testing.T, e *caseEnv) []string {
		renameKitten(t, e.data)
		return runArgs("run", e.data, e.out)
	}, 1, []string{"hold different classes (only train/ has cat; only test/ has kitten)"}},
	{"3: test on train/ and test/ with different classes", func(t *testing.T, e *caseEnv) []string {
		renameKitten(t, e.data)
		e.out = doneCopy(t)
		return testArgs(e.data, e.out)
	}, 1, []string{"hold different classes (only train/ has cat; only test/ has kitten)"}},

	// 4: where the test writes.
	{"4: test --test-out naming the run's directory", func(t *testing.T, e *caseEnv) []string {
		e.out = doneCopy(t)
		return testArgs(e.data, e.out, "--test-out", e.out)
	}, 1, []string{"holds a run's outputs (resume.json)", "would overwrite the run's results.json"}},
	{"4: test --test-out naming a directory with a history", func(t *testing.T, e *caseEnv) []string {
		e.out = doneCopy(t)
		os.Remove(filepath.Join(e.out, "resume.json"))
		return testArgs(e.data, e.out, "--test-out", e.out+"/")
	}, 1, []string{"holds a run's outputs (history.csv)"}},
	{"4: test --weights of a missing file", func(t *testing.T, e *caseEnv) []string {
		e.out = doneCopy(t)
		return testArgs(e.data, e.out, "--weights", filepath.Join(e.out, "nothing.pt"))
	}, 1, []string{"cannot load checkpoint", "nothing.pt"}},
	{"4: test --test-out inside the data", func(t *testing.T, e *caseEnv) []string {
		e.out = doneCopy(t)
		return testArgs(e.data, e.out, "--test-out", filepath.Join(e.data, "test", "results"))
	}, 1, []string{"is inside the data's test/"}},

	// 5: one writer, and an interrupted run kept.
	{"5: run on an interrupted run", func(t *testing.T, e *caseEnv) []string {
		e.out = interruptedCopy(t)
		return runArgs("run", e.data, e.out)
	}, 1, []string{"holds an interrupted run (autoencoder epoch 1 of 2 saved)", "--resume", "--restart"}},
	{"5: train-ae on an interrupted run", func(t *testing.T, e *caseEnv) []string {
		e.out = interruptedCopy(t)
		return runArgs("train-ae", e.data, e.out)
	}, 1, []string{"holds an interrupted run", "--resume", "--restart"}},
	{"5: train-classifier on an interrupted run", func(t *testing.T, e *caseEnv) []string {
		e.out = interruptedCopy(t)
		return runArgs("train-classifier", e.data, e.out)
	}, 1, []string{"holds an interrupted run", "--resume", "--restart"}},
	{"5: a second writer: run", func(t *testing.T, e *caseEnv) []string {
		e.out = lockedCopy(t, doneCopy(t))
		return runArgs("run", e.data, e.out)
	}, 1, []string{fmt.Sprintf("is in use by another aecifar (PID %d, `aecifar.test", os.Getpid())}},
	{"5: a second writer: run --resume", func(t *testing.T, e *caseEnv) []string {
		e.out = lockedCopy(t, interruptedCopy(t))
		return runArgs("run", e.data, e.out, "--resume")
	}, 1, []string{fmt.Sprintf("is in use by another aecifar (PID %d", os.Getpid()), "wait for it to end or choose another --out"}},
	{"5: a second writer: run --restart", func(t *testing.T, e *caseEnv) []string {
		e.out = lockedCopy(t, interruptedCopy(t))
		return runArgs("run", e.data, e.out, "--restart")
	}, 1, []string{fmt.Sprintf("is in use by another aecifar (PID %d", os.Getpid())}},
	{"5: a second writer: train-classifier", func(t *testing.T, e *caseEnv) []string {
		e.out = lockedCopy(t, doneCopy(t))
		return runArgs("train-classifier", e.data, e.out)
	}, 1, []string{fmt.Sprintf("is in use by another aecifar (PID %d", os.Getpid())}},
	{"5: a second writer: reconstruct", func(t *testing.T, e *caseEnv) []string {
		e.out = lockedCopy(t, doneCopy(t))
		return []string{"reconstruct", "--device", "cpu", "--data", e.data, "--out", e.out}
	}, 1, []string{fmt.Sprintf("is in use by another aecifar (PID %d", os.Getpid())}},

	// 6: everything checked before the first epoch.
	{"6: a bad image in test/", func(t *testing.T, e *caseEnv) []string {
		e.want = append(e.want, badImage(t, e.data, "test"))
		return runArgs("run", e.data, e.out)
	}, 1, []string{"does not decode"}}, // prepared and checked by badImage below
	{"6: a bad image in train/", func(t *testing.T, e *caseEnv) []string {
		e.want = append(e.want, badImage(t, e.data, "train"))
		return runArgs("run", e.data, e.out)
	}, 1, []string{"does not decode"}},
	{"6: test on a bad image in test/", func(t *testing.T, e *caseEnv) []string {
		e.want = append(e.want, badImage(t, e.data, "test"))
		e.out = doneCopy(t)
		return testArgs(e.data, e.out)
	}, 1, []string{"does not decode"}},
	{"6: run --clf-epochs 0", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", e.data, e.out, "--clf-epochs", "0")
	}, 1, []string{"--clf-epochs 0 trains no classifier"}},
	{"6: train-classifier --clf-epochs 0", func(t *testing.T, e *caseEnv) []string {
		e.out = doneCopy(t)
		return runArgs("train-classifier", e.data, e.out, "--clf-epochs", "0")
	}, 1, []string{"--clf-epochs 0: nothing to train"}},
	{"6: train-ae --ae-epochs 0", func(t *testing.T, e *caseEnv) []string {
		return runArgs("train-ae", e.data, e.out, "--ae-epochs", "0")
	}, 1, []string{"--ae-epochs 0: nothing to train"}},
	{"6: train-classifier without a saved autoencoder", func(t *testing.T, e *caseEnv) []string {
		return runArgs("train-classifier", e.data, e.out)
	}, 1, []string{"cannot load checkpoint", "train-classifier trains on the autoencoder that train-ae saves"}},
	{"6: run --resume --restart", func(t *testing.T, e *caseEnv) []string {
		e.out = interruptedCopy(t)
		return runArgs("run", e.data, e.out, "--resume", "--restart")
	}, 2, []string{"give one of them"}},
	{"6: run --weights", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", e.data, e.out, "--weights", "x.pt")
	}, 2, []string{"flag provided but not defined: -weights"}},
	{"6: test --resume", func(t *testing.T, e *caseEnv) []string {
		e.out = doneCopy(t)
		return testArgs(e.data, e.out, "--resume")
	}, 2, []string{"flag provided but not defined: -resume"}},
	{"6: --out under a file", func(t *testing.T, e *caseEnv) []string {
		file := filepath.Join(t.TempDir(), "file")
		writeFile(t, file, nil)
		e.out = filepath.Join(file, "out")
		return runArgs("run", e.data, e.out)
	}, 1, []string{"cannot write in output directory", "not a directory"}},
	{"6: test --test-out under a file", func(t *testing.T, e *caseEnv) []string {
		file := filepath.Join(t.TempDir(), "file")
		writeFile(t, file, nil)
		e.out = doneCopy(t)
		return testArgs(e.data, e.out, "--test-out", filepath.Join(file, "test"))
	}, 1, []string{"cannot write in output directory", "is not a directory"}},
	{"6: --out inside a class folder of the data", func(t *testing.T, e *caseEnv) []string {
		e.out = filepath.Join(e.data, "train", "cat")
		return runArgs("run", e.data, e.out)
	}, 1, []string{"is inside the data's train/", "read as images"}},
	{"6: --fast with images of another size", func(t *testing.T, e *caseEnv) []string {
		writePNG(t, filepath.Join(e.data, "train", "cat", "big.png"), image.NewRGBA(image.Rect(0, 0, 48, 40)))
		return runArgs("run", e.data, e.out, "--fast")
	}, 1, []string{"must all be one size", "big.png 48x40", "drop --fast"}},

	// 7: --resume's comparisons.
	{"7: --resume with other flags", func(t *testing.T, e *caseEnv) []string {
		e.out = interruptedCopy(t)
		return runArgs("run", e.data, e.out, "--resume", "--ae-epochs", "3", "--seed", "7")
	}, 1, []string{"it ran with --ae-epochs 2 --seed 1, this command gives --ae-epochs 3 --seed 7"}},
	{"7: --resume on data with an image less", func(t *testing.T, e *caseEnv) []string {
		e.out = interruptedCopy(t)
		os.Remove(filepath.Join(e.data, "train", "cat", "0000.png"))
		return runArgs("run", e.data, e.out, "--resume")
	}, 1, []string{"its data is not", "it held 40 training and 20 test images, now 39 and 20"}},
	{"7: --resume on data of another content", func(t *testing.T, e *caseEnv) []string {
		e.out = interruptedCopy(t)
		writePNG(t, filepath.Join(e.data, "train", "cat", "0000.png"), image.NewRGBA(image.Rect(0, 0, 32, 32)))
		return runArgs("run", e.data, e.out, "--resume")
	}, 1, []string{"its data is not", "its content changed"}},

	// more: command lines and directories.
	{"more: an unknown command", func(t *testing.T, e *caseEnv) []string {
		return []string{"fly", "--out", e.out}
	}, 2, []string{`unknown command "fly"`, "aecifar --help"}},
	{"more: an unknown flag", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", e.data, e.out, "--epochs", "3")
	}, 2, []string{"flag provided but not defined: -epochs", "aecifar run --help lists the flags"}},
	{"more: a negative seed", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", e.data, e.out, "--seed", "-1")
	}, 2, []string{`invalid value "-1" for flag -seed`}},
	{"more: --threads -1", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", e.data, e.out, "--threads", "-1")
	}, 2, []string{"invalid thread count -1"}},
	{"more: --threads far above the cores", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", e.data, e.out, "--threads", "1000")
	}, 2, []string{"--threads 1000 is more than 16 per core"}},
	{"more: --batch-size beyond any memory", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", e.data, e.out, "--batch-size", "9223372036854775807")
	}, 2, []string{"invalid batch size 9223372036854775807: at most 1073741824"}},
	{"more: a stray argument", func(t *testing.T, e *caseEnv) []string {
		return append(runArgs("run", e.data, e.out), "extra")
	}, 2, []string{`unexpected argument "extra"`}},
	{"more: an unknown device", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", e.data, e.out, "--device", "tpu")
	}, 1, []string{`invalid device "tpu"`}},
	{"more: missing data", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", filepath.Join(e.data, "nowhere"), e.out)
	}, 1, []string{"nowhere does not exist", "--data DIR"}},
	{"more: --data naming a file", func(t *testing.T, e *caseEnv) []string {
		return runArgs("run", filepath.Join(e.data, "train", "cat", "0000.png"), e.out)
	}, 1, []string{"0000.png is a file, not a directory"}},
	{"more: reconstruct with no run in --out", func(t *testing.T, e *caseEnv) []string {
		return []string{"reconstruct", "--device", "cpu", "--data", e.data, "--out", e.out}
	}, 1, []string{"cannot load checkpoint", "reconstruct plots the autoencoder that run or train-ae saves"}},
	{"more: reconstruct --batch-size 0", func(t *testing.T, e *caseEnv) []string {
		e.out = doneCopy(t)
		return []string{"reconstruct", "--device", "cpu", "--batch-size", "0", "--data", e.data, "--out", e.out}
	}, 2, []string{"invalid batch size 0"}},
}

// TestCLICases feeds each case of issue 15 (and more) through the command line. The refusals are
// one table, each checked alike: the exit code, one error line that names the problem, no
// goroutine trace, and the data and output directory as they were. The subtests after it follow
// the cases that succeed, or take more than one command: what a command writes, and that a
// resumed or restarted run ends as the uninterrupted one.
func TestCLICases(t *testing.T) {
	if testing.Short() {
		t.Skip("runs aecifar some 80 times: skipped under -short")
	}
	fx := getFixtures(t)
	dataBefore := snapshot(t, fx.data)
	t.Cleanup(func() {
		expectChanges(t, fx.data, dataBefore)
		os.RemoveAll(filepath.Dir(fx.data))
	})

	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			var e caseEnv
			e.data, e.out = caseDirs(t)
			args := tc.prepare(t, &e)
			want := append(slices.Clip(tc.want), e.want...)
			_, statErr := os.Stat(e.out)
			data, out := snapshot(t, e.data), snapshot(t, e.out)
			c := aecifar(t, nil, args...)
			expect(t, c, tc.code, want...)
			if c.stdout != "" {
				t.Errorf("it printed before failing:\n%s", c.stdout)
			}
			expectChanges(t, e.data, data)
			expectChanges(t, e.out, out)
			if _, err := os.Stat(e.out); os.IsNotExist(statErr) && !os.IsNotExist(err) {
				t.Errorf("the refused command left %s behind (%v)", e.out, err)
			}
		})
	}

	t.Run("4: test writes its own directory, never the run's outputs", func(t *testing.T) {
		done := doneCopy(t)
		before := snapshot(t, done)
		other := filepath.Join(t.TempDir(), "other.pt")
		writeFile(t, other, readFile(t, filepath.Join(done, "model_cifar10.pt")))
		expect(t, aecifar(t, nil, testArgs(fx.data, done, "--weights", other)...), 0)
		expectChanges(t, done, before, "+test-other/results.json", "+test-other/confusion.png")
		expect(t, aecifar(t, nil, testArgs(fx.data, done)...), 0)
		expectChanges(t, done, before, "+test-other/", "+test-model_cifar10/results.json", "+test-model_cifar10/confusion.png")
		mine := filepath.Join(t.TempDir(), "mine")
		expect(t, aecifar(t, nil, testArgs(fx.data, done, "--test-out", mine)...), 0)
		expectChanges(t, mine, tree{}, "+results.json", "+confusion.png")
		// The same counts as the run's own test.
		var run, test struct{ Correct, Total int }
		readJSON(t, filepath.Join(done, "results.json"), &run)
		readJSON(t, filepath.Join(mine, "results.json"), &test)
		if run != test || run.Total != 20 {
			t.Errorf("test: %+v, the run's test: %+v (of 20 images)", test, run)
		}
	})
	t.Run("5: --resume and --restart of an interrupted run end as the uninterrupted run", func(t *testing.T) {
		out, restarted := interruptedCopy(t), interruptedCopy(t)
		expect(t, aecifar(t, nil, runArgs("run", fx.data, restarted, "--restart")...), 0)
		expect(t, aecifar(t, nil, runArgs("run", fx.data, out, "--resume")...), 0)
		for _, dir := range []string{out, restarted} {
			sameRun(t, fx.done, dir)
		}
	})
	t.Run("5: two processes on one --out", func(t *testing.T) {
		data, out := caseDirs(t)
		// The first trains (long enough) while the second is refused.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		first := childCmd(ctx, nil, append([]string{"run", "--data", data, "--out", out}, with("--ae-epochs", "50", "--max-batches", "0")...)...)
		first.Stdout, first.Stderr = io.Discard, io.Discard
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { first.Process.Kill(); first.Wait() }()
		waitLocked(t, out, first.Process.Pid)
		expect(t, aecifar(t, nil, runArgs("run", data, out)...), 1, fmt.Sprintf("(PID %d, `aecifar.test run --data", first.Process.Pid))
		expect(t, aecifar(t, nil, append([]string{"run", "--resume", "--data", data, "--out", out}, with("--ae-epochs", "50", "--max-batches", "0")...)...), 1, fmt.Sprintf("PID %d", first.Process.Pid))
	})
	t.Run("6: the default path crops images of another size", func(t *testing.T) {
		data, out := caseDirs(t)
		writePNG(t, filepath.Join(data, "train", "cat", "big.png"), image.NewRGBA(image.Rect(0, 0, 48, 40)))
		expect(t, aecifar(t, nil, runArgs("run", data, out)...), 0)
		expectChanges(t, out, tree{}, runOutputs...)
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
		before := snapshot(t, out)
		expect(t, aecifar(t, nil, append(args, "--resume", "--ae-epochs", "2", "--max-batches", "2")...), 1, "cannot resume the run in", "it ran with --ae-epochs 50 --max-batches 0, this command gives --ae-epochs 2 --max-batches 2")
		expectChanges(t, out, before)
	})
	t.Run("7: train-ae on a fresh --out", func(t *testing.T) {
		data, out := caseDirs(t)
		expect(t, aecifar(t, nil, runArgs("train-ae", data, out)...), 0)
		expectChanges(t, out, tree{}, "+cifar_autoencoder.pt", "+history.csv", "+history.json", "+loss.png", "+resume.json")
		// train-classifier adds its stage; the run is then complete.
		before := snapshot(t, out)
		expect(t, aecifar(t, nil, runArgs("train-classifier", data, out)...), 0)
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
			c := aecifar(t, nil, runArgs("run", dir, out)...)
			expect(t, c, 0)
			if !strings.Contains(c.stdout, "Test Accuracy (Overall)") {
				t.Errorf("--data %s: no test:\n%s", dir, c.stdout)
			}
		}
	})
	t.Run("7: --resume compares the data by content, not by how its path is written", func(t *testing.T) {
		out := interruptedCopy(t)
		moved := filepath.Join(t.TempDir(), "moved")
		copyTree(t, fx.data, moved)
		expect(t, aecifar(t, nil, runArgs("run", moved+"/", out, "--resume")...), 0)
		sameRun(t, fx.done, out)
	})
	t.Run("more: after damaged or foreign resume state, --restart ends as the uninterrupted run", func(t *testing.T) {
		for _, damage := range []func(out string){
			func(out string) { truncate(t, filepath.Join(out, "resume.json")) },
			func(out string) { truncate(t, filepath.Join(out, stateFile(t, out))) },
		} {
			out := interruptedCopy(t)
			damage(out)
			expect(t, aecifar(t, nil, runArgs("run", fx.data, out, "--restart")...), 0)
			sameRun(t, fx.done, out)
		}
		out := legacyResume(t)
		expect(t, aecifar(t, nil, runArgs("run", fx.data, out, "--restart")...), 0)
		sameRun(t, fx.done, out)
	})
	t.Run("more: the largest --seed and --max-batches, on the fast path", func(t *testing.T) {
		// The seed reaches torch.manual_seed; the cap times the batch size overflowed into a panic.
		_, out := caseDirs(t)
		c := aecifar(t, nil, runArgs("run", fx.data, out, "--fast", "--seed", "18446744073709551615", "--max-batches", "9223372036854775807")...)
		expect(t, c, 0)
		expectChanges(t, out, tree{}, runOutputs...)
	})
	t.Run("more: --resume of a complete run", func(t *testing.T) {
		done := doneCopy(t)
		before := snapshot(t, done)
		expect(t, aecifar(t, nil, runArgs("run", fx.data, done, "--resume")...), 0, "is complete: nothing to resume")
		expectChanges(t, done, before)
	})
}

// stateFile is the state file that the manifest in out names, relative to out.
func stateFile(t *testing.T, out string) string {
	t.Helper()
	var m struct {
		Files map[string]struct{ Path string }
	}
	readJSON(t, filepath.Join(out, "resume.json"), &m)
	return m.Files["state"].Path
}

// legacyResume is an output directory holding the resume state of an aecifar before the manifest
// (resume.pt beside a resume.json of another format).
func legacyResume(t *testing.T) string {
	t.Helper()
	out := interruptedCopy(t)
	os.RemoveAll(filepath.Join(out, "resume"))
	writeFile(t, filepath.Join(out, "resume.json"), []byte(`{"stage": "autoencoder", "epoch": 1}`))
	writeFile(t, filepath.Join(out, "resume.pt"), []byte("PK"))
	return out
}

// lockedCopy locks dir for this (test) process until the test ends, and returns it.
func lockedCopy(t *testing.T, dir string) string {
	t.Helper()
	lock, err := dirlock.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Release() })
	return dir
}

// keepClasses removes all but the first n classes from both splits of data.
func keepClasses(t *testing.T, data string, n int) {
	t.Helper()
	for _, c := range cifarClasses[n:] {
		os.RemoveAll(filepath.Join(data, "train", c))
		os.RemoveAll(filepath.Join(data, "test", c))
	}
}

// addZebra adds an eleventh class to both splits of data.
func addZebra(t *testing.T, data string) {
	t.Helper()
	copyTree(t, filepath.Join(data, "train", "cat"), filepath.Join(data, "train", "zebra"))
	copyTree(t, filepath.Join(data, "test", "cat"), filepath.Join(data, "test", "zebra"))
}

// renameKitten renames test/'s cat folder to kitten.
func renameKitten(t *testing.T, data string) {
	t.Helper()
	if err := os.Rename(filepath.Join(data, "test", "cat"), filepath.Join(data, "test", "kitten")); err != nil {
		t.Fatal(err)
	}
}

// badImage cuts an image of split in half and returns its path.
func badImage(t *testing.T, data, split string) string {
	t.Helper()
	bad := filepath.Join(data, split, "dog", "0001.png")
	b := readFile(t, bad)
	writeFile(t, bad, b[:len(b)/2])
	return bad
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
