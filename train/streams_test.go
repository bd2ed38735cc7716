package train

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/aecifar/aecifar/internal/tinydata"
	"github.com/aecifar/aecifar/torch/utils/data"
)

func firstBatch(t *testing.T, l *data.DataLoader, epoch int) data.Batch {
	t.Helper()
	l.SetEpoch(epoch)
	it := l.Iter(context.Background())
	defer it.Close()
	if !it.Next() {
		t.Fatal(it.Err())
	}
	return it.Batch()
}

// TestStreamsArePinned pins what a run's random streams draw for seed 1: the split, the loaders'
// orders and augmentations of each stage's first epoch, and the fast path's epoch orders. Runs and
// their resume files depend on these numbers: a change of them is a change of every run.
func TestStreamsArePinned(t *testing.T) {
	cfg, _ := testConfig(t, tinydata.CIFAR(t, 4, 1))
	cfg.BatchSize = 6
	d, err := LoadData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	trainIdx := []int(d.Train.Sampler().(data.SubsetRandomSampler))
	valIdx := []int(d.Validation.Sampler().(data.SubsetRandomSampler))
	if got, want := trainIdx[:6], []int{37, 38, 15, 12, 23, 36}; !slices.Equal(got, want) {
		t.Errorf("split: training indices start %v, want %v", got, want)
	}
	if want := []int{16, 13, 28, 14, 1, 6}; !slices.Equal(valIdx, want) {
		t.Errorf("split: validation indices %v, want %v", valIdx, want)
	}
	for _, c := range []struct {
		name    string
		loader  *data.DataLoader
		epoch   int
		indices []int
		first   float32 // the first value of the augmented batch
	}{
		{"autoencoder epoch 1", d.Train, autoencoderTraining.epoch(1), []int{9, 33, 34, 11, 39, 22}, -1.195634},
		{"classifier epoch 1", d.Train, classifierTraining.epoch(1), []int{17, 12, 20, 33, 15, 9}, -0.40179408},
		{"validation epoch 1", d.Validation, validation.epoch(1), []int{1, 13, 16, 14, 28, 6}, -1.9894737},
	} {
		b := firstBatch(t, c.loader, c.epoch)
		if !slices.Equal(b.Indices, c.indices) || math.Abs(float64(b.Data[0]-c.first)) > 1e-6 {
			t.Errorf("%s: first batch %v starting %v, want %v starting %v", c.name, b.Indices, b.Data[0], c.indices, c.first)
		}
	}
	for _, c := range []struct {
		name    string
		indices []int
		pass    pass
		want    []int64
	}{
		{"fast autoencoder epoch 1", trainIdx, autoencoderTraining, []int64{36, 4, 3, 5}},
		{"fast classifier epoch 1", trainIdx, classifierTraining, []int64{29, 8, 20, 10}},
		{"fast validation epoch 1", valIdx, validation, []int64{14, 28, 13, 1}},
	} {
		o := epochOrder(cfg, c.indices, c.pass, 1)
		got, err := o.Int64s()
		o.Drop()
		if err != nil || !slices.Equal(got[:len(c.want)], c.want) {
			t.Errorf("%s: order starts %v (%v), want %v", c.name, got[:len(c.want)], err, c.want)
		}
	}
}
