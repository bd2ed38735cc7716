// Command aecifar runs the blog "combining unsupervised and supervised learning" on CIFAR-10: a
// convolutional autoencoder trained without labels, then a classifier on its frozen encoder.
//
// Usage:
//
//	aecifar <command> [flags]
//
// Commands:
//
//	run               all stages: train-ae, train-classifier, test (the main job)
//	train-ae          train the autoencoder; writes cifar_autoencoder.pt
//	train-classifier  train the classifier on the saved autoencoder; writes model_cifar10.pt
//	test              test a classifier checkpoint (--weights FILE, from Go or Python) into OUT/test-NAME
//	reconstruct       plot test images beside their reconstructions by the saved autoencoder
//	data              put CIFAR-10 in --data (download, or --archive FILE)
//
// Run `aecifar <command> --help` for the flags of each. Errors print one line and exit with status 1
// (Ctrl-C and SIGTERM too, saying what --resume continues); a bad command line exits with status 2.
// Warnings of settings that work but hurt (too many threads, a batch too large for the memory) are
// one line each on stderr.
package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/aecifar/aecifar/internal/atomicfile"
	"github.com/aecifar/aecifar/internal/torchrun"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/train"
)

const usage = `aecifar: the PyTorch blog's CIFAR-10 autoencoder and classifier, in Go on libtorch.

Usage:
  aecifar <command> [flags]

Commands:
  run               all stages: train the autoencoder, train the classifier, test (the main job)
  train-ae          train the autoencoder (writes OUT/cifar_autoencoder.pt)
  train-classifier  train the classifier on OUT/cifar_autoencoder.pt (writes OUT/model_cifar10.pt)
  test              test OUT/model_cifar10.pt, or --weights FILE (a checkpoint from Go or Python);
                    writes OUT/test-NAME/ (or --test-out DIR), never the run's own results
  reconstruct       plot test images beside their reconstructions (OUT/reconstructions.png)
  data              put CIFAR-10 in --data: the official download, or --archive FILE

Run 'aecifar <command> --help' for its flags.
`

// errUsage marks a bad command line, which exits with status 2.
var errUsage = errors.New("usage")

func main() {
	// Handling SIGPIPE turns a write to a closed pipe (aecifar run | head) into an EPIPE error,
	// which the log writer reports once, instead of a silent death mid-run.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	err := run(os.Args[1:], &pipeWriter{w: os.Stdout, stderr: os.Stderr}, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "aecifar:", err)
		os.Exit(1)
	}
}

// pipeWriter is standard output for a run: when writing fails (the reader of a pipe went away), it
// says so once on stderr and drops the rest of the log, so that the run goes on to write its files.
type pipeWriter struct {
	w, stderr io.Writer
	failed    bool
}

func (p *pipeWriter) Write(b []byte) (int, error) {
	if p.failed {
		return len(b), nil
	}
	if _, err := p.w.Write(b); err != nil {
		p.failed = true
		fmt.Fprintf(p.stderr, "aecifar: cannot write to standard output (%v): going on without printing the log; the results are written to the output directory\n", err)
	}
	return len(b), nil
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, args := args[0], args[1:]
	stages := map[string]train.Stages{
		"run":              train.StagesOf(train.StageAutoencoder, train.StageClassifier, train.StageTest),
		"train-ae":         train.StagesOf(train.StageAutoencoder),
		"train-classifier": train.StagesOf(train.StageClassifier),
		"test":             train.StagesOf(train.StageTest),
	}
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "data":
		return dataCommand(args, stderr)
	case "reconstruct":
		return reconstructCommand(args, stdout, stderr)
	}
	st, ok := stages[cmd]
	if !ok {
		fmt.Fprintf(stderr, "aecifar: unknown command %q: the commands are run, train-ae, train-classifier, test, reconstruct and data (aecifar --help)\n", cmd)
		return errUsage
	}
	cfg := train.Default()
	cfg.Log, cfg.Progress = stdout, stderr
	fs := flag.NewFlagSet("aecifar "+cmd, flag.ContinueOnError)
	device := commonFlags(fs, &cfg)
	var weights string
	distTimeout := distributed.DefaultTimeout
	if cmd == "test" {
		fs.StringVar(&weights, "weights", "", "classifier checkpoint `file` to test (default OUT/model_cifar10.pt)")
		fs.StringVar(&cfg.TestDir, "test-out", "", "`dir` for results.json and confusion.png (default OUT/test-NAME, NAME the checkpoint's file name without .pt: a test never overwrites a run's results)")
	} else {
		fs.IntVar(&cfg.AEEpochs, "ae-epochs", cfg.AEEpochs, "autoencoder `epochs` (the blog's n_epochs = 35)")
		fs.IntVar(&cfg.ClfEpochs, "clf-epochs", cfg.ClfEpochs, "classifier `epochs` (the blog's n_epochs = 40)")
		fs.IntVar(&cfg.MaxBatches, "max-batches", 0, "cap every training and validation epoch at `N` batches (0: no cap; for smoke runs)")
		fs.BoolVar(&cfg.Resume, "resume", false, "continue the interrupted run in --out from its last completed epoch")
		fs.BoolVar(&cfg.Restart, "restart", false, "start afresh in an --out that holds an interrupted run, discarding it")
		fs.DurationVar(&distTimeout, "dist-timeout", distTimeout, "under torchrun: how long a rank waits for the others at the rendezvous and in each collective (init_process_group's timeout)")
	}
	fs.BoolVar(&cfg.Download, "download", false, "download CIFAR-10 into --data first when it holds no data (torchvision's download=True)")
	fs.BoolVar(&cfg.Fast, "fast", false, "keep the data on the device, augment it there and, on CUDA, replay each training step as a CUDA graph (same models and recipe, another augmentation sampler)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "aecifar %s: %v\n", cmd, err)
		return errUsage
	}
	d, err := torch.ParseDevice(*device)
	if err != nil {
		return err
	}
	cfg.Device = d
	if cmd == "test" && torchrun.Active() {
		return errTestUnderTorchrun
	}
	leave, err := joinTorchrun(&cfg, *device, distTimeout)
	if err != nil {
		return torchrun.OnRank(err)
	}
	if leave != nil {
		defer leave()
		if err := cfg.Validate(); err != nil {
			fmt.Fprintf(stderr, "aecifar %s: %v\n", cmd, err)
			return errUsage
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Under torchrun rank 0 downloads; the others touch the data only once it has opened the run.
	if cfg.Download && (cfg.Group == nil || cfg.Group.Rank() == 0) {
		if err := train.Download(ctx, cfg); err != nil {
			if errors.Is(err, context.Canceled) {
				return errors.New("interrupted while downloading CIFAR-10; nothing partial was kept")
			}
			return err
		}
	}
	_, err = train.Run(ctx, cfg, st, weights)
	return torchrun.OnRank(err)
}

// parseFlags parses a command's flags. A bad command line is one line on stderr (the flags are for
// --help, which prints them) and errUsage; --help is flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stderr, "Usage of %s:\n", fs.Name())
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		return err
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v (%s --help lists the flags)\n", fs.Name(), err, fs.Name())
		return errUsage
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

// commonFlags defines the flags every training and testing command takes.
func commonFlags(fs *flag.FlagSet, cfg *train.Config) (device *string) {
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data `dir`: an ImageFolder tree with train/ and test/, or CIFAR-10's binary release (the folder holding cifar-10-batches-bin, or that folder)")
	fs.StringVar(&cfg.OutDir, "out", cfg.OutDir, "output `dir` for checkpoints, history, plots and results")
	device = fs.String("device", "auto", "`device`: auto, cpu, cuda or cuda:N")
	fs.IntVar(&cfg.BatchSize, "batch-size", cfg.BatchSize, "batch `size` (the blog's BATCH_SIZE = 32)")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "data loader `workers` (the blog's NUM_WORKERS = 4)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random `seed` for the split, the sampling, the augmentation and libtorch")
	fs.BoolVar(&cfg.Quiet, "quiet", false, "no progress bars")
	fs.IntVar(&cfg.Threads, "threads", cfg.Threads, "libtorch intra-op `threads` (0: libtorch's default, 1 on the project's 2-core machine; more threads compete with the loader for cores)")
	return device
}

func dataCommand(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("aecifar data", flag.ContinueOnError)
	dir := fs.String("data", "data/cifar10", "`dir` to put CIFAR-10 in")
	archive := fs.String("archive", "", "unpack this local cifar-10-binary.tar.gz `file` instead of downloading")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *archive != "" {
		if err := checkMD5(*archive, datasets.CIFAR10MD5); err != nil {
			return err
		}
		// DownloadCIFAR10 takes a copy already in place when its MD5 is the official one.
		if err := copyArchive(*archive, filepath.Join(*dir, "cifar-10-binary.tar.gz")); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := datasets.DownloadCIFAR10(ctx, *dir); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "CIFAR-10 is in %s\n", *dir)
	return nil
}

// checkMD5 tells whether file is the official CIFAR-10 binary release before anything is copied.
func checkMD5(file, want string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%s is not CIFAR-10's binary release (cifar-10-binary.tar.gz): its MD5 is %s, not %s", file, got, want)
	}
	return nil
}

// copyArchive copies src to dst with atomicfile.Write, so dst is never half written.
func copyArchive(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

func reconstructCommand(args []string, stdout, stderr io.Writer) error {
	cfg := train.Default()
	cfg.Log, cfg.Progress = stdout, stderr
	fs := flag.NewFlagSet("aecifar reconstruct", flag.ContinueOnError)
	device := commonFlags(fs, &cfg)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return errUsage
	}
	d, err := torch.ParseDevice(*device)
	if err != nil {
		return err
	}
	cfg.Device = d
	path, err := train.Reconstruct(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, strings.TrimSpace("wrote "+path))
	return nil
}
