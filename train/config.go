package train

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
)

// Config is a run of the blog's recipe. The zero value is not usable; start from Default.
type Config struct {
	DataDir   string       // an ImageFolder tree (train/, test/) or CIFAR-10's binary release
	OutDir    string       // checkpoints, history, plots and results
	Device    torch.Device // where the models train
	AEEpochs  int          // 35 in the blog
	ClfEpochs int          // 40 in the blog
	BatchSize int          // 32
	Workers   int          // 4: the blog's NUM_WORKERS
	Seed      uint64       // seeds the split, the samplers, the augmentation and libtorch (streams.go)
	Threads   int          // libtorch's intra-op threads; 0 leaves libtorch's default
	// CacheHostMemory keeps freed host memory for the next step (torch.CacheHostMemory).
	CacheHostMemory bool
	// MaxBatches caps the batches of every training and validation epoch (0: no cap), for smoke
	// runs and tests; the test pass is never capped.
	MaxBatches int
	// Resume continues the interrupted run in OutDir from its last completed epoch.
	Resume bool
	// Restart starts afresh in an OutDir that holds an interrupted run, which Run otherwise refuses
	// to overwrite.
	Restart bool
	// TestDir is where a test of a checkpoint alone (the test stage without training) writes
	// results.json and confusion.png: "" means OutDir/test-NAME, NAME the checkpoint's file name
	// without .pt, so that testing never overwrites a run's own results.
	TestDir string
	// Download fetches CIFAR-10 into DataDir first when it holds no data (see Download).
	Download bool
	// Fast keeps the data on the device, augments it there and, on CUDA, replays each training step
	// as a CUDA graph (see fast.go). Same models and recipe; another augmentation sampler.
	Fast bool
	// Quiet turns off the progress bars; they are off anyway when Progress is not a terminal.
	Quiet bool
	// Group trains data-parallel over a process group (torchrun): each rank trains on its share of
	// every epoch with BatchSize images per step, rank 0 writes (distributed.go). nil is one process.
	Group    *distributed.ProcessGroup
	Log      io.Writer // the blog's printed lines; os.Stdout by default
	Progress io.Writer // progress bars; os.Stderr by default

	afterEpoch func(stage Stage, epoch int) // tests: called once an epoch's resume files are written
}

// Default is the blog's recipe.
func Default() Config {
	return Config{
		DataDir: "data/cifar10", OutDir: "runs/latest", Device: torch.CPU,
		AEEpochs: 35, ClfEpochs: 40, BatchSize: 32, Workers: 4, Seed: 1, CacheHostMemory: true,
		Log: os.Stdout, Progress: os.Stderr,
	}
}

// maxBatchSize bounds the batch size, far above any that fits in memory (2^30 images of 3x32x32
// float32), so that no count of images in a batch overflows an int.
const maxBatchSize = 1 << 30

// Validate reports the first invalid setting, as a user would want to read it.
func (c Config) Validate() error {
	switch {
	case c.DataDir == "":
		return fmt.Errorf("no data directory given")
	case c.OutDir == "":
		return fmt.Errorf("no output directory given")
	case c.AEEpochs < 0:
		return fmt.Errorf("invalid autoencoder epochs %d: must be 0 or more", c.AEEpochs)
	case c.ClfEpochs < 0:
		return fmt.Errorf("invalid classifier epochs %d: must be 0 or more", c.ClfEpochs)
	case c.BatchSize <= 0:
		return fmt.Errorf("invalid batch size %d: must be at least 1", c.BatchSize)
	case c.BatchSize > maxBatchSize:
		return fmt.Errorf("invalid batch size %d: at most %d, a batch of 13 TB of images (a batch larger than the data is one step of all of it)", c.BatchSize, maxBatchSize)
	case c.Workers < 0:
		return fmt.Errorf("invalid worker count %d: must be 0 or more", c.Workers)
	case c.Threads < 0:
		return fmt.Errorf("invalid thread count %d: must be 0 or more", c.Threads)
	case c.Threads > maxThreads():
		// Measured on 2 cores: 64 threads ran a tiny run 8x slower, 1000 did not finish in 100 s
		// and left SIGTERM unanswered while libtorch's threads spun.
		return fmt.Errorf("--threads %d is more than 16 per core on this machine's %d cores (at most %d): libtorch's threads would spend the run waiting for each other", c.Threads, runtime.NumCPU(), maxThreads())
	case c.MaxBatches < 0:
		return fmt.Errorf("invalid batch cap %d: must be 0 or more", c.MaxBatches)
	case c.Resume && c.Restart:
		return fmt.Errorf("--resume continues the run and --restart discards it: give one of them")
	case c.Group != nil && c.Fast:
		return fmt.Errorf("--fast trains in one process: run it without torchrun, or without --fast")
	}
	return nil
}

// maxThreads is the most intra-op threads a run accepts: 16 per core.
func maxThreads() int { return 16 * runtime.NumCPU() }

// progress is where the progress bars, notes and warnings go.
func (c Config) progress() io.Writer {
	if c.Progress == nil {
		return os.Stderr
	}
	return c.Progress
}

func (c Config) logf(format string, args ...any) {
	w := c.Log
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, format, args...)
}

// pyFloat6 is Python's '{:.6f}'.format(x), which writes infinities as "inf" (the blog's first
// "Validation loss decreased (inf --> ...)" line).
func pyFloat6(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case math.IsNaN(x):
		return "nan"
	}
	return fmt.Sprintf("%.6f", x)
}
