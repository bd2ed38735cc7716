package data

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
)

// DataLoaderOptions are DataLoader's keyword arguments, PyTorch's names in
// CamelCase; the zero value of each field is PyTorch's default, so the zero
// value loads one sample per batch, in order, in the calling goroutine, like
// DataLoader(dataset). Seed and SkipBadSamples are this port's own.
type DataLoaderOptions struct {
	// BatchSize is the number of samples per batch; 0 means 1, PyTorch's default.
	BatchSize int
	// Shuffle visits a fresh permutation each epoch, a RandomSampler drawing
	// from Generator (default false). It cannot be combined with Sampler.
	Shuffle bool
	// Sampler orders each epoch's indices; nil means sequential (or a
	// RandomSampler with Shuffle).
	Sampler Sampler
	// NumWorkers is the number of loading goroutines; 0 (the default) loads
	// in the goroutine that calls Next.
	NumWorkers int
	// DropLast drops a last batch smaller than BatchSize (default false).
	DropLast bool
	// Generator is PyTorch's generator: each epoch draws its base seed from it
	// (torch.empty((), dtype=torch.int64).random_(generator=...)), and Shuffle's
	// RandomSampler draws its order from it. nil, the default, means torch's
	// default CPU generator, so that after torch.ManualSeed(s) the epochs visit
	// the samples in the order PyTorch's visit them after torch.manual_seed(s)
	// (with the same draws in between: model initialisation, dropout).
	Generator *Generator
	// PrefetchFactor is the number of batches each worker may load ahead of
	// the consumer; 0 means 2, PyTorch's default.
	PrefetchFactor int
	// Seed drives the randomness the loader hands to Dataset.Get (the
	// transforms') and to samplers that use it (SubsetRandomSampler), per
	// (seed, epoch, index). PyTorch has no such option: its transforms draw
	// from torch's generators, which the Go transforms do not reproduce.
	Seed uint64
	// SkipBadSamples drops samples whose Get fails, counting them, instead of
	// ending the epoch with the error.
	SkipBadSamples bool
}

// A Batch is BatchSize samples (fewer at the end of an epoch, or when bad
// samples were skipped) stacked along a new first dimension.
type Batch struct {
	Data    []float32
	Shape   []int64 // [B, sample shape...], e.g. [B, C, H, W]
	Labels  []int64
	Indices []int // the dataset index of each sample
}

// Len is the number of samples in the batch.
func (b Batch) Len() int { return len(b.Labels) }

// DataLoader mirrors torch.utils.data.DataLoader: it iterates over a Dataset
// in batches, one epoch per call to Iter.
type DataLoader struct {
	ds      Dataset
	opts    DataLoaderOptions
	sampler Sampler

	mu      sync.Mutex
	epoch   int
	skipped atomic.Int64
}

// NewDataLoader is DataLoader(dataset, ...): it checks the options (at most
// one DataLoaderOptions) and returns a loader starting at epoch 0.
func NewDataLoader(ds Dataset, opts ...DataLoaderOptions) (*DataLoader, error) {
	if ds == nil {
		return nil, errors.New("data: NewDataLoader: nil dataset")
	}
	if len(opts) > 1 {
		return nil, fmt.Errorf("data: NewDataLoader: %d DataLoaderOptions given, want at most one", len(opts))
	}
	var o DataLoaderOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	switch {
	case o.BatchSize < 0:
		return nil, fmt.Errorf("data: batch_size should be a positive integer value, but got batch_size=%d", o.BatchSize)
	case o.NumWorkers < 0:
		return nil, fmt.Errorf("data: num_workers option should be non-negative; use num_workers=0 to disable multiprocessing (got %d)", o.NumWorkers)
	case o.PrefetchFactor < 0:
		return nil, fmt.Errorf("data: prefetch_factor should be non-negative, got %d", o.PrefetchFactor)
	case o.Sampler != nil && o.Shuffle:
		return nil, errors.New("data: sampler option is mutually exclusive with shuffle")
	case o.Shuffle && ds.Len() <= 0:
		// RandomSampler's check, reached through shuffle=True.
		return nil, fmt.Errorf("data: num_samples should be a positive integer value, but got num_samples=%d", ds.Len())
	}
	if o.BatchSize == 0 {
		o.BatchSize = 1
	}
	if o.PrefetchFactor == 0 {
		o.PrefetchFactor = 2
	}
	l := &DataLoader{ds: ds, opts: o, sampler: o.Sampler}
	if l.sampler == nil {
		if o.Shuffle {
			l.sampler = RandomSampler{N: ds.Len(), Generator: o.Generator}
		} else {
			l.sampler = SequentialSampler{N: ds.Len()}
		}
	}
	return l, nil
}

// Len is the number of batches in an epoch, like len(loader).
func (l *DataLoader) Len() int {
	n, b := l.sampler.Len(), l.opts.BatchSize
	if l.opts.DropLast {
		return n / b
	}
	return ceilDiv(n, b) // n + b - 1 would overflow for a batch size near the int's largest
}

// Dataset returns the loader's dataset.
func (l *DataLoader) Dataset() Dataset { return l.ds }

// Sampler returns the loader's sampler, like loader.sampler.
func (l *DataLoader) Sampler() Sampler { return l.sampler }

// Epoch is the epoch the next call to Iter will run.
func (l *DataLoader) Epoch() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.epoch
}

// SetEpoch makes the next call to Iter run epoch e, to resume a run.
func (l *DataLoader) SetEpoch(e int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.epoch = e
}

// Skipped is the number of samples skipped so far over all epochs
// (with SkipBadSamples).
func (l *DataLoader) Skipped() int64 { return l.skipped.Load() }

// splitmix64 is a strong 64-bit mixer, used to derive independent seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func derive(seed uint64, parts ...uint64) uint64 {
	h := splitmix64(seed)
	for _, p := range parts {
		h = splitmix64(h ^ p)
	}
	return h
}

// Stream tags keep the sampler's and the samples' generators apart.
const (
	streamSampler uint64 = iota + 1
	streamSample
)

func seedPCG(p *rand.PCG, seed uint64, stream uint64, epoch, index int) {
	p.Seed(derive(seed, stream, uint64(epoch), uint64(index), 0), derive(seed, stream, uint64(epoch), uint64(index), 1))
}

// SampleRNG returns the generator the loader hands to Dataset.Get for dataset
// index in epoch, so a single augmented sample can be reproduced outside it.
func SampleRNG(seed uint64, epoch, index int) *rand.Rand {
	p := new(rand.PCG)
	seedPCG(p, seed, streamSample, epoch, index)
	return rand.New(p)
}

// SamplerRNG returns the generator the loader hands to Sampler.Indices in epoch.
func SamplerRNG(seed uint64, epoch int) *rand.Rand {
	p := new(rand.PCG)
	seedPCG(p, seed, streamSampler, epoch, 0)
	return rand.New(p)
}

// Iter starts the next epoch and returns its iterator; each call advances the
// epoch, so each reshuffles. The caller must Close the iterator.
//
//	it := loader.Iter(ctx)
//	defer it.Close()
//	for it.Next() {
//		b := it.Batch()
//		...
//	}
//	if err := it.Err(); err != nil { ... }
func (l *DataLoader) Iter(ctx context.Context) *Iterator {
	if ctx == nil {
		ctx = context.Background()
	}
	l.mu.Lock()
	epoch := l.epoch
	l.epoch++
	l.mu.Unlock()

	it := &Iterator{l: l, parent: ctx, epoch: epoch}
	it.ctx, it.cancel = context.WithCancel(ctx)
	// PyTorch's iterator draws its base seed (for its worker processes) before
	// the sampler draws; the Go workers need none, but the draw keeps the
	// generator's stream where PyTorch's is, for whatever draws from it next.
	_ = l.opts.Generator.RandomInt64()
	it.indices = l.sampler.Indices(SamplerRNG(l.opts.Seed, epoch))
	it.batches = len(it.indices) / l.opts.BatchSize
	if !l.opts.DropLast && len(it.indices)%l.opts.BatchSize != 0 {
		it.batches++
	}
	if l.opts.NumWorkers > 0 {
		it.startWorkers()
	} else {
		it.rng = rand.New(&it.pcg)
	}
	return it
}

// Iterator walks the batches of one epoch. It is not safe for concurrent use.
type Iterator struct {
	l       *DataLoader
	parent  context.Context
	ctx     context.Context
	cancel  context.CancelFunc
	epoch   int
	indices []int
	batches int
	skipped atomic.Int64

	cur    Batch
	err    error
	closed bool

	// NumWorkers = 0: batches are loaded by Next.
	next int
	pcg  rand.PCG
	rng  *rand.Rand

	// NumWorkers > 0: one result slot per batch, queued in batch order.
	order chan chan result
	wg    sync.WaitGroup
}

type result struct {
	batch Batch
	ok    bool // false: every sample was skipped
	err   error
}

type job struct {
	k    int
	slot chan result
}

func (it *Iterator) startWorkers() {
	opts := it.l.opts
	it.order = make(chan chan result, opts.NumWorkers*opts.PrefetchFactor)
	jobs := make(chan job)
	it.wg.Add(1 + opts.NumWorkers)
	go func() { // feeder: reserves a slot in order, then hands the batch to a worker
		defer it.wg.Done()
		defer close(it.order)
		defer close(jobs)
		for k := range it.batches {
			slot := make(chan result, 1)
			select {
			case it.order <- slot:
			case <-it.ctx.Done():
				return
			}
			select {
			case jobs <- job{k, slot}:
			case <-it.ctx.Done():
				return
			}
		}
	}()
	for range opts.NumWorkers {
		go func() {
			defer it.wg.Done()
			var pcg rand.PCG
			rng := rand.New(&pcg)
			for j := range jobs {
				b, ok, err := it.load(j.k, &pcg, rng)
				j.slot <- result{b, ok, err} // never blocks: the slot holds one
			}
		}()
	}
}

// load assembles batch k, seeding pcg afresh for every sample.
func (it *Iterator) load(k int, pcg *rand.PCG, rng *rand.Rand) (Batch, bool, error) {
	l := it.l
	bs := l.opts.BatchSize
	idx := it.indices[k*bs : min((k+1)*bs, len(it.indices))]
	samples := make([]Sample, 0, len(idx))
	kept := make([]int, 0, len(idx))
	n := l.ds.Len()
	for _, i := range idx {
		if err := it.ctx.Err(); err != nil {
			return Batch{}, false, err
		}
		if i < 0 || i >= n {
			return Batch{}, false, fmt.Errorf("data: sampler gave index %d, but the dataset has %d samples", i, n)
		}
		seedPCG(pcg, l.opts.Seed, streamSample, it.epoch, i)
		s, err := l.ds.Get(i, rng)
		if err != nil {
			if l.opts.SkipBadSamples {
				it.skipped.Add(1)
				l.skipped.Add(1)
				continue
			}
			return Batch{}, false, fmt.Errorf("data: sample %d: %w", i, err)
		}
		samples = append(samples, s)
		kept = append(kept, i)
	}
	if len(samples) == 0 {
		return Batch{}, false, nil
	}
	b, err := Collate(samples)
	if err != nil {
		return Batch{}, false, fmt.Errorf("data: batch %d of epoch %d: %w", k, it.epoch, err)
	}
	b.Indices = kept
	return b, true, nil
}

// Collate stacks samples of one shape into a Batch, like PyTorch's
// default_collate; the samples' shapes must match.
func Collate(samples []Sample) (Batch, error) {
	if len(samples) == 0 {
		return Batch{}, errors.New("collate: no samples")
	}
	shape := samples[0].Shape
	size := len(samples[0].Data)
	data := make([]float32, 0, size*len(samples))
	labels := make([]int64, len(samples))
	for i, s := range samples {
		if !slices.Equal(s.Shape, shape) || len(s.Data) != size {
			return Batch{}, fmt.Errorf("collate: stack expects each sample to be equal size, but got %v (%d values) at entry 0 and %v (%d values) at entry %d",
				shape, size, s.Shape, len(s.Data), i)
		}
		data = append(data, s.Data...)
		labels[i] = s.Label
	}
	return Batch{
		Data:   data,
		Shape:  append([]int64{int64(len(samples))}, shape...),
		Labels: labels,
	}, nil
}

// Next loads or receives the next batch and reports whether there is one.
// It returns false at the end of the epoch, on error (see Err), when the
// context is cancelled, or after Close.
func (it *Iterator) Next() bool {
	if it.closed || it.err != nil {
		return false
	}
	if it.order == nil {
		return it.nextSync()
	}
	for {
		var slot chan result
		var ok bool
		select {
		case slot, ok = <-it.order:
		case <-it.parent.Done():
			return it.fail(it.parent.Err())
		}
		if !ok { // every batch delivered, or the feeder stopped on cancellation
			if err := it.parent.Err(); err != nil {
				return it.fail(err)
			}
			it.shutdown()
			return false
		}
		var r result
		select {
		case r = <-slot:
		case <-it.parent.Done():
			return it.fail(it.parent.Err())
		}
		if r.err != nil {
			if err := it.parent.Err(); err != nil {
				r.err = err
			}
			return it.fail(r.err)
		}
		if r.ok {
			it.cur = r.batch
			return true
		}
	}
}

func (it *Iterator) nextSync() bool {
	for it.next < it.batches {
		if err := it.parent.Err(); err != nil {
			return it.fail(err)
		}
		k := it.next
		it.next++
		b, ok, err := it.load(k, &it.pcg, it.rng)
		if err != nil {
			return it.fail(err)
		}
		if ok {
			it.cur = b
			return true
		}
	}
	return false
}

func (it *Iterator) fail(err error) bool {
	it.err = err
	it.cur = Batch{}
	it.shutdown()
	return false
}

// shutdown stops the workers and waits until every goroutine has exited.
func (it *Iterator) shutdown() {
	it.cancel()
	it.wg.Wait()
}

// Batch returns the batch Next loaded. The caller owns its slices.
func (it *Iterator) Batch() Batch { return it.cur }

// Err returns the error that ended the epoch early, if any: a sample's load
// error (naming its index) or the context's error.
func (it *Iterator) Err() error { return it.err }

// Epoch is the epoch this iterator walks.
func (it *Iterator) Epoch() int { return it.epoch }

// Skipped is the number of samples skipped in this epoch so far (with
// SkipBadSamples), counting batches loaded ahead of the consumer.
func (it *Iterator) Skipped() int64 { return it.skipped.Load() }

// Close stops the epoch early if it is still running and releases its
// goroutines; it returns once they have all exited. It is safe to call twice.
func (it *Iterator) Close() {
	if it.closed {
		return
	}
	it.closed = true
	it.cur = Batch{}
	it.shutdown()
}
