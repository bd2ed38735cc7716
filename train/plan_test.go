package train

import (
	"fmt"
	"strings"
	"testing"
)

// TestPlan: the stages run in order, and flag combinations that cannot work are refused, each
// with one line, before anything is opened.
func TestPlan(t *testing.T) {
	test := StagesOf(StageTest)
	for _, tc := range []struct {
		name    string
		stages  Stages
		change  func(*Config)
		weights string
		want    string // the plan joined by "," (no space), or a part of the error (with spaces)
	}{
		{"run", all, nil, "", "autoencoder,classifier,test"},
		{"test", test, nil, "x.pt", "test"},
		{"no stage", StagesOf(), nil, "", "no stage to run"},
		{"autoencoder then test", StagesOf(StageAutoencoder, StageTest), nil, "", "run the classifier stage too"},
		{"weights with training", all, nil, "x.pt", "--weights chooses the checkpoint that test tests"},
		{"test-out with training", all, func(c *Config) { c.TestDir = "x" }, "", "--test-out is test's"},
		{"resume with the test alone", test, func(c *Config) { c.Resume = true }, "", "--resume and --restart are for the commands that train"},
		{"no classifier epochs", all, func(c *Config) { c.ClfEpochs = 0 }, "", "--clf-epochs 0 trains no classifier"},
		{"train-ae without epochs", StagesOf(StageAutoencoder), func(c *Config) { c.AEEpochs = 0 }, "", "--ae-epochs 0: nothing to train"},
		{"resume and restart", all, func(c *Config) { c.Resume, c.Restart = true, true }, "", "give one of them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			if tc.change != nil {
				tc.change(&cfg)
			}
			plan, err := cfg.plan(tc.stages, tc.weights)
			var names []string
			for _, st := range plan {
				names = append(names, string(st))
			}
			got := strings.Join(names, ",")
			if err != nil {
				got = err.Error()
				if strings.Contains(got, "\n") {
					t.Errorf("error %q is not one line", got)
				}
			}
			if !strings.Contains(got, tc.want) || (err == nil) != !strings.Contains(tc.want, " ") {
				t.Errorf("plan = %q, want %q", got, tc.want)
			}
		})
	}
}

// A set of stages lists them in the order a run goes through them, whatever the order given; a
// Stage that is not one of the constants is a programming error that names itself.
func TestStages(t *testing.T) {
	s := StagesOf(StageTest, StageAutoencoder)
	if got := s.String(); got != "{autoencoder, test}" || !s.Has(StageTest) || s.Has(StageClassifier) {
		t.Errorf("StagesOf(test, autoencoder) = %s, has classifier %v", got, s.Has(StageClassifier))
	}
	if got := StagesOf().List(); len(got) != 0 {
		t.Errorf("the empty set lists %v", got)
	}
	defer func() {
		if msg := fmt.Sprint(recover()); !strings.Contains(msg, `unknown stage "deploy"`) {
			t.Errorf("StagesOf(deploy) panicked with %q, want it named", msg)
		}
	}()
	StagesOf(Stage("deploy"))
}
