// Command aecifar-bench runs the Go port and the Python original (bench/python/steps.py) side by
// side on this machine, interleaved, several times, and writes bench/results/<machine>-<date>.json,
// .md and .png with each benchmark's Go/Python throughput ratio (min, median, max).
//
//	aecifar-bench [--reps 3] [--iters 100] [--data DIR] [--threads N] [--out bench/results]
//	aecifar-bench --against OTHER/aecifar-bench [--against-name NAME] --only ae_step,clf_step
//
// With --against, the second side of every row is another build's aecifar-bench (an older commit's
// bin/aecifar-bench, say) running the same Go benchmark instead of the Python original: a change
// measured before and after, interleaved in one run, into files named
// <machine>-<date>[-<only>]-builds-<NAME>.
//
// Each measurement runs in its own process (this binary with --one, or steps.py), so peak memory is
// the benchmark's own. Go runs with --threads intra-op threads (default: one per CPU, the port's
// setting); Python with its own default, as the blog's code does; both are recorded. The harness
// itself is package bench (Rows, Compare, Write).
package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aecifar/aecifar/bench"
	"github.com/aecifar/aecifar/internal/pytorch"
	"github.com/aecifar/aecifar/torch"
)

func main() {
	s := bench.Settings{}
	flag.IntVar(&s.Reps, "reps", 3, "interleaved repetitions of every benchmark")
	flag.IntVar(&s.Iters, "iters", 100, "timed iterations of the step and inference benchmarks")
	flag.IntVar(&s.Warmup, "warmup", 10, "untimed iterations before timing")
	flag.StringVar(&s.Data, "data", os.Getenv("CIFAR10_DIR"), "ImageFolder root with train/ for the epoch benchmarks (none: skipped)")
	flag.StringVar(&s.MNIST, "mnist", os.Getenv("MNIST_ROOT"), "datasets root holding MNIST/raw, decompressed (the examples' --data), for the mnist epoch benchmarks (none: skipped)")
	flag.IntVar(&s.EpochBatches, "epoch-batches", 150, "batches of 32 per epoch measurement (the tutorials' epochs: as many images in their own batches)")
	flag.IntVar(&s.Threads, "threads", 0, "Go's intra-op threads (0: libtorch's default, as aecifar uses)")
	flag.StringVar(&s.Device, "device", "cpu", "device: cpu, cuda or cuda:N")
	flag.StringVar(&s.Python, "python", "", "interpreter with torch and torchvision (default: the first that imports them of $PYTHON, python3, /usr/bin/python3)")
	out := flag.String("out", filepath.Join("bench", "results"), "directory for the results")
	only := flag.String("only", "", "comma-separated benchmarks (default: all)")
	flag.BoolVar(&s.CacheHostMemory, "cache-host-memory", true, "Go keeps freed host memory (torch.CacheHostMemory), as aecifar does")
	one := flag.String("one", "", "internal: run one Go benchmark and print its JSON")
	workers := flag.Int("workers", 4, "internal: loader workers for --one ae_epoch")
	flag.StringVar(&s.Against, "against", "", "another build's aecifar-bench: compare this build's Go with its Go instead of with Python")
	againstName := flag.String("against-name", "", "what to call the --against build in the results (default: its path)")
	ranks := flag.Int("ranks", 0, "internal: run the command after -- as `N` data-parallel ranks (as torchrun does) and print rank 0's output")
	flag.Parse()
	if *ranks > 0 {
		if err := bench.Launch(*ranks, flag.Args(), os.Stdout, os.Stderr); err != nil {
			fail(err)
		}
		return
	}

	d, err := torch.ParseDevice(s.Device)
	if err != nil {
		fail(err)
	}
	if *one != "" {
		if s.Threads > 0 {
			if err := torch.SetNumThreads(s.Threads); err != nil {
				fail(err)
			}
		}
		if s.CacheHostMemory {
			torch.CacheHostMemory()
		}
		r, err := bench.Run(*one, bench.Options{Device: d, Warmup: s.Warmup, Iters: s.Iters, Batch: 32, Data: s.Data, MNIST: s.MNIST, Workers: *workers, MaxBatches: s.EpochBatches})
		if err != nil {
			fail(err)
		}
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}

	report := bench.Report{Machine: bench.Machine(), CPUs: runtime.NumCPU(), Torch: torch.Version(), Device: s.Device,
		GoThreads: s.Threads, Reps: s.Reps}
	if s.Against != "" {
		if _, err := exec.LookPath(s.Against); err != nil {
			fail(fmt.Errorf("--against: %w", err))
		}
		report.Against = cmp.Or(*againstName, s.Against)
	} else if s.Python == "" {
		if s.Python, err = pytorch.Find("torchvision"); err != nil {
			fail(fmt.Errorf("no --python: %w", err))
		}
	}
	s.Self, _ = os.Executable()
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	rows, skipped := bench.Rows(names, runtime.NumCPU(), bench.Sources{CIFAR10: s.Data != "", MNIST: s.MNIST != ""})
	for _, r := range skipped {
		why := "no --data (or CIFAR10_DIR)"
		if r.MNIST {
			why = "no --mnist (or MNIST_ROOT)"
		}
		fmt.Fprintf(os.Stderr, "aecifar-bench: %s: %s skipped\n", why, r.Key)
	}
	samples, err := bench.Compare(s, rows, bench.Measure, os.Stderr)
	if err != nil {
		fail(err)
	}
	report.Time, report.Rows, report.Samples = time.Now(), rows, samples
	name := bench.ResultsName(report.Machine, report.Time, names)
	if s.Against != "" {
		name += "-builds-" + filepath.Base(cmp.Or(*againstName, "against"))
	}
	md, err := bench.Write(filepath.Join(*out, name), report)
	fmt.Print(md)
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "aecifar-bench:", err)
	os.Exit(1)
}
