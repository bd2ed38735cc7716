package train

import (
	"strings"
	"testing"
)

// TestPlan: the stages run in order, and flag combinations that cannot work are refused, each
// with one line, before anything is opened.
func TestPlan(t *testing.T) {
	test := map[string]bool{StageTest: true}
	for _, tc := range []struct {
		name    string
		stages  map[string]bool
		change  func(*Config)
		weights string
		want    string // the plan joined by "," (no space), or a part of the error (with spaces)
	}{
		{"run", all, nil, "", "autoencoder,classifier,test"},
		{"test", test, nil, "x.pt", "test"},
		{"no stage", map[string]bool{}, nil, "", "no stage to run"},
		{"unknown stage", map[string]bool{"deploy": true}, nil, "", `unknown stage "deploy"`},
		{"autoencoder then test", map[string]bool{StageAutoencoder: true, StageTest: true}, nil, "", "run the classifier stage too"},
		{"weights with training", all, nil, "x.pt", "--weights chooses the checkpoint that test tests"},
		{"test-out with training", all, func(c *Config) { c.TestDir = "x" }, "", "--test-out is test's"},
		{"resume with the test alone", test, func(c *Config) { c.Resume = true }, "", "--resume and --restart are for the commands that train"},
		{"no classifier epochs", all, func(c *Config) { c.ClfEpochs = 0 }, "", "--clf-epochs 0 trains no classifier"},
		{"train-ae without epochs", map[string]bool{StageAutoencoder: true}, func(c *Config) { c.AEEpochs = 0 }, "", "--ae-epochs 0: nothing to train"},
		{"resume and restart", all, func(c *Config) { c.Resume, c.Restart = true, true }, "", "give one of them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			if tc.change != nil {
				tc.change(&cfg)
			}
			plan, err := cfg.plan(tc.stages, tc.weights)
			got := strings.Join(plan, ",")
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
