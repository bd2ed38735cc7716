package train

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Settings that work but hurt get one warning line each on the progress writer, before anything
// runs, however quiet the run.

// warn warns of the settings known before the data is opened.
func warn(cfg Config) {
	w := cfg.progress()
	if n := runtime.NumCPU(); cfg.Threads > n {
		fmt.Fprintf(w, "aecifar: warning: --threads %d is more than the %d cores here: libtorch's threads then wait for each other and a run gets many times slower (0, libtorch's default, or at most %d)\n",
			cfg.Threads, n, n)
	}
}

// Peak host memory of a run on the CPU, measured with /usr/bin/time -v on the project's 2-core
// machine (libtorch 1.13, CIFAR-10, 4 loader workers, --max-batches 2): the autoencoder stage is
// the largest, 0.98 GB at batch 1024 and 4.2 GB at batch 8192 (the classifier's 0.75 and 3.1 GB,
// the test's 0.68 and 2.2 GB): about hostPerImage bytes per image of a batch over hostBase. The
// loader's prefetched batches are in that figure for 4 workers; each further worker holds 2 more
// batches of 32x32 float images.
const (
	hostBase     = 500 << 20
	hostPerImage = 460 << 10
	imageBytes   = 3 * 32 * 32 * 4
)

// warnMemory warns when a batch is larger than the training split (each epoch is then one step),
// and when a training step's batch will take most of the memory available, or more.
func warnMemory(cfg Config, s *splits, trains bool) {
	w := cfg.progress()
	n := s.train.Len()
	trainSplit := n - int(math.Floor(validationSize*float64(n))) // as splitValidation splits
	if trains && cfg.BatchSize > trainSplit {
		fmt.Fprintf(w, "aecifar: warning: --batch-size %d is more than the %d training images: every epoch is one optimizer step (the blog's batch is 32)\n",
			cfg.BatchSize, trainSplit)
	}
	if cfg.Device.IsCUDA() {
		return // the step's memory is the device's, which libtorch reports only once allocated
	}
	b := min(cfg.BatchSize, s.test.Len())
	if trains {
		b = max(b, min(cfg.BatchSize, trainSplit))
	}
	need := int64(hostBase) + int64(b)*(hostPerImage+int64(max(cfg.Workers-4, 0))*2*imageBytes)
	avail, ok := availableMemory()
	switch {
	case !ok || need <= avail*3/4:
	case need > avail:
		fmt.Fprintf(w, "aecifar: warning: --batch-size %d needs about %.1f GB of memory, more than the %.1f GB available: expect swapping or the run killed for memory (the blog's batch is 32)\n",
			cfg.BatchSize, float64(need)/1e9, float64(avail)/1e9)
	default:
		fmt.Fprintf(w, "aecifar: warning: --batch-size %d needs about %.1f GB of memory, most of the %.1f GB available (the blog's batch is 32)\n",
			cfg.BatchSize, float64(need)/1e9, float64(avail)/1e9)
	}
}

// availableMemory is what this process may still allocate: the system's MemAvailable, or less
// where a cgroup limit says so. (A variable, for the tests.)
var availableMemory = func() (int64, bool) {
	avail, ok := memInfo("MemAvailable")
	if limit, err := readInt("/sys/fs/cgroup/memory.max"); err == nil {
		if used, err := readInt("/sys/fs/cgroup/memory.current"); err == nil && (!ok || limit-used < avail) {
			avail, ok = max(limit-used, 0), true
		}
	}
	return avail, ok
}

// memInfo reads a field of /proc/meminfo, in bytes.
func memInfo(field string) (int64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		return kb << 10, err == nil
	}
	return 0, false
}

// readInt reads a file holding one integer ("max" is not one).
func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}
