package train

// Data-parallel training, as PyTorch's DistributedDataParallel recipe runs under torchrun: every
// rank holds the whole model, trains on its own share of each epoch with Config.BatchSize images
// per step (a global batch of world × BatchSize), and averages the gradients before each optimizer
// step (parallel.DistributedDataParallel). What the blog computes per epoch (the losses, the
// validation accuracy) is summed over the ranks, so that every rank's scheduler steps on the same
// number and every rank prints (rank 0 does) what one process over the whole epoch would.
//
// Rank 0 alone writes: it holds --out's lock, commits each epoch, and writes the checkpoints, the
// history, the plots and the results; it alone runs the test. The other ranks read --out only to
// resume, once rank 0 has decided what the run continues, so --out must be the same directory for
// every rank (one machine, or a shared filesystem).

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/nn/parallel"
	"github.com/aecifar/aecifar/torch/utils/data"
)

// rank is this process's rank (0 without a group).
func (c Config) rank() int {
	if c.Group == nil {
		return 0
	}
	return c.Group.Rank()
}

// world is the number of ranks (1 without a group).
func (c Config) world() int {
	if c.Group == nil {
		return 1
	}
	return c.Group.Size()
}

// writes is whether this process writes the run's files: the only process, or rank 0.
func (c Config) writes() bool { return c.rank() == 0 }

// shardedSubset is the blog's SubsetRandomSampler shared among the ranks as DistributedSampler
// shares an epoch: every rank draws the same order of the subset (the loader's rng depends on its
// seed and the epoch alone), pads it to a multiple of the ranks by repeating its head, and takes
// every world-th index from its rank. All ranks then run the same number of steps, and rank r's
// k-th batch with BatchSize b holds, over the ranks, the images of one process's k-th batch of
// world × b. With one rank it is SubsetRandomSampler.
type shardedSubset struct {
	indices     []int
	rank, world int
	pad         bool // pad to a multiple of world (training); without, ranks may differ by one image
}

func (s shardedSubset) Len() int {
	if s.pad {
		return (len(s.indices) + s.world - 1) / s.world
	}
	return (len(s.indices) - s.rank + s.world - 1) / s.world
}

func (s shardedSubset) Indices(rng *rand.Rand) []int {
	order := data.SubsetRandomSampler(s.indices).Indices(rng)
	total := len(order)
	if s.pad {
		total = s.Len() * s.world
		for i := 0; len(order) < total && len(s.indices) > 0; i++ {
			order = append(order, order[i%len(s.indices)])
		}
	}
	out := make([]int, 0, s.Len())
	for i := s.rank; i < total; i += s.world {
		out = append(out, order[i])
	}
	return out
}

// sampler is the blog's SubsetRandomSampler over indices, this rank's share of it under a group.
func (c Config) sampler(indices []int, pad bool) data.Sampler {
	if c.Group == nil {
		return data.SubsetRandomSampler(indices)
	}
	return shardedSubset{indices: indices, rank: c.rank(), world: c.world(), pad: pad}
}

// errOtherRank is agree's error on a rank that did not fail itself.
var errOtherRank = errors.New("another rank could not go on (its own message says why)")

// agree makes every rank learn whether any of them failed at the same point: each rank's outcome
// (0 ok, 1 a clean stop such as nothing to resume, 2 an error) is all-reduced by max. A rank that
// failed returns its own error; the others errOtherRank, or errNothingToResume for a clean stop.
// Errors do not name the rank: the command does.
// Without a group it returns err.
func (c Config) agree(err error) error {
	if c.Group == nil {
		return err
	}
	code := 0.0
	switch {
	case errors.Is(err, errNothingToResume):
		code = 1
	case err != nil:
		code = 2
	}
	var worst float64
	torch.WithScope(func(s *torch.Scope) {
		t := c.collective(s, []float64{code})
		if rerr := c.Group.AllReduce(t, distributed.Max); rerr != nil {
			worst = -1
			if err == nil {
				err = rerr
			}
			return
		}
		worst, _ = t.Item()
	})
	switch {
	case err != nil:
		return err
	case worst == 1:
		return errNothingToResume
	case worst == 2:
		return errOtherRank
	}
	return nil
}

// collective is vals as a tensor where the group's collectives take it: on this rank's CUDA device
// for NCCL (which refuses CPU tensors, as in PyTorch), on the CPU for Gloo.
func (c Config) collective(s *torch.Scope, vals []float64) *torch.Tensor {
	t := s.Attach(torch.FromSlice(vals, int64(len(vals))))
	if c.Group.Backend() == distributed.NCCL {
		t = s.Attach(t.To(c.Device))
	}
	return t
}

// sumRanks replaces each value by its sum over the ranks (in float64); without a group it does
// nothing.
func (c Config) sumRanks(vals ...*float64) error {
	if c.Group == nil || len(vals) == 0 {
		return nil
	}
	xs := make([]float64, len(vals))
	for i, v := range vals {
		xs[i] = *v
	}
	var err error
	torch.WithScope(func(s *torch.Scope) {
		t := c.collective(s, xs)
		if err = c.Group.AllReduce(t, distributed.Sum); err != nil {
			return
		}
		xs, err = t.Float64s()
	})
	if err != nil {
		return fmt.Errorf("summing the epoch's statistics over the ranks: %w", err)
	}
	for i, v := range vals {
		*v = xs[i]
	}
	return nil
}

// gradSync is what a stage does between backward and the optimizer's step: nothing in one process;
// under a group, DistributedDataParallel's gradient averaging.
type gradSync struct {
	ddp *parallel.DistributedDataParallel
}

// newGradSync wraps m in DistributedDataParallel under cfg's group (which broadcasts rank 0's
// parameters and buffers), or does nothing without one.
func newGradSync(cfg Config, m nn.Module) (*gradSync, error) {
	if cfg.Group == nil {
		return &gradSync{}, nil
	}
	ddp, err := parallel.NewDistributedDataParallel(m, parallel.DistributedDataParallelOptions{ProcessGroup: cfg.Group})
	if err != nil {
		return nil, err
	}
	return &gradSync{ddp: ddp}, nil
}

// prepare is what DDP's forward does before the module's (broadcasting rank 0's buffers).
func (g *gradSync) prepare() error {
	if g == nil || g.ddp == nil {
		return nil
	}
	return g.ddp.PrepareForward()
}

// backward is loss.backward(), under DistributedDataParallel when there is a group: the gradients
// then come out averaged over the ranks.
func (g *gradSync) backward(loss *torch.Tensor) error {
	if g == nil || g.ddp == nil {
		return loss.Backward()
	}
	return g.ddp.Backward(loss)
}

// sumClassifierEpoch sums a classifier epoch's counts and sums over the ranks. Each rank validates
// its share of the validation split in batches of BatchSize, so the blog's sum of per-batch
// validation accuracies over all ranks' batches stays on one process's scale.
func (r *runState) sumClassifierEpoch(trained, validated, valBatches *int, trainLoss, validLoss, valAcc *float64) error {
	if r.cfg.Group == nil {
		return nil
	}
	t, v, b := float64(*trained), float64(*validated), float64(*valBatches)
	if err := r.cfg.sumRanks(&t, &v, &b, trainLoss, validLoss, valAcc); err != nil {
		return err
	}
	*trained, *validated, *valBatches = int(t), int(v), int(b)
	return nil
}

// follow is openRun for a rank that does not write, once rank 0's openRun has decided: it only
// reads what the run continues (rank 0 has refused what cannot be resumed, and has removed the old
// state under Restart).
func (r *runState) follow(plan []Stage) error {
	if !r.cfg.Resume {
		return nil
	}
	m, err := readManifest(r.cfg.OutDir)
	switch {
	case err != nil:
		return err
	case m == nil || m.Complete || len(stagesFrom(plan, m.Stage)) == 0:
		return fmt.Errorf("%s holds no run to resume, unlike what rank 0 read there: give every rank the same --out, on one filesystem", r.cfg.OutDir)
	}
	r.resume = m
	return nil
}
