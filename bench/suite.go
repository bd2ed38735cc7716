package bench

import (
	"fmt"
	"slices"
)

// A Benchmark is one Go measurement and the rows that compare it with the Python original.
//
// Adding one is a new file in this package that defines its Measure function and registers it:
//
//	func init() {
//		register(Benchmark{Name: "mnist_step", Measure: mnistStep,
//			Rows: OneRow("mnist_step", "bench/python/tutorials.py")})
//	}
//
// The Python script must print, as its last line of output, one JSON object with Result's fields
// (side "python"), and take steps.py's flags (--only, --device, --iters, --warmup and, for rows over
// the data set, --data, --workers, --max-batches).
type Benchmark struct {
	// Name is the Go side's name: Run's, aecifar-bench's --one and --only.
	Name string
	// Measure runs the benchmark.
	Measure func(Options) (Measurement, error)
	// Rows are the rows that compare the benchmark with the Python original on a machine with cpus
	// CPUs; nil is one row named Name against steps.py's benchmark of the same name.
	Rows func(b Benchmark, cpus int) []Row
}

// A Measurement is what a Measure function measured: Run makes a Result of it.
type Measurement struct {
	Seconds float64 // the timed iterations' wall time
	Iters   int     // timed iterations (steps or batches)
	Batch   int     // images per iteration; 0 is Options.Batch
	Images  int     // images in all; 0 is Batch*Iters
	Workers int     // loader workers, for a benchmark that has a loader
}

// A Row is one line of the comparison: a Go benchmark against a Python one, with the settings
// both sides share.
type Row struct {
	Key     string // the row's name in the results (their "config"), unique
	Go      string // the Go benchmark (Benchmark.Name)
	Python  string // the Python side's benchmark: the script's --only
	Script  string // the Python script from the repository root; "" is bench/python/steps.py
	Workers int    // loader workers of both sides (rows over the data set)
	Data    bool   // the row reads CIFAR-10 (Settings.Data): skipped without it
	MNIST   bool   // the row reads MNIST (Settings.MNIST): skipped without it
	Ranks   int    // data-parallel ranks each side runs (Launch); 0 is one plain process
}

// stepsScript is the Python original's benchmarks.
const stepsScript = "bench/python/steps.py"

func (r Row) script() string {
	if r.Script == "" {
		return stepsScript
	}
	return r.Script
}

// OneRow is the Rows of a benchmark compared with the Python benchmark python of script ("" for
// steps.py) on a fixed batch, as one row named like the benchmark.
func OneRow(python, script string) func(Benchmark, int) []Row {
	return func(b Benchmark, _ int) []Row {
		return []Row{{Key: b.Name, Go: b.Name, Python: python, Script: script}}
	}
}

// benchmarks are the Go benchmarks in the order their rows run: the seed's, then those other files
// register.
var benchmarks = []Benchmark{
	{Name: "ae_step", Measure: aeStep},
	{Name: "clf_step", Measure: clfStep},
	{Name: "ae_infer_1024", Measure: func(o Options) (Measurement, error) { return infer(o, false) }},
	{Name: "clf_infer_1024", Measure: func(o Options) (Measurement, error) { return infer(o, true) }},
	// The seed's 4 loader workers, and one per CPU.
	{Name: "ae_epoch", Measure: aeEpoch, Rows: func(b Benchmark, cpus int) []Row {
		rows := []Row{epochRow(b, 4)}
		if cpus != 4 {
			rows = append(rows, epochRow(b, cpus))
		}
		return rows
	}},
	// The fast path (train's --fast) against the Python original's plain benchmarks: the same work
	// done the blog's way. The fast steps include the on-device augmentation, which the Python steps
	// (on a fixed batch) do not do.
	{Name: "ae_step_fast", Measure: func(o Options) (Measurement, error) { return stepFast(o, false) }, Rows: OneRow("ae_step", "")},
	{Name: "clf_step_fast", Measure: func(o Options) (Measurement, error) { return stepFast(o, true) }, Rows: OneRow("clf_step", "")},
	// Against the blog's 4-worker epoch.
	{Name: "ae_epoch_fast", Measure: aeEpochFast, Rows: func(b Benchmark, _ int) []Row {
		return []Row{{Key: "ae_epoch_fast_vs_w4", Go: b.Name, Python: "ae_epoch", Workers: 4, Data: true}}
	}},
}

// epochRow is the row of an epoch benchmark with workers loader workers on both sides.
func epochRow(b Benchmark, workers int) Row {
	return Row{Key: fmt.Sprintf("%s_w%d", b.Name, workers), Go: b.Name, Python: b.Name, Workers: workers, Data: true}
}

// register adds a benchmark after those already known; a file that defines benchmarks calls it
// from its init function. A name used twice is a programming error.
func register(b Benchmark) {
	if _, ok := lookup(b.Name); ok {
		panic(fmt.Sprintf("bench: benchmark %q registered twice", b.Name))
	}
	benchmarks = append(benchmarks, b)
}

// Benchmarks are the Go benchmarks, in the order their rows run.
func Benchmarks() []Benchmark { return slices.Clone(benchmarks) }

func lookup(name string) (Benchmark, bool) {
	i := slices.IndexFunc(benchmarks, func(b Benchmark) bool { return b.Name == name })
	if i < 0 {
		return Benchmark{}, false
	}
	return benchmarks[i], true
}

// rows are b's rows on a machine with cpus CPUs.
func (b Benchmark) rows(cpus int) []Row {
	if b.Rows == nil {
		return OneRow(b.Name, "")(b, cpus)
	}
	return b.Rows(b, cpus)
}

// Sources are the data sets a comparison has.
type Sources struct {
	CIFAR10 bool // Settings.Data
	MNIST   bool // Settings.MNIST
}

// Rows are the rows of the comparison on a machine with cpus CPUs, in the order they run: those of
// the benchmarks named in only (all when only is empty) whose data sets have has. skipped are those
// left out for want of a data set.
func Rows(only []string, cpus int, have Sources) (rows, skipped []Row) {
	for _, b := range benchmarks {
		if len(only) > 0 && !slices.Contains(only, b.Name) {
			continue
		}
		for _, r := range b.rows(cpus) {
			if r.Data && !have.CIFAR10 || r.MNIST && !have.MNIST {
				skipped = append(skipped, r)
				continue
			}
			rows = append(rows, r)
		}
	}
	return rows, skipped
}
