package data_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch/utils/data"
)

// testdata/distributed_sampler.json holds the indices PyTorch 1.13's DistributedSampler gives each
// rank (testdata/gen_distributed.py): integers, compared exactly.

type samplerEpoch struct {
	Indices []int
	Head    []int `json:"head"`
	Sum     int   `json:"sum"`
	SumSq   int   `json:"sum_sq"`
	Len     int   `json:"len"`
}

func (e *samplerEpoch) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, &e.Indices)
	}
	type plain samplerEpoch
	return json.Unmarshal(b, (*plain)(e))
}

// matches tells whether got is the epoch: the whole list, or its head, length and sums.
func (e samplerEpoch) matches(got []int) bool {
	if e.Head == nil {
		return slices.Equal(got, e.Indices) && got != nil
	}
	sum, sq := 0, 0
	for _, i := range got {
		sum, sq = sum+i, sq+i*i
	}
	return len(got) == e.Len && len(got) >= len(e.Head) && slices.Equal(got[:len(e.Head)], e.Head) && sum == e.Sum && sq == e.SumSq
}

func TestDistributedSamplerParity(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "distributed_sampler.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			N           int              `json:"n"`
			NumReplicas int              `json:"num_replicas"`
			Shuffle     bool             `json:"shuffle"`
			Seed        int64            `json:"seed"`
			DropLast    bool             `json:"drop_last"`
			Len         int              `json:"len"`
			Epochs      []int            `json:"epochs"`
			Ranks       [][]samplerEpoch `json:"ranks"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range doc.Cases {
		for rank, epochs := range c.Ranks {
			s, err := data.NewDistributedSampler(indexDataset(c.N), data.DistributedSamplerOptions{
				NumReplicas: c.NumReplicas, Rank: new(rank), Shuffle: new(c.Shuffle), Seed: c.Seed, DropLast: c.DropLast})
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != c.Len {
				t.Errorf("n=%d replicas=%d drop_last=%v: Len %d, want %d", c.N, c.NumReplicas, c.DropLast, s.Len(), c.Len)
			}
			for i, e := range c.Epochs {
				s.SetEpoch(e)
				got := s.Indices(nil)
				if got == nil {
					got = []int{}
				}
				if want := epochs[i]; !want.matches(got) {
					t.Errorf("n=%d replicas=%d shuffle=%v seed=%d drop_last=%v rank %d epoch %d:\n got %v\nwant %v",
						c.N, c.NumReplicas, c.Shuffle, c.Seed, c.DropLast, rank, e, headOf(got), want)
				}
			}
		}
	}
}

func headOf(ix []int) []int { return ix[:min(len(ix), 40)] }

func TestDistributedSamplerErrors(t *testing.T) {
	for _, c := range []struct {
		opts data.DistributedSamplerOptions
		err  string
	}{
		{data.DistributedSamplerOptions{}, "default process group has not been initialized"},
		{data.DistributedSamplerOptions{NumReplicas: 2}, "default process group has not been initialized"},
		{data.DistributedSamplerOptions{NumReplicas: 2, Rank: new(2)}, "Invalid rank 2, rank should be in the interval [0, 1]"},
		{data.DistributedSamplerOptions{NumReplicas: 2, Rank: new(-1)}, "Invalid rank -1"},
	} {
		if _, err := data.NewDistributedSampler(indexDataset(10), c.opts); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%+v: %v, want %q", c.opts, err, c.err)
		}
	}
}

// The ranks' shares of one epoch cover the dataset, each index once where no padding is needed.
func TestDistributedSamplerCovers(t *testing.T) {
	const n, replicas = 12, 3
	var all []int
	for r := range replicas {
		s, err := data.NewDistributedSampler(indexDataset(n), data.DistributedSamplerOptions{NumReplicas: replicas, Rank: new(r), Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		s.SetEpoch(3)
		all = append(all, s.Indices(nil)...)
	}
	slices.Sort(all)
	for i, v := range all {
		if v != i {
			t.Fatalf("the shares cover %v, want 0..%d once each", all, n-1)
		}
	}
}
