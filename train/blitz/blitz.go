// Package blitz is PyTorch's 60-minute blitz "Training a Classifier"
// (pytorch/tutorials beginner_source/blitz/cifar10_tutorial.py), top to bottom: CIFAR-10 normalised
// to [-1, 1], batches of 4 shuffled by torch's generator, the tutorial's Net (models.BlitzNet),
// CrossEntropyLoss, SGD(lr=0.001, momentum=0.9), two epochs with the running loss printed every
// 2000 mini-batches, ./cifar_net.pth saved and loaded back into a fresh Net, the first test batch's
// ground truth and predictions, and the overall and per-class accuracy lines, each printed as the
// tutorial prints it.
//
// What the tutorial shows with matplotlib (imshow of a training batch and of the first test
// batch) is written as PNG files instead, and a run adds results.json and charts (losses.png,
// per_class.png, confusion.png, predictions.png) to the output directory; nothing added changes a
// number the tutorial computes. torch's default generator is left unseeded unless Config.Seed is
// set, as in the tutorial. With a seed, the Go port draws from the same libtorch generator in the
// same order as the Python (the loader's shuffles, the default initialisation), so it visits the
// same batches from the same weights as the Python run with that torch.manual_seed: measured on
// CIFAR-10's JPEGs, the printed running losses agreed to all 3 decimals for the first 3000 batches.
//
// Errors are returned, one line each; nothing here exits or panics on bad input.
package blitz

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/nn/parallel"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/utils"
	"github.com/aecifar/aecifar/train/report"
	"github.com/aecifar/aecifar/train/tutorial"
)

// Classes is the tutorial's tuple of class names, in label order.
var Classes = []string{"plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// PATH is the tutorial's checkpoint, './cifar_net.pth', here relative to Config.OutDir.
const PATH = "cifar_net.pth"

// Source is the Python this package ports.
const Source = "pytorch/tutorials@c53e7d4 beginner_source/blitz/cifar10_tutorial.py"

// Config is one run of the tutorial; start from Default.
type Config struct {
	// DataDir is the tutorial's root='./data': CIFAR-10's binary release (DataDir/cifar-10-batches-bin)
	// or an ImageFolder tree (DataDir/train/<class>/, DataDir/test/<class>/).
	DataDir string
	// Download is the tutorial's download=True: fetch the binary release when DataDir holds no data.
	Download bool
	// OutDir receives cifar_net.pth (the tutorial's PATH), results.json and the charts.
	OutDir string
	Device torch.Device

	Epochs     int     // range(2)
	BatchSize  int     // batch_size = 4
	LR         float64 // lr=0.001
	Momentum   float64 // momentum=0.9
	Workers    int     // num_workers=2
	PrintEvery int     // if i % 2000 == 1999: print the running loss / 2000
	// Seed is torch.manual_seed(Seed) at the start; negative (the default) leaves torch's generator
	// unseeded, as the tutorial does.
	Seed int64

	// MaxBatches caps each training epoch and MaxTestBatches each test pass (0: no cap), for smoke
	// runs and CI; the tutorial has neither.
	MaxBatches, MaxTestBatches int
	Threads                    int // libtorch intra-op threads; 0 leaves libtorch's default
	Quiet                      bool
	Log                        io.Writer // the tutorial's printed lines (default os.Stdout)
	Progress                   io.Writer // progress bars (default os.Stderr)

	// Group trains data-parallel over a process group (torchrun), as the tutorial's script would
	// under DistributedDataParallel: each rank takes its DistributedSampler share of every epoch
	// with BatchSize images per step, the gradients are averaged before each step, and rank 0
	// alone prints its own running losses, saves PATH and tests. nil is one process.
	Group *distributed.ProcessGroup

	// Train and Test, when set, replace the CIFAR-10 datasets (tests use FakeData). They must yield
	// normalised 3x32x32 images with labels in [0, 10).
	Train, Test data.Dataset
}

// Default is the tutorial's settings.
func Default() Config {
	return Config{DataDir: "./data", Download: true, OutDir: ".", Device: torch.CPU, Epochs: 2, BatchSize: 4,
		LR: 0.001, Momentum: 0.9, Workers: 2, PrintEvery: 2000, Seed: -1, Log: os.Stdout, Progress: os.Stderr}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.DataDir == "" && (c.Train == nil || c.Test == nil):
		return errors.New("no data directory given")
	case c.OutDir == "":
		return errors.New("no output directory given")
	case c.Epochs < 0:
		return fmt.Errorf("invalid epochs %d: must be 0 or more", c.Epochs)
	case c.BatchSize <= 0:
		return fmt.Errorf("invalid batch size %d: must be at least 1", c.BatchSize)
	case c.LR < 0:
		return fmt.Errorf("invalid learning rate %v: must be 0 or more", c.LR)
	case c.Momentum < 0:
		return fmt.Errorf("invalid momentum %v: must be 0 or more", c.Momentum)
	case c.Workers < 0:
		return fmt.Errorf("invalid worker count %d: must be 0 or more", c.Workers)
	case c.PrintEvery <= 0:
		return fmt.Errorf("invalid print interval %d: must be at least 1", c.PrintEvery)
	case c.MaxBatches < 0 || c.MaxTestBatches < 0:
		return errors.New("invalid batch cap: must be 0 or more")
	case c.Threads < 0:
		return fmt.Errorf("invalid thread count %d: must be 0 or more", c.Threads)
	}
	return nil
}

func (c Config) printf(format string, args ...any) {
	w := c.Log
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, format, args...)
}

// Transform is the tutorial's transform: ToTensor, then Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
// which maps [0, 1] to [-1, 1].
func Transform() transforms.Compose {
	return transforms.Compose{transforms.ToTensor{}, &transforms.Normalize{Mean: []float64{0.5, 0.5, 0.5}, Std: []float64{0.5, 0.5, 0.5}}}
}

// Datasets opens trainset and testset: CIFAR10(root, train=True/False, download, transform), or an
// ImageFolder tree when DataDir has train/ and test/ folders.
func Datasets(cfg Config) (trainset, testset data.Dataset, err error) {
	if cfg.Train != nil && cfg.Test != nil {
		return cfg.Train, cfg.Test, nil
	}
	t := Transform()
	if isDir(filepath.Join(cfg.DataDir, "train")) && isDir(filepath.Join(cfg.DataDir, "test")) {
		tr, err := datasets.NewImageFolder(filepath.Join(cfg.DataDir, "train"), datasets.ImageFolderOptions{Transform: t})
		if err != nil {
			return nil, nil, err
		}
		te, err := datasets.NewImageFolder(filepath.Join(cfg.DataDir, "test"), datasets.ImageFolderOptions{Transform: t})
		if err != nil {
			return nil, nil, err
		}
		if len(tr.Classes) != len(Classes) || len(te.Classes) != len(Classes) {
			return nil, nil, fmt.Errorf("%s: %d training and %d test classes; the tutorial's Net has %d outputs", cfg.DataDir, len(tr.Classes), len(te.Classes), len(Classes))
		}
		return tr, te, nil
	}
	var progress io.Writer
	if !cfg.Quiet {
		progress = cfg.Progress
	}
	tr, err := datasets.NewCIFAR10(cfg.DataDir, datasets.CIFAR10Options{Train: new(true), Download: cfg.Download, Transform: t, Progress: progress})
	if err != nil {
		return nil, nil, err
	}
	te, err := datasets.NewCIFAR10(cfg.DataDir, datasets.CIFAR10Options{Train: new(false), Download: cfg.Download, Transform: t, Progress: progress})
	if err != nil {
		return nil, nil, err
	}
	return tr, te, nil
}

// Loaders are the tutorial's trainloader (shuffle=True) and testloader (shuffle=False), both with
// batch_size and num_workers.
//
// Under cfg.Group the trainloader takes DistributedSampler(trainset) (shuffle=True, seed=0) instead of
// shuffle=True; call its SetEpoch(epoch) before each epoch (trainEpoch does).
func Loaders(cfg Config, trainset, testset data.Dataset) (trainloader, testloader *data.DataLoader, err error) {
	opts := data.DataLoaderOptions{BatchSize: cfg.BatchSize, Shuffle: true, NumWorkers: cfg.Workers}
	if cfg.Group != nil {
		rank := cfg.Group.Rank()
		opts.Shuffle = false
		if opts.Sampler, err = data.NewDistributedSampler(trainset, data.DistributedSamplerOptions{NumReplicas: cfg.Group.Size(), Rank: &rank}); err != nil {
			return nil, nil, err
		}
	}
	trainloader, err = data.NewDataLoader(trainset, opts)
	if err != nil {
		return nil, nil, err
	}
	testloader, err = data.NewDataLoader(testset, data.DataLoaderOptions{BatchSize: cfg.BatchSize, Shuffle: false, NumWorkers: cfg.Workers})
	return trainloader, testloader, err
}

// Step is one iteration of the tutorial's training loop: optimizer.zero_grad(); outputs =
// net(inputs); loss = criterion(outputs, labels); loss.backward(); optimizer.step(). The loss
// belongs to inputs' scope.
func Step(net *models.BlitzNet, optimizer optim.Optimizer, criterion *nn.CrossEntropyLoss, inputs, labels *torch.Tensor) (*torch.Tensor, error) {
	return step(net, nil, optimizer, criterion, inputs, labels)
}

// step is Step, under DistributedDataParallel when ddp is not nil: net(inputs) through ddp, the
// gradients averaged over the ranks after the backward pass.
func step(net *models.BlitzNet, ddp *parallel.DistributedDataParallel, optimizer optim.Optimizer, criterion *nn.CrossEntropyLoss, inputs, labels *torch.Tensor) (*torch.Tensor, error) {
	if err := optimizer.ZeroGrad(); err != nil {
		return nil, err
	}
	var outputs *torch.Tensor
	if ddp != nil {
		outputs = ddp.Forward(inputs)
	} else {
		outputs = net.Forward(inputs)
	}
	loss := criterion.Forward(outputs, labels)
	if ddp != nil {
		return loss, firstErr(ddp.Backward(loss), optimizer.Step)
	}
	if err := loss.Backward(); err != nil {
		return nil, err
	}
	return loss, optimizer.Step()
}

// leads is whether this process prints and writes: the only one, or rank 0.
func leads(cfg Config) bool { return cfg.Group == nil || cfg.Group.Rank() == 0 }

// datasetsOnRanks is Datasets; under a group rank 0 opens (and downloads) first, the others once
// it has.
func datasetsOnRanks(cfg Config) (trainset, testset data.Dataset, err error) {
	if cfg.Group == nil {
		return Datasets(cfg)
	}
	if !leads(cfg) {
		if err := cfg.Group.Barrier(); err != nil {
			return nil, nil, fmt.Errorf("waiting for rank 0 to open the data: %w", err)
		}
		return Datasets(cfg)
	}
	trainset, testset, err = Datasets(cfg)
	if err != nil {
		return nil, nil, err
	}
	return trainset, testset, cfg.Group.Barrier()
}

// firstErr is err, or then's.
func firstErr(err error, then func() error) error {
	if err != nil {
		return err
	}
	return then()
}

// classNames is ' '.join(f'{classes[labels[j]]:5s}' for j in range(n)).
func classNames(labels []int64, n int) (string, error) {
	names := make([]string, 0, n)
	for j := range min(n, len(labels)) {
		if labels[j] < 0 || int(labels[j]) >= len(Classes) {
			return "", fmt.Errorf("label %d outside the tutorial's %d classes", labels[j], len(Classes))
		}
		names = append(names, fmt.Sprintf("%-5s", Classes[labels[j]]))
	}
	return strings.Join(names, " "), nil
}

// imshow is the tutorial's imshow(torchvision.utils.make_grid(images)) written to path:
// the grid unnormalised (img / 2 + 0.5) and saved as a PNG instead of shown.
func imshow(b data.Batch, path string) error {
	var err error
	torch.WithScope(func(s *torch.Scope) {
		images := s.Attach(torch.FromSlice(b.Data, b.Shape...))
		var grid *torch.Tensor
		if grid, err = utils.MakeGrid(images); err != nil {
			return
		}
		img := s.Attach(grid).DivScalar(2).AddScalar(0.5) // unnormalize
		err = utils.SaveImage(img, path)
	})
	return err
}

// firstBatch is `dataiter = iter(loader); images, labels = next(dataiter)`: it starts an epoch of
// loader (drawing from torch's generator as Python's iterator does) and returns its first batch.
func firstBatch(ctx context.Context, loader *data.DataLoader) (data.Batch, error) {
	it := loader.Iter(ctx)
	defer it.Close()
	if !it.Next() {
		if err := it.Err(); err != nil {
			return data.Batch{}, err
		}
		return data.Batch{}, errors.New("the data set is empty")
	}
	return it.Batch(), nil
}

// Run is the tutorial from top to bottom, printing its lines on cfg.Log and writing PATH,
// results.json and the charts in cfg.OutDir. It returns what it wrote to results.json.
func Run(ctx context.Context, cfg Config) (*tutorial.Results, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Threads > 0 {
		if err := torch.SetNumThreads(cfg.Threads); err != nil {
			return nil, err
		}
	}
	if err := tutorial.ManualSeed(cfg.Seed); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, err
	}
	trainset, testset, err := datasetsOnRanks(cfg)
	if err != nil {
		return nil, err
	}
	trainloader, testloader, err := Loaders(cfg, trainset, testset)
	if err != nil {
		return nil, err
	}
	res := &tutorial.Results{Tutorial: "blitz", Source: Source, Device: cfg.Device.String(), Torch: torch.Version(),
		Threads: torch.GetNumThreads(), Seconds: map[string]float64{},
		Settings: map[string]any{"epochs": cfg.Epochs, "batch_size": cfg.BatchSize, "lr": cfg.LR, "momentum": cfg.Momentum,
			"num_workers": cfg.Workers, "train_images": trainset.Len(), "test_images": testset.Len(),
			"max_batches": cfg.MaxBatches, "max_test_batches": cfg.MaxTestBatches}}
	if cfg.Seed >= 0 {
		res.Seed = &cfg.Seed
	}

	// get some random training images
	images, err := firstBatch(ctx, trainloader)
	if err != nil {
		return nil, fmt.Errorf("training images: %w", err)
	}
	if leads(cfg) {
		if err := imshow(images, filepath.Join(cfg.OutDir, "train_images.png")); err != nil {
			return nil, err
		}
	}
	line, err := classNames(images.Labels, cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	cfg.printf("%s\n", line)

	net := models.NewBlitzNet()
	defer net.Drop()
	if err := net.To(cfg.Device); err != nil {
		return nil, err
	}
	var ddp *parallel.DistributedDataParallel
	if cfg.Group != nil {
		if ddp, err = parallel.NewDistributedDataParallel(net, parallel.DistributedDataParallelOptions{ProcessGroup: cfg.Group}); err != nil {
			return nil, err
		}
	}
	criterion := nn.NewCrossEntropyLoss()
	optimizer, err := optim.NewSGD(net.Parameters(), cfg.LR, optim.SGDOptions{Momentum: cfg.Momentum})
	if err != nil {
		return nil, err
	}
	defer optimizer.Drop()

	start := time.Now()
	for epoch := range cfg.Epochs { // loop over the dataset multiple times
		if err := trainEpoch(ctx, cfg, net, ddp, optimizer, criterion, trainloader, epoch, res); err != nil {
			return nil, err
		}
	}
	res.Seconds["train"] = time.Since(start).Seconds()
	cfg.printf("Finished Training\n")
	if !leads(cfg) {
		return nil, nil // rank 0 saves PATH and tests
	}

	path := filepath.Join(cfg.OutDir, PATH)
	if err := torch.Save(net.StateDict(), path); err != nil {
		return nil, err
	}

	start = time.Now()
	if err := test(ctx, cfg, testloader, path, res); err != nil {
		return nil, err
	}
	res.Seconds["test"] = time.Since(start).Seconds()
	cfg.printf("%s\n", cfg.Device)
	if err := tutorial.WriteResults(filepath.Join(cfg.OutDir, "results.json"), *res); err != nil {
		return nil, err
	}
	return res, nil
}

// trainEpoch is one pass of the tutorial's `for i, data in enumerate(trainloader, 0)` loop.
func trainEpoch(ctx context.Context, cfg Config, net *models.BlitzNet, ddp *parallel.DistributedDataParallel, optimizer optim.Optimizer,
	criterion *nn.CrossEntropyLoss, trainloader *data.DataLoader, epoch int, res *tutorial.Results) error {
	start := time.Now()
	if s, ok := trainloader.Sampler().(*data.DistributedSampler); ok {
		s.SetEpoch(epoch) // train_sampler.set_epoch(epoch)
	}
	batches := trainloader.Len()
	if cfg.MaxBatches > 0 {
		batches = min(batches, cfg.MaxBatches)
	}
	bar := tutorial.NewBar(cfg.Progress, cfg.Quiet, batches, fmt.Sprintf("epoch %d/%d", epoch+1, cfg.Epochs))
	defer bar.Finish()
	it := trainloader.Iter(ctx)
	defer it.Close()
	runningLoss, epochLoss := 0.0, 0.0
	i, images := 0, 0
	for ; i < batches && it.Next(); i++ {
		b := it.Batch() // get the inputs; data is a list of [inputs, labels]
		var v float64
		var err error
		torch.WithScope(func(s *torch.Scope) {
			inputs, labels := tutorial.ToDevice(s, b, cfg.Device)
			var loss *torch.Tensor
			if loss, err = step(net, ddp, optimizer, criterion, inputs, labels); err == nil {
				v, err = loss.Item()
			}
		})
		if err != nil {
			return fmt.Errorf("epoch %d, batch %d: %w", epoch+1, i+1, err)
		}
		// print statistics
		runningLoss += v
		epochLoss += v
		images += b.Len()
		bar.Step(v, images)
		if i%cfg.PrintEvery == cfg.PrintEvery-1 { // print every 2000 mini-batches
			avg := runningLoss / float64(cfg.PrintEvery)
			bar.Clear()
			cfg.printf("[%d, %5d] loss: %s\n", epoch+1, i+1, tutorial.Fixed(avg, 3))
			res.Losses = append(res.Losses, tutorial.LossPoint{Epoch: tutorial.EpochAt(epoch+1, i, batches), Batch: i + 1, Loss: avg})
			runningLoss = 0.0
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	var mean *float64
	if i > 0 {
		mean = tutorial.Finite(epochLoss / float64(i))
	}
	res.Epochs = append(res.Epochs, tutorial.EpochResult{Epoch: epoch + 1, LR: cfg.LR, TrainLoss: mean, TrainSeconds: secs,
		ImagesPerSec: float64(images) / secs})
	return nil
}

// predictionsShown is how many test images predictions.png shows.
const predictionsShown = 32

// test is the tutorial's part 5: the first test batch's ground truth, a fresh Net loaded from
// PATH and its predictions for that batch, then the overall accuracy over the test set and the
// accuracy of each class, each from its own pass as in the tutorial.
func test(ctx context.Context, cfg Config, testloader *data.DataLoader, path string, res *tutorial.Results) error {
	images, err := firstBatch(ctx, testloader)
	if err != nil {
		return fmt.Errorf("test images: %w", err)
	}
	if err := imshow(images, filepath.Join(cfg.OutDir, "test_images.png")); err != nil {
		return err
	}
	line, err := classNames(images.Labels, 4)
	if err != nil {
		return err
	}
	cfg.printf("GroundTruth:  %s\n", line)

	net := models.NewBlitzNet()
	defer net.Drop()
	sd, err := torch.Load(path)
	if err != nil {
		return err
	}
	err = net.LoadStateDict(sd, true)
	sd.Drop()
	if err != nil {
		return err
	}
	if err := net.To(cfg.Device); err != nil {
		return err
	}

	var predicted []int64
	torch.WithScope(func(s *torch.Scope) {
		x, _ := tutorial.ToDevice(s, images, cfg.Device)
		outputs := net.Forward(x)
		_, pred := outputs.MaxDim(1)
		predicted, err = pred.Int64s()
	})
	if err != nil {
		return err
	}
	if line, err = classNames(predicted, 4); err != nil {
		return err
	}
	cfg.printf("Predicted:  %s\n", line)

	// since we're not training, we don't need to calculate the gradients for our outputs
	correct, total := 0, 0
	torch.NoGrad(func() {
		err = testPass(ctx, cfg, testloader, net, func(b data.Batch, predicted []int64) {
			total += b.Len()
			for j, p := range predicted {
				if p == b.Labels[j] {
					correct++
				}
			}
		})
	})
	if err != nil {
		return err
	}
	if total == 0 {
		return errors.New("the test set is empty")
	}
	overall := fmt.Sprintf("Accuracy of the network on the 10000 test images: %d %%", 100*correct/total)
	cfg.printf("%s\n", overall)

	// prepare to count predictions for each class
	correctPred, totalPred := make([]int, len(Classes)), make([]int, len(Classes))
	var truth, preds []int64
	var shown [][]float32
	var shownTruth, shownPred []int
	// predictions.png shows test images spread evenly over the pass: an ImageFolder's test set is
	// sorted by class, so its first 32 would all be planes.
	stride, seen := max(1, total/predictionsShown), 0
	torch.NoGrad(func() {
		err = testPass(ctx, cfg, testloader, net, func(b data.Batch, predictions []int64) {
			// collect the correct predictions for each class
			per := len(b.Data) / max(b.Len(), 1)
			for j, label := range b.Labels {
				if label == predictions[j] {
					correctPred[label]++
				}
				totalPred[label]++
				seen++
				if (seen-1)%stride == 0 && len(shown) < predictionsShown {
					img := make([]float32, per)
					for k, v := range b.Data[j*per : (j+1)*per] {
						img[k] = v/2 + 0.5 // unnormalize
					}
					shown = append(shown, img)
					shownTruth, shownPred = append(shownTruth, int(label)), append(shownPred, int(predictions[j]))
				}
			}
			truth, preds = append(truth, b.Labels...), append(preds, predictions...)
		})
	})
	if err != nil {
		return err
	}
	res.Lines = []string{overall}
	// print accuracy for each class
	for i, classname := range Classes {
		if totalPred[i] == 0 { // Python divides by zero here; a capped test pass may see no example
			res.Lines = append(res.Lines, fmt.Sprintf("Accuracy for class: %-5s is N/A (no test images)", classname))
		} else {
			accuracy := 100 * float64(correctPred[i]) / float64(totalPred[i])
			res.Lines = append(res.Lines, fmt.Sprintf("Accuracy for class: %-5s is %s %%", classname, tutorial.Fixed(accuracy, 1)))
		}
		cfg.printf("%s\n", res.Lines[len(res.Lines)-1])
	}
	res.Tally(Classes, correctPred, totalPred)
	return charts(cfg, res, correctPred, totalPred, truth, preds, shown, shownTruth, shownPred)
}

// testPass runs net over the test set (at most MaxTestBatches batches), calling f with each batch
// and its predicted classes: `_, predicted = torch.max(outputs, 1)`.
func testPass(ctx context.Context, cfg Config, testloader *data.DataLoader, net *models.BlitzNet, f func(b data.Batch, predicted []int64)) error {
	batches := testloader.Len()
	if cfg.MaxTestBatches > 0 {
		batches = min(batches, cfg.MaxTestBatches)
	}
	bar := tutorial.NewBar(cfg.Progress, cfg.Quiet, batches, "test")
	defer bar.Finish()
	it := testloader.Iter(ctx)
	defer it.Close()
	seen := 0
	for n := 0; n < batches && it.Next(); n++ {
		b := it.Batch()
		for _, l := range b.Labels {
			if l < 0 || int(l) >= len(Classes) {
				return fmt.Errorf("test label %d outside the tutorial's %d classes", l, len(Classes))
			}
		}
		var predicted []int64
		var err error
		torch.WithScope(func(s *torch.Scope) {
			images, _ := tutorial.ToDevice(s, b, cfg.Device)
			// calculate outputs by running images through the network
			outputs := net.Forward(images)
			// the class with the highest energy is what we choose as prediction
			_, pred := outputs.MaxDim(1)
			predicted, err = pred.Int64s()
		})
		if err != nil {
			return err
		}
		f(b, predicted)
		seen += b.Len()
		bar.Step(math.NaN(), seen) // no loss to show
	}
	if err := it.Err(); err != nil {
		return err
	}
	return ctx.Err()
}

// charts writes losses.png, per_class.png, confusion.png and predictions.png.
func charts(cfg Config, res *tutorial.Results, correct, total []int, truth, preds []int64, shown [][]float32, shownTruth, shownPred []int) error {
	dir := cfg.OutDir
	var curve report.Curve
	curve.Name = "running loss"
	for _, p := range res.Losses {
		curve.X, curve.Y = append(curve.X, p.Epoch), append(curve.Y, p.Loss)
	}
	if len(curve.X) == 0 { // no 2000-batch line printed (a short run): the epoch means instead
		curve.Name = "epoch mean loss"
		for _, e := range res.Epochs {
			if e.TrainLoss != nil {
				curve.X, curve.Y = append(curve.X, float64(e.Epoch)), append(curve.Y, *e.TrainLoss)
			}
		}
	}
	if len(curve.X) > 0 {
		title := fmt.Sprintf("Training loss (mean of each %d mini-batches)", cfg.PrintEvery)
		if curve.Name != "running loss" {
			title = "Training loss (epoch mean)"
		}
		if err := report.PlotCurves(filepath.Join(dir, "losses.png"), title, "epoch", "cross-entropy loss", curve); err != nil {
			return err
		}
	}
	if err := report.PlotClassAccuracy(filepath.Join(dir, "per_class.png"), "Test accuracy per class", Classes, correct, total); err != nil {
		return err
	}
	m, err := report.Confusion(len(Classes), truth, preds)
	if err != nil {
		return err
	}
	if err := report.PlotConfusion(filepath.Join(dir, "confusion.png"), m, Classes); err != nil {
		return err
	}
	if len(shown) == 0 {
		return nil
	}
	return report.PlotPredictions(filepath.Join(dir, "predictions.png"), "Test images: truth and prediction", shown, 32, 32, shownTruth, shownPred, Classes)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
