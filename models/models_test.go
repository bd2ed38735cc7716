package models_test

import (
	"fmt"
	"testing"

	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/testing/parity"
	"github.com/aecifar/aecifar/train"
)

// lossTol is the bound for 20 training steps against PyTorch on CPU.
var lossTol = parity.Tol{Rel: 1e-4}

func setParams(t *testing.T, m interface{ StateDict() torch.StateDict }, params []parity.NamedTensor) {
	t.Helper()
	sd := torch.StateDict{}
	for _, p := range params {
		sd = append(sd, torch.NamedTensor{Name: p.Name, Tensor: torch.FromSlice(p.Values(), p.Shape...)})
	}
	defer sd.Drop()
	type loader interface {
		LoadStateDict(torch.StateDict, bool) error
	}
	if err := m.(loader).LoadStateDict(sd, false); err != nil {
		t.Fatal(err)
	}
}

func keys(sd torch.StateDict) []string {
	var k []string
	for _, nt := range sd {
		k = append(k, nt.Name)
	}
	return k
}

func TestStateDictKeysMatchPython(t *testing.T) {
	f, err := parity.Load[parity.Train]()
	if err != nil {
		t.Fatal(err)
	}
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	clf := models.NewClassifier(ae)
	if got, want := fmt.Sprint(keys(ae.StateDict())), fmt.Sprint(f.Autoencoder.StateDictKeys); got != want {
		t.Errorf("autoencoder keys %s, Python %s", got, want)
	}
	if got, want := fmt.Sprint(keys(clf.StateDict())), fmt.Sprint(f.Classifier.StateDictKeys); got != want {
		t.Errorf("classifier keys %s, Python %s", got, want)
	}
}

// TestAutoencoderTrainsLikePyTorch trains the seed's autoencoder 20 steps (MSE against the input,
// Adam 1e-3) from PyTorch's recorded weights and batches and compares every step's loss. Each step is
// train.AutoencoderStep, the code that trains aecifar's models.
func TestAutoencoderTrainsLikePyTorch(t *testing.T) {
	f, err := parity.Load[parity.Train]()
	if err != nil {
		t.Fatal(err)
	}
	run := f.Autoencoder
	torch.SetNumThreads(f.NumThreads)
	defer torch.SetNumThreads(2)
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	setParams(t, ae, run.Params)
	opt, err := optim.NewAdam(ae.Parameters(), optim.AdamOptions{LR: run.Optimizer.LR})
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	lossFn := nn.NewMSELoss()
	for step := 0; step < run.Steps; step++ {
		torch.WithScope(func(s *torch.Scope) {
			b := run.Batch.Batch(step)
			images := s.Attach(torch.FromSlice(b.Values(), b.Shape...))
			loss, err := train.AutoencoderStep(ae, opt, lossFn, images)
			if err != nil {
				t.Fatal(err)
			}
			got := loss.MustItem()
			if err := parity.Compare([]float64{got}, []float64{run.Losses[step]}, lossTol); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		})
	}
	for i, nt := range ae.StateDict() {
		v, _ := nt.Tensor.Float32s()
		got := parity.Summarize(nt.Name, v)
		if err := parity.Compare([]float64{got.Sum}, []float64{run.Final[i].Sum}, parity.Tol{Abs: 1e-4, Rel: 1e-4}); err != nil {
			t.Errorf("%s after %d steps: sum: %v", nt.Name, run.Steps, err)
		}
	}
}

// TestClassifierTrainsLikePyTorch trains the seed's classifier (frozen encoder, SGD over all
// parameters, cross-entropy) 20 steps in eval mode (deterministic) and in train mode with dropout
// drawn from libtorch's generator after manual_seed(0), as PyTorch did. Each step is
// train.ClassifierStep, the code that trains aecifar's classifier.
func TestClassifierTrainsLikePyTorch(t *testing.T) {
	f, err := parity.Load[parity.Train]()
	if err != nil {
		t.Fatal(err)
	}
	run := f.Classifier
	torch.SetNumThreads(f.NumThreads)
	defer torch.SetNumThreads(2)
	for _, traj := range []parity.Trajectory{run.Eval, run.Train} {
		t.Run(traj.Mode, func(t *testing.T) {
			ae := models.NewConvAutoencoder()
			clf := models.NewClassifier(ae)
			defer clf.Drop() // the encoder's parameters are shared with ae
			defer ae.Drop()
			setParams(t, clf, run.Params)
			clf.FreezeEncoder(nil)
			for _, nt := range clf.StateDict() {
				frozen := false
				for _, k := range run.Frozen {
					frozen = frozen || k == nt.Name
				}
				if nt.Tensor.RequiresGrad() == frozen {
					t.Fatalf("%s: requires_grad %v", nt.Name, nt.Tensor.RequiresGrad())
				}
			}
			opt, err := optim.NewSGD(clf.Parameters(), run.Optimizer.LR)
			if err != nil {
				t.Fatal(err)
			}
			defer opt.Drop()
			if traj.Mode == "eval" {
				clf.Eval()
			} else {
				clf.Train(true)
			}
			if traj.ManualSeed != nil {
				torch.ManualSeed(uint64(*traj.ManualSeed))
			}
			criterion := nn.NewCrossEntropyLoss()
			for step := 0; step < run.Steps; step++ {
				torch.WithScope(func(s *torch.Scope) {
					b := run.Batch.Batch(step)
					data := s.Attach(torch.FromSlice(b.Values(), b.Shape...))
					labels := run.Labels.Labels(step)
					target := s.Attach(torch.FromSlice(labels, int64(len(labels))))
					_, loss, err := train.ClassifierStep(clf, opt, criterion, data, target)
					if err != nil {
						t.Fatal(err)
					}
					if err := parity.Compare([]float64{loss.MustItem()}, []float64{traj.Losses[step]}, lossTol); err != nil {
						t.Fatalf("step %d: %v", step, err)
					}
				})
			}
		})
	}
}
