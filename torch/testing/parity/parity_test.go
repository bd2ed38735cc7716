package parity

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetMatchesPython(t *testing.T) {
	f, err := Load[DetFile]()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Det) == 0 || len(f.Labels) == 0 {
		t.Fatal("det.json holds no samples")
	}
	for _, s := range f.Det {
		got := Det([]int64{s.N}, s.Seed, s.Scale)
		for j, i := range s.Index {
			// Exact: Go and Python must agree to the bit.
			if got[i] != float32(s.Values[j]) || float64(got[i]) != s.Values[j] {
				t.Errorf("Det([%d], %d, %v)[%d] = %v, Python wrote %v", s.N, s.Seed, s.Scale, i, got[i], s.Values[j])
			}
		}
		// The sum is over all values; only the order of float64 additions differs from Python's.
		if err := Compare([]float64{Summarize("", got).Sum}, []float64{s.Sum}, Tol{Abs: 1e-9, Rel: 1e-12}); err != nil {
			t.Errorf("sum of Det([%d], %d, %v): %v", s.N, s.Seed, s.Scale, err)
		}
	}
	for _, s := range f.Labels {
		got := DetLabels(s.N, s.Seed, s.Classes)
		if fmt.Sprint(got) != fmt.Sprint(s.Values) {
			t.Errorf("DetLabels(%d, %d, %d) = %v, Python wrote %v", s.N, s.Seed, s.Classes, got, s.Values)
		}
	}
}

func TestDetIsAPermutation(t *testing.T) {
	// Any 2001 consecutive values are -1000..1000 thousandths of scale, each once.
	for _, seed := range []int64{0, 1, 1019, -5, math.MaxInt64} {
		v := Det([]int64{3, 23, 29}, seed, 1)
		seen := make(map[float32]bool, len(v))
		for _, x := range v {
			if x < -1 || x > 1 || seen[x] {
				t.Fatalf("seed %d: value %v out of range or repeated", seed, x)
			}
			seen[x] = true
		}
	}
	if got, want := Det([]int64{4}, -1, 1), Det([]int64{4}, 2000, 1); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("negative seeds use the floor modulus: seed -1 gave %v, seed 2000 %v", got, want)
	}
	if n := len(Det(nil, 3, 1)); n != 1 {
		t.Errorf("a scalar has one element, got %d", n)
	}
}

func ExampleDet() {
	fmt.Println(Det([]int64{2, 2}, 0, 1))
	fmt.Println(DetLabels(6, 1, 10))
	// Output:
	// [-1 0.916 0.831 0.746]
	// [3 0 7 4 1 8]
}

// TestFilesLoad loads every file and checks that its parts agree with each other.
func TestFilesLoad(t *testing.T) {
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"layers.json", checkLayers},
		{"losses.json", checkLosses},
		{"init.json", checkInit},
		{"train.json", checkTrain},
		{"optim.json", checkOptim},
		{"plateau.json", checkPlateau},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

func wantLen(t *testing.T, what string, got int, want int64) {
	t.Helper()
	if int64(got) != want {
		t.Errorf("%s: %d values, want %d", what, got, want)
	}
}

func checkLayers(t *testing.T) {
	f, err := Load[Layers]()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 13 {
		t.Fatalf("%d layer cases, want at least 13", len(f.Cases))
	}
	for _, c := range f.Cases {
		wantLen(t, c.Name+" output", len(c.Output.Values), Numel(c.Output.Shape))
		wantLen(t, c.Name+" input grad", len(c.Input.Grad), c.Input.Numel())
		for _, p := range c.Params {
			wantLen(t, c.Name+" "+p.Name+" grad", len(p.Grad), p.Numel())
		}
		if fmt.Sprint(c.LossWeight.Shape) != fmt.Sprint(c.Output.Shape) {
			t.Errorf("%s: loss weight shape %v, output shape %v", c.Name, c.LossWeight.Shape, c.Output.Shape)
		}
		// loss = (output * loss_weight).sum(): PyTorch summed in float32, this in float64.
		w := c.LossWeight.Values()
		var loss float64
		for i, o := range c.Output.Values {
			loss += o * float64(w[i])
		}
		if err := Compare([]float64{loss}, []float64{c.Loss}, Tol{Abs: 1e-4, Rel: 1e-5}); err != nil {
			t.Errorf("%s: loss from output and Det weights: %v", c.Name, err)
		}
		checkLayerForward(t, &c)
	}
}

// checkLayerForward recomputes the outputs of the simplest layers from their Det inputs, which
// shows that Det, the recorded inputs and the recorded outputs line up.
func checkLayerForward(t *testing.T, c *LayerCase) {
	t.Helper()
	x := c.Input.Values()
	want := make([]float64, len(c.Output.Values))
	tol := Tol{}
	switch c.Module.Type {
	case "ReLU":
		for i, v := range x {
			want[i] = float64(max(v, 0))
		}
	case "Dropout":
		if c.Module.Training {
			return
		}
		for i, v := range x {
			want[i] = float64(v)
		}
	case "Sigmoid":
		for i, v := range x {
			want[i] = 1 / (1 + math.Exp(-float64(v)))
		}
		tol = Tol{Abs: 1e-7, Rel: 1e-6}
	case "Linear":
		in, out := c.Module.Args.InFeatures, c.Module.Args.OutFeatures
		wt := c.Param("weight").Values()
		var b []float32
		if c.Module.Args.Bias {
			b = c.Param("bias").Values()
		}
		for n := range int64(len(x)) / in {
			for o := range out {
				s := 0.0
				if b != nil {
					s = float64(b[o])
				}
				for i := range in {
					s += float64(x[n*in+i]) * float64(wt[o*in+i])
				}
				want[n*out+o] = s
			}
		}
		tol = Tol{Abs: 1e-6, Rel: 1e-5}
	default:
		return
	}
	if err := Compare(c.Output.Values, want, tol); err != nil {
		t.Errorf("%s forward recomputed in Go: %v", c.Name, err)
	}
}

func checkLosses(t *testing.T) {
	f, err := Load[Losses]()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, c := range f.Cases {
		name := c.Loss + "/" + c.Reduction
		kinds[name] = true
		wantLen(t, name+" input grad", len(c.InputGrad), c.Input.Numel())
		wantLen(t, name+" output", len(c.Output.Values), Numel(c.Output.Shape))
		if (c.Reduction == "none") != (c.GradOutput != nil) {
			t.Errorf("%s: grad_output must be given for reduction none only", name)
		}
		if c.Loss == "MSELoss" && c.Reduction != "none" {
			x, y := c.Input.Values(), c.Target.Tensor().Values()
			s := 0.0
			for i := range x {
				d := float64(x[i]) - float64(y[i])
				s += d * d
			}
			if c.Reduction == "mean" {
				s /= float64(len(x))
			}
			if err := Compare([]float64{s}, c.Output.Values, Tol{Rel: 1e-6}); err != nil {
				t.Errorf("%s recomputed in Go: %v", name, err)
			}
		}
		if c.Loss == "CrossEntropyLoss" {
			wantLen(t, name+" labels", len(c.Target.Labels()), c.Input.Shape[0])
		}
	}
	for _, k := range []string{"MSELoss", "CrossEntropyLoss"} {
		for _, r := range []string{"mean", "sum", "none"} {
			if !kinds[k+"/"+r] {
				t.Errorf("no %s case with reduction %s", k, r)
			}
		}
	}
}

func checkInit(t *testing.T) {
	f, err := Load[Init]()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 6 {
		t.Fatalf("%d init cases, want 6", len(f.Cases))
	}
	for _, c := range f.Cases {
		name := c.Module.Repr
		// Every bound is 1/sqrt(fan_in) up to PyTorch's rounding.
		simple := 1 / math.Sqrt(float64(c.FanIn))
		if c.WeightBoundSimple != simple || c.BiasBound != simple {
			t.Errorf("%s: bounds %v, %v; want 1/sqrt(%d) = %v", name, c.WeightBoundSimple, c.BiasBound, c.FanIn, simple)
		}
		if err := Compare([]float64{c.WeightBound}, []float64{simple}, Tol{Rel: 1e-15}); err != nil {
			t.Errorf("%s weight bound: %v", name, err)
		}
		if float64(float32(c.WeightBound)) != c.WeightBoundF32 || float64(float32(c.BiasBound)) != c.BiasBoundF32 {
			t.Errorf("%s: float32 bounds %v, %v do not round the float64 ones", name, c.WeightBoundF32, c.BiasBoundF32)
		}
		for _, m := range []struct {
			what  string
			mo    Moments
			bound float64
			shape []int64
		}{{"weight", c.Weight, c.WeightBoundF32, c.WeightShape}, {"bias", c.Bias, c.BiasBoundF32, c.BiasShape}} {
			if m.mo.Count != int64(c.Samples)*Numel(m.shape) {
				t.Errorf("%s %s: count %d, want %d*%d", name, m.what, m.mo.Count, c.Samples, Numel(m.shape))
			}
			if m.mo.Min < -m.bound || m.mo.Max > m.bound {
				t.Errorf("%s %s: range [%v, %v] beyond the bound %v", name, m.what, m.mo.Min, m.mo.Max, m.bound)
			}
		}
	}
}

func checkSummaries(t *testing.T, what string, s []Summary, keys []string) {
	t.Helper()
	if len(s) != len(keys) {
		t.Errorf("%s: %d summaries for %d parameters", what, len(s), len(keys))
		return
	}
	for i, k := range keys {
		if s[i].Name != k || len(s[i].First) == 0 || len(s[i].First) > 5 {
			t.Errorf("%s[%d]: %q with %d first values, want %q with 1 to 5", what, i, s[i].Name, len(s[i].First), k)
		}
	}
}

func checkTrain(t *testing.T) {
	f, err := Load[Train]()
	if err != nil {
		t.Fatal(err)
	}
	ae := f.Autoencoder
	aeKeys := []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
		"t_conv1.weight", "t_conv1.bias", "t_conv2.weight", "t_conv2.bias"}
	if fmt.Sprint(ae.StateDictKeys) != fmt.Sprint(aeKeys) {
		t.Errorf("autoencoder keys %v, want %v", ae.StateDictKeys, aeKeys)
	}
	if len(ae.Losses) != ae.Steps || ae.Steps == 0 {
		t.Errorf("autoencoder: %d losses for %d steps", len(ae.Losses), ae.Steps)
	}
	checkSummaries(t, "autoencoder final", ae.Final, aeKeys)
	checkSummaries(t, "autoencoder grads", ae.GradsStep0, aeKeys)
	for i, p := range ae.Params {
		if p.Name != aeKeys[i] {
			t.Errorf("autoencoder param %d is %q, want %q", i, p.Name, aeKeys[i])
		}
	}

	cl := f.Classifier
	clKeys := []string{"modelA.0.weight", "modelA.0.bias", "modelA.1.weight", "modelA.1.bias",
		"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "out.weight", "out.bias"}
	if fmt.Sprint(cl.StateDictKeys) != fmt.Sprint(clKeys) {
		t.Errorf("classifier keys %v, want %v", cl.StateDictKeys, clKeys)
	}
	if fmt.Sprint(cl.Frozen) != fmt.Sprint(clKeys[:4]) {
		t.Errorf("frozen %v, want %v", cl.Frozen, clKeys[:4])
	}
	// modelA is the autoencoder's conv1 and conv2, starting from the same Det tensors.
	for i := range 4 {
		if a, c := ae.Params[i].DetTensor, cl.Params[i].DetTensor; fmt.Sprint(a) != fmt.Sprint(c) {
			t.Errorf("%s starts as %v, autoencoder's %s as %v", cl.Params[i].Name, c, ae.Params[i].Name, a)
		}
	}
	for _, run := range []Trajectory{cl.Eval, cl.Train} {
		if len(run.Losses) != cl.Steps {
			t.Errorf("classifier %s: %d losses for %d steps", run.Mode, len(run.Losses), cl.Steps)
		}
		checkSummaries(t, "classifier "+run.Mode+" final", run.Final, clKeys)
		checkSummaries(t, "classifier "+run.Mode+" grads", run.GradsStep0, clKeys[4:])
	}
	if cl.Train.ManualSeed == nil || cl.Eval.ManualSeed != nil {
		t.Error("only the train-mode run has a manual seed")
	}
	// Frozen parameters end where they started.
	for i := range 4 {
		start := Summarize(cl.Params[i].Name, cl.Params[i].Values())
		if err := Compare([]float64{start.Sum, start.SumSq}, []float64{cl.Eval.Final[i].Sum, cl.Eval.Final[i].SumSq},
			Tol{Abs: 1e-9, Rel: 1e-9}); err != nil {
			t.Errorf("frozen %s moved: %v", cl.Params[i].Name, err)
		}
	}
	if n := len(cl.Labels.Labels(3)); n != cl.Labels.N {
		t.Errorf("labels of a batch: %d, want %d", n, cl.Labels.N)
	}
}

func checkOptim(t *testing.T) {
	f, err := Load[Optim]()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 9 {
		t.Fatalf("%d optimizer cases, want at least 9", len(f.Cases))
	}
	p0, target, weight := f.Param.Values(), f.Target.Values(), f.Weight.Values()
	for _, c := range f.Cases {
		if len(c.Params) != f.Steps || len(c.Losses) != f.Steps {
			t.Errorf("%s: %d params and %d losses for %d steps", c.Name, len(c.Params), len(c.Losses), f.Steps)
			continue
		}
		for _, p := range c.Params {
			wantLen(t, c.Name, len(p), f.Param.Numel())
		}
		if c.Type != "SGD" || c.Options.Momentum != 0 || c.Options.WeightDecay != 0 {
			continue
		}
		// Plain SGD, one step in float32: p -= lr * 2*(p-target)*|weight|.
		want := make([]float64, len(p0))
		lr := float32(c.Options.LR)
		for i := range p0 {
			g := 2 * (p0[i] - target[i]) * float32(math.Abs(float64(weight[i])))
			want[i] = float64(p0[i] - lr*g)
		}
		if err := Compare(c.Params[0], want, Tol{Abs: 1e-6}); err != nil {
			t.Errorf("%s first step recomputed in Go: %v", c.Name, err)
		}
	}
}

func checkPlateau(t *testing.T) {
	f, err := Load[Plateau]()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Runs) == 0 {
		t.Fatal("no scheduler runs")
	}
	printed := 0
	for _, r := range f.Runs {
		name := r.Config + "/" + r.Metrics
		cfg, metrics := f.Config(r.Config), f.Metrics[r.Metrics]
		if cfg == nil || metrics == nil {
			t.Fatalf("%s: unknown config or metrics", name)
		}
		if len(r.LRs) != len(cfg.LRs) || len(r.Best) != len(metrics) ||
			len(r.NumBadEpochs) != len(metrics) || len(r.CooldownCounter) != len(metrics) {
			t.Fatalf("%s: per-step records do not match %d groups and %d metrics", name, len(cfg.LRs), len(metrics))
		}
		// Rebuild the verbose lines from the lr changes with Go's formatting: a line is printed
		// exactly when a group's lr changes, groups in order within an epoch.
		var lines []string
		prev := append([]float64(nil), cfg.LRs...)
		for k := range metrics {
			for g := range cfg.LRs {
				lr := r.LRs[g][k]
				if lr != prev[g] {
					lines = append(lines, fmt.Sprintf("Epoch %05d: reducing learning rate of group %d to %.4e.", k+1, g, lr))
					if lr > prev[g] || lr < cfg.Args.MinLR.For(g) {
						t.Errorf("%s epoch %d group %d: lr %v from %v", name, k+1, g, lr, prev[g])
					}
					prev[g] = lr
				}
			}
		}
		if strings.Join(lines, "\n") != strings.Join(r.Stdout, "\n") {
			t.Errorf("%s: Go formatting gives\n%s\nPyTorch printed\n%s", name, strings.Join(lines, "\n"), strings.Join(r.Stdout, "\n"))
		}
		printed += len(r.Stdout)
	}
	if printed == 0 {
		t.Error("no run reduced its learning rate")
	}
}

func TestMinLRJSON(t *testing.T) {
	for _, in := range []string{`0.001`, `[0.001,0.005]`} {
		var m MinLR
		if err := json.Unmarshal([]byte(in), &m); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(m)
		if err != nil || string(out) != in {
			t.Errorf("min_lr %s came back as %s (%v)", in, out, err)
		}
		if m.For(0) != 0.001 {
			t.Errorf("min_lr %s: group 0 gets %v", in, m.For(0))
		}
	}
	var m MinLR
	if err := json.Unmarshal([]byte(`"x"`), &m); err == nil {
		t.Error("a string min_lr was accepted")
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		got  []float32
		want []float64
		tol  Tol
		ok   bool
	}{
		{[]float32{1, 2}, []float64{1, 2}, Tol{}, true},
		{[]float32{1, 2.001}, []float64{1, 2}, Tol{Abs: 1e-3}, true},
		{[]float32{1, 2.01}, []float64{1, 2}, Tol{Abs: 1e-3}, false},
		{[]float32{100.5}, []float64{100}, Tol{Rel: 1e-2}, true},
		{[]float32{float32(math.NaN())}, []float64{0}, Tol{Abs: 1}, false},
		{[]float32{1}, []float64{1, 2}, Tol{Abs: 1}, false},
	}
	for i, tt := range tests {
		if err := Compare(tt.got, tt.want, tt.tol); (err == nil) != tt.ok {
			t.Errorf("case %d: Compare(%v, %v, %+v) = %v", i, tt.got, tt.want, tt.tol, err)
		}
	}
}

// Load reads the file its type names, strictly: a missing file, a field the Go types do not know and
// a file without torch_version are errors, each naming the file.
func TestLoadIsStrict(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(DirEnv, dir)
	if _, err := Load[Plateau](); err == nil || !strings.Contains(err.Error(), "plateau.json") {
		t.Errorf("missing file: %v", err)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"torch_version": "1.13.0", "configs": [], "surprise": 1}`, `unknown field "surprise"`},
		{`{"configs": []}`, "no torch_version"},
	} {
		if err := os.WriteFile(filepath.Join(dir, "plateau.json"), []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load[Plateau](); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "plateau.json") {
			t.Errorf("%s: %v, want %q", tc.body, err, tc.want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "plateau.json"), []byte(`{"torch_version": "1.13.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, err := Load[Plateau](); err != nil || f.TorchVersion != "1.13.0" {
		t.Errorf("a minimal file: %+v, %v", f, err)
	}
}
