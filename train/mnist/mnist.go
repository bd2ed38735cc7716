// Package mnist is pytorch/examples' two MNIST programs, mnist/main.py (a small CNN) and
// mnist_rnn/main.py (an LSTM), whose train and test functions and main are the same but for a few
// details an Example names. Train, Test and Main mirror the Python functions of the same names:
// the same loops, the same arguments (Args holds the command line), the same printed lines,
// character for character:
//
//	Train Epoch: 1 [0/60000 (0%)]	Loss: 2.305374
//	...
//
//	Test set: Average loss: 0.0475, Accuracy: 9842/10000 (98%)
//
// and, with --save-model, the same file (mnist_cnn.pt or mnist_rnn.pt, a state_dict that Python's
// load_state_dict accepts with strict=True). A run also writes results.json and charts into
// Args.Out (losses.png, accuracy.png, per_class.png, confusion.png, predictions.png); nothing added
// changes a number the example computes.
//
// The examples call torch.manual_seed(args.seed) before building the model, and everything random
// after it (the default initialisation, the loaders' shuffles, dropout's masks) is drawn from
// libtorch's default generator, in the order the Go port draws it too: a Go run and a Python run
// with the same --seed on the same machine follow the same trajectory.
//
// Errors are returned, one line each; nothing here exits or panics on bad input.
package mnist

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/nn/parallel"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/optim/lr_scheduler"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/train/report"
	"github.com/aecifar/aecifar/train/tutorial"
)

// Model is what Train and Test need of a model: a module whose Forward returns log-probabilities,
// with nn.Base's training mode, parameters and state_dict.
type Model interface {
	nn.Forwarder
	Train(mode ...bool)
	Eval()
	Parameters() []*torch.Tensor
	StateDict() torch.StateDict
	To(d torch.Device) error
	Drop()
}

// Example is one of the two programs: what differs between them.
type Example struct {
	Name   string // "mnist" or "mnist_rnn"
	Source string // the Python file
	// NewModel is Net().
	NewModel func() Model
	// SaveFile is what --save-model writes: "mnist_cnn.pt" or "mnist_rnn.pt".
	SaveFile string
	// LR is the --lr default: 1.0 for the CNN, 0.1 for the LSTM.
	LR float64
	// Shuffle tells whether the loaders shuffle (shuffle=True) on the CPU and with an accelerator.
	// The CNN shuffles only with an accelerator (its accel_kwargs); the LSTM always.
	Shuffle func(accel bool) bool
	// TestDryRun: the test loop too stops after its first batch under --dry-run (the LSTM's does).
	TestDryRun bool
	// OptInAccel: the accelerator is used only with --accel (the LSTM), not unless --no-accel (the CNN).
	OptInAccel bool
	// SaveHelp is --save-model's help, which the two examples capitalise differently.
	SaveHelp string
}

// Args is the examples' command line (argparse's args), plus this port's --data, --download,
// --out, --quiet and --threads.
type Args struct {
	BatchSize     int     // --batch-size 64
	TestBatchSize int     // --test-batch-size 1000
	Epochs        int     // --epochs 14
	LR            float64 // --lr (Example.LR)
	Gamma         float64 // --gamma 0.7
	DryRun        bool    // --dry-run: a single batch per epoch
	Seed          int64   // --seed 1
	LogInterval   int     // --log-interval 10
	SaveModel     bool    // --save-model

	// Device is where the model trains: the accelerator (CUDA) unless --no-accel (the CNN) or
	// without --accel (the LSTM), else the CPU.
	Device torch.Device

	Data     string // the datasets' root, the examples' '../data' (holding MNIST/raw)
	Download bool   // download=True
	Out      string // where the saved model, results.json and the charts go (the examples: the working directory)
	Threads  int    // libtorch intra-op threads; 0 leaves libtorch's default
	Quiet    bool
	Log      io.Writer // the printed lines (default os.Stdout)
	Progress io.Writer // download progress (default os.Stderr)

	// TrainSet and TestSet, when set, replace MNIST (tests use FakeData).
	TrainSet, TestSet data.Dataset

	// Group trains data-parallel over a process group (torchrun), as the example would under
	// DistributedDataParallel: each rank takes its DistributedSampler share of every epoch with
	// BatchSize images per step and the gradients are averaged before each step; rank 0 alone
	// prints its own training lines, tests, saves and writes the results. nil is one process.
	Group *distributed.ProcessGroup
	ddp   *parallel.DistributedDataParallel // the model under Group, set by Main
}

// DefaultArgs are the examples' defaults for ex.
func DefaultArgs(ex Example) Args {
	return Args{BatchSize: 64, TestBatchSize: 1000, Epochs: 14, LR: ex.LR, Gamma: 0.7, Seed: 1, LogInterval: 10,
		Device: torch.CPU, Data: "../data", Download: true, Out: ".", Log: os.Stdout, Progress: os.Stderr}
}

// Validate reports the first argument that cannot work.
func (a Args) Validate() error {
	switch {
	case a.BatchSize <= 0:
		return fmt.Errorf("invalid --batch-size %d: must be at least 1", a.BatchSize)
	case a.TestBatchSize <= 0:
		return fmt.Errorf("invalid --test-batch-size %d: must be at least 1", a.TestBatchSize)
	case a.Epochs < 0:
		return fmt.Errorf("invalid --epochs %d: must be 0 or more", a.Epochs)
	case a.LR < 0:
		return fmt.Errorf("invalid --lr %v: must be 0 or more", a.LR)
	case a.LogInterval <= 0:
		return fmt.Errorf("invalid --log-interval %d: must be at least 1", a.LogInterval)
	case a.Out == "":
		return errors.New("no output directory given")
	case a.Threads < 0:
		return fmt.Errorf("invalid thread count %d: must be 0 or more", a.Threads)
	case a.Data == "" && (a.TrainSet == nil || a.TestSet == nil):
		return errors.New("no data directory given")
	}
	return nil
}

func (a Args) printf(format string, args ...any) {
	w := a.Log
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, format, args...)
}

// Transform is both examples' transforms.Compose([ToTensor(), Normalize((0.1307,), (0.3081,))]).
func Transform() transforms.Compose {
	return transforms.Compose{transforms.ToTensor{}, &transforms.Normalize{Mean: []float64{0.1307}, Std: []float64{0.3081}}}
}

// Step is one iteration of train's loop: optimizer.zero_grad(); output = model(data); loss =
// F.nll_loss(output, target); loss.backward(); optimizer.step(). The loss belongs to data's scope.
func Step(model Model, optimizer optim.Optimizer, data, target *torch.Tensor) (*torch.Tensor, error) {
	return step(model, nil, optimizer, data, target)
}

// step is Step, under DistributedDataParallel when ddp is not nil: model(data) through ddp (which
// broadcasts rank 0's buffers first), the gradients averaged over the ranks after backward.
func step(model Model, ddp *parallel.DistributedDataParallel, optimizer optim.Optimizer, data, target *torch.Tensor) (*torch.Tensor, error) {
	if err := optimizer.ZeroGrad(); err != nil {
		return nil, err
	}
	var output *torch.Tensor
	if ddp != nil {
		output = ddp.Forward(data)
	} else {
		output = model.Forward(data)
	}
	loss := torch.NLLLoss(output, target)
	if ddp != nil {
		if err := ddp.Backward(loss); err != nil {
			return nil, err
		}
	} else if err := loss.Backward(); err != nil {
		return nil, err
	}
	return loss, optimizer.Step()
}

// Logged is a training loss train printed.
type Logged struct {
	Epoch, BatchIdx int
	Loss            float64
}

// Train is the examples' train(args, model, device, train_loader, optimizer, epoch): one epoch,
// printing the loss every LogInterval batches (and stopping after the first under --dry-run). It
// returns the printed losses, the images seen and the sum of every batch's loss.
func Train(ctx context.Context, args Args, model Model, device torch.Device, trainLoader *data.DataLoader, optimizer optim.Optimizer, epoch int) (logged []Logged, images int, lossSum float64, err error) {
	model.Train(true)
	if s, ok := trainLoader.Sampler().(*data.DistributedSampler); ok {
		s.SetEpoch(epoch) // train_loader.sampler.set_epoch(epoch)
	}
	dataset := trainLoader.Dataset().Len()
	batches := trainLoader.Len()
	it := trainLoader.Iter(ctx)
	defer it.Close()
	for batchIdx := 0; it.Next(); batchIdx++ {
		b := it.Batch()
		var v float64
		torch.WithScope(func(s *torch.Scope) {
			data, target := tutorial.ToDevice(s, b, device)
			var loss *torch.Tensor
			if loss, err = step(model, args.ddp, optimizer, data, target); err == nil {
				v, err = loss.Item()
			}
		})
		if err != nil {
			return logged, images, lossSum, fmt.Errorf("epoch %d, batch %d: %w", epoch, batchIdx, err)
		}
		images += b.Len()
		lossSum += v
		if batchIdx%args.LogInterval == 0 {
			args.printf("Train Epoch: %d [%d/%d (%s%%)]\tLoss: %s\n", epoch, batchIdx*b.Len(), dataset,
				tutorial.Fixed(100*float64(batchIdx)/float64(batches), 0), tutorial.Fixed(v, 6))
			logged = append(logged, Logged{Epoch: epoch, BatchIdx: batchIdx, Loss: v})
			if args.DryRun {
				break
			}
		}
	}
	if err := it.Err(); err != nil {
		return logged, images, lossSum, err
	}
	return logged, images, lossSum, ctx.Err()
}

// TestResult is what test computed: the summed loss over the dataset's length, the correct count,
// and for the report each image's label and prediction.
type TestResult struct {
	Loss           float64 // test_loss /= len(test_loader.dataset)
	Correct, Total int     // Total is len(test_loader.dataset), as the example divides by it
	Truth, Pred    []int64
	// Shown are up to 32 test images (CHW, unnormalised to [0, 1]), spread over the pass, with
	// their indices into Truth and Pred.
	Shown   [][]float32
	ShownAt []int
}

// Test is the examples' test(model, device, test_loader) (the LSTM's takes args too, to stop
// after one batch under --dry-run): the summed NLL loss and the argmax accuracy under no_grad,
// printed as "Test set: Average loss: ..., Accuracy: .../... (...%)" between blank lines.
func Test(ctx context.Context, ex Example, args Args, model Model, device torch.Device, testLoader *data.DataLoader) (*TestResult, error) {
	model.Eval()
	testLoss := 0.0
	correct := 0
	dataset := testLoader.Dataset().Len()
	r := &TestResult{Total: dataset}
	stride := max(1, dataset/32)
	var err error
	torch.NoGrad(func() {
		it := testLoader.Iter(ctx)
		defer it.Close()
		for it.Next() {
			b := it.Batch()
			torch.WithScope(func(s *torch.Scope) {
				data, target := tutorial.ToDevice(s, b, device)
				output := model.Forward(data)
				var v float64
				v, err = torch.NLLLoss(output, target, torch.NLLLossOptions{Reduction: torch.ReductionSum}).Item() // sum up batch loss
				if err != nil {
					return
				}
				testLoss += v
				pred := output.Argmax(torch.ArgmaxOptions{Dim: new(int64(1)), Keepdim: true}) // get the index of the max log-probability
				var n float64
				if n, err = pred.Eq(target.ViewAs(pred)).Sum().Item(); err != nil {
					return
				}
				correct += int(n)
				var p []int64
				if p, err = pred.Int64s(); err != nil {
					return
				}
				per := len(b.Data) / max(b.Len(), 1)
				for j := range b.Labels {
					if k := len(r.Truth) + j; k%stride == 0 && len(r.Shown) < 32 {
						img := make([]float32, per)
						for i, x := range b.Data[j*per : (j+1)*per] {
							img[i] = x*0.3081 + 0.1307 // unnormalise
						}
						r.Shown, r.ShownAt = append(r.Shown, img), append(r.ShownAt, k)
					}
				}
				r.Truth, r.Pred = append(r.Truth, b.Labels...), append(r.Pred, p...)
			})
			if err != nil || (ex.TestDryRun && args.DryRun) {
				break
			}
		}
		if err == nil {
			err = it.Err()
		}
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if dataset == 0 {
		return nil, errors.New("the test set is empty")
	}
	testLoss /= float64(dataset)
	r.Loss, r.Correct = testLoss, correct
	args.printf("\nTest set: Average loss: %s, Accuracy: %d/%d (%s%%)\n\n", tutorial.Fixed(testLoss, 4), correct, dataset,
		tutorial.Fixed(100*float64(correct)/float64(dataset), 0))
	return r, nil
}

// Datasets are the examples' dataset1 (MNIST train, download=True) and dataset2 (MNIST test).
func Datasets(args Args) (train, test data.Dataset, err error) {
	if args.TrainSet != nil && args.TestSet != nil {
		return args.TrainSet, args.TestSet, nil
	}
	var progress io.Writer
	if !args.Quiet {
		progress = args.Progress
	}
	dataset1, err := datasets.NewMNIST(args.Data, datasets.MNISTOptions{Train: new(true), Download: args.Download, Transform: Transform(), Progress: progress})
	if err != nil {
		return nil, nil, err
	}
	dataset2, err := datasets.NewMNIST(args.Data, datasets.MNISTOptions{Train: new(false), Transform: Transform()})
	if err != nil {
		return nil, nil, err
	}
	return dataset1, dataset2, nil
}

// Loaders are the examples' train_loader and test_loader: batch_size and test_batch_size, and
// with an accelerator one loader worker (num_workers=1, pin_memory=True), shuffled as ex says.
func Loaders(ex Example, args Args, dataset1, dataset2 data.Dataset) (trainLoader, testLoader *data.DataLoader, err error) {
	accel := args.Device.IsCUDA()
	workers := 0
	if accel {
		workers = 1
	}
	shuffle := ex.Shuffle(accel)
	opts := data.DataLoaderOptions{BatchSize: args.BatchSize, Shuffle: shuffle, NumWorkers: workers}
	if args.Group != nil {
		// DistributedSampler(dataset1, shuffle=shuffle) in place of the loader's own shuffle.
		rank := args.Group.Rank()
		opts.Shuffle = false
		if opts.Sampler, err = data.NewDistributedSampler(dataset1, data.DistributedSamplerOptions{NumReplicas: args.Group.Size(), Rank: &rank, Shuffle: &shuffle}); err != nil {
			return nil, nil, err
		}
	}
	trainLoader, err = data.NewDataLoader(dataset1, opts)
	if err != nil {
		return nil, nil, err
	}
	testLoader, err = data.NewDataLoader(dataset2, data.DataLoaderOptions{BatchSize: args.TestBatchSize, Shuffle: shuffle, NumWorkers: workers})
	return trainLoader, testLoader, err
}

// Main is the examples' main() after argument parsing: seed, data, model, Adadelta and StepLR,
// train and test every epoch, save the model when asked. It writes results.json and the charts in
// args.Out and returns the results.
func Main(ctx context.Context, ex Example, args Args) (*tutorial.Results, error) {
	if err := args.Validate(); err != nil {
		return nil, err
	}
	if args.Threads > 0 {
		if err := torch.SetNumThreads(args.Threads); err != nil {
			return nil, err
		}
	}
	if err := torch.ManualSeed(uint64(args.Seed)); err != nil {
		return nil, err
	}
	device := args.Device
	if err := os.MkdirAll(args.Out, 0o755); err != nil {
		return nil, err
	}
	dataset1, dataset2, err := datasetsOnRanks(args)
	if err != nil {
		return nil, err
	}
	trainLoader, testLoader, err := Loaders(ex, args, dataset1, dataset2)
	if err != nil {
		return nil, err
	}

	model := ex.NewModel()
	defer model.Drop()
	if err := model.To(device); err != nil {
		return nil, err
	}
	if args.Group != nil {
		m, ok := model.(nn.Module)
		if !ok {
			return nil, fmt.Errorf("%T is not an nn.Module: it cannot train data-parallel", model)
		}
		if args.ddp, err = parallel.NewDistributedDataParallel(m, parallel.DistributedDataParallelOptions{ProcessGroup: args.Group}); err != nil {
			return nil, err
		}
	}
	optimizer, err := optim.NewAdadelta(model.Parameters(), optim.AdadeltaOptions{LR: args.LR})
	if err != nil {
		return nil, err
	}
	defer optimizer.Drop()
	scheduler, err := lr_scheduler.NewStepLR(optimizer, 1, lr_scheduler.StepLROptions{Gamma: args.Gamma})
	if err != nil {
		return nil, err
	}

	seed := args.Seed
	res := &tutorial.Results{Tutorial: ex.Name, Source: ex.Source, Seed: &seed, Device: device.String(), Torch: torch.Version(),
		Threads: torch.GetNumThreads(), Seconds: map[string]float64{},
		Settings: map[string]any{"batch_size": args.BatchSize, "test_batch_size": args.TestBatchSize, "epochs": args.Epochs,
			"lr": args.LR, "gamma": args.Gamma, "dry_run": args.DryRun, "log_interval": args.LogInterval,
			"train_images": dataset1.Len(), "test_images": dataset2.Len()}}
	var last *TestResult
	for epoch := 1; epoch <= args.Epochs; epoch++ {
		lr := optimizer.ParamGroups()[0].LR
		start := time.Now()
		logged, images, lossSum, err := Train(ctx, args, model, device, trainLoader, optimizer, epoch)
		if err != nil {
			return nil, err
		}
		secs := time.Since(start).Seconds()
		res.Seconds["train"] += secs
		if err := scheduler.Step(); err != nil {
			return nil, err
		}
		if !leads(args) {
			continue // rank 0 tests
		}
		start = time.Now()
		if last, err = Test(ctx, ex, args, model, device, testLoader); err != nil {
			return nil, err
		}
		res.Seconds["test"] += time.Since(start).Seconds()
		batches := (images + args.BatchSize - 1) / args.BatchSize
		for _, l := range logged {
			res.Losses = append(res.Losses, tutorial.LossPoint{Epoch: tutorial.EpochAt(epoch, l.BatchIdx, trainLoader.Len()), Batch: l.BatchIdx, Loss: l.Loss})
		}
		e := tutorial.EpochResult{Epoch: epoch, LR: lr, TrainSeconds: secs, ImagesPerSec: float64(images) / secs,
			Test: &tutorial.TestResult{Loss: tutorial.Finite(last.Loss), Correct: last.Correct, Total: last.Total,
				Accuracy: float64(last.Correct) / float64(last.Total)}}
		if batches > 0 {
			e.TrainLoss = tutorial.Finite(lossSum / float64(batches))
		}
		res.Epochs = append(res.Epochs, e)
	}

	if !leads(args) {
		return nil, nil // rank 0 saves and writes the results
	}
	if args.SaveModel {
		if err := torch.Save(model.StateDict(), filepath.Join(args.Out, ex.SaveFile)); err != nil {
			return nil, err
		}
	}
	if last != nil {
		if err := finish(args, res, last); err != nil {
			return nil, err
		}
	}
	if err := tutorial.WriteResults(filepath.Join(args.Out, "results.json"), *res); err != nil {
		return nil, err
	}
	return res, nil
}

// leads is whether this process prints and writes: the only one, or rank 0.
func leads(args Args) bool { return args.Group == nil || args.Group.Rank() == 0 }

// datasetsOnRanks is Datasets; under a group rank 0 opens (and downloads) first, the others once
// it has.
func datasetsOnRanks(args Args) (train, test data.Dataset, err error) {
	if args.Group == nil {
		return Datasets(args)
	}
	if !leads(args) {
		if err := args.Group.Barrier(); err != nil {
			return nil, nil, fmt.Errorf("waiting for rank 0 to open the data: %w", err)
		}
		return Datasets(args)
	}
	if train, test, err = Datasets(args); err != nil {
		return nil, nil, err
	}
	return train, test, args.Group.Barrier()
}

// Digits are the class names of the report (MNIST's own are "0 - zero" ...).
var Digits = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// finish fills the results of the last epoch's test and draws the charts.
func finish(args Args, res *tutorial.Results, last *TestResult) error {
	correct, total := make([]int, len(Digits)), make([]int, len(Digits))
	for i, t := range last.Truth {
		if t < 0 || int(t) >= len(Digits) {
			return fmt.Errorf("test label %d is not a digit", t)
		}
		total[t]++
		if last.Pred[i] == t {
			correct[t]++
		}
	}
	res.Tally(Digits, correct, total)
	// The example's own figures: its denominators are the dataset's length even under --dry-run.
	res.Correct, res.Total = last.Correct, last.Total
	res.Accuracy = float64(last.Correct) / float64(last.Total)
	res.TestLoss = tutorial.Finite(last.Loss)
	res.Lines = []string{fmt.Sprintf("Test set: Average loss: %s, Accuracy: %d/%d (%s%%)", tutorial.Fixed(last.Loss, 4), last.Correct, last.Total,
		tutorial.Fixed(100*float64(last.Correct)/float64(last.Total), 0))}

	dir := args.Out
	var train, test, acc report.Curve
	train.Name, test.Name, acc.Name = "training (logged batches)", "test (average)", "test"
	for _, p := range res.Losses {
		train.X, train.Y = append(train.X, p.Epoch), append(train.Y, p.Loss)
	}
	for _, e := range res.Epochs {
		if e.Test.Loss != nil {
			test.X, test.Y = append(test.X, float64(e.Epoch)), append(test.Y, *e.Test.Loss)
		}
		acc.X, acc.Y = append(acc.X, float64(e.Epoch)), append(acc.Y, 100*e.Test.Accuracy)
	}
	if err := report.PlotCurves(filepath.Join(dir, "losses.png"), "NLL loss", "epoch", "loss", train, test); err != nil {
		return err
	}
	if err := report.PlotCurves(filepath.Join(dir, "accuracy.png"), "Test accuracy", "epoch", "accuracy (%)", acc); err != nil {
		return err
	}
	if err := report.PlotClassAccuracy(filepath.Join(dir, "per_class.png"), "Test accuracy per digit (last epoch)", Digits, correct, total); err != nil {
		return err
	}
	m, err := report.Confusion(len(Digits), last.Truth, last.Pred)
	if err != nil {
		return err
	}
	if err := report.PlotConfusion(filepath.Join(dir, "confusion.png"), m, Digits); err != nil {
		return err
	}
	if len(last.Shown) == 0 {
		return nil
	}
	truth, pred := make([]int, len(last.ShownAt)), make([]int, len(last.ShownAt))
	for i, k := range last.ShownAt {
		truth[i], pred[i] = int(last.Truth[k]), int(last.Pred[k])
	}
	return report.PlotPredictions(filepath.Join(dir, "predictions.png"), "Test digits: truth and prediction", last.Shown, 28, 28, truth, pred, Digits)
}
