// Package data mirrors torch.utils.data: a Dataset yields one Sample at a
// time, a Sampler orders the indices of an epoch, and a DataLoader groups
// samples into Batches, optionally loading them on worker goroutines.
//
// It is pure Go, with no tensor library: a Batch is a flat []float32 with its
// shape, ready to be copied into whatever tensor the caller uses.
//
// # Determinism
//
// Every random choice derives from Options.Seed and the epoch number:
// the sampler's order from (seed, epoch), and each sample's transform
// randomness from a generator seeded with (seed, epoch, dataset index) alone.
// So for a given seed an epoch's batches (order and contents, augmentations
// included) are the same whatever NumWorkers is, and an interrupted run can
// resume at any epoch with SetEpoch. Numbers differ from PyTorch's, whose
// generators this package does not reproduce.
//
// # Concurrency and lifetimes
//
// With NumWorkers = 0 batches are loaded in the goroutine that calls Next,
// as PyTorch loads in the main process. With NumWorkers = n > 0, n goroutines
// each assemble whole batches, at most n×Prefetch batches ahead of the
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
// file-backed datasets, its path. With Options.SkipBadSamples the sample is
// dropped from its batch instead and counted (Iterator.Skipped,
// DataLoader.Skipped); a batch whose every sample failed is dropped whole.
// Panics in Dataset.Get are not recovered: they are bugs, not bad data.
package data

import (
	"math"
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

// RandomSampler visits a fresh permutation of 0..N-1 each epoch (without
// replacement), like torch's RandomSampler.
type RandomSampler struct{ N int }

// Len implements Sampler.
func (s RandomSampler) Len() int { return s.N }

// Indices implements Sampler.
func (s RandomSampler) Indices(rng *rand.Rand) []int { return rng.Perm(s.N) }

// SubsetRandomSampler visits its indices in a fresh random order each epoch,
// like torch's SubsetRandomSampler.
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

// SplitValidation is the seed's train/validation split: the indices 0..n-1
// shuffled, split = floor(fraction·n), validation = the first split indices,
// train = the rest. (The seed shuffles with NumPy; rng stands in for it.)
// A fraction outside [0, 1] is clamped to it.
func SplitValidation(n int, fraction float64, rng *rand.Rand) (train, val []int) {
	if math.IsNaN(fraction) {
		fraction = 0
	}
	fraction = min(max(fraction, 0), 1)
	idx := rng.Perm(max(n, 0))
	split := int(fraction * float64(len(idx)))
	return idx[split:], idx[:split]
}
