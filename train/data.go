package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/presets"
)

// AugmentTransform is the blog's aug_tran, the training and validation pipeline (presets.AugTran).
func AugmentTransform() transforms.Compose { return presets.AugTran() }

// TestTransform is the blog's norm_tran, the test pipeline (presets.NormTran).
func TestTransform() transforms.Compose { return presets.NormTran() }

// Data is the blog's three loaders over CIFAR-10.
type Data struct {
	Train, Validation, Test *data.DataLoader
	Classes                 []string
	NumTrain, NumValidation int
}

// VALIDATION_SIZE in the blog.
const validationSize = 0.15

// LoadData builds the blog's datasets and loaders. The validation loader reads the augmented
// training dataset through its sampler, as the blog's does: validation images are augmented too.
func LoadData(cfg Config) (*Data, error) {
	s, err := openSplits(cfg.DataDir, AugmentTransform(), TestTransform())
	if err != nil {
		return nil, err
	}
	return newData(cfg, s)
}

// splitValidation is the blog's train/validation split: the indices 0..n-1
// shuffled, split = floor(fraction·n), validation = the first split indices,
// train = the rest. (The blog shuffles with NumPy; rng stands in for it.)
// A fraction outside [0, 1] is clamped to it.
func splitValidation(n int, fraction float64, rng *rand.Rand) (train, val []int) {
	if math.IsNaN(fraction) {
		fraction = 0
	}
	fraction = min(max(fraction, 0), 1)
	idx := rng.Perm(max(n, 0))
	split := int(fraction * float64(len(idx)))
	return idx[split:], idx[:split]
}

// newData makes the blog's loaders over the opened splits.
func newData(cfg Config, s *splits) (*Data, error) {
	trainSet, testSet := s.train, s.test
	// The blog shuffles indices with numpy and takes the first floor(0.15*n) for validation.
	trainIdx, valIdx := splitValidation(trainSet.Len(), validationSize, cfg.streams().split())
	opts := func(s data.Sampler, seed uint64) data.DataLoaderOptions {
		return data.DataLoaderOptions{BatchSize: cfg.BatchSize, Sampler: s, NumWorkers: cfg.Workers, Seed: seed}
	}
	d := &Data{Classes: s.classes, NumTrain: len(trainIdx), NumValidation: len(valIdx)}
	var err error
	if d.Train, err = data.NewDataLoader(trainSet, opts(cfg.sampler(trainIdx, true), cfg.streams().trainLoader())); err != nil {
		return nil, err
	}
	if d.Validation, err = data.NewDataLoader(trainSet, opts(cfg.sampler(valIdx, false), cfg.streams().validationLoader())); err != nil {
		return nil, err
	}
	if d.Test, err = data.NewDataLoader(testSet, opts(nil, cfg.streams().testLoader())); err != nil {
		return nil, err
	}
	return d, nil
}

// Download puts CIFAR-10's binary release in cfg.DataDir when that directory holds no data (no
// train/ or test/ folder, no cifar-10-batches-bin/), as torchvision's download=True does: the
// official archive, its MD5 checked, unpacked atomically, with a progress bar on cfg.Progress.
// Data already there, in either form, is left alone. Its error is one line naming the ways to
// provide the data by hand.
func Download(ctx context.Context, cfg Config) error {
	dir := cfg.DataDir
	if isDir(filepath.Join(dir, "train")) || isDir(filepath.Join(dir, "test")) || fileExists(filepath.Join(dir, "batches.meta.txt")) ||
		fileExists(filepath.Join(dir, "cifar-10-batches-bin", "batches.meta.txt")) {
		return nil
	}
	progress := cfg.Progress
	if cfg.Quiet {
		progress = nil
	}
	if err := datasets.DownloadCIFAR10(ctx, dir, datasets.DownloadOptions{Progress: progress}); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("no CIFAR-10 in %s and downloading it failed (%w); unpack a local cifar-10-binary.tar.gz with `make data CIFAR10_ARCHIVE=FILE` (aecifar data --archive FILE), or point DATA=dir (--data DIR) at a copy", dir, err)
	}
	return nil
}

// toDevice makes the batch's tensors on the device, in scope s. For CUDA they are staged in pinned
// memory and copied without blocking (DataLoader(pin_memory=True) and .to(device, non_blocking=True)),
// so the host prepares the next step while the copy and this step run.
func toDevice(s *torch.Scope, b data.Batch, d torch.Device) (images, labels *torch.Tensor) {
	if !d.IsCUDA() {
		return s.Attach(torch.FromSlice(b.Data, b.Shape...)), s.Attach(torch.FromSlice(b.Labels, int64(len(b.Labels))))
	}
	images = s.Attach(torch.FromSlicePinned(b.Data, b.Shape...)).ToOptions(d, torch.Float32, true)
	labels = s.Attach(torch.FromSlicePinned(b.Labels, int64(len(b.Labels)))).ToOptions(d, torch.Int64, true)
	return s.Attach(images), s.Attach(labels)
}
