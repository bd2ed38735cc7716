package datasets_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms/presets"
)

func loadEpoch(t *testing.T, l *data.DataLoader, maxBatches int) []data.Batch {
	t.Helper()
	it := l.Iter(context.Background())
	defer it.Close()
	var out []data.Batch
	for len(out) < maxBatches && it.Next() {
		out = append(out, it.Batch())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameBatches(a, b []data.Batch) bool {
	return slices.EqualFunc(a, b, func(x, y data.Batch) bool {
		return slices.Equal(x.Data, y.Data) && slices.Equal(x.Labels, y.Labels) && slices.Equal(x.Indices, y.Indices)
	})
}

// The seed's training pipeline (ImageFolder, aug_tran, split, samplers,
// workers) gives the same batches whatever the number of workers.
func testSeedPipeline(t *testing.T, root string, batches int) {
	t.Helper()
	f, err := datasets.NewImageFolder(root, datasets.ImageFolderOptions{Transform: presets.AugTran()})
	if err != nil {
		t.Fatal(err)
	}
	// The seed's split: the indices shuffled, the first 15% for validation.
	indices := rand.New(rand.NewPCG(7, 7)).Perm(f.Len())
	train, val := indices[f.Len()*15/100:], indices[:f.Len()*15/100]
	var ref []data.Batch
	for _, workers := range []int{0, 1, 4} {
		l, err := data.NewDataLoader(f, data.DataLoaderOptions{BatchSize: 32, Sampler: data.SubsetRandomSampler(train), NumWorkers: workers, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		got := loadEpoch(t, l, batches)
		if len(got) == 0 {
			t.Fatalf("workers=%d: no batch", workers)
		}
		if !slices.Equal(got[0].Shape[1:], []int64{3, 32, 32}) {
			t.Fatalf("workers=%d: first batch of shape %v, want [B 3 32 32]", workers, got[0].Shape)
		}
		if ref == nil {
			ref = got
		} else if !sameBatches(got, ref) {
			t.Errorf("workers=%d: batches differ from workers=0", workers)
		}
	}
	for _, b := range ref {
		for _, i := range b.Indices {
			if slices.Contains(val, i) {
				t.Fatalf("validation index %d in a training batch", i)
			}
		}
	}
}

func TestSeedPipelineOnTree(t *testing.T) {
	testSeedPipeline(t, filepath.Join("testdata", "tree"), 10)
}

// On real CIFAR-10 ($CIFAR10_DIR/train): 60 batches per worker setting.
func TestSeedPipelineOnCIFAR10(t *testing.T) {
	if testing.Short() {
		t.Skip("long: reads real CIFAR-10 images")
	}
	dir := os.Getenv("CIFAR10_DIR")
	if dir == "" {
		t.Skip("set CIFAR10_DIR to an ImageFolder root with train/ and test/ to run this test")
	}
	testSeedPipeline(t, filepath.Join(dir, "train"), 60)
}
