// Package bench measures the Go port against the Python original (bench/python) on the same machine.
//
// Each Benchmark (suite.go) is the Go side of one of bench/python/steps.py's benchmarks, timed the
// same way (warm-up iterations, then timed ones with the device synchronised at both ends) and
// reported with the same fields (Result). Its Rows say which Python benchmark it is compared with.
// The harness (harness.go) runs both sides of every row in their own processes, interleaved, several
// times (Compare); report.go summarises the samples and writes the results files (Write), which
// cmd/aecifar-bench, a thin main, names after the machine and the date.
package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/cuda"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/train"
)

// Result is one measurement; the JSON fields are steps.py's.
type Result struct {
	Side       string  `json:"side"`
	Name       string  `json:"name"`
	Device     string  `json:"device"`
	Batch      int     `json:"batch"`
	Iters      int     `json:"iters"`
	Images     int     `json:"images"`
	Seconds    float64 `json:"seconds"`
	ImagesPerS float64 `json:"images_per_s"`
	MsPerStep  float64 `json:"ms_per_step"`
	Torch      string  `json:"torch"`
	Threads    int     `json:"threads"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	Workers    int     `json:"workers,omitempty"`
	// PeakDeviceMB is torch.cuda.max_memory_allocated on CUDA, in MiB.
	PeakDeviceMB *float64 `json:"peak_device_mb"`
}

// Options are a benchmark's settings.
type Options struct {
	Device        torch.Device
	Warmup, Iters int
	Batch         int
	Data          string // ImageFolder root, for the epochs over CIFAR-10
	MNIST         string // datasets root with MNIST/raw, for the epochs over MNIST
	Workers       int
	MaxBatches    int
}

// Run runs the named Go benchmark (see Benchmarks).
func Run(name string, o Options) (Result, error) {
	b, ok := lookup(name)
	if !ok {
		return Result{}, fmt.Errorf("unknown benchmark %q", name)
	}
	m, err := b.Measure(o)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	if m.Batch == 0 {
		m.Batch = o.Batch
	}
	if m.Images == 0 {
		m.Images = m.Batch * m.Iters
	}
	r := Result{Side: "go", Name: name, Device: o.Device.Type, Batch: m.Batch, Iters: m.Iters, Images: m.Images,
		Seconds: m.Seconds, ImagesPerS: float64(m.Images) / m.Seconds, MsPerStep: 1000 * m.Seconds / float64(m.Iters),
		Torch: torch.Version(), Threads: torch.GetNumThreads(), PeakRSSMB: peakRSSMB(), Workers: m.Workers}
	if o.Device.IsCUDA() {
		m, err := cuda.Memory(o.Device)
		if err != nil {
			return Result{}, err
		}
		mb := float64(m.MaxAllocated) / (1 << 20)
		r.PeakDeviceMB = &mb
	}
	return r, nil
}

func peakRSSMB() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}

// timeSteps runs warmup untimed steps then iters timed ones.
func timeSteps(o Options, step func() error) (Measurement, error) {
	for i := 0; i < o.Warmup; i++ {
		if err := step(); err != nil {
			return Measurement{}, err
		}
	}
	sync(o.Device)
	start := time.Now()
	for i := 0; i < o.Iters; i++ {
		if err := step(); err != nil {
			return Measurement{}, err
		}
	}
	sync(o.Device)
	return Measurement{Seconds: time.Since(start).Seconds(), Iters: o.Iters}, nil
}

// sync waits for the device's queued work: reading a value back does it on CUDA and costs nothing
// that matters on the CPU.
func sync(d torch.Device) {
	if d.IsCUDA() {
		t := torch.Zeros([]int64{1}, torch.ZerosOptions{Device: d})
		t.Item()
		t.Drop()
	}
}

func aeStep(o Options) (Measurement, error) {
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	if err := ae.To(o.Device); err != nil {
		return Measurement{}, err
	}
	opt, err := optim.NewAdam(ae.Parameters(), optim.AdamOptions{LR: 0.001})
	if err != nil {
		return Measurement{}, err
	}
	defer opt.Drop()
	lossFn := nn.NewMSELoss()
	x := torch.Randn([]int64{int64(o.Batch), 3, 32, 32}, torch.RandnOptions{Device: o.Device})
	defer x.Drop()
	return timeSteps(o, func() error {
		s := torch.NewScope()
		defer s.Close()
		_, err := train.AutoencoderStep(ae, opt, lossFn, s.Attach(x.Detach()))
		return err
	})
}

func clfStep(o Options) (Measurement, error) {
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	clf := models.NewClassifier(ae)
	defer clf.Drop()
	if err := clf.To(o.Device); err != nil {
		return Measurement{}, err
	}
	clf.FreezeEncoder(nil)
	opt, err := optim.NewSGD(clf.Parameters(), 0.001)
	if err != nil {
		return Measurement{}, err
	}
	defer opt.Drop()
	criterion := nn.NewCrossEntropyLoss()
	x := torch.Randn([]int64{int64(o.Batch), 3, 32, 32}, torch.RandnOptions{Device: o.Device})
	defer x.Drop()
	labels := make([]int64, o.Batch)
	for i := range labels {
		labels[i] = int64(i % 10)
	}
	y := torch.FromSlice(labels, int64(o.Batch)).To(o.Device)
	defer y.Drop()
	return timeSteps(o, func() error {
		s := torch.NewScope()
		defer s.Close()
		_, _, err := train.ClassifierStep(clf, opt, criterion, s.Attach(x.Detach()), y)
		return err
	})
}

// infer times a forward pass, without gradients, of the autoencoder or the classifier on a batch of
// 1024.
func infer(o Options, classifier bool) (Measurement, error) {
	ae, clf, err := newModels(o.Device)
	if err != nil {
		return Measurement{}, err
	}
	defer ae.Drop()
	defer clf.Drop()
	clf.Eval()
	var model nn.Forwarder = ae
	if classifier {
		model = clf
	}
	x := torch.Randn([]int64{1024, 3, 32, 32}, torch.RandnOptions{Device: o.Device})
	defer x.Drop()
	var m Measurement
	torch.NoGrad(func() {
		m, err = timeSteps(o, func() error {
			s := torch.NewScope()
			defer s.Close()
			return model.Forward(s.Attach(x.Detach())).Err()
		})
	})
	m.Batch = 1024
	return m, err
}

// aeEpoch is one autoencoder epoch over the real training split with the seed's augmentation and
// loader, loss read back every step as the blog does, capped at MaxBatches.
func aeEpoch(o Options) (Measurement, error) {
	if o.Data == "" {
		return Measurement{}, fmt.Errorf("needs an ImageFolder root with train/ (CIFAR10_DIR or --data)")
	}
	folder, err := datasets.NewImageFolder(filepath.Join(o.Data, "train"), datasets.ImageFolderOptions{Transform: train.AugmentTransform()})
	if err != nil {
		return Measurement{}, err
	}
	loader, err := data.NewDataLoader(folder, data.DataLoaderOptions{BatchSize: o.Batch, Shuffle: true, NumWorkers: o.Workers, Seed: 1})
	if err != nil {
		return Measurement{}, err
	}
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	if err := ae.To(o.Device); err != nil {
		return Measurement{}, err
	}
	opt, err := optim.NewAdam(ae.Parameters(), optim.AdamOptions{LR: 0.001})
	if err != nil {
		return Measurement{}, err
	}
	defer opt.Drop()
	lossFn := nn.NewMSELoss()
	start := time.Now()
	batches, images := 0, 0
	it := loader.Iter(context.Background())
	defer it.Close()
	for it.Next() && (o.MaxBatches == 0 || batches < o.MaxBatches) {
		b := it.Batch()
		s := torch.NewScope()
		x := s.Attach(torch.FromSlice(b.Data, b.Shape...))
		if o.Device != torch.CPU {
			x = x.ToOptions(o.Device, torch.Float32, true)
		}
		loss, err := train.AutoencoderStep(ae, opt, lossFn, x)
		if err == nil {
			_, err = loss.Item()
		}
		s.Close()
		if err != nil {
			return Measurement{}, err
		}
		batches++
		images += b.Len()
	}
	if err := it.Err(); err != nil {
		return Measurement{}, err
	}
	return Measurement{Seconds: time.Since(start).Seconds(), Iters: batches, Images: images, Workers: o.Workers}, nil
}

// stepFast times the fast path's training step (train.FastTrainer): resident uint8 images augmented
// on the device 32 batches per call, then per batch forward, backward, a capturable optimizer step and
// the loss summed on the device, replayed as a CUDA graph on CUDA.
func stepFast(o Options, classifier bool) (Measurement, error) {
	const n = 4096 // resident random images
	images := torch.Rand([]int64{n, 3, 32, 32}, torch.RandOptions{Device: o.Device}).MulScalar(255).ToDType(torch.Uint8)
	defer images.Drop()
	labels := make([]int64, n)
	for i := range labels {
		labels[i] = int64(i % 10)
	}
	y := torch.FromSlice(labels, n).To(o.Device)
	defer y.Drop()
	perm := make([]int64, n)
	for i, p := range rand.New(rand.NewPCG(1, 2)).Perm(n) {
		perm[i] = int64(p)
	}
	order := torch.FromSlice(perm, n).To(o.Device)
	defer order.Drop()
	if err := torch.FirstErr(images, y, order); err != nil {
		return Measurement{}, err
	}
	ae, clf, err := newModels(o.Device)
	if err != nil {
		return Measurement{}, err
	}
	defer ae.Drop()
	defer clf.Drop()
	cfg := train.Default()
	cfg.Device, cfg.BatchSize = o.Device, o.Batch
	var f *train.FastTrainer
	if classifier {
		clf.FreezeEncoder(nil)
		f, err = train.NewFastClassifier(cfg, clf, images, y)
	} else {
		f, err = train.NewFastAutoencoder(cfg, ae, images)
	}
	if err != nil {
		return Measurement{}, err
	}
	defer f.Drop()
	// As the fast path does: the inputs of 32 batches made at once, then a step per batch.
	const chunk = 32
	var ins []*torch.Tensor
	drop := func() {
		for _, t := range ins {
			t.Drop()
		}
	}
	defer drop()
	k := 0
	return timeSteps(o, func() error {
		if k%chunk == 0 {
			drop()
			from := int64((k / chunk * chunk * o.Batch) % (n - chunk*o.Batch))
			idx := order.Narrow(0, from, int64(chunk*o.Batch))
			ins = f.Inputs(idx)
			idx.Drop()
		}
		j := int64(k % chunk * o.Batch)
		k++
		batch := make([]*torch.Tensor, len(ins))
		for i, t := range ins {
			batch[i] = t.Narrow(0, j, int64(o.Batch))
			defer batch[i].Drop()
		}
		return f.Step.Run(batch...)
	})
}

// aeEpochFast is ae_epoch on the fast path (train.FastAutoencoderEpochs): the second of two epochs,
// after the first has warmed up and captured the step. Decoding the images onto the device, done
// once per run, is not timed.
func aeEpochFast(o Options) (Measurement, error) {
	if o.Data == "" {
		return Measurement{}, fmt.Errorf("needs an ImageFolder root with train/ (CIFAR10_DIR or --data)")
	}
	cfg := train.Default()
	cfg.DataDir, cfg.Device, cfg.BatchSize, cfg.MaxBatches, cfg.Quiet = o.Data, o.Device, o.Batch, o.MaxBatches, true
	seconds, imgs, err := train.FastAutoencoderEpochs(context.Background(), cfg, 2)
	if err != nil {
		return Measurement{}, err
	}
	return Measurement{Seconds: seconds[1], Iters: (imgs[1] + o.Batch - 1) / o.Batch, Images: imgs[1]}, nil
}

// newModels is the blog's autoencoder and the classifier on its encoder, on device.
func newModels(device torch.Device) (*models.ConvAutoencoder, *models.Classifier, error) {
	ae := models.NewConvAutoencoder()
	clf := models.NewClassifier(ae)
	err := clf.To(device)
	if err == nil {
		err = ae.To(device)
	}
	if err != nil {
		clf.Drop()
		ae.Drop()
		return nil, nil, err
	}
	return ae, clf, nil
}

// Machine names this machine for result files: the hostname and the CPU count.
func Machine() string {
	h, _ := os.Hostname()
	return fmt.Sprintf("%s-%dcpu", h, runtime.NumCPU())
}
