// Package data mirrors torch.utils.data: a Dataset yields one Sample at a
// time, a Sampler orders the indices of an epoch, and a DataLoader groups
// samples into Batches, optionally loading them on worker goroutines.
//
// A Batch is a flat []float32 with its shape, ready to be copied into a tensor.
// Loading is pure Go; libtorch is called only to draw from torch's default
// generator, which PyTorch's loader draws from (see Determinism).
//
// # Determinism
//
// Two sources of randomness meet in a loader, as in PyTorch:
//
//   - The order of shuffle=True (a RandomSampler) comes from a torch
//     generator, drawn exactly as PyTorch 1.13 draws it: each epoch takes a
//     base seed, then a sampler seed, from DataLoaderOptions.Generator (nil:
//     torch's default CPU generator, through libtorch), and permutes with
//     torch.randperm's algorithm on an exact Go copy of torch.Generator
//     (Generator). After the same torch.ManualSeed and the same draws in
//     between, epochs visit samples in PyTorch's order.
//   - The randomness handed to Dataset.Get (random transforms) derives from
//     DataLoaderOptions.Seed, the epoch and the dataset index alone, as does
//     the order of the samplers that use the loader's rng
//     (SubsetRandomSampler). PyTorch's transforms draw from torch's
//     generators instead, which the Go transforms do not reproduce.
//
// Either way an epoch's batches (order and contents, augmentations included)
// are the same whatever NumWorkers is. With the loader's own randomness an
// interrupted run resumes at any epoch with SetEpoch; with a torch generator,
// by restoring the generator's state (torch.SetRNGState) as well.
//
// # Concurrency and lifetimes
//
// With NumWorkers = 0 batches are loaded in the goroutine that calls Next,
// as PyTorch loads in the main process. With NumWorkers = n > 0, n goroutines
// each assemble whole batches, at most n×PrefetchFactor batches ahead of the
// consumer, and Next hands them out in sampler order. Dataset.Get is then
// called concurrently and must be safe for that. Every Iterator must be
// closed (defer it.Close()); Close, or cancelling the context given to Iter,
// stops the workers and returns only after every goroutine has exited.
// Each Batch holds fresh slices that the caller owns; nothing is recycled.
//
// # Errors
//
// A sample that fails to load (a corrupt image) ends the epoch: Next returns
// false and Err reports the error, which names the sample's index and, for
// file-backed datasets, its path. With DataLoaderOptions.SkipBadSamples the sample is
// dropped from its batch instead and counted (Iterator.Skipped,
// DataLoader.Skipped); a batch whose every sample failed is dropped whole.
// Panics in Dataset.Get are not recovered: they are bugs, not bad data.
package data

import (
	"fmt"
	"math/rand/v2"
)

// A Sample is one item of a Dataset: float32 data (a CHW image, say) with its
// shape, and an integer label.
type Sample struct {
	Data  []float32
	Shape []int64
	Label int64
}

// Dataset mirrors torch.utils.data.Dataset (a map-style dataset). Get returns
// sample index in [0, Len()); rng drives its random transforms, and the
// loader derives it from (seed, epoch, index) so results do not depend on
// the worker count. Get may be called from several goroutines at once.
type Dataset interface {
	Len() int
	Get(index int, rng *rand.Rand) (Sample, error)
}

// A Sampler gives the order in which one epoch visits dataset indices, like
// torch.utils.data.Sampler. Indices draws any randomness from rng.
type Sampler interface {
	Len() int
	Indices(rng *rand.Rand) []int
}

// SequentialSampler visits 0, 1, ..., N-1.
type SequentialSampler struct{ N int }

// Len implements Sampler.
func (s SequentialSampler) Len() int { return s.N }

// Indices implements Sampler.
func (s SequentialSampler) Indices(*rand.Rand) []int {
	idx := make([]int, s.N)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// RandomSampler mirrors torch.utils.data.RandomSampler(data_source,
// replacement=False, num_samples=None, generator=None) over a dataset of N
// samples, drawing exactly as PyTorch 1.13 does, so that the same generator
// state gives the same order:
//
//   - without replacement, each epoch takes NumSamples/N whole
//     torch.randperm(N), then a prefix of one more (drawn even when the
//     prefix is empty, as PyTorch draws it);
//   - with replacement, torch.randint(high=N) in chunks of 32;
//   - with a nil Generator, each epoch first draws a seed from torch's
//     default CPU generator and samples from a fresh Generator seeded with
//     it; with a Generator, it samples from that one, continuing its stream.
//
// Indices ignores the loader's rng: the order depends only on the generator,
// so a loader's shuffle=True follows torch.manual_seed as PyTorch's does.
type RandomSampler struct {
	N int
	// Replacement draws with replacement (PyTorch's default: false).
	Replacement bool
	// NumSamples is the number of indices per epoch; 0 means N, PyTorch's default.
	NumSamples int
	// Generator is the sampler's generator; nil means PyTorch's default, a
	// seed drawn from torch's default generator each epoch.
	Generator *Generator
}

// Len implements Sampler.
func (s RandomSampler) Len() int {
	if s.NumSamples > 0 {
		return s.NumSamples
	}
	return max(s.N, 0)
}

// Indices implements Sampler.
func (s RandomSampler) Indices(*rand.Rand) []int {
	n, k := max(s.N, 0), s.Len()
	g := s.Generator
	if g == nil {
		g = NewGenerator(uint64(defaultRandomInt64()))
	}
	if n == 0 {
		return nil
	}
	out := make([]int, 0, k)
	if s.Replacement {
		for range k / 32 {
			out = randint(out, n, 32, g)
		}
		return randint(out, n, k%32, g)
	}
	for range k / n {
		out = append(out, Randperm(n, g)...)
	}
	// PyTorch draws the last permutation even when it keeps none of it
	// (k a multiple of n), which a shared generator's next epoch sees.
	return append(out, Randperm(n, g)[:k%n]...)
}

// SubsetRandomSampler visits its indices in a fresh random order each epoch,
// like torch's SubsetRandomSampler; unlike it (and unlike RandomSampler), it
// draws from the loader's rng, derived from DataLoaderOptions.Seed and the
// epoch, not from a torch generator: the seed's recipe relies on an epoch's
// order depending on nothing else, to resume at any epoch.
type SubsetRandomSampler []int

// Len implements Sampler.
func (s SubsetRandomSampler) Len() int { return len(s) }

// Indices implements Sampler.
func (s SubsetRandomSampler) Indices(rng *rand.Rand) []int {
	out := make([]int, len(s))
	for i, p := range rng.Perm(len(s)) {
		out[i] = s[p]
	}
	return out
}

var (
	_ Sampler = SequentialSampler{}
	_ Sampler = RandomSampler{}
	_ Sampler = SubsetRandomSampler(nil)
)

// Subset is torch.utils.data.Subset(dataset, indices): the samples of Dataset at Indices, in
// that order; sample i is Dataset's sample Indices[i]. Like PyTorch's, it does not check the
// indices: one out of range fails when it is loaded.
type Subset struct {
	Dataset Dataset
	Indices []int
}

// Len implements Dataset.
func (s Subset) Len() int { return len(s.Indices) }

// Get implements Dataset.
func (s Subset) Get(index int, rng *rand.Rand) (Sample, error) {
	if index < 0 || index >= len(s.Indices) {
		return Sample{}, fmt.Errorf("subset index %d out of range [0, %d)", index, len(s.Indices))
	}
	return s.Dataset.Get(s.Indices[index], rng)
}

var _ Dataset = Subset{}
