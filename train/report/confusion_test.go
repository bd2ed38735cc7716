package report

import (
	"slices"
	"testing"
)

func TestConfusion(t *testing.T) {
	tests := []struct {
		name        string
		classes     int
		truth, pred []int64
		want        [][]int
	}{
		{"empty", 2, nil, nil, [][]int{{0, 0}, {0, 0}}},
		{"all correct", 3, []int64{0, 1, 2, 2}, []int64{0, 1, 2, 2}, [][]int{{1, 0, 0}, {0, 1, 0}, {0, 0, 2}}},
		{"rows are truth", 2, []int64{0, 0, 0, 1}, []int64{1, 1, 0, 1}, [][]int{{1, 2}, {0, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Confusion(tt.classes, tt.truth, tt.pred)
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("Confusion = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConfusionPanics(t *testing.T) {
	tests := []struct {
		name        string
		truth, pred []int64
	}{
		{"lengths differ", []int64{0, 1}, []int64{0}},
		{"truth out of range", []int64{2}, []int64{0}},
		{"prediction negative", []int64{0}, []int64{-1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			Confusion(2, tt.truth, tt.pred)
		})
	}
}
