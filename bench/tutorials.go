package bench

import (
	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/train/blitz"
	"github.com/aecifar/aecifar/train/mnist"
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
	model := ex.NewModel()
	defer model.Drop()
	if err := model.To(o.Device); err != nil {
		return Measurement{}, err
	}
	model.Train(true)
	opt, err := optim.NewAdadelta(model.Parameters(), optim.AdadeltaOptions{LR: ex.LR})
	if err != nil {
		return Measurement{}, err
	}
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

// syntheticBatch is torch.randn(shape) and labels i % classes, on d.
func syntheticBatch(d torch.Device, shape []int64, classes int) (x, y *torch.Tensor) {
	x = torch.Randn(shape, torch.RandnOptions{Device: d})
	labels := make([]int64, shape[0])
	for i := range labels {
		labels[i] = int64(i % classes)
	}
	return x, torch.FromSlice(labels, shape[0]).To(d)
}
