package data_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/utils/data"
)

// fakeDataset returns, for index i, the sample [i, r1, r2] (r drawn from the
// rng it is given), label i%10, failing on the indices in bad.
type fakeDataset struct {
	n     int
	bad   map[int]bool
	delay time.Duration
	calls atomic.Int64
}

func (d *fakeDataset) Len() int { return d.n }

func (d *fakeDataset) Get(i int, rng *rand.Rand) (data.Sample, error) {
	d.calls.Add(1)
	if d.delay > 0 {
		time.Sleep(d.delay)
	}
	if d.bad[i] {
		return data.Sample{}, fmt.Errorf("decoding image /data/%d.jpg: corrupt", i)
	}
	return data.Sample{Data: []float32{float32(i), rng.Float32(), rng.Float32()}, Shape: []int64{3}, Label: int64(i % 10)}, nil
}

// epoch collects one epoch's batches.
func epoch(t *testing.T, l *data.DataLoader) ([]data.Batch, error) {
	t.Helper()
	it := l.Iter(context.Background())
	defer it.Close()
	var out []data.Batch
	for it.Next() {
		out = append(out, it.Batch())
	}
	return out, it.Err()
}

func mustLoader(t *testing.T, ds data.Dataset, opts data.DataLoaderOptions) *data.DataLoader {
	t.Helper()
	l, err := data.NewDataLoader(ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func equalBatches(a, b []data.Batch) bool {
	return slices.EqualFunc(a, b, func(x, y data.Batch) bool {
		return slices.Equal(x.Data, y.Data) && slices.Equal(x.Shape, y.Shape) &&
			slices.Equal(x.Labels, y.Labels) && slices.Equal(x.Indices, y.Indices)
	})
}

func TestSamplers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	if got := (data.SequentialSampler{N: 4}).Indices(rng); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("sequential: %v", got)
	}
	perm := (data.RandomSampler{N: 100}).Indices(rng)
	sorted := slices.Sorted(slices.Values(perm))
	if !slices.Equal(sorted, (data.SequentialSampler{N: 100}).Indices(nil)) || slices.Equal(perm, sorted) {
		t.Errorf("random sampler is not a shuffled permutation: %v", perm)
	}
	sub := data.SubsetRandomSampler{7, 3, 11, 5}
	got := sub.Indices(rng)
	if sub.Len() != 4 || !slices.Equal(slices.Sorted(slices.Values(got)), []int{3, 5, 7, 11}) {
		t.Errorf("subset sampler: %v", got)
	}
}

func TestLoaderLenAndBatches(t *testing.T) {
	ds := &fakeDataset{n: 10}
	tests := []struct {
		opts      data.DataLoaderOptions
		wantLen   int
		wantSizes []int
	}{
		{data.DataLoaderOptions{}, 10, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{data.DataLoaderOptions{BatchSize: 4}, 3, []int{4, 4, 2}},
		{data.DataLoaderOptions{BatchSize: 4, DropLast: true}, 2, []int{4, 4}},
		{data.DataLoaderOptions{BatchSize: 5, NumWorkers: 2}, 2, []int{5, 5}},
		{data.DataLoaderOptions{BatchSize: 3, Sampler: data.SubsetRandomSampler{1, 2, 3, 4}}, 2, []int{3, 1}},
		// A batch size near the int's largest: one batch of everything (n + b - 1 overflowed to 0 batches).
		{data.DataLoaderOptions{BatchSize: math.MaxInt}, 1, []int{10}},
		{data.DataLoaderOptions{BatchSize: math.MaxInt, DropLast: true}, 0, nil},
	}
	for _, tc := range tests {
		l := mustLoader(t, ds, tc.opts)
		if l.Len() != tc.wantLen {
			t.Errorf("%+v: Len %d, want %d", tc.opts, l.Len(), tc.wantLen)
		}
		batches, err := epoch(t, l)
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for _, b := range batches {
			sizes = append(sizes, b.Len())
			if b.Shape[0] != int64(b.Len()) || b.Shape[1] != 3 || len(b.Data) != 3*b.Len() {
				t.Errorf("batch shape %v with %d values", b.Shape, len(b.Data))
			}
			for k, i := range b.Indices {
				if b.Data[3*k] != float32(i) || b.Labels[k] != int64(i%10) {
					t.Errorf("batch entry %d is not sample %d", k, i)
				}
			}
		}
		if !slices.Equal(sizes, tc.wantSizes) {
			t.Errorf("%+v: batch sizes %v, want %v", tc.opts, sizes, tc.wantSizes)
		}
	}
}

// For a given seed, batches (order, indices and the random draws inside
// samples) must not depend on the number of workers or on prefetching.
func TestLoaderDeterministicAcrossWorkers(t *testing.T) {
	ds := &fakeDataset{n: 103}
	var ref [][]data.Batch
	var stateBefore2 *torch.Tensor // torch's generator state before epoch 2
	for _, workers := range []int{0, 1, 2, 3, 8} {
		for _, prefetch := range []int{1, 4} {
			torch.ManualSeed(7) // Shuffle's order comes from torch's default generator
			l := mustLoader(t, ds, data.DataLoaderOptions{BatchSize: 8, Shuffle: true, NumWorkers: workers, PrefetchFactor: prefetch, Seed: 42})
			var epochs [][]data.Batch
			for e := range 3 {
				if e == 2 && ref == nil {
					stateBefore2 = torch.GetRNGState()
					defer stateBefore2.Drop()
				}
				b, err := epoch(t, l)
				if err != nil {
					t.Fatal(err)
				}
				epochs = append(epochs, b)
			}
			if ref == nil {
				ref = epochs
				if equalBatches(epochs[0], epochs[1]) {
					t.Fatal("two epochs gave the same order: Iter does not reshuffle")
				}
				continue
			}
			for e := range epochs {
				if !equalBatches(epochs[e], ref[e]) {
					t.Errorf("workers=%d prefetch=%d: epoch %d differs from workers=0", workers, prefetch, e)
				}
			}
		}
	}
	// Each epoch visits every index once.
	var seen []int
	for _, b := range ref[0] {
		seen = append(seen, b.Indices...)
	}
	if !slices.Equal(slices.Sorted(slices.Values(seen)), (data.SequentialSampler{N: 103}).Indices(nil)) {
		t.Error("an epoch did not visit every index exactly once")
	}
	// Resuming at epoch 2 from a fresh loader: SetEpoch for the samples'
	// randomness, the generator's state for the order.
	if err := torch.SetRNGState(stateBefore2); err != nil {
		t.Fatal(err)
	}
	l := mustLoader(t, ds, data.DataLoaderOptions{BatchSize: 8, Shuffle: true, NumWorkers: 2, Seed: 42})
	l.SetEpoch(2)
	b, err := epoch(t, l)
	if err != nil || !equalBatches(b, ref[2]) || l.Epoch() != 3 {
		t.Errorf("SetEpoch(2) and the generator's state did not reproduce epoch 2 (err %v)", err)
	}
	// Another torch seed gives another order; another loader seed, other samples.
	torch.ManualSeed(8)
	other, _ := epoch(t, mustLoader(t, ds, data.DataLoaderOptions{BatchSize: 8, Shuffle: true, Seed: 42}))
	if equalBatches(other, ref[0]) {
		t.Error("torch seeds 7 and 8 gave the same epoch")
	}
	torch.ManualSeed(7)
	other, _ = epoch(t, mustLoader(t, ds, data.DataLoaderOptions{BatchSize: 8, Shuffle: true, Seed: 43}))
	if equalBatches(other, ref[0]) || !slices.Equal(other[0].Indices, ref[0][0].Indices) {
		t.Error("loader seed 43: want the same order as seed 42, other sample draws")
	}
	// SampleRNG reproduces a sample outside the loader.
	first := ref[0][0]
	s, _ := ds.Get(first.Indices[0], data.SampleRNG(42, 0, first.Indices[0]))
	if !slices.Equal(s.Data, first.Data[:3]) {
		t.Error("SampleRNG does not reproduce the loader's sample")
	}
}

// A loader whose sampler uses the loader's rng (SubsetRandomSampler)
// depends on (seed, epoch) alone: SetEpoch resumes it.
func TestLoaderSetEpochResumesSubsetSampler(t *testing.T) {
	ds := &fakeDataset{n: 50}
	idx := (data.SequentialSampler{N: 50}).Indices(nil)[5:]
	opts := data.DataLoaderOptions{BatchSize: 6, Sampler: data.SubsetRandomSampler(idx), NumWorkers: 2, Seed: 9}
	l := mustLoader(t, ds, opts)
	var ref [][]data.Batch
	for range 3 {
		b, err := epoch(t, l)
		if err != nil {
			t.Fatal(err)
		}
		ref = append(ref, b)
	}
	torch.ManualSeed(123) // the torch generator plays no part in the order
	l = mustLoader(t, ds, opts)
	l.SetEpoch(2)
	if b, err := epoch(t, l); err != nil || !equalBatches(b, ref[2]) {
		t.Errorf("SetEpoch(2) did not reproduce epoch 2 (err %v)", err)
	}
	if equalBatches(ref[0], ref[1]) {
		t.Error("two epochs gave the same order")
	}
}

func TestLoaderErrors(t *testing.T) {
	for _, workers := range []int{0, 3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			ds := &fakeDataset{n: 20, bad: map[int]bool{9: true}}
			l := mustLoader(t, ds, data.DataLoaderOptions{BatchSize: 4, NumWorkers: workers})
			batches, err := epoch(t, l)
			if err == nil || !strings.Contains(err.Error(), "sample 9") || !strings.Contains(err.Error(), "/data/9.jpg") {
				t.Fatalf("error %v, want one naming sample 9 and its file", err)
			}
			if len(batches) != 2 {
				t.Errorf("%d batches before the error, want the 2 before sample 9", len(batches))
			}

			ds = &fakeDataset{n: 20, bad: map[int]bool{1: true, 8: true, 9: true, 10: true, 11: true, 17: true}}
			l = mustLoader(t, ds, data.DataLoaderOptions{BatchSize: 4, NumWorkers: workers, SkipBadSamples: true})
			it := l.Iter(context.Background())
			defer it.Close()
			var sizes []int
			for it.Next() {
				sizes = append(sizes, it.Batch().Len())
			}
			if it.Err() != nil {
				t.Fatal(it.Err())
			}
			if !slices.Equal(sizes, []int{3, 4, 4, 3}) || it.Skipped() != 6 || l.Skipped() != 6 {
				t.Errorf("batch sizes %v, skipped %d (loader %d); want [3 4 4 3] and 6", sizes, it.Skipped(), l.Skipped())
			}
		})
	}
	if _, err := data.NewDataLoader(&fakeDataset{n: 3}, data.DataLoaderOptions{Shuffle: true, Sampler: data.RandomSampler{N: 3}}); err == nil {
		t.Error("Shuffle with a Sampler: no error")
	}
	if _, err := data.NewDataLoader(&fakeDataset{n: 3}, data.DataLoaderOptions{BatchSize: -1}); err == nil {
		t.Error("negative batch size: no error")
	}
	if _, err := data.NewDataLoader(&fakeDataset{n: 3}, data.DataLoaderOptions{}, data.DataLoaderOptions{}); err == nil {
		t.Error("two DataLoaderOptions: no error")
	}
	if _, err := data.NewDataLoader(&fakeDataset{n: 0}, data.DataLoaderOptions{Shuffle: true}); err == nil || !strings.Contains(err.Error(), "num_samples=0") {
		t.Errorf("shuffling an empty dataset: %v, want PyTorch's num_samples error", err)
	}
	_, err := epoch(t, mustLoader(t, &fakeDataset{n: 3}, data.DataLoaderOptions{Sampler: data.SubsetRandomSampler{5}}))
	if err == nil || !strings.Contains(err.Error(), "index 5") {
		t.Errorf("out-of-range sampler index: %v", err)
	}
	if _, err := data.Collate([]data.Sample{{Data: []float32{1}, Shape: []int64{1}}, {Data: []float32{1, 2}, Shape: []int64{2}}}); err == nil {
		t.Error("Collate of unequal shapes: no error")
	}
}

// waitGoroutines waits for the goroutine count to fall back to base.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	for range 200 {
		if runtime.NumGoroutine() <= base {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("%d goroutines remain, had %d before:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
}

func TestLoaderLeavesNoGoroutines(t *testing.T) {
	ds := &fakeDataset{n: 400, delay: 200 * time.Microsecond}
	base := runtime.NumGoroutine()

	// Closed after one batch, workers still busy.
	l := mustLoader(t, ds, data.DataLoaderOptions{BatchSize: 4, NumWorkers: 4, Shuffle: true})
	it := l.Iter(context.Background())
	if !it.Next() {
		t.Fatal(it.Err())
	}
	it.Close()
	it.Close() // twice is fine
	if it.Next() {
		t.Error("Next after Close returned a batch")
	}
	waitGoroutines(t, base)

	// Cancelled through the context mid-epoch.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	it = l.Iter(ctx)
	n := 0
	for it.Next() {
		if n++; n == 3 {
			cancel()
		}
	}
	if !errors.Is(it.Err(), context.Canceled) {
		t.Errorf("after cancel: Err %v, want context.Canceled", it.Err())
	}
	it.Close()
	waitGoroutines(t, base)

	// Ended by an error.
	bad := &fakeDataset{n: 400, bad: map[int]bool{50: true}, delay: 100 * time.Microsecond}
	if _, err := epoch(t, mustLoader(t, bad, data.DataLoaderOptions{BatchSize: 4, NumWorkers: 4})); err == nil {
		t.Error("no error")
	}
	waitGoroutines(t, base)

	// Run to the end without an explicit Close.
	it = mustLoader(t, &fakeDataset{n: 40}, data.DataLoaderOptions{BatchSize: 4, NumWorkers: 3}).Iter(context.Background())
	for it.Next() {
	}
	waitGoroutines(t, base)

	// Abandoned early, nothing more loads after Close. In a synctest bubble, Wait returns once
	// every goroutine the iterator started has exited or blocked for good: whatever could still
	// load after Close has done so by then.
	synctest.Test(t, func(t *testing.T) {
		calls := ds.calls.Load()
		it := l.Iter(context.Background())
		it.Next()
		it.Close()
		after := ds.calls.Load()
		synctest.Wait()
		if ds.calls.Load() != after || after-calls > 4*(4*2+4+1) {
			t.Errorf("loaded %d samples for one batch; %d more after Close", after-calls, ds.calls.Load()-after)
		}
	})
}

// With NumWorkers > 0 the consumer never waits for batches it has not asked
// for beyond the prefetch bound.
// The check runs once the loader can load nothing more (synctest.Wait: every goroutine in the
// bubble blocked for good on the full queue), so it does not depend on timing.
func TestLoaderPrefetchIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ds := &fakeDataset{n: 1000}
		l := mustLoader(t, ds, data.DataLoaderOptions{BatchSize: 2, NumWorkers: 2, PrefetchFactor: 3})
		it := l.Iter(context.Background())
		defer it.Close()
		it.Next()
		synctest.Wait()
		// One batch consumed, at most workers×prefetch queued, plus one batch per
		// worker in hand and one the feeder holds.
		if max := int64(2 * (1 + 2*3 + 2 + 1)); ds.calls.Load() > max {
			t.Errorf("%d samples loaded after one batch, bound %d", ds.calls.Load(), max)
		}
	})
}

// Subset yields its dataset's samples at its indices, in their order, through a loader as any
// dataset; an index past its end is an error, not a panic.
func TestSubset(t *testing.T) {
	sub := data.Subset{Dataset: &fakeDataset{n: 10}, Indices: []int{7, 2, 5}}
	if sub.Len() != 3 {
		t.Fatalf("Len %d, want 3", sub.Len())
	}
	batches, err := epoch(t, mustLoader(t, sub, data.DataLoaderOptions{BatchSize: 2}))
	if err != nil {
		t.Fatal(err)
	}
	var firsts []float32
	for _, b := range batches {
		for k := range b.Labels {
			firsts = append(firsts, b.Data[3*k])
		}
	}
	if len(batches) != 2 || !slices.Equal(firsts, []float32{7, 2, 5}) || !slices.Equal(batches[1].Labels, []int64{5}) {
		t.Errorf("batches %+v: want samples 7, 2 and 5 of the dataset", batches)
	}
	if _, err := sub.Get(3, rand.New(rand.NewPCG(1, 2))); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Get(3) = %v, want an out-of-range error", err)
	}
}
