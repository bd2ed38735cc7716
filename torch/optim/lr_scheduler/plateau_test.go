package lr_scheduler

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// fakeOptimizer hosts parameter groups; the scheduler only reads and writes their learning rates.
type fakeOptimizer struct{ groups []*optim.ParamGroup }

func (f *fakeOptimizer) ParamGroups() []*optim.ParamGroup    { return f.groups }
func (f *fakeOptimizer) ZeroGrad() error                     { return nil }
func (f *fakeOptimizer) Step() error                         { return nil }
func (f *fakeOptimizer) StateDict() torch.StateDict          { return nil }
func (f *fakeOptimizer) LoadStateDict(torch.StateDict) error { return nil }

// TestPlateauMatchesPyTorch replays every configuration and metric sequence recorded from PyTorch
// (torch/testdata/parity/plateau.json): the learning rates after each step must be equal, exactly,
// as must best, the counters and the verbose lines.
func TestPlateauMatchesPyTorch(t *testing.T) {
	f, err := parity.LoadPlateau()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Runs) == 0 {
		t.Fatal("no runs recorded")
	}
	for _, run := range f.Runs {
		t.Run(run.Config+"/"+run.Metrics, func(t *testing.T) {
			cfg := f.Config(run.Config)
			opt := &fakeOptimizer{}
			for _, lr := range cfg.LRs {
				opt.groups = append(opt.groups, &optim.ParamGroup{LR: lr})
			}
			var out bytes.Buffer
			a := cfg.Args
			s, err := NewReduceLROnPlateau(opt, Mode(a.Mode), Factor(a.Factor), Patience(a.Patience),
				Threshold(a.Threshold), ThresholdMode(a.ThresholdMode), Cooldown(a.Cooldown),
				MinLR(a.MinLR.Values...), Eps(a.Eps), Verbose(true), Output(&out))
			if err != nil {
				t.Fatal(err)
			}
			for step, m := range f.Metrics[run.Metrics] {
				s.Step(m)
				for g := range opt.groups {
					if got, want := opt.groups[g].LR, run.LRs[g][step]; got != want {
						t.Fatalf("step %d, group %d: lr %v, PyTorch %v", step, g, got, want)
					}
				}
				if s.Best != run.Best[step] || s.NumBadEpochs != run.NumBadEpochs[step] || s.CooldownCounter != run.CooldownCounter[step] {
					t.Fatalf("step %d: best %v bad %d cooldown %d; PyTorch %v %d %d", step, s.Best, s.NumBadEpochs,
						s.CooldownCounter, run.Best[step], run.NumBadEpochs[step], run.CooldownCounter[step])
				}
			}
			var lines []string
			if out.Len() > 0 {
				lines = strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			}
			if strings.Join(lines, "\n") != strings.Join(run.Stdout, "\n") {
				t.Fatalf("verbose output:\n%s\nPyTorch:\n%s", strings.Join(lines, "\n"), strings.Join(run.Stdout, "\n"))
			}
		})
	}
}

func TestPlateauRejectsBadArguments(t *testing.T) {
	opt := &fakeOptimizer{groups: []*optim.ParamGroup{{LR: 1}}}
	for _, o := range []Option{Factor(1), Mode("median"), ThresholdMode("pct"), MinLR(0, 0)} {
		if _, err := NewReduceLROnPlateau(opt, o); err == nil {
			t.Errorf("option %p accepted", o)
		}
	}
}
