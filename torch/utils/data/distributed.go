package data

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"

	"github.com/aecifar/aecifar/torch/distributed"
)

// DistributedSamplerOptions are DistributedSampler's keyword arguments; the zero value is PyTorch's
// defaults.
type DistributedSamplerOptions struct {
	// NumReplicas is the number of ranks sharing the dataset; 0 means distributed.GetWorldSize().
	NumReplicas int
	// Rank is this rank; nil means distributed.GetRank().
	Rank *int
	// Shuffle permutes the indices each epoch; nil means true, PyTorch's default.
	Shuffle *bool
	// Seed is added to the epoch to seed the permutation; the same on every rank.
	Seed int64
	// DropLast drops the tail that does not divide evenly among the ranks, instead of padding.
	DropLast bool
}

// DistributedSampler mirrors torch.utils.data.DistributedSampler(dataset, num_replicas, rank,
// shuffle=True, seed=0, drop_last=False): each rank visits its own share of the dataset, the same
// share PyTorch's sampler gives that rank. With shuffle the order of an epoch is
// torch.randperm(len) on a torch.Generator seeded with seed + epoch (Randperm on a Generator, this
// package's exact copy of it); the order is padded to a multiple of the ranks by repeating its
// head (or cut, with DropLast) and rank r takes every NumReplicas-th index from r. Call SetEpoch
// before each epoch, as in PyTorch, or every epoch repeats the first one's order.
//
// Indices ignores the loader's rng. A DistributedSampler is safe for concurrent use.
type DistributedSampler struct {
	n, numReplicas, rank int
	shuffle, dropLast    bool
	seed                 int64
	numSamples           int
	epoch                atomic.Int64
}

// NewDistributedSampler is DistributedSampler(dataset, ...). Without NumReplicas and Rank it
// takes them from the default process group, which must then be initialized.
func NewDistributedSampler(ds Dataset, opts ...DistributedSamplerOptions) (*DistributedSampler, error) {
	if ds == nil {
		return nil, errors.New("data: NewDistributedSampler: nil dataset")
	}
	if len(opts) > 1 {
		return nil, fmt.Errorf("data: NewDistributedSampler: %d DistributedSamplerOptions given, want at most one", len(opts))
	}
	var o DistributedSamplerOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	s := &DistributedSampler{n: max(ds.Len(), 0), numReplicas: o.NumReplicas, shuffle: o.Shuffle == nil || *o.Shuffle,
		dropLast: o.DropLast, seed: o.Seed}
	if o.NumReplicas == 0 || o.Rank == nil {
		if !distributed.IsInitialized() {
			return nil, errors.New("data: DistributedSampler: num_replicas and rank not given and the default process group has not been initialized (distributed.InitProcessGroup)")
		}
	}
	if o.NumReplicas == 0 {
		s.numReplicas = distributed.GetWorldSize()
	}
	s.rank = distributed.GetRank()
	if o.Rank != nil {
		s.rank = *o.Rank
	}
	if s.numReplicas < 0 {
		return nil, fmt.Errorf("data: DistributedSampler: num_replicas %d: must be positive", s.numReplicas)
	}
	if s.rank >= s.numReplicas || s.rank < 0 {
		return nil, fmt.Errorf("data: Invalid rank %d, rank should be in the interval [0, %d]", s.rank, s.numReplicas-1)
	}
	if s.dropLast && s.n%s.numReplicas != 0 {
		// math.ceil((n - num_replicas) / num_replicas), which is 0 when n < num_replicas.
		s.numSamples = max(ceilDiv(s.n-s.numReplicas, s.numReplicas), 0)
	} else {
		s.numSamples = ceilDiv(s.n, s.numReplicas)
	}
	return s, nil
}

// ceilDiv is math.ceil(a / b) for b > 0 and a >= 0, or a > -b (where it is 0).
func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	q := a / b // not (a + b - 1) / b, which overflows for b near the int's largest
	if a%b != 0 {
		q++
	}
	return q
}

// Len implements Sampler: the number of indices this rank visits per epoch (num_samples).
func (s *DistributedSampler) Len() int { return s.numSamples }

// SetEpoch is set_epoch: the epoch whose order the next Indices gives.
func (s *DistributedSampler) SetEpoch(epoch int) { s.epoch.Store(int64(epoch)) }

// Epoch is the epoch last set (0 at first).
func (s *DistributedSampler) Epoch() int { return int(s.epoch.Load()) }

// NumReplicas and Rank are the sampler's ranks, as resolved when it was made.
func (s *DistributedSampler) NumReplicas() int { return s.numReplicas }

// Rank is the rank whose share the sampler gives.
func (s *DistributedSampler) Rank() int { return s.rank }

// Indices implements Sampler: this rank's indices for the epoch last set.
func (s *DistributedSampler) Indices(*rand.Rand) []int {
	var indices []int
	if s.shuffle {
		indices = Randperm(s.n, NewGenerator(uint64(s.seed+s.epoch.Load())))
	} else {
		indices = SequentialSampler{N: s.n}.Indices(nil)
	}
	total := s.numSamples * s.numReplicas
	if !s.dropLast {
		// indices += (indices * ceil(padding / len))[:padding]: the order repeated from its head.
		for i := 0; len(indices) < total && s.n > 0; i++ {
			indices = append(indices, indices[i%s.n])
		}
	}
	indices = indices[:total]
	out := make([]int, 0, s.numSamples)
	for i := s.rank; i < total; i += s.numReplicas {
		out = append(out, indices[i])
	}
	return out
}

var _ Sampler = (*DistributedSampler)(nil)
