package lr_scheduler

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch/testing/parity"
)

// TestPlateauMatchesPyTorch replays every configuration and metric sequence recorded from PyTorch
// (torch/testdata/parity/plateau.json): the learning rates after each step must be equal, exactly,
// as must best, the counters and the verbose lines.
func TestPlateauMatchesPyTorch(t *testing.T) {
	f, err := parity.Load[parity.Plateau]()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Runs) == 0 {
		t.Fatal("no runs recorded")
	}
	for _, run := range f.Runs {
		t.Run(run.Config+"/"+run.Metrics, func(t *testing.T) {
			cfg := f.Config(run.Config)
			opt := newSGD(t, "sgd", cfg.LRs)
			defer opt.Drop()
			groups := opt.ParamGroups()
			var out bytes.Buffer
			a := cfg.Args
			s, err := NewReduceLROnPlateau(opt, ReduceLROnPlateauOptions{Mode: Mode(a.Mode), Factor: a.Factor,
				Patience: new(a.Patience), Threshold: new(a.Threshold), ThresholdMode: ThresholdMode(a.ThresholdMode),
				Cooldown: a.Cooldown, MinLR: a.MinLR.Values, Eps: a.Eps, Verbose: true, Out: &out})
			if err != nil {
				t.Fatal(err)
			}
			for step, m := range f.Metrics[run.Metrics] {
				s.Step(m)
				for g := range groups {
					if got, want := groups[g].LR, run.LRs[g][step]; got != want {
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
	opt := newSGD(t, "sgd", []float64{1})
	defer opt.Drop()
	for name, o := range map[string]ReduceLROnPlateauOptions{
		"factor 1":           {Factor: 1},
		"mode median":        {Mode: "median"},
		"threshold mode pct": {ThresholdMode: "pct"},
		"two min_lrs":        {MinLR: []float64{0, 0}},
	} {
		if _, err := NewReduceLROnPlateau(opt, o); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := NewReduceLROnPlateau(opt, ReduceLROnPlateauOptions{}, ReduceLROnPlateauOptions{}); err == nil {
		t.Error("two option structs accepted")
	}
}
