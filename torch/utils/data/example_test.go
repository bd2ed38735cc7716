package data_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/utils/data"
)

// squares is a toy dataset: sample i is [i, i²] with label i%2.
type squares struct{ n int }

func (s squares) Len() int { return s.n }

func (s squares) Get(i int, _ *rand.Rand) (data.Sample, error) {
	return data.Sample{Data: []float32{float32(i), float32(i * i)}, Shape: []int64{2}, Label: int64(i % 2)}, nil
}

// The seed's loaders: a shuffled 85/15 split of the training set (the blog's
// np.random.shuffle and floor), each part visited through a
// SubsetRandomSampler, batches of 32, worker goroutines.
func Example() {
	ds := squares{n: 100}
	indices := rand.New(rand.NewPCG(1, 2)).Perm(ds.Len())
	split := int(math.Floor(0.15 * float64(ds.Len())))
	train, val := indices[split:], indices[:split]
	loader, err := data.NewDataLoader(ds, data.DataLoaderOptions{
		BatchSize:  32,
		Sampler:    data.SubsetRandomSampler(train),
		NumWorkers: 4,
		Seed:       42,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(train), len(val), loader.Len())

	for range 2 { // two epochs, each in a fresh order
		it := loader.Iter(context.Background())
		images := 0
		for it.Next() {
			b := it.Batch()
			images += b.Len()
			_ = b.Data // [B, 2] float32 values; b.Labels, b.Indices
		}
		it.Close()
		if err := it.Err(); err != nil {
			panic(err)
		}
		fmt.Println("epoch", it.Epoch(), "images", images)
	}
	// Output:
	// 85 15 3
	// epoch 0 images 85
	// epoch 1 images 85
}

// The loaders of PyTorch's MNIST example: a shuffled training loader and a
// test loader with its own batch size. After torch.manual_seed(1), PyTorch's
// first training batch starts with the samples 24894, 45082, 51850, 25962 and
// 57884 (testdata/gen.py); so does this one after torch.ManualSeed(1).
func Example_shuffle() {
	torch.ManualSeed(1)
	train, err := data.NewDataLoader(squares{n: 60000}, data.DataLoaderOptions{BatchSize: 64, Shuffle: true})
	if err != nil {
		panic(err)
	}
	test, err := data.NewDataLoader(squares{n: 10000}, data.DataLoaderOptions{BatchSize: 1000})
	if err != nil {
		panic(err)
	}
	fmt.Println(train.Len(), test.Len())

	it := train.Iter(context.Background())
	defer it.Close()
	if it.Next() {
		fmt.Println(it.Batch().Indices[:5])
	}
	// Output:
	// 938 10
	// [24894 45082 51850 25962 57884]
}
