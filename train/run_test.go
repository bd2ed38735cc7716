package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/internal/pytorch"
	"github.com/aecifar/aecifar/internal/tinydata"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/train/report"
)

func testConfig(t *testing.T, dataDir string) (Config, *bytes.Buffer) {
	cfg := Default()
	cfg.DataDir, cfg.OutDir = dataDir, t.TempDir()
	cfg.AEEpochs, cfg.ClfEpochs = 2, 2
	cfg.Workers = 2
	var log bytes.Buffer
	cfg.Log, cfg.Quiet = &log, true
	cfg.Progress = io.Discard // the warnings of tiny data's batches; warn_test.go reads them
	return cfg, &log
}

var all = StagesOf(StageAutoencoder, StageClassifier, StageTest)

// TestRunWritesEveryOutput runs the whole recipe on a tiny dataset and checks that every output
// exists and parses, and that the printed lines have the blog's format.
func TestRunWritesEveryOutput(t *testing.T) { checkRunOutputs(t, false) }

func checkRunOutputs(t *testing.T, fast bool) {
	cfg, log := testConfig(t, tinydata.CIFAR(t, 8, 3))
	cfg.Fast = fast
	res, err := Run(context.Background(), cfg, all, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 30 {
		t.Fatalf("tested %d images, want 30", res.Total)
	}
	for _, name := range []string{AutoencoderFile, ClassifierFile} {
		sd, err := torch.Load(filepath.Join(cfg.OutDir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sd.Drop()
	}
	h, err := report.ReadHistory(cfg.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != cfg.AEEpochs+cfg.ClfEpochs {
		t.Fatalf("history has %d epochs, want %d", len(h), cfg.AEEpochs+cfg.ClfEpochs)
	}
	var results map[string]any
	b, err := os.ReadFile(filepath.Join(cfg.OutDir, "results.json"))
	if err != nil || json.Unmarshal(b, &results) != nil {
		t.Fatalf("results.json: %v", err)
	}
	for _, name := range []string{"loss.png", "accuracy.png", "reconstructions.png", "confusion.png"} {
		f, err := os.Open(filepath.Join(cfg.OutDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f.Close()
	}
	out := log.String()
	for _, re := range []string{
		`(?m)^Epoch: 1 \tTraining Loss: \d+\.\d{6}$`,
		`(?m)^Validation loss decreased \(inf --> \d+\.\d{6}\)\. Saving model \.\.\.$`,
		`(?m)^Setting Layer Linear\(in_features=1024, out_features=1024, bias=True\) to be trainable$`,
		`(?m)^Epoch: 2 \tTraining Loss: \d+\.\d{6} \tValidation Loss: \d+\.\d{6}\tValidation Accuracy: \d+\.\d{6}$`,
		`(?m)^Test Accuracy of airplane: [ \d]\d% \( ?\d+/ 3\)$`,
		`(?m)^Test Accuracy \(Overall\): [ \d]\d% \( ?\d+/30\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output lacks a line matching %s:\n%s", re, out)
		}
	}
}

// python is an interpreter with torch and torchvision, or a skip.
func python(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Python: skipped under -short")
	}
	p, err := pytorch.Find("torchvision")
	if err != nil {
		t.Skip(err)
	}
	return p
}

type counts struct {
	ClassCorrect []int `json:"class_correct"`
	ClassTotal   []int `json:"class_total"`
}

func pythonEval(t *testing.T, py, dataDir, checkpoint string, extra ...string) counts {
	t.Helper()
	args := append([]string{filepath.Join("testdata", "eval_checkpoint.py"), dataDir, checkpoint}, extra...)
	out, err := exec.Command(py, args...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("python: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var c counts
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &c); err != nil {
		t.Fatalf("python printed %q: %v", out, err)
	}
	return c
}

func goCounts(r *report.Results) counts {
	var c counts
	for _, pc := range r.PerClass {
		c.ClassCorrect = append(c.ClassCorrect, pc.Correct)
		c.ClassTotal = append(c.ClassTotal, pc.Total)
	}
	return c
}

// TestCheckpointsAgreeWithPython evaluates a Go-trained checkpoint with the Python original and a
// Python-made checkpoint with Go: per-class test counts must be identical.
func TestCheckpointsAgreeWithPython(t *testing.T) {
	py := python(t)
	dataDir := tinydata.CIFAR(t, 4, 5)
	cfg, _ := testConfig(t, dataDir)
	cfg.AEEpochs, cfg.ClfEpochs = 1, 1
	res, err := Run(context.Background(), cfg, all, "")
	if err != nil {
		t.Fatal(err)
	}
	goWeights := filepath.Join(cfg.OutDir, ClassifierFile)
	if got, want := pythonEval(t, py, dataDir, goWeights), goCounts(res); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Go checkpoint: Python counts %v, Go %v", got, want)
	}

	pyWeights := filepath.Join(t.TempDir(), "python_model.pt")
	want := pythonEval(t, py, dataDir, pyWeights, "--save-new", "3")
	res, err = Run(context.Background(), cfg, StagesOf(StageTest), pyWeights)
	if err != nil {
		t.Fatal(err)
	}
	if got := goCounts(res); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Python checkpoint: Go counts %v, Python %v", got, want)
	}
}

// TestResumeMatchesUninterruptedRun interrupts a run after each stage's first epoch in turn,
// resumes it, and compares the history with an uninterrupted run's: every loss must be equal.
func TestResumeMatchesUninterruptedRun(t *testing.T) { checkResume(t, false) }

func checkResume(t *testing.T, fast bool) {
	if testing.Short() {
		t.Skip("trains three times: skipped under -short")
	}
	dataDir := tinydata.CIFAR(t, 6, 2)
	want := func() report.History {
		cfg, _ := testConfig(t, dataDir)
		cfg.Workers, cfg.Fast = 0, fast
		if _, err := Run(context.Background(), cfg, all, ""); err != nil {
			t.Fatal(err)
		}
		h, err := report.ReadHistory(cfg.OutDir)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}()
	for _, stop := range []struct {
		stage Stage
		epoch int
	}{{StageAutoencoder, 1}, {StageClassifier, 1}} {
		t.Run(string(stop.stage), func(t *testing.T) {
			cfg, _ := testConfig(t, dataDir)
			cfg.Workers, cfg.Fast = 0, fast
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg.afterEpoch = func(stage Stage, epoch int) {
				if stage == stop.stage && epoch == stop.epoch {
					cancel()
				}
			}
			if _, err := Run(ctx, cfg, all, ""); !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run: %v", err)
			}
			cfg.afterEpoch = nil
			cfg.Resume = true
			if _, err := Run(context.Background(), cfg, StagesOf(StageAutoencoder, StageClassifier, StageTest), ""); err != nil {
				t.Fatal(err)
			}
			got, err := report.ReadHistory(cfg.OutDir)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d epochs in history, want %d", len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				if g.Stage != w.Stage || g.Epoch != w.Epoch || g.TrainLoss != w.TrainLoss || !sameFloat(g.ValidLoss, w.ValidLoss) || g.LR != w.LR {
					t.Fatalf("epoch %d: resumed %+v, uninterrupted %+v", i, g, w)
				}
			}
		})
	}
}

func sameFloat(a, b float64) bool { return a == b || (a != a && b != b) }
