package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Settings are what every row of a comparison shares.
type Settings struct {
	Reps         int    // interleaved repetitions of every row
	Iters        int    // timed iterations of the step and inference benchmarks
	Warmup       int    // untimed iterations before timing
	Data         string // ImageFolder root with train/, for the rows over CIFAR-10
	MNIST        string // datasets root with MNIST/raw (the examples' --data), for the rows over MNIST
	EpochBatches int    // batches per epoch measurement (the tutorials': as many images as this many of 32)
	Threads      int    // Go's intra-op threads (0: libtorch's default)
	Device       string // "cpu", "cuda" or "cuda:N"
	// CacheHostMemory has the Go side keep freed host memory (torch.CacheHostMemory), as aecifar does.
	CacheHostMemory bool
	Self            string // the binary that runs one Go benchmark with --one (aecifar-bench)
	Python          string // the interpreter with torch and torchvision
	// Against is another build's aecifar-bench. When it is set, the second side of every row is
	// that build's Go benchmark (side "against") instead of the Python original, so that a change
	// is measured before and after, interleaved, as Go is against Python.
	Against string
}

// The sides a sample can come from.
const (
	SideGo      = "go"      // this build's Go benchmark
	SidePython  = "python"  // the Python original
	SideAgainst = "against" // Settings.Against's Go benchmark
)

// Other is the side each row's first side, this build's Go, is compared with.
func (s Settings) Other() string {
	if s.Against != "" {
		return SideAgainst
	}
	return SidePython
}

// goCommand is the command line of row r's Go side.
func (s Settings) goCommand(r Row) []string { return s.goCommandOf(s.Self, r) }

// otherCommand is the command line of row r's other side: the Python original's, or Against's Go.
func (s Settings) otherCommand(r Row) []string {
	if s.Against != "" {
		return s.goCommandOf(s.Against, r)
	}
	return s.pythonCommand(r)
}

// goCommandOf is the command line of row r's Go benchmark run by the aecifar-bench binary bin.
// (--mnist only for the rows that read MNIST, which builds older than that flag do not have).
func (s Settings) goCommandOf(bin string, r Row) []string {
	cmd := []string{bin, "--one", r.Go, fmt.Sprintf("--cache-host-memory=%v", s.CacheHostMemory), "--device", s.Device,
		"--threads", fmt.Sprint(s.Threads), "--iters", fmt.Sprint(s.Iters), "--warmup", fmt.Sprint(s.Warmup),
		"--data", s.Data, "--epoch-batches", fmt.Sprint(s.EpochBatches), "--workers", fmt.Sprint(r.Workers)}
	if r.MNIST {
		cmd = append(cmd, "--mnist", s.MNIST)
	}
	return s.launched(r, cmd)
}

// launched is cmd run as r.Ranks ranks by this binary's --ranks (Launch), or cmd itself.
func (s Settings) launched(r Row, cmd []string) []string {
	if r.Ranks == 0 {
		return cmd
	}
	return append([]string{s.Self, "--ranks", fmt.Sprint(r.Ranks), "--"}, cmd...)
}

// pythonCommand is the command line of row r's Python side: steps.py's flags, the device's type
// alone (torch's default CUDA device is the first).
func (s Settings) pythonCommand(r Row) []string {
	cmd := []string{s.Python, r.script(), "--only", r.Python, "--device", strings.SplitN(s.Device, ":", 2)[0],
		"--iters", fmt.Sprint(s.Iters), "--warmup", fmt.Sprint(s.Warmup)}
	if r.Data {
		cmd = append(cmd, "--data", s.Data, "--workers", fmt.Sprint(r.Workers), "--max-batches", fmt.Sprint(s.EpochBatches))
	}
	if r.MNIST {
		cmd = append(cmd, "--mnist", s.MNIST, "--workers", fmt.Sprint(r.Workers), "--max-batches", fmt.Sprint(s.EpochBatches))
	}
	return s.launched(r, cmd)
}

// A Sample is one side's measurement of one row in one repetition: the fields the side printed
// (Result's for Go, steps.py's for Python, which has more), with the row's key and the repetition.
type Sample struct {
	Rep    int
	Config string // the row's Key
	// The fields the summaries read.
	Side         string
	ImagesPerS   float64
	Threads      int
	PeakRSSMB    float64
	PeakDeviceMB *float64 // nil where the side measured none (the CPU)
	// Fields are every field the side printed, as it printed them, for the results file.
	Fields map[string]json.RawMessage
}

// ParseSample reads the JSON object a side printed.
func ParseSample(line []byte) (Sample, error) {
	var typed struct {
		Side         string   `json:"side"`
		ImagesPerS   float64  `json:"images_per_s"`
		Threads      int      `json:"threads"`
		PeakRSSMB    float64  `json:"peak_rss_mb"`
		PeakDeviceMB *float64 `json:"peak_device_mb"`
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return Sample{}, err
	}
	if err := json.Unmarshal(line, &typed); err != nil {
		return Sample{}, err
	}
	if typed.Side == "" || typed.ImagesPerS <= 0 {
		return Sample{}, fmt.Errorf("no side or no images_per_s in %s", line)
	}
	return Sample{Side: typed.Side, ImagesPerS: typed.ImagesPerS, Threads: typed.Threads, PeakRSSMB: typed.PeakRSSMB,
		PeakDeviceMB: typed.PeakDeviceMB, Fields: fields}, nil
}

// MarshalJSON writes the side's fields with the harness's "rep", "config" and "side" (the side the
// sample stands for: "against" for the other build's Go, which printed "go").
func (s Sample) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(s.Fields)+2)
	for k, v := range s.Fields {
		m[k] = v
	}
	m["rep"], m["config"], m["side"] = s.Rep, s.Config, s.Side
	return json.Marshal(m)
}

// Measure runs one side's command in its own process (so that its peak memory is its own) and
// parses the last line it printed.
func Measure(cmd []string) (Sample, error) {
	var stdout, stderr bytes.Buffer
	c := exec.Command(cmd[0], cmd[1:]...)
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return Sample{}, fmt.Errorf("%s: %v\n%s", strings.Join(cmd, " "), err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	s, err := ParseSample([]byte(lines[len(lines)-1]))
	if err != nil {
		return Sample{}, fmt.Errorf("%s printed %q: %v", cmd[0], stdout.String(), err)
	}
	return s, nil
}

// Compare measures every row's two sides (this build's Go and s.Other()) s.Reps times, interleaved:
// each repetition runs every row, and the side that goes first alternates from one repetition to
// the next, so that drift in the machine's speed hits both. measure runs one side (Measure, or a
// stand-in in tests); a line per sample goes to progress. It returns the samples in the order
// measured, each labelled with the side it stands for, or the first failure.
func Compare(s Settings, rows []Row, measure func(cmd []string) (Sample, error), progress io.Writer) ([]Sample, error) {
	var samples []Sample
	for rep := range s.Reps {
		for _, r := range rows {
			type side struct {
				name string
				cmd  []string
			}
			sides := []side{{SideGo, s.goCommand(r)}, {s.Other(), s.otherCommand(r)}}
			if rep%2 == 1 {
				sides[0], sides[1] = sides[1], sides[0]
			}
			for _, sd := range sides {
				sample, err := measure(sd.cmd)
				if err != nil {
					return nil, err
				}
				if sample.Side != sd.name && !(sd.name == SideAgainst && sample.Side == SideGo) {
					return nil, fmt.Errorf("%s printed side %q, want %q", sd.cmd[0], sample.Side, sd.name)
				}
				sample.Rep, sample.Config, sample.Side = rep, r.Key, sd.name
				samples = append(samples, sample)
				fmt.Fprintf(progress, "rep %d %-18s %-7s %8.0f img/s (threads %v)\n", rep, r.Key, sample.Side, sample.ImagesPerS, sample.Threads)
			}
		}
	}
	return samples, nil
}
