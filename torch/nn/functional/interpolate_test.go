package functional_test

import (
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
)

// TestInterpolateRefusals checks the arguments F.interpolate refuses, with PyTorch 1.13's messages.
// (The values it computes are checked against PyTorch in torch/nn's layers.json.)
func TestInterpolateRefusals(t *testing.T) {
	yes := true
	for _, c := range []struct {
		name  string
		shape []int64
		o     F.InterpolateOptions
		want  string
	}{
		{"align_corners with nearest-exact", []int64{1, 1, 4, 4}, F.InterpolateOptions{Size: []int64{2}, Mode: F.NearestExact, AlignCorners: &yes},
			"align_corners option can only be set with the interpolating modes"},
		{"antialias with nearest", []int64{1, 1, 4, 4}, F.InterpolateOptions{Size: []int64{2}, Antialias: true},
			"Anti-alias option is only supported for bilinear and bicubic modes"},
		{"antialias on 3-D input", []int64{1, 1, 4}, F.InterpolateOptions{Size: []int64{2}, Mode: F.Linear1d, Antialias: true},
			"Anti-alias option is only supported for bilinear and bicubic modes"},
		{"bilinear on 3-D input", []int64{1, 1, 4}, F.InterpolateOptions{Size: []int64{2}, Mode: F.Bilinear},
			"Got 3D input, but bilinear mode needs 4D input"},
		{"bicubic on 5-D input", []int64{1, 1, 2, 2, 2}, F.InterpolateOptions{Size: []int64{2}, Mode: F.Bicubic},
			"Only 3D, 4D and 5D input Tensors supported (got 5D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got bicubic)"},
		{"nearest-exact on 6-D input", []int64{1, 1, 2, 2, 2, 2}, F.InterpolateOptions{Size: []int64{2}, Mode: F.NearestExact},
			"(got 6D) for the modes"},
		{"an unknown mode", []int64{1, 1, 4, 4}, F.InterpolateOptions{Size: []int64{2}, Mode: "nearest_exact"},
			"(got nearest_exact)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := torch.Zeros(c.shape)
			defer x.Drop()
			err := F.Interpolate(x, c.o).Err()
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "F.interpolate: ") {
				t.Fatalf("error %v, want F.interpolate: ...%s...", err, c.want)
			}
		})
	}
}
