package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/train/blitz"
	"github.com/aecifar/aecifar/train/mnist"
	"github.com/aecifar/aecifar/train/tutorial"
)

// The tutorials' training steps, each on its tutorial's own batch size (not Options.Batch) and
// optimizer, against bench/python/tutorials.py. Each step is the tutorial's loop body, the code
// that trains it (blitz.Step, mnist.Step), on a fixed synthetic batch already on the device.
func init() {
	register(Benchmark{Name: "blitz_step", Measure: blitzStep, Rows: OneRow("blitz_step", tutorialsScript)})
	register(Benchmark{Name: "mnist_step", Measure: func(o Options) (Measurement, error) { return mnistStep(o, mnist.CNN) },
		Rows: OneRow("mnist_step", tutorialsScript)})
	register(Benchmark{Name: "mnist_rnn_step", Measure: func(o Options) (Measurement, error) { return mnistStep(o, mnist.RNN) },
		Rows: OneRow("mnist_rnn_step", tutorialsScript)})

	// Their epochs: the tutorial's loader over the real data set feeding its training loop, for as
	// many images as Options.MaxBatches batches of 32 (the seed's epoch measurement), against the
	// same in bench/python/tutorials.py. The loader workers are the tutorial's on the CPU.
	register(Benchmark{Name: "blitz_epoch", Measure: blitzEpoch, Rows: func(b Benchmark, _ int) []Row {
		return []Row{{Key: b.Name, Go: b.Name, Python: b.Name, Script: tutorialsScript, Workers: blitz.Default().Workers, Data: true}}
	}})
	for _, ex := range []mnist.Example{mnist.CNN, mnist.RNN} {
		register(Benchmark{Name: ex.Name + "_epoch", Measure: func(o Options) (Measurement, error) { return mnistEpoch(o, ex) },
			Rows: func(b Benchmark, _ int) []Row {
				return []Row{{Key: b.Name, Go: b.Name, Python: b.Name, Script: tutorialsScript, MNIST: true}}
			}})
	}
}

const tutorialsScript = "bench/python/tutorials.py"

// blitzStep is the blitz's loop body at its batch size 4, where the per-step cost of the binding
// weighs most: SGD(lr=0.001, momentum=0.9), CrossEntropyLoss, and running_loss += loss.item() as
// the tutorial reads the loss every step.
func blitzStep(o Options) (Measurement, error) {
	const batch = 4
	net := models.NewBlitzNet()
	defer net.Drop()
	if err := net.To(o.Device); err != nil {
		return Measurement{}, err
	}
	opt, err := optim.NewSGD(net.Parameters(), 0.001, optim.SGDOptions{Momentum: 0.9})
	if err != nil {
		return Measurement{}, err
	}
	defer opt.Drop()
	criterion := nn.NewCrossEntropyLoss()
	x, y := syntheticBatch(o.Device, []int64{batch, 3, 32, 32}, 10)
	defer x.Drop()
	defer y.Drop()
	runningLoss := 0.0
	m, err := timeSteps(o, func() error {
		s := torch.NewScope()
		defer s.Close()
		loss, err := blitz.Step(net, opt, criterion, s.Attach(x.Detach()), y)
		if err != nil {
			return err
		}
		v, err := loss.Item()
		runningLoss += v
		return err
	})
	m.Batch = batch
	return m, err
}

// mnistStep is a pytorch/examples MNIST loop body at the examples' batch size 64: Adadelta at the
// example's lr (1.0 for mnist, 0.1 for mnist_rnn), F.nll_loss, the model in training mode (dropout
// active; mnist_rnn's BatchNorm1d on batch statistics). The examples read the loss only every
// log_interval batches, so the step does not.
func mnistStep(o Options, ex mnist.Example) (Measurement, error) {
	const batch = 64
	model, opt, err := mnistTraining(o, ex)
	if err != nil {
		return Measurement{}, err
	}
	defer model.Drop()
	defer opt.Drop()
	x, y := syntheticBatch(o.Device, []int64{batch, 1, 28, 28}, 10)
	defer x.Drop()
	defer y.Drop()
	m, err := timeSteps(o, func() error {
		s := torch.NewScope()
		defer s.Close()
		_, err := mnist.Step(model, opt, s.Attach(x.Detach()), y)
		return err
	})
	m.Batch = batch
	return m, err
}

// mnistTraining is ex's model on o.Device in training mode (dropout active; mnist_rnn's
// BatchNorm1d on batch statistics) and the example's Adadelta at ex's lr. The caller drops both.
func mnistTraining(o Options, ex mnist.Example) (mnist.Model, *optim.Adadelta, error) {
	model := ex.NewModel()
	if err := model.To(o.Device); err != nil {
		model.Drop()
		return nil, nil, err
	}
	model.Train(true)
	opt, err := optim.NewAdadelta(model.Parameters(), optim.AdadeltaOptions{LR: ex.LR})
	if err != nil {
		model.Drop()
		return nil, nil, err
	}
	return model, opt, nil
}

// syntheticBatch is torch.randn(shape) and labels i % classes, on d.
func syntheticBatch(d torch.Device, shape []int64, classes int) (x, y *torch.Tensor) {
	x = torch.Randn(shape, torch.RandnOptions{Device: d})
	labels := make([]int64, shape[0])
	for i := range labels {
		labels[i] = int64(i % classes)
	}
	return x, torch.FromSlice(labels, shape[0]).To(d)
}

// epochImages is how many images a tutorial's epoch measurement trains on: those of maxBatches
// batches of 32, the seed's epoch measurement; 0 (no cap) is the whole epoch.
func epochImages(maxBatches int) int { return maxBatches * 32 }

// blitzEpoch is the blitz's training loop over its trainloader: ImageFolder(o.Data/train) with the
// tutorial's transform (CIFAR-10's binary release stands in for these JPEGs in the tutorial),
// batch 4, shuffle=True, o.Workers workers, then per batch blitz.Step and loss.item(), as
// blitz.Run trains. The model is first warmed on o.Warmup synthetic batches; the epoch starts
// cold, its loader's start-up timed.
func blitzEpoch(o Options) (Measurement, error) {
	if o.Data == "" {
		return Measurement{}, fmt.Errorf("needs an ImageFolder root with train/ and test/ (CIFAR10_DIR or --data)")
	}
	cfg := blitz.Default()
	cfg.DataDir, cfg.Device, cfg.Workers = o.Data, o.Device, o.Workers
	trainset, testset, err := blitz.Datasets(cfg)
	if err != nil {
		return Measurement{}, err
	}
	trainloader, _, err := blitz.Loaders(cfg, trainset, testset)
	if err != nil {
		return Measurement{}, err
	}
	net := models.NewBlitzNet()
	defer net.Drop()
	if err := net.To(o.Device); err != nil {
		return Measurement{}, err
	}
	opt, err := optim.NewSGD(net.Parameters(), cfg.LR, optim.SGDOptions{Momentum: cfg.Momentum})
	if err != nil {
		return Measurement{}, err
	}
	defer opt.Drop()
	criterion := nn.NewCrossEntropyLoss()
	step := func(x, y *torch.Tensor) (float64, error) {
		loss, err := blitz.Step(net, opt, criterion, x, y)
		if err != nil {
			return 0, err
		}
		return loss.Item()
	}
	if err := warm(o, []int64{int64(cfg.BatchSize), 3, 32, 32}, step); err != nil {
		return Measurement{}, err
	}
	batches := trainloader.Len()
	if o.MaxBatches > 0 {
		batches = min(batches, epochImages(o.MaxBatches)/cfg.BatchSize)
	}
	start := time.Now()
	it := trainloader.Iter(context.Background())
	defer it.Close()
	runningLoss, images, i := 0.0, 0, 0
	for ; i < batches && it.Next(); i++ {
		b := it.Batch()
		var v float64
		torch.WithScope(func(s *torch.Scope) {
			inputs, labels := tutorial.ToDevice(s, b, o.Device)
			v, err = step(inputs, labels)
		})
		if err != nil {
			return Measurement{}, err
		}
		runningLoss += v
		images += b.Len()
	}
	if err := it.Err(); err != nil {
		return Measurement{}, err
	}
	return Measurement{Seconds: time.Since(start).Seconds(), Iters: i, Batch: cfg.BatchSize, Images: images, Workers: o.Workers}, nil
}

// mnistEpoch is a pytorch/examples MNIST example's train() (mnist.Train, printing to nowhere) for
// one epoch over the first epochImages(o.MaxBatches) images of MNIST (o.MNIST), as
// data.Subset(dataset1, range(n)), through the example's train_loader on the CPU (batch 64, no
// workers, shuffled as ex says) with Adadelta at ex's lr. Warmed and timed as blitzEpoch.
func mnistEpoch(o Options, ex mnist.Example) (Measurement, error) {
	if o.MNIST == "" {
		return Measurement{}, fmt.Errorf("needs a datasets root holding MNIST/raw (MNIST_ROOT or --mnist)")
	}
	args := mnist.DefaultArgs(ex)
	args.Data, args.Download, args.Device, args.Quiet, args.Log = o.MNIST, false, o.Device, true, io.Discard
	dataset1, dataset2, err := mnist.Datasets(args)
	if err != nil {
		return Measurement{}, err
	}
	n := dataset1.Len()
	if o.MaxBatches > 0 {
		n = min(n, epochImages(o.MaxBatches))
	}
	sub := data.Subset{Dataset: dataset1, Indices: make([]int, n)}
	for i := range sub.Indices {
		sub.Indices[i] = i
	}
	trainLoader, _, err := mnist.Loaders(ex, args, sub, dataset2)
	if err != nil {
		return Measurement{}, err
	}
	model, opt, err := mnistTraining(o, ex)
	if err != nil {
		return Measurement{}, err
	}
	defer model.Drop()
	defer opt.Drop()
	err = warm(o, []int64{int64(args.BatchSize), 1, 28, 28}, func(x, y *torch.Tensor) (float64, error) {
		_, err := mnist.Step(model, opt, x, y)
		return 0, err
	})
	if err != nil {
		return Measurement{}, err
	}
	start := time.Now()
	_, images, _, err := mnist.Train(context.Background(), args, model, o.Device, trainLoader, opt, 1)
	if err != nil {
		return Measurement{}, err
	}
	return Measurement{Seconds: time.Since(start).Seconds(), Iters: trainLoader.Len(), Batch: args.BatchSize, Images: images}, nil
}

// warm runs step o.Warmup times on a synthetic batch of shape, each in its own scope.
func warm(o Options, shape []int64, step func(x, y *torch.Tensor) (float64, error)) error {
	x, y := syntheticBatch(o.Device, shape, 10)
	defer x.Drop()
	defer y.Drop()
	for range o.Warmup {
		var err error
		torch.WithScope(func(s *torch.Scope) { _, err = step(s.Attach(x.Detach()), y) })
		if err != nil {
			return err
		}
	}
	return nil
}
