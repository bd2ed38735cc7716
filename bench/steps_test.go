// Package bench measures the Go port against the Python original (bench/python) on the same machine.
// The step benchmarks here are the Go side of bench/python/steps.py's ae_step and clf_step.
package bench

import (
	"testing"

	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/train"
)

const batch = 32

// reportImages reports images/s beside ns/op.
func reportImages(b *testing.B) {
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "img/s")
}

// BenchmarkAutoencoderStep is the seed's autoencoder training step at batch 32 on the CPU, with the
// loss read back every step as the blog's loss.item() does.
func BenchmarkAutoencoderStep(b *testing.B) {
	torch.ManualSeed(0)
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	opt, err := optim.NewAdam(ae.Parameters())
	if err != nil {
		b.Fatal(err)
	}
	defer opt.Drop()
	lossFn := nn.NewMSELoss()
	images := torch.Randn([]int64{batch, 3, 32, 32})
	defer images.Drop()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := torch.NewScope()
		loss, err := train.AutoencoderStep(ae, opt, lossFn, s.Attach(images.Detach()))
		if err != nil {
			b.Fatal(err)
		}
		_ = loss.MustItem()
		s.Close()
	}
	reportImages(b)
}

// BenchmarkClassifierStep is the seed's classifier training step (frozen encoder, SGD) at batch 32.
func BenchmarkClassifierStep(b *testing.B) {
	torch.ManualSeed(0)
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	clf := models.NewClassifier(ae)
	defer clf.Drop()
	clf.FreezeEncoder(nil)
	opt, err := optim.NewSGD(clf.Parameters(), 1e-3)
	if err != nil {
		b.Fatal(err)
	}
	defer opt.Drop()
	criterion := nn.NewCrossEntropyLoss()
	data := torch.Randn([]int64{batch, 3, 32, 32})
	defer data.Drop()
	labels := make([]int64, batch)
	for i := range labels {
		labels[i] = int64(i % 10)
	}
	target := torch.FromSlice(labels, batch)
	defer target.Drop()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := torch.NewScope()
		_, loss, err := train.ClassifierStep(clf, opt, criterion, s.Attach(data.Detach()), target)
		if err != nil {
			b.Fatal(err)
		}
		_ = loss.MustItem()
		s.Close()
	}
	reportImages(b)
}
