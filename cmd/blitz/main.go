// Command blitz is PyTorch's 60-minute blitz "Training a Classifier" in Go: the CIFAR-10 Net trained
// two epochs with SGD and momentum at batch size 4, saved to cifar_net.pth, reloaded and tested,
// printing the tutorial's lines (train/blitz).
//
//	blitz [--data ./data] [--out .] [--device auto|cpu|cuda] [--epochs 2] [--batch-size 4] ...
//	blitz --dry-run                  # a few batches of one epoch and of the test passes
//
// The output directory gets cifar_net.pth (a state_dict Python's load_state_dict accepts),
// train_images.png and test_images.png (what the tutorial shows with imshow), results.json and the
// charts losses.png, per_class.png, confusion.png and predictions.png. Errors print one line and exit
// with status 1; a bad command line exits with status 2.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/aecifar/aecifar/internal/torchrun"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
	"github.com/aecifar/aecifar/train/blitz"
)

func main() {
	switch err := run(os.Args[1:], os.Stdout, os.Stderr); {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "blitz:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

func run(args []string, stdout, stderr io.Writer) error {
	cfg := blitz.Default()
	cfg.Log, cfg.Progress = stdout, stderr
	fs := flag.NewFlagSet("blitz", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "`dir`: CIFAR-10's binary release (dir/cifar-10-batches-bin) or an ImageFolder tree (dir/train, dir/test); the tutorial's root='./data'")
	fs.BoolVar(&cfg.Download, "download", cfg.Download, "download CIFAR-10's binary release into --data when it holds no data (the tutorial's download=True)")
	fs.StringVar(&cfg.OutDir, "out", cfg.OutDir, "output `dir` for cifar_net.pth (the tutorial's PATH), the images, results.json and the charts")
	device := fs.String("device", "auto", "`device`: auto (CUDA when there is one, as the tutorial's \"Training on GPU\" section), cpu, cuda or cuda:N")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "`epochs` (the tutorial's range(2))")
	fs.IntVar(&cfg.BatchSize, "batch-size", cfg.BatchSize, "batch `size` (the tutorial's batch_size = 4)")
	fs.Float64Var(&cfg.LR, "lr", cfg.LR, "SGD learning `rate`")
	fs.Float64Var(&cfg.Momentum, "momentum", cfg.Momentum, "SGD `momentum`")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "loader `goroutines` (the tutorial's num_workers=2)")
	fs.IntVar(&cfg.PrintEvery, "print-every", cfg.PrintEvery, "print the mean loss every `N` mini-batches")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "torch.manual_seed(`S`) first; negative: unseeded, as the tutorial")
	fs.IntVar(&cfg.MaxBatches, "max-batches", 0, "cap each training epoch at `N` batches (0: none)")
	fs.IntVar(&cfg.MaxTestBatches, "max-test-batches", 0, "cap each test pass at `N` batches (0: none)")
	dryRun := fs.Bool("dry-run", false, "quickly check a single pass: one epoch of 100 batches, test passes of 50, printing every 50")
	fs.IntVar(&cfg.Threads, "threads", 0, "libtorch intra-op `threads` (0: libtorch's default)")
	fs.BoolVar(&cfg.Quiet, "quiet", false, "no progress bars")
	distTimeout := fs.Duration("dist-timeout", distributed.DefaultTimeout, "under torchrun: how long a rank waits for the others at the rendezvous and in each collective (init_process_group's timeout)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "blitz: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *dryRun {
		cfg.Epochs, cfg.MaxBatches, cfg.MaxTestBatches, cfg.PrintEvery = 1, 100, 50, 50
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "blitz: %v\n", err)
		return errUsage
	}
	d, err := torch.ParseDevice(*device)
	if err != nil {
		return err
	}
	cfg.Device = d
	// Under torchrun: data-parallel, rank 0 prints and writes.
	g, d, err := torchrun.Join(cfg.Device, *device, *distTimeout)
	if err != nil {
		return torchrun.OnRank(err)
	}
	defer torchrun.Leave(g)
	cfg.Group, cfg.Device = g, d
	if g != nil && g.Rank() != 0 {
		cfg.Log, cfg.Progress, cfg.Quiet = io.Discard, io.Discard, true
	}
	// Keep freed host memory for the next step instead of page-faulting it back in, as aecifar
	// does: PyTorch has no such call, and it changes no number.
	torch.CacheHostMemory()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := blitz.Run(ctx, cfg); err != nil {
		if errors.Is(err, context.Canceled) {
			return torchrun.OnRank(errors.New("interrupted"))
		}
		return torchrun.OnRank(err)
	}
	return nil
}
