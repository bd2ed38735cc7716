package blitz

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/internal/pytorch"
	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/testing/parity"
	"github.com/aecifar/aecifar/torch/vision/datasets"
)

// fixture is testdata/fixture.json, written by testdata/gen.py.
type fixture struct {
	TorchVersion  string              `json:"torch_version"`
	NumThreads    int                 `json:"num_threads"`
	StateDictKeys []string            `json:"state_dict_keys"`
	InitSeed      uint64              `json:"init_seed"`
	Init          []parity.Summary    `json:"init"`
	Batch         parity.Batches      `json:"batch"`
	Labels        parity.LabelBatches `json:"labels"`
	Steps         int                 `json:"steps"`
	Runs          []struct {
		LR       float64          `json:"lr"`
		Momentum float64          `json:"momentum"`
		Losses   []float64        `json:"losses"`
		Final    []parity.Summary `json:"final"`
	} `json:"runs"`
}

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f fixture
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("fixture.json: %v (regenerate with testdata/gen.py)", err)
	}
	return &f
}

// checkSummaries compares each parameter with PyTorch's summary of it: sums within rel of the sum
// of magnitudes, the first values within rel of the largest magnitude.
func checkSummaries(t *testing.T, what string, sd torch.StateDict, want []parity.Summary, rel float64) {
	t.Helper()
	if len(sd) != len(want) {
		t.Fatalf("%s: %d tensors, PyTorch %d", what, len(sd), len(want))
	}
	for i, nt := range sd {
		v, err := nt.Tensor.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		got, w := parity.Summarize(nt.Name, v), want[i]
		if got.Name != w.Name {
			t.Fatalf("%s: tensor %d is %s, PyTorch's %s", what, i, got.Name, w.Name)
		}
		if d := math.Abs(got.Sum - w.Sum); d > rel*w.SumAbs {
			t.Errorf("%s %s: sum %v, PyTorch %v (difference %.3g of %.3g)", what, nt.Name, got.Sum, w.Sum, d, w.SumAbs)
		}
		if err := parity.Compare(got.First, w.First, parity.Tol{Abs: rel * w.AbsMax}); err != nil {
			t.Errorf("%s %s: first values: %v", what, nt.Name, err)
		}
	}
}

func TestStateDictKeysMatchPython(t *testing.T) {
	f := loadFixture(t)
	net := models.NewBlitzNet()
	defer net.Drop()
	var keys []string
	for _, nt := range net.StateDict() {
		keys = append(keys, nt.Name)
	}
	if got, want := fmt.Sprint(keys), fmt.Sprint(f.StateDictKeys); got != want {
		t.Errorf("state_dict keys %s, PyTorch %s", got, want)
	}
}

// TestTrainsLikePyTorch is the blitz's 20-step fidelity test: Net() after torch.manual_seed(0)
// must hold PyTorch's default initialisation (same draws, same order), and 20 steps of the
// tutorial's loop (CrossEntropyLoss, SGD with momentum 0.9) on the same batches must give
// PyTorch's losses within 1e-4 relative, at the tutorial's lr and at a larger one.
func TestTrainsLikePyTorch(t *testing.T) {
	f := loadFixture(t)
	if err := torch.SetNumThreads(f.NumThreads); err != nil {
		t.Fatal(err)
	}
	defer torch.SetNumThreads(runtime.NumCPU())
	live := torch.LiveTensors()
	for _, run := range f.Runs {
		t.Run(fmt.Sprintf("lr=%v", run.LR), func(t *testing.T) {
			if err := torch.ManualSeed(f.InitSeed); err != nil {
				t.Fatal(err)
			}
			net := models.NewBlitzNet()
			defer net.Drop()
			// Default initialisation draws the very numbers PyTorch's does: exact but for
			// float rounding in the bound computation.
			checkSummaries(t, "init", net.StateDict(), f.Init, 1e-6)
			criterion := nn.NewCrossEntropyLoss()
			optimizer, err := optim.NewSGD(net.Parameters(), run.LR, optim.SGDOptions{Momentum: run.Momentum})
			if err != nil {
				t.Fatal(err)
			}
			defer optimizer.Drop()
			for k := range f.Steps {
				torch.WithScope(func(s *torch.Scope) {
					b := f.Batch.Batch(k)
					inputs := s.Attach(torch.FromSlice(b.Values(), b.Shape...))
					labels := s.Attach(torch.FromSlice(f.Labels.Labels(k), int64(f.Labels.N)))
					loss, err := Step(net, optimizer, criterion, inputs, labels)
					if err != nil {
						t.Fatal(err)
					}
					if err := parity.Compare([]float64{loss.MustItem()}, run.Losses[k:k+1], parity.Tol{Rel: 1e-4}); err != nil {
						t.Fatalf("step %d: loss: %v", k, err)
					}
				})
			}
			checkSummaries(t, "after 20 steps", net.StateDict(), run.Final, 1e-4)
		})
	}
	if n := torch.LiveTensors(); n != live {
		t.Errorf("%d tensors alive after training, %d before", n, live)
	}
}

func fakeConfig(t *testing.T, out string) Config {
	t.Helper()
	tr, err := datasets.NewFakeData(datasets.FakeDataOptions{Size: 48, ImageSize: [3]int{3, 32, 32}, Transform: Transform()})
	if err != nil {
		t.Fatal(err)
	}
	te, err := datasets.NewFakeData(datasets.FakeDataOptions{Size: 40, ImageSize: [3]int{3, 32, 32}, Transform: Transform(), RandomOffset: 1000})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	cfg.Train, cfg.Test, cfg.DataDir, cfg.OutDir = tr, te, "", out
	cfg.PrintEvery, cfg.Seed, cfg.Quiet = 4, 1, true
	return cfg
}

var (
	lossLine     = regexp.MustCompile(`^\[(\d), +(\d+)\] loss: (\d+\.\d{3})$`)
	classLine    = regexp.MustCompile(`^Accuracy for class: (.{5}) is (\d+\.\d|N/A \(no test images\))( %)?$`)
	groundTruth  = regexp.MustCompile(`^GroundTruth:  (\S+ *){4}$`)
	overallLine  = regexp.MustCompile(`^Accuracy of the network on the 10000 test images: (\d+) %$`)
	trainingLine = regexp.MustCompile(`^((plane|car|bird|cat|deer|dog|frog|horse|ship|truck) *)( (plane|car|bird|cat|deer|dog|frog|horse|ship|truck) *){3}$`)
)

// TestRunPrintsTheTutorialsLines runs the whole tutorial on FakeData and checks every printed line
// against the tutorial's format, the files written and that the saved checkpoint loads strictly.
func TestRunPrintsTheTutorialsLines(t *testing.T) {
	out := t.TempDir()
	cfg := fakeConfig(t, out)
	var log bytes.Buffer
	cfg.Log = &log
	live := torch.LiveTensors()
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := torch.LiveTensors(); n != live {
		t.Errorf("%d tensors alive after the run, %d before", n, live)
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	// 1 training-label line, 2 epochs x 3 loss lines (12 batches, every 4th), Finished Training,
	// GroundTruth, Predicted, overall, 10 classes, device.
	if len(lines) != 1+6+1+2+1+10+1 {
		t.Fatalf("%d lines:\n%s", len(lines), log.String())
	}
	if !trainingLine.MatchString(lines[0]) {
		t.Errorf("training labels line %q", lines[0])
	}
	for i, l := range lines[1:7] {
		m := lossLine.FindStringSubmatch(l)
		if m == nil || m[1] != strconv.Itoa(i/3+1) || m[2] != strconv.Itoa(4*(i%3+1)) {
			t.Errorf("loss line %q", l)
		}
	}
	if lines[7] != "Finished Training" || !groundTruth.MatchString(lines[8]) || !strings.HasPrefix(lines[9], "Predicted:  ") {
		t.Errorf("lines 8-10: %q", lines[7:10])
	}
	m := overallLine.FindStringSubmatch(lines[10])
	if m == nil || m[1] != strconv.Itoa(100*res.Correct/res.Total) || res.Total != 40 {
		t.Errorf("overall line %q for %d/%d", lines[10], res.Correct, res.Total)
	}
	for i, l := range lines[11:21] {
		if m := classLine.FindStringSubmatch(l); m == nil || strings.TrimSpace(m[1]) != Classes[i] {
			t.Errorf("class line %q", l)
		}
	}
	if lines[21] != "cpu" {
		t.Errorf("device line %q", lines[21])
	}
	for _, name := range []string{PATH, "results.json", "train_images.png", "test_images.png", "losses.png", "per_class.png", "confusion.png", "predictions.png"} {
		if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	net := models.NewBlitzNet()
	defer net.Drop()
	sd, err := torch.Load(filepath.Join(out, PATH))
	if err != nil {
		t.Fatal(err)
	}
	defer sd.Drop()
	if err := net.LoadStateDict(sd, true); err != nil {
		t.Error(err)
	}
	if len(res.Losses) != 6 || len(res.Epochs) != 2 || len(res.Lines) != 11 {
		t.Errorf("results: %d losses, %d epochs, %d lines", len(res.Losses), len(res.Epochs), len(res.Lines))
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.BatchSize = 0 }, "batch size"},
		{func(c *Config) { c.PrintEvery = 0 }, "print interval"},
		{func(c *Config) { c.Epochs = -1 }, "epochs"},
		{func(c *Config) { c.DataDir = "" }, "no data directory"},
	} {
		cfg := Default()
		c.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v", c.want, err)
		}
	}
	cfg := Default()
	cfg.DataDir, cfg.Download, cfg.OutDir = t.TempDir(), false, t.TempDir()
	if _, err := Run(context.Background(), cfg); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("no data: %v", err)
	}
}

func python(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Python with torch; skipped under -short")
	}
	p, err := pytorch.Find()
	if err != nil {
		t.Skip(err)
	}
	return p
}

// TestStateDictInterop: a cifar_net.pth saved by Go loads in PyTorch with strict=True into the
// tutorial's Net and computes Go's outputs, and one saved by PyTorch loads strictly in Go and
// computes PyTorch's.
func TestStateDictInterop(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	script, err := filepath.Abs(filepath.Join("testdata", "interop.py"))
	if err != nil {
		t.Fatal(err)
	}
	input := parity.Det([]int64{2, 3, 32, 32}, 77, 1.0)
	outputs := func(net *models.BlitzNet) []float32 {
		var v []float32
		torch.NoGrad(func() {
			torch.WithScope(func(s *torch.Scope) {
				x := s.Attach(torch.FromSlice(input, 2, 3, 32, 32))
				v, err = net.Forward(x).Float32s()
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	pyOutputs := func(args ...string) []float64 {
		b, err := pytorch.Output(py, append([]string{script}, args...)...)
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				t.Fatalf("interop.py %v: %v\n%s", args, err, ee.Stderr)
			}
			t.Fatal(err)
		}
		var v []float64
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("interop.py printed %q", b)
		}
		return v
	}

	t.Run("go-to-python", func(t *testing.T) {
		if err := torch.ManualSeed(5); err != nil {
			t.Fatal(err)
		}
		net := models.NewBlitzNet()
		defer net.Drop()
		path := filepath.Join(dir, "go.pth")
		if err := torch.Save(net.StateDict(), path); err != nil {
			t.Fatal(err)
		}
		if err := parity.Compare(outputs(net), pyOutputs("load", path), parity.Tol{Abs: 1e-5, Rel: 1e-5}); err != nil {
			t.Error(err)
		}
	})
	t.Run("python-to-go", func(t *testing.T) {
		path := filepath.Join(dir, "py.pth")
		want := pyOutputs("save", path)
		net := models.NewBlitzNet()
		defer net.Drop()
		sd, err := torch.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		defer sd.Drop()
		if err := net.LoadStateDict(sd, true); err != nil {
			t.Fatal(err)
		}
		if err := parity.Compare(outputs(net), want, parity.Tol{Abs: 1e-5, Rel: 1e-5}); err != nil {
			t.Error(err)
		}
	})
}

// TestMatchesPythonOnRealData runs the Python tutorial (bench/python/blitz.py) and the Go port
// with the same torch.manual_seed on CIFAR-10 (CIFAR10_DIR: an ImageFolder tree or the binary
// release): they draw the same shuffles and initial weights from the same libtorch generator, so
// the training-label line must be equal and each printed running loss of the first 1000 batches
// within 0.003 (JPEG decoding, Go's inverse DCT against libjpeg's, moves pixels by a level or
// three; measured: equal to the printed 3 decimals over 3000 batches).
func TestMatchesPythonOnRealData(t *testing.T) {
	py := python(t)
	dir := os.Getenv("CIFAR10_DIR")
	if dir == "" {
		t.Skip("set CIFAR10_DIR to CIFAR-10 (an ImageFolder tree or the binary release) to compare with Python on real data")
	}
	if _, err := pytorch.Find("torchvision"); err != nil {
		t.Skip(err)
	}
	out := t.TempDir()
	script, err := filepath.Abs(filepath.Join("..", "..", "bench", "python", "blitz.py"))
	if err != nil {
		t.Fatal(err)
	}
	pyOut, err := pytorch.Output(py, script, "--data", dir, "--path", filepath.Join(out, "py.pth"), "--seed", "1",
		"--max-batches", "1000", "--print-every", "250", "--max-test-batches", "1")
	if err != nil {
		t.Fatalf("blitz.py: %v", err)
	}
	cfg := Default()
	cfg.DataDir, cfg.Download, cfg.OutDir, cfg.Seed, cfg.Quiet = dir, false, out, 1, true
	cfg.Epochs, cfg.MaxBatches, cfg.PrintEvery, cfg.MaxTestBatches = 1, 1000, 250, 1
	var log bytes.Buffer
	cfg.Log = &log
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	goLines, pyLines := strings.Split(log.String(), "\n"), strings.Split(string(pyOut), "\n")
	if goLines[0] != pyLines[0] {
		t.Errorf("training labels: Go %q, Python %q", goLines[0], pyLines[0])
	}
	for i := 1; i <= 4; i++ {
		g, p := lossLine.FindStringSubmatch(goLines[i]), lossLine.FindStringSubmatch(pyLines[i])
		if g == nil || p == nil || g[1] != p[1] || g[2] != p[2] {
			t.Fatalf("line %d: Go %q, Python %q", i, goLines[i], pyLines[i])
		}
		gv, _ := strconv.ParseFloat(g[3], 64)
		pv, _ := strconv.ParseFloat(p[3], 64)
		if math.Abs(gv-pv) > 0.003 {
			t.Errorf("line %d: Go %q, Python %q", i, goLines[i], pyLines[i])
		}
	}
}
