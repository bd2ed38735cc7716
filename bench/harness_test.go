package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func keys(rows []Row) []string {
	var k []string
	for _, r := range rows {
		k = append(k, r.Key)
	}
	return k
}

// The seed's rows, in the order of the results files: an epoch row per loader setting (the seed's
// 4 workers and one per CPU), the fast path's against the plain Python benchmarks, the
// data-parallel step on 1 and 2 ranks against bench/python/ddp.py; then the tutorials' steps,
// which need no data set, and their epochs over CIFAR-10 and MNIST, measured on the Python side by
// bench/python/tutorials.py. A row whose data set is missing is left out and said to be.
func TestRows(t *testing.T) {
	all := Sources{CIFAR10: true, MNIST: true}
	for _, tc := range []struct {
		name     string
		only     []string
		cpus     int
		have     Sources
		want     []string
		skipped  []string
		baseline map[string]string // row key -> Python benchmark
	}{
		{"all, 2 CPUs", nil, 2, all, []string{"ae_step", "clf_step", "ae_infer_1024", "clf_infer_1024", "ae_epoch_w4", "ae_epoch_w2",
			"ae_step_fast", "clf_step_fast", "ae_epoch_fast_vs_w4", "ae_step_ddp1", "ae_step_ddp2", "blitz_step", "mnist_step", "mnist_rnn_step",
			"blitz_epoch", "mnist_epoch", "mnist_rnn_epoch"}, nil,
			map[string]string{"ae_epoch_w2": "ae_epoch", "ae_step_fast": "ae_step", "clf_step_fast": "clf_step", "ae_epoch_fast_vs_w4": "ae_epoch"}},
		{"4 CPUs: one epoch row", []string{"ae_epoch"}, 4, all, []string{"ae_epoch_w4"}, nil, nil},
		{"no data", nil, 2, Sources{}, []string{"ae_step", "clf_step", "ae_infer_1024", "clf_infer_1024", "ae_step_fast", "clf_step_fast",
			"ae_step_ddp1", "ae_step_ddp2", "blitz_step", "mnist_step", "mnist_rnn_step"},
			[]string{"ae_epoch_w4", "ae_epoch_w2", "ae_epoch_fast_vs_w4", "blitz_epoch", "mnist_epoch", "mnist_rnn_epoch"}, nil},
		{"CIFAR-10 only", []string{"blitz_epoch", "mnist_epoch"}, 2, Sources{CIFAR10: true}, []string{"blitz_epoch"}, []string{"mnist_epoch"}, nil},
		{"MNIST only", []string{"blitz_epoch", "mnist_rnn_epoch"}, 2, Sources{MNIST: true}, []string{"mnist_rnn_epoch"}, []string{"blitz_epoch"}, nil},
		{"the tutorials", []string{"mnist_rnn_step", "blitz_step", "mnist_step"}, 2, Sources{}, []string{"blitz_step", "mnist_step", "mnist_rnn_step"}, nil, nil},
		{"only some", []string{"clf_step_fast", "ae_step"}, 2, Sources{}, []string{"ae_step", "clf_step_fast"}, nil, nil},
		{"only epochs, no data", []string{"ae_epoch_fast"}, 2, Sources{}, nil, []string{"ae_epoch_fast_vs_w4"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, skipped := Rows(tc.only, tc.cpus, tc.have)
			if !slices.Equal(keys(rows), tc.want) || !slices.Equal(keys(skipped), tc.skipped) {
				t.Errorf("rows %v (skipped %v), want %v (skipped %v)", keys(rows), skipped, tc.want, tc.skipped)
			}
			for _, r := range rows {
				if want, ok := tc.baseline[r.Key]; ok && r.Python != want {
					t.Errorf("%s is compared with %s, want %s", r.Key, r.Python, want)
				}
				wantScript, wantRanks := "", 0
				if strings.HasPrefix(r.Key, "blitz_") || strings.HasPrefix(r.Key, "mnist_") {
					wantScript = tutorialsScript
				}
				if k, ok := strings.CutPrefix(r.Key, "ae_step_ddp"); ok {
					wantScript, wantRanks = ddpScript, int(k[0]-'0')
				}
				if wantWorkers := map[string]int{"ae_epoch_w4": 4, "ae_epoch_fast_vs_w4": 4, "ae_epoch_w2": 2, "blitz_epoch": 2}[r.Key]; r.Workers != wantWorkers {
					t.Errorf("%s runs %d loader workers, want %d", r.Key, r.Workers, wantWorkers)
				}
				if want := strings.HasPrefix(r.Key, "mnist_") && strings.HasSuffix(r.Key, "_epoch"); r.MNIST != want {
					t.Errorf("%s reads MNIST: %v, want %v", r.Key, r.MNIST, want)
				}
				if r.Ranks != wantRanks {
					t.Errorf("%s runs on %d ranks, want %d", r.Key, r.Ranks, wantRanks)
				}
				if r.Script != wantScript {
					t.Errorf("%s runs Python script %q, want %q", r.Key, r.Script, wantScript)
				}
			}
		})
	}
}

// Each side's command line is the one the results files were made with.
func TestCommands(t *testing.T) {
	s := Settings{Reps: 3, Iters: 100, Warmup: 10, Data: "/data", EpochBatches: 150, Device: "cuda:1", CacheHostMemory: true,
		Self: "/bin/aecifar-bench", Python: "/usr/bin/python3"}
	step := Row{Key: "ae_step_fast", Go: "ae_step_fast", Python: "ae_step"}
	epoch := Row{Key: "ae_epoch_w2", Go: "ae_epoch", Python: "ae_epoch", Workers: 2, Data: true}
	for _, tc := range []struct {
		name string
		got  []string
		want string
	}{
		{"go step", s.goCommand(step), "/bin/aecifar-bench --one ae_step_fast --cache-host-memory=true --device cuda:1 --threads 0 --iters 100 --warmup 10 --data /data --epoch-batches 150 --workers 0"},
		{"python step", s.pythonCommand(step), "/usr/bin/python3 bench/python/steps.py --only ae_step --device cuda --iters 100 --warmup 10"},
		{"go epoch", s.goCommand(epoch), "/bin/aecifar-bench --one ae_epoch --cache-host-memory=true --device cuda:1 --threads 0 --iters 100 --warmup 10 --data /data --epoch-batches 150 --workers 2"},
		{"python epoch", s.pythonCommand(epoch), "/usr/bin/python3 bench/python/steps.py --only ae_epoch --device cuda --iters 100 --warmup 10 --data /data --workers 2 --max-batches 150"},
		{"python script", s.pythonCommand(Row{Go: "x", Python: "mnist", Script: "bench/python/other.py"}), "/usr/bin/python3 bench/python/other.py --only mnist --device cuda --iters 100 --warmup 10"},
		{"go ranks", s.goCommand(Row{Go: "ae_step_ddp", Ranks: 2}), "/bin/aecifar-bench --ranks 2 -- /bin/aecifar-bench --one ae_step_ddp --cache-host-memory=true --device cuda:1 --threads 0 --iters 100 --warmup 10 --data /data --epoch-batches 150 --workers 0"},
		{"python ranks", s.pythonCommand(Row{Python: "ae_step_ddp", Script: ddpScript, Ranks: 2}), "/bin/aecifar-bench --ranks 2 -- /usr/bin/python3 bench/python/ddp.py --only ae_step_ddp --device cuda --iters 100 --warmup 10"},
	} {
		if got := strings.Join(tc.got, " "); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// fakeSide stands in for a side's process: it records the order of the calls and prints what the
// side would, with a throughput per side and repetition.
type fakeSide struct {
	calls []string
	rate  func(side string, call int) float64
}

func (f *fakeSide) measure(cmd []string) (Sample, error) {
	side, call := "go", "go"
	switch {
	case strings.HasSuffix(cmd[0], "python3"):
		side, call = "python", "python"
	case strings.HasPrefix(cmd[0], "/old/"): // another build's aecifar-bench: its Go says "go"
		call = "old"
	}
	f.calls = append(f.calls, call+" "+cmd[slices.Index(cmd, map[string]string{"go": "--one", "python": "--only"}[side])+1])
	line := fmt.Sprintf(`{"side": %q, "images_per_s": %v, "threads": 1, "peak_rss_mb": %d, "peak_device_mb": null, "blas": "openblas"}`,
		side, f.rate(side, len(f.calls)), 100*len(f.calls))
	return ParseSample([]byte(line))
}

// Compare runs every row each repetition, both sides, the first side alternating.
func TestCompareInterleaves(t *testing.T) {
	s := Settings{Reps: 3, Self: "aecifar-bench", Python: "python3"}
	rows := []Row{{Key: "a", Go: "a", Python: "a"}, {Key: "b_fast", Go: "b_fast", Python: "b"}}
	f := &fakeSide{rate: func(string, int) float64 { return 1 }}
	samples, err := Compare(s, rows, f.measure, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"go a", "python a", "go b_fast", "python b", "python a", "go a", "python b", "go b_fast", "go a", "python a", "go b_fast", "python b"}
	if !slices.Equal(f.calls, want) {
		t.Errorf("calls %v, want %v", f.calls, want)
	}
	for i, smp := range samples {
		if smp.Rep != i/4 || smp.Config != rows[i/2%2].Key {
			t.Errorf("sample %d: rep %d config %s", i, smp.Rep, smp.Config)
		}
	}
	fail := func([]string) (Sample, error) { return Sample{}, fmt.Errorf("boom") }
	if _, err := Compare(s, rows, fail, io.Discard); err == nil || err.Error() != "boom" {
		t.Errorf("a failed side: %v", err)
	}
}

// With Against, each row's second side is the other build's Go benchmark, interleaved as Python
// would be, labelled "against" in the samples, the summaries and the results files.
func TestCompareAgainst(t *testing.T) {
	s := Settings{Reps: 2, Self: "aecifar-bench", Python: "python3", Against: "/old/aecifar-bench"}
	rows := []Row{{Key: "ae_step", Go: "ae_step", Python: "ae_step"}}
	f := &fakeSide{rate: func(_ string, call int) float64 { return map[int]float64{1: 200, 2: 100, 3: 400, 4: 200}[call] }}
	samples, err := Compare(s, rows, f.measure, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"go ae_step", "old ae_step", "old ae_step", "go ae_step"}; !slices.Equal(f.calls, want) {
		t.Errorf("calls %v, want %v", f.calls, want)
	}
	if got := []string{samples[0].Side, samples[1].Side, samples[2].Side, samples[3].Side}; !slices.Equal(got, []string{"go", "against", "against", "go"}) {
		t.Errorf("sides %v", got)
	}
	sum := Summarize(rows, samples, s.Other())
	if len(sum) != 1 || !slices.Equal(sum[0].Ratios, []float64{2, 0.5}) {
		t.Fatalf("summaries %+v, want ratios this/other 2 and 0.5", sum)
	}
	base := filepath.Join(t.TempDir(), "r")
	md, err := Write(base, Report{Time: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), Machine: "vm", CPUs: 2, Torch: "1.13.0",
		Device: "cpu", Reps: 2, Against: "c415a14", Rows: rows, Samples: samples})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# This build vs c415a14, 2026-12-03 09:00\n", "| benchmark | this build img/s (median) | c415a14 img/s (median) |",
		"| ae_step | 200 | 250 | 0.50 | **1.25** | 2.00 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the table lacks %q:\n%s", want, md)
		}
	}
	b, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Against string `json:"against"`
		Rows    []struct {
			Side string `json:"side"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Against != "c415a14" || len(doc.Rows) != 4 || doc.Rows[1].Side != "against" {
		t.Errorf("results.json (%v):\n%s", err, b)
	}
	// A side that says it is another than the one asked for is refused.
	s.Against = ""
	lying := func([]string) (Sample, error) { return ParseSample([]byte(`{"side": "go", "images_per_s": 1}`)) }
	if _, err := Compare(s, rows, lying, io.Discard); err == nil || !strings.Contains(err.Error(), `want "python"`) {
		t.Errorf("a Python side printing side go: %v", err)
	}
}

// The summaries pair the sides by repetition: ratios, their min, median and max, the peaks.
func TestSummarize(t *testing.T) {
	rows := []Row{{Key: "a"}, {Key: "lonely"}}
	dev := 7.0
	samples := []Sample{
		{Rep: 0, Config: "a", Side: "go", ImagesPerS: 300, Threads: 2, PeakRSSMB: 10},
		{Rep: 0, Config: "a", Side: "python", ImagesPerS: 100, Threads: 1, PeakRSSMB: 30},
		{Rep: 1, Config: "a", Side: "python", ImagesPerS: 100, Threads: 1, PeakRSSMB: 20, PeakDeviceMB: &dev},
		{Rep: 1, Config: "a", Side: "go", ImagesPerS: 100, Threads: 2, PeakRSSMB: 40},
		{Rep: 2, Config: "a", Side: "go", ImagesPerS: 200, Threads: 2, PeakRSSMB: 10},
		{Rep: 2, Config: "a", Side: "python", ImagesPerS: 100, Threads: 1, PeakRSSMB: 10},
		{Rep: 3, Config: "a", Side: "go", ImagesPerS: 900}, // no Python side: no ratio
		{Rep: 0, Config: "lonely", Side: "go", ImagesPerS: 1},
	}
	got := Summarize(rows, samples, SidePython)
	if len(got) != 1 {
		t.Fatalf("%d summaries, want 1 (the row with no pair has none)", len(got))
	}
	s := got[0]
	if !slices.Equal(s.Ratios, []float64{3, 1, 2}) || s.RatioMin != 1 || s.RatioMedian != 2 || s.RatioMax != 3 ||
		!slices.Equal(s.GoImgS, []float64{300, 100, 200}) || s.GoThreads != 2 || s.PyThreads != 1 ||
		s.GoPeakRSSMB != 40 || s.PyPeakRSSMB != 30 || s.PyPeakDevMB != 7 || s.GoPeakDevMB != 0 {
		t.Errorf("summary %+v", s)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median of an even count %v, want 2.5", m)
	}
}

// The results files keep the names bench/results and the README use, and every field a side printed.
func TestWrite(t *testing.T) {
	s := Settings{Reps: 2, Self: "aecifar-bench", Python: "python3"}
	rows := []Row{{Key: "ae_step", Go: "ae_step", Python: "ae_step"}}
	f := &fakeSide{rate: func(side string, call int) float64 {
		if side == "go" {
			return 150
		}
		return 100
	}}
	samples, err := Compare(s, rows, f.measure, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(t.TempDir(), "results", ResultsName("vm-2cpu", time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC), []string{"ae_step"}))
	md, err := Write(base, Report{Time: time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC), Machine: "vm-2cpu", CPUs: 2, Torch: "1.13.0",
		Device: "cpu", Reps: s.Reps, Rows: rows, Samples: samples})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(base) != "vm-2cpu-2026-12-02-ae_step" {
		t.Errorf("results named %s", filepath.Base(base))
	}
	for _, want := range []string{"# Go vs the Python original, 2026-12-02 09:30\n", "Each row: 2 interleaved repetitions.",
		"| ae_step | 150 | 100 | 1.50 | **1.50** | 1.50 | 1/1 | 400/300 | - |\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("the table lacks %q:\n%s", want, md)
		}
	}
	b, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Machine   string                       `json:"machine"`
		Torch     string                       `json:"torch"`
		GoThreads *int                         `json:"go_threads"`
		Device    string                       `json:"device"`
		Summaries []map[string]json.RawMessage `json:"summaries"`
		Rows      []map[string]any             `json:"rows"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Machine != "vm-2cpu" || doc.Torch != "1.13.0" || doc.GoThreads == nil || doc.Device != "cpu" || len(doc.Summaries) != 1 || len(doc.Rows) != 4 {
		t.Fatalf("results.json:\n%s", b)
	}
	for _, k := range []string{"config", "GoImgS", "PyImgS", "Ratios", "RatioMin", "RatioMedian", "RatioMax", "GoThreads", "PyThreads",
		"GoPeakRSSMB", "PyPeakRSSMB", "GoPeakDevMB", "PyPeakDevMB"} {
		if _, ok := doc.Summaries[0][k]; !ok {
			t.Errorf("summary lacks %s", k)
		}
	}
	r := doc.Rows[1]
	if r["side"] != "python" || r["rep"] != 0.0 || r["config"] != "ae_step" || r["blas"] != "openblas" || r["peak_device_mb"] != nil ||
		math.Abs(r["images_per_s"].(float64)-100) > 0 {
		t.Errorf("row %v: want the side's fields with rep and config", r)
	}
	if _, err := os.Stat(base + ".png"); err != nil {
		t.Error(err)
	}
}

// Measure runs a side's process and reads the last line it printed; a failure says what failed.
func TestMeasure(t *testing.T) {
	got, err := Measure([]string{"sh", "-c", `echo warming up; echo '{"side": "python", "images_per_s": 42.5, "threads": 3, "extra": [1, 2]}'`})
	if err != nil || got.Side != "python" || got.ImagesPerS != 42.5 || got.Threads != 3 || string(got.Fields["extra"]) != "[1, 2]" {
		t.Fatalf("Measure: %+v, %v", got, err)
	}
	if _, err := Measure([]string{"sh", "-c", "echo oops >&2; exit 3"}); err == nil || !strings.Contains(err.Error(), "oops") {
		t.Errorf("a failing side: %v", err)
	}
	if _, err := Measure([]string{"sh", "-c", "echo not json"}); err == nil || !strings.Contains(err.Error(), "not json") {
		t.Errorf("a side printing no JSON: %v", err)
	}
}

// A benchmark another file registers runs after the seed's, through Run and its rows; a name
// registered twice is a programming error.
func TestRegister(t *testing.T) {
	saved := slices.Clone(benchmarks)
	t.Cleanup(func() { benchmarks = saved })
	toy := func(o Options) (Measurement, error) { return Measurement{Seconds: 2, Iters: 3}, nil }
	register(Benchmark{Name: "toy_step", Measure: toy, Rows: OneRow("toy", "bench/python/toy.py")})
	rows, _ := Rows(nil, 2, Sources{CIFAR10: true, MNIST: true})
	if last := rows[len(rows)-1]; last != (Row{Key: "toy_step", Go: "toy_step", Python: "toy", Script: "bench/python/toy.py"}) {
		t.Errorf("last row %+v", last)
	}
	r, err := Run("toy_step", Options{Batch: 4})
	if err != nil || r.Name != "toy_step" || r.Images != 12 || r.ImagesPerS != 6 || r.MsPerStep != 2000.0/3 {
		t.Errorf("Run: %+v, %v", r, err)
	}
	defer func() {
		if msg := fmt.Sprint(recover()); !strings.Contains(msg, `"toy_step" registered twice`) {
			t.Errorf("a second registration: %q", msg)
		}
	}()
	register(Benchmark{Name: "toy_step", Measure: toy})
}

// Launch gives each rank torchrun's variables, passes rank 0's output on, and stops the others
// when one fails, naming it.
func TestLaunch(t *testing.T) {
	var out, errOut strings.Builder
	if err := Launch(2, []string{"sh", "-c", `echo $RANK/$WORLD_SIZE/$LOCAL_RANK/$MASTER_ADDR; [ -n "$MASTER_PORT" ]`}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "0/2/0/127.0.0.1" {
		t.Errorf("rank 0 printed %q, want 0/2/0/127.0.0.1 (and rank 1 nothing)", got)
	}
	start := time.Now()
	err := Launch(3, []string{"sh", "-c", `if [ $RANK = 1 ]; then echo broken >&2; exit 3; fi; exec sleep 60`}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "rank 1 of") || !strings.Contains(err.Error(), "broken") {
		t.Errorf("err = %v, want rank 1's failure and its last line", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the other ranks ran on for %v after rank 1 failed", d)
	}
}
