package report

import (
	"slices"
	"strings"
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
			got, err := Confusion(tt.classes, tt.truth, tt.pred)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("Confusion = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConfusionErrors(t *testing.T) {
	tests := []struct {
		name        string
		truth, pred []int64
	}{
		{"lengths differ", []int64{0, 1}, []int64{0}},
		{"truth out of range", []int64{2}, []int64{0}},
		{"prediction negative", []int64{0}, []int64{-1}},
		// A 10-output classifier on 2 classes predicts 9 (issue 15: this panicked after a whole run).
		{"prediction beyond the classes", []int64{0, 1}, []int64{0, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Confusion(2, tt.truth, tt.pred)
			if err == nil || m != nil {
				t.Fatalf("Confusion = %v, %v; want an error", m, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
		})
	}
	if _, err := Confusion(0, nil, nil); err == nil {
		t.Error("Confusion of 0 classes: no error")
	}
}
