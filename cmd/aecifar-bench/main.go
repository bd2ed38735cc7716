// Command aecifar-bench runs the Go port and the Python original (bench/python/steps.py) side by
// side on this machine, interleaved, several times, and writes bench/results/<machine>-<date>.json,
// .md and .png with each benchmark's Go/Python throughput ratio (min, median, max).
//
//	aecifar-bench [--reps 3] [--iters 100] [--data DIR] [--threads N] [--out bench/results]
//
// Each measurement runs in its own process (this binary with --one, or steps.py), so peak memory is
// the benchmark's own. Go runs with --threads intra-op threads (default: one per CPU, the port's
// setting); Python with its own default, as the blog's code does; both are recorded.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aecifar/aecifar/bench"
	"github.com/aecifar/aecifar/internal/pytorch"
	"github.com/aecifar/aecifar/torch"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

type config struct {
	name    string
	workers int
}

func main() {
	reps := flag.Int("reps", 3, "interleaved repetitions of every benchmark")
	iters := flag.Int("iters", 100, "timed iterations of the step and inference benchmarks")
	warmup := flag.Int("warmup", 10, "untimed iterations before timing")
	dataDir := flag.String("data", os.Getenv("CIFAR10_DIR"), "ImageFolder root with train/ for the epoch benchmarks (none: skipped)")
	epochBatches := flag.Int("epoch-batches", 150, "batches per epoch measurement")
	threads := flag.Int("threads", 0, "Go's intra-op threads (0: libtorch's default, as aecifar uses)")
	device := flag.String("device", "cpu", "device: cpu, cuda or cuda:N")
	python := flag.String("python", "", "interpreter with torch and torchvision (default: the first that imports them of $PYTHON, python3, /usr/bin/python3)")
	out := flag.String("out", filepath.Join("bench", "results"), "directory for the results")
	only := flag.String("only", "", "comma-separated benchmarks (default: all)")
	cache := flag.Bool("cache-host-memory", true, "Go keeps freed host memory (torch.CacheHostMemory), as aecifar does")
	one := flag.String("one", "", "internal: run one Go benchmark and print its JSON")
	workers := flag.Int("workers", 4, "internal: loader workers for --one ae_epoch")
	flag.Parse()

	d, err := torch.ParseDevice(*device)
	if err != nil {
		fail(err)
	}
	if *one != "" {
		if *threads > 0 {
			if err := torch.SetNumThreads(*threads); err != nil {
				fail(err)
			}
		}
		if *cache {
			torch.CacheHostMemory()
		}
		r, err := bench.Run(*one, bench.Options{Device: d, Warmup: *warmup, Iters: *iters, Batch: 32, Data: *dataDir, Workers: *workers, MaxBatches: *epochBatches})
		if err != nil {
			fail(err)
		}
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}

	py := *python
	if py == "" {
		if py, err = pytorch.Find("torchvision"); err != nil {
			fail(fmt.Errorf("no --python: %w", err))
		}
	}
	var configs []config
	for _, n := range append(append([]string{}, bench.Names...), bench.FastNames...) {
		if *only != "" && !strings.Contains(","+*only+",", ","+n+",") {
			continue
		}
		if n == "ae_epoch_fast" {
			if *dataDir != "" {
				configs = append(configs, config{n, 4}) // against the blog's 4 loader workers
			}
			continue
		}
		if n == "ae_epoch" {
			if *dataDir == "" {
				fmt.Fprintln(os.Stderr, "aecifar-bench: no --data (or CIFAR10_DIR): epoch benchmarks skipped")
				continue
			}
			configs = append(configs, config{n, 4})
			if runtime.NumCPU() != 4 {
				configs = append(configs, config{n, runtime.NumCPU()})
			}
			continue
		}
		configs = append(configs, config{n, 0})
	}
	self, _ := os.Executable()
	var rows []map[string]any
	for rep := 0; rep < *reps; rep++ {
		for _, c := range configs {
			goArgs := []string{"--one", c.name, fmt.Sprintf("--cache-host-memory=%v", *cache), "--device", *device, "--threads", fmt.Sprint(*threads), "--iters", fmt.Sprint(*iters),
				"--warmup", fmt.Sprint(*warmup), "--data", *dataDir, "--epoch-batches", fmt.Sprint(*epochBatches), "--workers", fmt.Sprint(c.workers)}
			pyArgs := []string{filepath.Join("bench", "python", "steps.py"), "--only", bench.Baseline(c.name), "--device", strings.SplitN(*device, ":", 2)[0],
				"--iters", fmt.Sprint(*iters), "--warmup", fmt.Sprint(*warmup)}
			if bench.Baseline(c.name) == "ae_epoch" {
				pyArgs = append(pyArgs, "--data", *dataDir, "--workers", fmt.Sprint(c.workers), "--max-batches", fmt.Sprint(*epochBatches))
			}
			// Alternate which side goes first, so that drift in the machine's speed hits both.
			sides := [][]string{append([]string{self}, goArgs...), append([]string{py}, pyArgs...)}
			if rep%2 == 1 {
				sides[0], sides[1] = sides[1], sides[0]
			}
			for _, cmd := range sides {
				row, err := measure(cmd)
				if err != nil {
					fail(err)
				}
				row["rep"] = rep
				row["config"] = key(c)
				rows = append(rows, row)
				fmt.Fprintf(os.Stderr, "rep %d %-18s %-6s %8.0f img/s (threads %v)\n", rep, key(c), row["side"], row["images_per_s"], row["threads"])
			}
		}
	}
	name := bench.Machine() + "-" + time.Now().Format("2006-01-02")
	if *only != "" {
		name += "-" + strings.ReplaceAll(*only, ",", "+")
	}
	if err := write(filepath.Join(*out, name), configs, rows, *threads, *device); err != nil {
		fail(err)
	}
}

func key(c config) string {
	if c.name == "ae_epoch_fast" {
		return fmt.Sprintf("ae_epoch_fast_vs_w%d", c.workers)
	}
	if c.name == "ae_epoch" {
		return fmt.Sprintf("ae_epoch_w%d", c.workers)
	}
	return c.name
}

func measure(cmd []string) (map[string]any, error) {
	var stdout, stderr bytes.Buffer
	c := exec.Command(cmd[0], cmd[1:]...)
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", strings.Join(cmd, " "), err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var row map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &row); err != nil {
		return nil, fmt.Errorf("%s printed %q", cmd[0], stdout.String())
	}
	return row, nil
}

// write writes base.json, base.md and base.png.
func write(base string, configs []config, rows []map[string]any, threads int, device string) error {
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return err
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# Go vs the Python original, %s\n\n", time.Now().Format("2006-01-02 15:04"))
	fmt.Fprintf(&md, "Machine: %s (%d CPUs), libtorch %s, device %s. Go intra-op threads: %d. Each row: %d interleaved repetitions.\n",
		bench.Machine(), runtime.NumCPU(), torch.Version(), device, threads, len(rows)/max(2*len(configs), 1))
	md.WriteString("Rows ending in _fast are the Go fast path (--fast) against the Python original's plain benchmark of the same name; the fast steps also augment their batch on the device.\n\n")
	md.WriteString("| benchmark | Go img/s (median) | Python img/s (median) | Go/Python min | median | max | threads Go/Python | peak RSS MB Go/Python | peak device MB Go/Python |\n|---|---|---|---|---|---|---|---|---|\n")
	type out struct {
		Config                   string `json:"config"`
		GoImgS, PyImgS, Ratios   []float64
		RatioMin, RatioMedian    float64
		RatioMax                 float64
		GoThreads, PyThreads     any
		GoPeakRSSMB, PyPeakRSSMB float64
		GoPeakDevMB, PyPeakDevMB float64
	}
	var summaries []out
	var labels []string
	var medians plotter.Values
	for _, c := range configs {
		k := key(c)
		o := out{Config: k}
		byRep := map[any]map[string]map[string]any{}
		for _, r := range rows {
			if r["config"] != k {
				continue
			}
			if byRep[r["rep"]] == nil {
				byRep[r["rep"]] = map[string]map[string]any{}
			}
			byRep[r["rep"]][r["side"].(string)] = r
		}
		for _, sides := range byRep {
			g, p := sides["go"], sides["python"]
			if g == nil || p == nil {
				continue
			}
			gi, pi := g["images_per_s"].(float64), p["images_per_s"].(float64)
			o.GoImgS, o.PyImgS, o.Ratios = append(o.GoImgS, gi), append(o.PyImgS, pi), append(o.Ratios, gi/pi)
			o.GoThreads, o.PyThreads = g["threads"], p["threads"]
			o.GoPeakRSSMB = max(o.GoPeakRSSMB, g["peak_rss_mb"].(float64))
			o.PyPeakRSSMB = max(o.PyPeakRSSMB, p["peak_rss_mb"].(float64))
			if v, ok := g["peak_device_mb"].(float64); ok {
				o.GoPeakDevMB = max(o.GoPeakDevMB, v)
			}
			if v, ok := p["peak_device_mb"].(float64); ok {
				o.PyPeakDevMB = max(o.PyPeakDevMB, v)
			}
		}
		if len(o.Ratios) == 0 {
			continue
		}
		o.RatioMin, o.RatioMedian, o.RatioMax = slices.Min(o.Ratios), median(o.Ratios), slices.Max(o.Ratios)
		summaries = append(summaries, o)
		labels = append(labels, k)
		medians = append(medians, o.RatioMedian)
		dev := "-"
		if o.GoPeakDevMB > 0 || o.PyPeakDevMB > 0 {
			dev = fmt.Sprintf("%.0f/%.0f", o.GoPeakDevMB, o.PyPeakDevMB)
		}
		fmt.Fprintf(&md, "| %s | %.0f | %.0f | %.2f | **%.2f** | %.2f | %v/%v | %.0f/%.0f | %s |\n", k, median(o.GoImgS), median(o.PyImgS),
			o.RatioMin, o.RatioMedian, o.RatioMax, o.GoThreads, o.PyThreads, o.GoPeakRSSMB, o.PyPeakRSSMB, dev)
	}
	b, err := json.MarshalIndent(map[string]any{"machine": bench.Machine(), "torch": torch.Version(), "go_threads": threads,
		"device": device, "summaries": summaries, "rows": rows}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".json", append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(base+".md", []byte(md.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(md.String())
	return chart(base+".png", labels, medians)
}

func chart(path string, labels []string, ratios plotter.Values) error {
	if len(ratios) == 0 {
		return nil
	}
	p := plot.New()
	p.Title.Text = "Go / Python throughput (median), same machine"
	p.Y.Label.Text = "ratio (>1: Go faster)"
	bars, err := plotter.NewBarChart(ratios, vg.Points(30))
	if err != nil {
		return err
	}
	p.Add(bars)
	one := plotter.NewFunction(func(float64) float64 { return 1 })
	p.Add(one)
	p.NominalX(labels...)
	return p.Save(vg.Length(140+60*len(labels)), 4*vg.Inch, path)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "aecifar-bench:", err)
	os.Exit(1)
}
