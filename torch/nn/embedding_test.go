package nn

import (
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
)

// TestEmbeddingPaddingIdxRange: nn.Embedding and Embedding.from_pretrained both assert
// -num_embeddings <= padding_idx < num_embeddings (sparse.py: "Padding_idx must be within
// num_embeddings") and store a negative index counted from the end. Every module is dropped: the
// parity tests count live tensors, which a finalizer freeing these mid-test would change.
func TestEmbeddingPaddingIdxRange(t *testing.T) {
	before := torch.LiveTensors()
	defer func() {
		if after := torch.LiveTensors(); after != before && !t.Failed() {
			t.Errorf("%d live tensors after the test, %d before", after, before)
		}
	}()
	pretrained := torch.Zeros([]int64{10, 3})
	defer pretrained.Drop()
	makers := map[string]func(idx int64) *Embedding{
		"Embedding": func(idx int64) *Embedding { return NewEmbedding(10, 3, EmbeddingOptions{PaddingIdx: &idx}) },
		"Embedding.from_pretrained": func(idx int64) *Embedding {
			return NewEmbeddingFromPretrained(pretrained.Clone(), true, EmbeddingOptions{PaddingIdx: &idx})
		},
	}
	for name, newEmb := range makers {
		for _, idx := range []int64{10, 11, -11} {
			m := newEmb(idx)
			err := m.Err()
			m.Drop()
			if err == nil || !strings.Contains(err.Error(), "Padding_idx must be within num_embeddings") {
				t.Errorf("%s(padding_idx=%d): %v", name, idx, err)
			}
		}
		for idx, want := range map[int64]int64{0: 0, 9: 9, -1: 9, -10: 0} {
			m := newEmb(idx)
			if err := m.Err(); err != nil {
				t.Fatalf("%s(padding_idx=%d): %v", name, idx, err)
			}
			if m.PaddingIdx == nil || *m.PaddingIdx != want {
				t.Errorf("%s(padding_idx=%d) stored %v, want %d", name, idx, m.PaddingIdx, want)
			}
			m.Drop()
		}
	}
}
