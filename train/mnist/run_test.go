package mnist

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/internal/pytorch"
	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/testing/parity"
	"github.com/aecifar/aecifar/torch/vision/datasets"
)

func fakeArgs(t *testing.T, ex Example) Args {
	t.Helper()
	tr, err := datasets.NewFakeData(datasets.FakeDataOptions{Size: 100, ImageSize: [3]int{1, 28, 28}, Transform: Transform()})
	if err != nil {
		t.Fatal(err)
	}
	te, err := datasets.NewFakeData(datasets.FakeDataOptions{Size: 50, ImageSize: [3]int{1, 28, 28}, Transform: Transform(), RandomOffset: 1000})
	if err != nil {
		t.Fatal(err)
	}
	args := DefaultArgs(ex)
	args.TrainSet, args.TestSet, args.Data, args.Out = tr, te, "", t.TempDir()
	args.Epochs, args.BatchSize, args.TestBatchSize, args.LogInterval, args.SaveModel, args.Quiet = 2, 16, 20, 3, true, true
	return args
}

var (
	trainLine = regexp.MustCompile(`^Train Epoch: (\d+) \[(\d+)/100 \((\d+)%\)\]\tLoss: \d+\.\d{6}$`)
	testLine  = regexp.MustCompile(`^Test set: Average loss: \d+\.\d{4}, Accuracy: (\d+)/50 \((\d+)%\)$`)
)

// checkRun runs Main on FakeData (100 training and 50 test images, batches of 16 and 20, logging
// every 3rd batch) and checks every printed line against the example's format, the files written
// and that the saved model loads back strictly.
func checkRun(t *testing.T, ex Example, reload func(path string) error) {
	t.Helper()
	args := fakeArgs(t, ex)
	var log bytes.Buffer
	args.Log = &log
	live := torch.LiveTensors()
	res, err := Main(context.Background(), ex, args)
	if err != nil {
		t.Fatal(err)
	}
	if n := torch.LiveTensors(); n != live {
		t.Errorf("%d tensors alive after the run, %d before", n, live)
	}
	// Per epoch: batches 0, 3, 6 of 7 logged, then "", the test line, "". The example prints
	// batch_idx * len(data): the last batch holds 4 images, hence 6*4 = 24, not 96.
	var want []string
	for e := 1; e <= 2; e++ {
		for i, seen := range []int{0, 3 * 16, 6 * 4} {
			want = append(want, "Train Epoch: "+strconv.Itoa(e)+" ["+strconv.Itoa(seen)+"/100 ("+strconv.Itoa([]int{0, 43, 86}[i])+"%)]")
		}
		want = append(want, "", "Test set", "")
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), log.String())
	}
	for i, l := range lines {
		switch {
		case want[i] == "":
			if l != "" {
				t.Errorf("line %d: %q, want a blank line", i+1, l)
			}
		case want[i] == "Test set":
			if m := testLine.FindStringSubmatch(l); m == nil {
				t.Errorf("line %d: %q", i+1, l)
			}
		default:
			if !trainLine.MatchString(l) || !strings.HasPrefix(l, want[i]) {
				t.Errorf("line %d: %q, want %q...", i+1, l, want[i])
			}
		}
	}
	if len(res.Epochs) != 2 || res.Epochs[1].LR != args.LR*args.Gamma || res.Total != 50 || len(res.Losses) != 6 {
		t.Errorf("results: %+v", res)
	}
	for _, name := range []string{ex.SaveFile, "results.json", "losses.png", "accuracy.png", "per_class.png", "confusion.png", "predictions.png"} {
		if st, err := os.Stat(filepath.Join(args.Out, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := reload(filepath.Join(args.Out, ex.SaveFile)); err != nil {
		t.Error(err)
	}
}

func loadStrict(ex Example) func(string) error {
	return func(path string) error {
		m := ex.NewModel()
		defer m.Drop()
		sd, err := torch.Load(path)
		if err != nil {
			return err
		}
		defer sd.Drop()
		return m.(interface {
			LoadStateDict(torch.StateDict, bool) error
		}).LoadStateDict(sd, true)
	}
}

func TestCNNRunPrintsTheExamplesLines(t *testing.T) { checkRun(t, CNN, loadStrict(CNN)) }

func TestArgsErrors(t *testing.T) {
	for _, c := range []struct {
		edit func(*Args)
		want string
	}{
		{func(a *Args) { a.BatchSize = 0 }, "--batch-size"},
		{func(a *Args) { a.TestBatchSize = -1 }, "--test-batch-size"},
		{func(a *Args) { a.LogInterval = 0 }, "--log-interval"},
		{func(a *Args) { a.Data = "" }, "no data directory"},
	} {
		a := DefaultArgs(CNN)
		c.edit(&a)
		if err := a.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v", c.want, err)
		}
	}
	var out, errOut bytes.Buffer
	for _, argv := range [][]string{{"--batch-size", "0"}, {"--bogus"}, {"extra"}} {
		if code := Command(CNN, argv, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2", argv, code)
		}
	}
	errOut.Reset()
	if code := Command(CNN, []string{"--data", t.TempDir(), "--download=false", "--out", t.TempDir()}, &out, &errOut); code != 1 ||
		strings.Count(errOut.String(), "\n") != 1 {
		t.Errorf("missing data: exit %d, %q", code, errOut.String())
	}
}

func python(t *testing.T, modules ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Python with torch; skipped under -short")
	}
	p, err := pytorch.Find(modules...)
	if err != nil {
		t.Skip(err)
	}
	return p
}

// checkInterop: a state_dict saved by Go loads in PyTorch with strict=True into the example's Net
// and computes Go's eval-mode outputs, and one saved by PyTorch loads strictly in Go and computes
// PyTorch's.
func checkInterop(t *testing.T, ex Example, name string, prepare func(*testing.T, Model)) {
	py := python(t)
	dir := t.TempDir()
	script, err := filepath.Abs(filepath.Join("testdata", "interop.py"))
	if err != nil {
		t.Fatal(err)
	}
	input := parity.Det([]int64{4, 1, 28, 28}, 77, 1.0)
	outputs := func(m Model) []float32 {
		m.Eval()
		var v []float32
		var err error
		torch.NoGrad(func() {
			torch.WithScope(func(s *torch.Scope) {
				v, err = m.Forward(s.Attach(torch.FromSlice(input, 4, 1, 28, 28))).Float32s()
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	pyOutputs := func(args ...string) []float64 {
		b, err := pytorch.Output(py, append([]string{script, name}, args...)...)
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
		m := ex.NewModel()
		defer m.Drop()
		if prepare != nil {
			prepare(t, m)
		}
		path := filepath.Join(dir, "go.pt")
		if err := torch.Save(m.StateDict(), path); err != nil {
			t.Fatal(err)
		}
		if err := parity.Compare(outputs(m), pyOutputs("load", path), parity.Tol{Abs: 1e-5, Rel: 1e-5}); err != nil {
			t.Error(err)
		}
	})
	t.Run("python-to-go", func(t *testing.T) {
		path := filepath.Join(dir, "py.pt")
		want := pyOutputs("save", path)
		if err := loadStrict(ex)(path); err != nil {
			t.Fatal(err)
		}
		m := ex.NewModel()
		defer m.Drop()
		sd, err := torch.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		defer sd.Drop()
		if err := m.(interface {
			LoadStateDict(torch.StateDict, bool) error
		}).LoadStateDict(sd, true); err != nil {
			t.Fatal(err)
		}
		if err := parity.Compare(outputs(m), want, parity.Tol{Abs: 1e-5, Rel: 1e-5}); err != nil {
			t.Error(err)
		}
	})
}

func TestCNNStateDictInterop(t *testing.T) { checkInterop(t, CNN, "cnn", nil) }

// checkMatchesPython runs the Python example (bench/python/NAME) and the Go port's command line on
// the real MNIST files with the same arguments, --dry-run for two epochs: everything random comes from the same
// libtorch generator in the same order, so the printed lines must be equal, character for
// character. MNIST_DIR is the folder of the original .gz files (torchvision's MNIST/raw), as for
// the datasets tests; both sides read a root made from it with the files already decompressed, so
// that neither prints download or extraction lines.
func checkMatchesPython(t *testing.T, ex Example, script string) {
	py := python(t, "torchvision")
	raw := os.Getenv("MNIST_DIR")
	if raw == "" {
		t.Skip("set MNIST_DIR to the folder of the original MNIST .gz files (torchvision's MNIST/raw) to compare with Python on real data")
	}
	root := mnistRoot(t, raw)
	path, err := filepath.Abs(filepath.Join("..", "..", "bench", "python", script))
	if err != nil {
		t.Fatal(err)
	}
	pyOut, err := pytorch.Output(py, path, "--data", root, "--dry-run", "--epochs", "2")
	if err != nil {
		var stderr []byte
		if e, ok := err.(*exec.ExitError); ok {
			stderr = e.Stderr
		}
		t.Fatalf("%s: %v\n%s", script, err, stderr)
	}
	var log, stderr bytes.Buffer
	if code := Command(ex, []string{"--data", root, "--dry-run", "--epochs", "2", "--download=false", "--quiet", "--out", t.TempDir()}, &log, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if log.String() != string(pyOut) {
		t.Errorf("Go printed\n%s\nPython printed\n%s", log.String(), pyOut)
	}
}

// mnistRoot returns a datasets root whose MNIST/raw holds the four files of raw (.gz) decompressed.
func mnistRoot(t *testing.T, raw string) string {
	t.Helper()
	root := t.TempDir()
	dst := filepath.Join(root, "MNIST", "raw")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		if err := gunzip(filepath.Join(raw, name+".gz"), filepath.Join(dst, name)); err != nil {
			t.Fatalf("MNIST_DIR: %v", err)
		}
	}
	return root
}

func gunzip(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, z); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", src, err)
	}
	return out.Close()
}

func TestCNNMatchesPythonOnMNIST(t *testing.T) { checkMatchesPython(t, CNN, "mnist.py") }

func TestRNNRunPrintsTheExamplesLines(t *testing.T) { checkRun(t, RNN, loadStrict(RNN)) }

// TestRNNStateDictInterop also moves BatchNorm1d's buffers: Python's side gives them values of
// their own, and Go's side here, so that eval mode reads running statistics that are not the
// defaults and num_batches_tracked travels as an int64.
func TestRNNStateDictInterop(t *testing.T) {
	checkInterop(t, RNN, "rnn", func(t *testing.T, m Model) {
		bn := m.(*models.MNISTRNN).BatchNorm
		torch.NoGrad(func() {
			torch.WithScope(func(s *torch.Scope) {
				mean := s.Attach(torch.FromSlice(parity.Det([]int64{64}, 5, 0.5), 64))
				variance := s.Attach(torch.FromSlice(parity.Det([]int64{64}, 6, 0.5), 64)).Abs().AddScalar(0.5)
				for _, r := range []*torch.Tensor{bn.RunningMean.Copy_(mean), bn.RunningVar.Copy_(variance), bn.NumBatchesTracked.Fill_(11)} {
					if err := r.Err(); err != nil {
						t.Fatal(err)
					}
				}
			})
		})
	})
}

func TestRNNMatchesPythonOnMNIST(t *testing.T) { checkMatchesPython(t, RNN, "mnist_rnn.py") }

// TestRNNAccelFlags: the LSTM example's --accel (and the older --cuda) asks for CUDA and fails in
// one line where there is none; the older --mps is refused in one line; the CNN's --no-accel is
// not the LSTM's flag.
func TestRNNAccelFlags(t *testing.T) {
	type flagCase struct {
		flag string
		code int
		want string
	}
	cases := []flagCase{{"--mps", 1, "--mps"}, {"--no-accel", 2, "flag provided but not defined"}}
	if !torch.CUDAIsAvailable() {
		cases = append(cases, flagCase{"--accel", 1, "no CUDA device"}, flagCase{"--cuda", 1, "no CUDA device"})
	}
	argv := []string{"--data", t.TempDir(), "--download=false", "--out", t.TempDir()}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := Command(RNN, append([]string{c.flag}, argv...), &out, &errOut)
		if code != c.code || !strings.Contains(errOut.String(), c.want) || c.code == 1 && strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("%s: exit %d, %q; want exit %d and %q", c.flag, code, errOut.String(), c.code, c.want)
		}
	}
}
