package mnist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/optim/lr_scheduler"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// entry is one state_dict entry's record: a summary, or an integer tensor's values.
type entry struct {
	parity.Summary
	Int []int64 `json:"int"`
}

type fixtureRun struct {
	StateDictKeys []string            `json:"state_dict_keys"`
	LR            float64             `json:"lr"`
	Batch         parity.Batches      `json:"batch"`
	Labels        parity.LabelBatches `json:"labels"`
	Init          []entry             `json:"init"`
	Losses        []float64           `json:"losses"`
	LRs           []float64           `json:"lrs"`
	Final         []entry             `json:"final"`
	EvalOutput    parity.Summary      `json:"eval_output"`
	EvalLossSum   float64             `json:"eval_loss_sum"`
	EvalCorrect   int                 `json:"eval_correct"`
}

type fixture struct {
	TorchVersion  string     `json:"torch_version"`
	NumThreads    int        `json:"num_threads"`
	Seed          uint64     `json:"seed"`
	Gamma         float64    `json:"gamma"`
	Steps         int        `json:"steps"`
	StepsPerEpoch int        `json:"steps_per_epoch"`
	CNN           fixtureRun `json:"cnn"`
	RNN           fixtureRun `json:"rnn"`
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

// checkState compares a state_dict with PyTorch's record of it: floating tensors by summary (the
// sum within rel of the sum of magnitudes, the first values within rel of the largest magnitude),
// integer ones exactly.
func checkState(t *testing.T, what string, sd torch.StateDict, want []entry, rel float64) {
	t.Helper()
	if len(sd) != len(want) {
		t.Fatalf("%s: %d entries, PyTorch %d", what, len(sd), len(want))
	}
	for i, nt := range sd {
		w := want[i]
		if nt.Name != w.Name {
			t.Fatalf("%s: entry %d is %s, PyTorch's %s", what, i, nt.Name, w.Name)
		}
		if w.Int != nil {
			v, err := nt.Tensor.Int64s()
			if err != nil || fmt.Sprint(v) != fmt.Sprint(w.Int) {
				t.Errorf("%s %s: %v (%v), PyTorch %v", what, nt.Name, v, err, w.Int)
			}
			continue
		}
		v, err := nt.Tensor.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		got := parity.Summarize(nt.Name, v)
		if d := math.Abs(got.Sum - w.Sum); d > rel*w.SumAbs {
			t.Errorf("%s %s: sum %v, PyTorch %v (difference %.3g of %.3g)", what, nt.Name, got.Sum, w.Sum, d, w.SumAbs)
		}
		if err := parity.Compare(got.First, w.First, parity.Tol{Abs: rel * w.AbsMax}); err != nil {
			t.Errorf("%s %s: first values: %v", what, nt.Name, err)
		}
	}
}

// trainsLikePyTorch is the 20-step fidelity test of one example's model: after torch.manual_seed
// the model holds PyTorch's default initialisation; then 20 steps of train()'s loop with dropout
// active (its masks drawn from the same libtorch generator in the same order), Adadelta and a
// StepLR stepped every 5 steps, must give PyTorch's losses within 1e-4 relative and its learning
// rates exactly, and the trained model PyTorch's eval-mode output.
func trainsLikePyTorch(t *testing.T, ex Example, f *fixture, run fixtureRun) {
	if err := torch.SetNumThreads(f.NumThreads); err != nil {
		t.Fatal(err)
	}
	defer torch.SetNumThreads(runtime.NumCPU())
	if err := torch.ManualSeed(f.Seed); err != nil {
		t.Fatal(err)
	}
	model := ex.NewModel()
	defer model.Drop()
	var keys []string
	for _, nt := range model.StateDict() {
		keys = append(keys, nt.Name)
	}
	if got, want := fmt.Sprint(keys), fmt.Sprint(run.StateDictKeys); got != want {
		t.Fatalf("state_dict keys %s, PyTorch %s", got, want)
	}
	checkState(t, "init", model.StateDict(), run.Init, 1e-6)
	optimizer, err := optim.NewAdadelta(model.Parameters(), optim.AdadeltaOptions{LR: run.LR})
	if err != nil {
		t.Fatal(err)
	}
	defer optimizer.Drop()
	scheduler, err := lr_scheduler.NewStepLR(optimizer, 1, lr_scheduler.StepLROptions{Gamma: f.Gamma})
	if err != nil {
		t.Fatal(err)
	}
	model.Train(true)
	for k := range f.Steps {
		if lr := optimizer.ParamGroups()[0].LR; lr != run.LRs[k] {
			t.Fatalf("step %d: lr %v, PyTorch %v", k, lr, run.LRs[k])
		}
		torch.WithScope(func(s *torch.Scope) {
			b := run.Batch.Batch(k)
			data := s.Attach(torch.FromSlice(b.Values(), b.Shape...))
			target := s.Attach(torch.FromSlice(run.Labels.Labels(k), int64(run.Labels.N)))
			loss, err := Step(model, optimizer, data, target)
			if err != nil {
				t.Fatal(err)
			}
			if err := parity.Compare([]float64{loss.MustItem()}, run.Losses[k:k+1], parity.Tol{Rel: 1e-4}); err != nil {
				t.Fatalf("step %d: loss: %v", k, err)
			}
		})
		if k%f.StepsPerEpoch == f.StepsPerEpoch-1 {
			if err := scheduler.Step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkState(t, "after 20 steps", model.StateDict(), run.Final, 1e-4)
	model.Eval()
	torch.NoGrad(func() {
		torch.WithScope(func(s *torch.Scope) {
			b := run.Batch.Batch(f.Steps)
			data := s.Attach(torch.FromSlice(b.Values(), b.Shape...))
			target := s.Attach(torch.FromSlice(run.Labels.Labels(f.Steps), int64(run.Labels.N)))
			output := model.Forward(data)
			v, err := output.Float32s()
			if err != nil {
				t.Fatal(err)
			}
			got := parity.Summarize("output", v)
			if d := math.Abs(got.Sum - run.EvalOutput.Sum); d > 1e-4*run.EvalOutput.SumAbs {
				t.Errorf("eval output sum %v, PyTorch %v", got.Sum, run.EvalOutput.Sum)
			}
			sum := torch.NLLLoss(output, target, torch.NLLLossOptions{Reduction: torch.ReductionSum}).MustItem()
			if err := parity.Compare([]float64{sum}, []float64{run.EvalLossSum}, parity.Tol{Rel: 1e-4}); err != nil {
				t.Errorf("eval summed loss: %v", err)
			}
			pred := output.Argmax(torch.ArgmaxOptions{Dim: new(int64(1)), Keepdim: true})
			if n := int(pred.Eq(target.ViewAs(pred)).Sum().MustItem()); n != run.EvalCorrect {
				t.Errorf("eval correct %d, PyTorch %d", n, run.EvalCorrect)
			}
		})
	})
}

func TestCNNTrainsLikePyTorch(t *testing.T) {
	f := loadFixture(t)
	live := torch.LiveTensors()
	trainsLikePyTorch(t, CNN, f, f.CNN)
	if n := torch.LiveTensors(); n != live {
		t.Errorf("%d tensors alive after training, %d before", n, live)
	}
}

// TestRNNTrainsLikePyTorch is the 20-step test of mnist_rnn's Net: the LSTM with batch_first,
// output[:, -1, :], BatchNorm1d in training mode (its running statistics and num_batches_tracked
// are part of the compared state_dict) and Dropout2d on 2-D input, drawing PyTorch 1.13's masks.
func TestRNNTrainsLikePyTorch(t *testing.T) {
	f := loadFixture(t)
	live := torch.LiveTensors()
	trainsLikePyTorch(t, RNN, f, f.RNN)
	if n := torch.LiveTensors(); n != live {
		t.Errorf("%d tensors alive after training, %d before", n, live)
	}
}
