package train

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/aecifar/aecifar/torch/utils/data"
)

func TestSplitValidation(t *testing.T) {
	tests := []struct {
		n        int
		fraction float64
		wantVal  int
	}{
		{50000, 0.15, 7500}, {10, 0.15, 1}, {7, 0, 0}, {7, 1, 7}, {0, 0.5, 0}, {9, -1, 0}, {9, 2, 9},
	}
	for _, tc := range tests {
		train, val := splitValidation(tc.n, tc.fraction, rand.New(rand.NewPCG(3, 4)))
		all := slices.Sorted(slices.Values(slices.Concat(train, val)))
		if len(val) != tc.wantVal || !slices.Equal(all, (data.SequentialSampler{N: tc.n}).Indices(nil)) {
			t.Errorf("splitValidation(%d, %v): %d val, %d train", tc.n, tc.fraction, len(val), len(train))
		}
	}
}
