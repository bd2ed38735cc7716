package train

import (
	"context"
	"testing"

	"github.com/aecifar/aecifar/internal/tinydata"
	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/cuda"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
)

// cudaLeakBound is how far the caching allocator's allocated bytes may move between the end of the
// warm-up and the end of the run: 1 MiB. A leaked batch of activations (about 0.4 MiB per tensor at
// batch 32) per step would pass it within three steps.
const cudaLeakBound = 1 << 20

// TestCUDAMemoryFlat trains on CUDA, eagerly (loader batches copied from pinned memory) and on the
// fast path (graph replays), and checks that allocated device memory and the live-tensor count stay
// flat after the warm-up.
func TestCUDAMemoryFlat(t *testing.T) {
	if !cuda.IsAvailable() {
		t.Skip("no CUDA device: device memory not checked")
	}
	dev := torch.CUDA(0)
	steps := leakSteps(t)
	check := func(t *testing.T, step func() error) {
		for i := 0; i < leakWarmup; i++ {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		if err := cuda.Synchronize(dev); err != nil {
			t.Fatal(err)
		}
		settleTensors()
		before, err := cuda.Memory(dev)
		if err != nil {
			t.Fatal(err)
		}
		live := torch.LiveTensors()
		for i := leakWarmup; i < steps; i++ {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		cuda.Synchronize(dev)
		settleTensors()
		after, err := cuda.Memory(dev)
		if err != nil {
			t.Fatal(err)
		}
		if d := after.Allocated - before.Allocated; d > cudaLeakBound || d < -cudaLeakBound {
			t.Fatalf("allocated device memory moved by %d bytes over %d steps (%d -> %d)", d, steps-leakWarmup, before.Allocated, after.Allocated)
		}
		if n := torch.LiveTensors(); n != live {
			t.Fatalf("live tensors %d -> %d", live, n)
		}
		t.Logf("%d steps: allocated %d -> %d bytes, reserved %d, peak %d", steps, before.Allocated, after.Allocated, after.Reserved, after.MaxAllocated)
	}

	t.Run("eager", func(t *testing.T) {
		cfg, _ := testConfig(t, tinydata.CIFAR(t, 4, 1))
		cfg.Device, cfg.BatchSize = dev, leakBatch
		d, err := LoadData(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ae := models.NewConvAutoencoder()
		defer ae.Drop()
		if err := ae.To(dev); err != nil {
			t.Fatal(err)
		}
		opt, err := optim.NewAdam(ae.Parameters())
		if err != nil {
			t.Fatal(err)
		}
		defer opt.Drop()
		loss := nn.NewMSELoss()
		it := d.Train.Iter(context.Background())
		defer func() { it.Close() }()
		check(t, func() error {
			if !it.Next() {
				if err := it.Err(); err != nil {
					return err
				}
				it.Close()
				it = d.Train.Iter(context.Background())
				it.Next()
			}
			s := torch.NewScope()
			defer s.Close()
			x, _ := toDevice(s, it.Batch(), dev)
			_, err := AutoencoderStep(ae, opt, loss, x)
			return err
		})
	})

	t.Run("fast", func(t *testing.T) {
		cfg, _ := testConfig(t, tinydata.CIFAR(t, 4, 1))
		cfg.Device, cfg.BatchSize = dev, leakBatch
		res, err := loadResident(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Drop()
		ae := models.NewConvAutoencoder()
		defer ae.Drop()
		if err := ae.To(dev); err != nil {
			t.Fatal(err)
		}
		f, err := NewFastAutoencoder(cfg, ae, res.train)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Drop()
		order := epochOrder(cfg, res.trainIdx, autoencoderTraining, 1)
		defer order.Drop()
		idx := order.Narrow(0, 0, leakBatch)
		defer idx.Drop()
		check(t, func() error {
			s := torch.NewScope()
			defer s.Close()
			return f.Step.Run(s.Attach(f.Inputs(idx)[0]))
		})
		if !f.Step.Captured() {
			t.Fatal("the fast step never captured a graph")
		}
	})
}
