package data_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/utils/data"
)

// testdata/orders.json holds the orders PyTorch 1.13's DataLoader and
// RandomSampler visit (testdata/gen.py). They are integers drawn from
// mt19937, so the Go loader must reproduce them exactly.

type orderJSON struct {
	Order      []int  `json:"order"`
	Head       []int  `json:"head"`
	Len        int    `json:"len"`
	SHA256     string `json:"sha256"`
	BatchSizes []int  `json:"batch_sizes"`
	Batches    int    `json:"batches"`
}

type orderCase struct {
	Kind          string      `json:"kind"`
	Seed          uint64      `json:"seed"`
	N             int         `json:"n"`
	BatchSize     int         `json:"batch_size"`
	DropLast      bool        `json:"drop_last"`
	Replacement   bool        `json:"replacement"`
	NumSamples    int         `json:"num_samples"`
	GeneratorSeed *uint64     `json:"generator_seed"`
	InitialSeed   uint64      `json:"initial_seed"`
	Perm          orderJSON   `json:"perm"`
	RandomInt64   []int64     `json:"random_int64"`
	Epochs        []orderJSON `json:"epochs"`
	After         []float32   `json:"after"`
}

// interleavedEpoch is an epoch of the "interleaved" case.
type interleavedEpoch struct {
	Train orderJSON `json:"train"`
	Rand  []float32 `json:"rand"`
	Test  orderJSON `json:"test"`
}

func loadOrderCases(t *testing.T) []json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "orders.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Cases
}

// checkOrder compares an order with PyTorch's, whole or by its digest.
func checkOrder(t *testing.T, what string, got []int, want orderJSON) {
	t.Helper()
	if want.SHA256 == "" {
		if !slices.Equal(got, want.Order) {
			t.Errorf("%s: order %v, PyTorch %v", what, head(got), head(want.Order))
		}
		return
	}
	s := make([]string, len(got))
	for i, v := range got {
		s[i] = strconv.Itoa(v)
	}
	sum := sha256.Sum256([]byte(strings.Join(s, ",")))
	if len(got) != want.Len || hex.EncodeToString(sum[:]) != want.SHA256 || !slices.Equal(got[:len(want.Head)], want.Head) {
		t.Errorf("%s: %d indices starting %v, PyTorch %d starting %v (SHA-256 differs)", what, len(got), head(got), want.Len, want.Head)
	}
}

func head(v []int) []int { return v[:min(len(v), 12)] }

// indexDataset's sample i is [i] with label i.
type indexDataset int

func (d indexDataset) Len() int { return int(d) }

func (d indexDataset) Get(i int, _ *rand.Rand) (data.Sample, error) {
	return data.Sample{Data: []float32{float32(i)}, Shape: []int64{1}, Label: int64(i)}, nil
}

// runEpoch returns the indices one epoch visits and its distinct batch sizes.
func runEpoch(t *testing.T, l *data.DataLoader) (order []int, sizes []int, batches int) {
	t.Helper()
	it := l.Iter(context.Background())
	defer it.Close()
	for it.Next() {
		b := it.Batch()
		order = append(order, b.Indices...)
		if !slices.Contains(sizes, b.Len()) {
			sizes = append(sizes, b.Len())
		}
		batches++
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(sizes)
	return order, sizes, batches
}

func checkEpoch(t *testing.T, what string, l *data.DataLoader, want orderJSON) {
	t.Helper()
	order, sizes, batches := runEpoch(t, l)
	checkOrder(t, what, order, want)
	if !slices.Equal(sizes, want.BatchSizes) || batches != want.Batches {
		t.Errorf("%s: %d batches of sizes %v, PyTorch %d of %v", what, batches, sizes, want.Batches, want.BatchSizes)
	}
}

func TestOrdersMatchPyTorch(t *testing.T) {
	for i, raw := range loadOrderCases(t) {
		var c orderCase
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("%d-%s-seed%d", i, c.Kind, c.Seed), func(t *testing.T) {
			switch c.Kind {
			case "loader", "generator":
				opts := data.DataLoaderOptions{BatchSize: c.BatchSize, Shuffle: true, DropLast: c.DropLast}
				if c.Kind == "generator" {
					opts.Generator = data.NewGenerator(c.Seed)
				} else {
					torch.ManualSeed(c.Seed)
				}
				for _, workers := range []int{0, 2} {
					if c.Kind == "loader" {
						torch.ManualSeed(c.Seed)
					} else {
						opts.Generator = data.NewGenerator(c.Seed)
					}
					opts.NumWorkers = workers
					l, err := data.NewDataLoader(indexDataset(c.N), opts)
					if err != nil {
						t.Fatal(err)
					}
					for e, want := range c.Epochs {
						checkEpoch(t, fmt.Sprintf("workers=%d epoch %d", workers, e), l, want)
					}
				}
			case "interleaved":
				var epochs []interleavedEpoch
				var doc struct {
					Epochs []interleavedEpoch `json:"epochs"`
				}
				if err := json.Unmarshal(raw, &doc); err != nil {
					t.Fatal(err)
				}
				epochs = doc.Epochs
				torch.ManualSeed(c.Seed)
				train, err := data.NewDataLoader(indexDataset(50), data.DataLoaderOptions{BatchSize: 8, Shuffle: true, DropLast: true})
				if err != nil {
					t.Fatal(err)
				}
				test, err := data.NewDataLoader(indexDataset(20), data.DataLoaderOptions{BatchSize: 5})
				if err != nil {
					t.Fatal(err)
				}
				for e, want := range epochs {
					checkEpoch(t, fmt.Sprintf("epoch %d train", e), train, want.Train)
					checkRand(t, fmt.Sprintf("epoch %d torch.rand(13)", e), 13, want.Rand)
					checkEpoch(t, fmt.Sprintf("epoch %d test", e), test, want.Test)
				}
				checkRand(t, "torch.rand(3) after", 3, c.After)
			case "sampler":
				torch.ManualSeed(c.Seed)
				s := data.RandomSampler{N: c.N, Replacement: c.Replacement, NumSamples: c.NumSamples}
				if c.GeneratorSeed != nil {
					s.Generator = data.NewGenerator(*c.GeneratorSeed)
				}
				for e, want := range c.Epochs {
					got := s.Indices(nil)
					if len(got) != s.Len() {
						t.Errorf("epoch %d: %d indices, Len %d", e, len(got), s.Len())
					}
					checkOrder(t, fmt.Sprintf("epoch %d", e), got, want)
				}
			case "randperm":
				g := data.NewGenerator(c.Seed)
				if g.InitialSeed() != c.InitialSeed {
					t.Errorf("initial_seed %d, PyTorch %d", g.InitialSeed(), c.InitialSeed)
				}
				checkOrder(t, "randperm", data.Randperm(c.N, g), c.Perm)
				for k, want := range c.RandomInt64 {
					if got := g.RandomInt64(); got != want {
						t.Errorf("random_() draw %d: %d, PyTorch %d", k, got, want)
					}
				}
			default:
				t.Fatalf("unknown case kind %q", c.Kind)
			}
		})
	}
}

// checkRand draws torch.rand(n) from the default generator and compares it
// with PyTorch's draws at the same point of the stream.
func checkRand(t *testing.T, what string, n int64, want []float32) {
	t.Helper()
	s := torch.NewScope()
	defer s.Close()
	got, err := s.Attach(torch.Rand([]int64{n})).Float32s()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: %v, PyTorch %v: the default generator's stream has diverged", what, got, want)
	}
}
