package mnist

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
)

// Command is the examples' command line, for cmd/mnist and cmd/mnist_rnn: argparse's flags with
// their names, defaults and help (less argparse's "(default: N)", which package flag adds itself),
// the port's own after them, then Main. It returns the exit status:
// 0, 1 for a failure (one line on stderr), 2 for a bad command line.
func Command(ex Example, argv []string, stdout, stderr io.Writer) int {
	args := DefaultArgs(ex)
	args.Log, args.Progress = stdout, stderr
	fs := flag.NewFlagSet(ex.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&args.BatchSize, "batch-size", args.BatchSize, "input batch size for training")
	fs.IntVar(&args.TestBatchSize, "test-batch-size", args.TestBatchSize, "input batch size for testing")
	fs.IntVar(&args.Epochs, "epochs", args.Epochs, "number of epochs to train")
	fs.Float64Var(&args.LR, "lr", args.LR, "learning rate")
	fs.Float64Var(&args.Gamma, "gamma", args.Gamma, "learning rate step gamma")
	var noAccel, accel bool
	var mps bool
	if ex.OptInAccel {
		fs.BoolVar(&accel, "accel", false, "enables accelerator")
		fs.BoolVar(&accel, "cuda", false, "enables CUDA training (the older example's name for --accel)")
		fs.BoolVar(&mps, "mps", false, "enables macOS GPU training (the older example's; there is no MPS here)")
	} else {
		fs.BoolVar(&noAccel, "no-accel", false, "disables accelerator")
		fs.BoolVar(&noAccel, "no-cuda", false, "disables CUDA training (the older example's name for --no-accel)")
		fs.BoolVar(&noAccel, "no-mps", false, "disables macOS GPU training (the older example's name; there is no MPS here)")
	}
	fs.BoolVar(&args.DryRun, "dry-run", false, "quickly check a single pass")
	fs.Int64Var(&args.Seed, "seed", args.Seed, "random seed")
	fs.IntVar(&args.LogInterval, "log-interval", args.LogInterval, "how many batches to wait before logging training status")
	fs.BoolVar(&args.SaveModel, "save-model", false, ex.SaveHelp)
	fs.StringVar(&args.Data, "data", args.Data, "datasets root `dir`, holding MNIST/raw (the example's '../data')")
	fs.BoolVar(&args.Download, "download", args.Download, "download MNIST into --data when it is not there (the example's download=True)")
	fs.StringVar(&args.Out, "out", args.Out, "output `dir` for the saved model, results.json and the charts")
	fs.IntVar(&args.Threads, "threads", 0, "libtorch intra-op `threads` (0: libtorch's default)")
	fs.BoolVar(&args.Quiet, "quiet", false, "no download progress")
	distTimeout := fs.Duration("dist-timeout", distributed.DefaultTimeout, "under torchrun: how long a rank waits for the others at the rendezvous and in each collective (init_process_group's timeout)")
	if err := fs.Parse(argv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", ex.Name, fs.Arg(0))
		return 2
	}
	if err := args.Validate(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", ex.Name, err)
		return 2
	}
	// use_accel = not args.no_accel and torch.accelerator.is_available(); the LSTM example takes
	// --accel at its word, and so does the port: it fails if there is no CUDA device.
	switch {
	case mps:
		fmt.Fprintf(stderr, "%s: --mps: there is no MPS (macOS GPU) device here; --accel uses CUDA\n", ex.Name)
		return 1
	case accel:
		d, err := torch.ParseDevice("cuda")
		if err != nil {
			fmt.Fprintf(stderr, "%s: --accel: %v\n", ex.Name, err)
			return 1
		}
		args.Device = d
	case !noAccel && !ex.OptInAccel && torch.CUDAIsAvailable():
		args.Device = torch.CUDA(0)
	default:
		args.Device = torch.CPU
	}
	// Under torchrun: data-parallel, rank 0 prints and writes.
	flagDevice := "cpu"
	if args.Device.IsCUDA() {
		flagDevice = "cuda"
	}
	g, d, err := torchrun.Join(args.Device, flagDevice, *distTimeout)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", ex.Name, torchrun.OnRank(err))
		return 1
	}
	defer torchrun.Leave(g)
	args.Group, args.Device = g, d
	if g != nil && g.Rank() != 0 {
		args.Log, args.Progress, args.Quiet = io.Discard, io.Discard, true
	}
	// Keep freed host memory for the next step instead of page-faulting it back in, as aecifar
	// does: PyTorch has no such call, and it changes no number.
	torch.CacheHostMemory()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := Main(ctx, ex, args); err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintf(stderr, "%s: %v\n", ex.Name, torchrun.OnRank(err))
		return 1
	}
	return 0
}
