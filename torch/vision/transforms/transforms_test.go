package transforms_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
	"github.com/aecifar/aecifar/torch/vision/transforms/presets"
)

func TestComposeFusesToTensorNormalizeExactly(t *testing.T) {
	for _, name := range []string{"input_train_airplane_0000.png", "input_synthetic_29x21.png"} {
		img := loadInput(t, name)
		fused, err := transforms.Compose{transforms.ToTensor{}, &transforms.Normalize{Mean: presets.Mean[:], Std: presets.Std[:]}}.Apply(img, nil)
		if err != nil {
			t.Fatal(err)
		}
		x, err := transforms.ToTensor{}.Apply(img, nil)
		if err != nil {
			t.Fatal(err)
		}
		separate, err := (&transforms.Normalize{Mean: presets.Mean[:], Std: presets.Std[:]}).Apply(x, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(fused.(transforms.Tensor).Data, separate.(transforms.Tensor).Data) {
			t.Errorf("%s: fused ToTensor+Normalize differs from the two steps", name)
		}
	}
}

func TestTransformErrors(t *testing.T) {
	img := functional.NewImage(8, 6)
	tensor, _ := functional.ToTensor(img)
	tests := []struct {
		name string
		t    transforms.Transform
		in   any
		rng  *rand.Rand
		want string
	}{
		{"normalize an image", &transforms.Normalize{Mean: presets.Mean[:], Std: presets.Std[:]}, img, nil, "expects a Tensor"},
		{"resize a tensor", transforms.NewResize(4, 4), tensor, nil, "expects an *Image"},
		{"flip without rng", transforms.NewRandomHorizontalFlip(), img, nil, "non-nil *rand.Rand"},
		{"zero std", &transforms.Normalize{Mean: presets.Mean[:], Std: []float64{1, 0, 1}}, tensor, nil, "std evaluated to zero"},
		{"too few means", &transforms.Normalize{Mean: presets.Mean[:2], Std: presets.Std[:]}, tensor, nil, "3 channels but 2 means"},
		{"zero scale", &transforms.RandomResizedCrop{Size: [2]int{4, 4}, Ratio: [2]float64{1, 1}}, img, newRNG(1), "scale"},
		{"zero size", &transforms.RandomResizedCrop{Scale: [2]float64{0.5, 1}, Ratio: [2]float64{1, 1}}, img, newRNG(1), "size"},
		{"reversed degrees", &transforms.RandomRotation{Degrees: [2]float64{5, -5}}, img, newRNG(1), "min <= max"},
		{"rotate with box filter", &transforms.RandomRotation{Degrees: [2]float64{-5, 5}, Interpolation: transforms.Box}, img, newRNG(1), "not supported"},
		{"resize to nothing", transforms.NewResize(0, 4), img, nil, "gives an empty"},
		{"resize with three sizes", transforms.NewResize(1, 2, 3), img, nil, "1 or 2 elements"},
		{"nil in compose", transforms.Compose{nil}, img, nil, "transform 0 is nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.t.Apply(tc.in, tc.rng)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestResizeShorterEdgeSizes(t *testing.T) {
	tests := []struct {
		h, w, size, maxSize int
		wantH, wantW        int
	}{
		{41, 57, 20, 0, 20, 27},
		{57, 41, 20, 0, 27, 20},
		{32, 32, 24, 0, 24, 24},
		{100, 20, 10, 30, 30, 6},
	}
	for _, tc := range tests {
		h, w, err := functional.OutputSize(tc.h, tc.w, []int{tc.size}, tc.maxSize)
		if err != nil || h != tc.wantH || w != tc.wantW {
			t.Errorf("OutputSize(%dx%d, [%d], max %d) = %dx%d, %v; want %dx%d", tc.w, tc.h, tc.size, tc.maxSize, w, h, err, tc.wantW, tc.wantH)
		}
	}
}

// Tensors flow through Compose stages too (and are never compared as
// interface values, which would panic on their slices).
func TestComposeTensorStages(t *testing.T) {
	img := loadInput(t, "input_train_airplane_0000.png")
	id := transforms.Lambda(func(x any, _ *rand.Rand) (any, error) { return x, nil })
	c := transforms.Compose{transforms.ToTensor{}, id, &transforms.Normalize{Mean: presets.Mean[:], Std: presets.Std[:]}, id}
	got, err := c.Apply(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := transforms.Compose{transforms.ToTensor{}, &transforms.Normalize{Mean: presets.Mean[:], Std: presets.Std[:]}}.Apply(img, nil)
	if !slices.Equal(got.(transforms.Tensor).Data, want.(transforms.Tensor).Data) {
		t.Error("a Lambda between ToTensor and Normalize changed the result")
	}
}

// ApplyOwned recycles the images a pipeline makes; results must not change,
// and an image a user transform hands out must never be recycled.
func TestApplyOwnedKeepsResults(t *testing.T) {
	src := loadInput(t, "input_train_cat_0001.png")
	kept := src.Clone()
	var seen []*transforms.Image
	spy := transforms.Lambda(func(x any, _ *rand.Rand) (any, error) {
		seen = append(seen, x.(*transforms.Image))
		return x, nil
	})
	for seed := range uint64(30) {
		pipe := presets.AugTran()
		pipe = append(transforms.Compose{pipe[0], pipe[1], spy}, pipe[2:]...)
		want, err := pipe.Apply(src, newRNG(seed))
		if err != nil {
			t.Fatal(err)
		}
		got, err := transforms.ApplyOwned(pipe, src.Clone(), newRNG(seed))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.(transforms.Tensor).Data, want.(transforms.Tensor).Data) {
			t.Fatalf("seed %d: ApplyOwned differs from Apply", seed)
		}
	}
	// The images the spy saw were not recycled: fresh allocations must not
	// reuse them.
	snapshots := make([][]uint8, len(seen))
	for i, m := range seen {
		snapshots[i] = slices.Clone(m.Pix)
	}
	for range 50 {
		functional.HFlip(src)
		transforms.ApplyOwned(presets.AugTran(), src.Clone(), newRNG(1))
	}
	for i, m := range seen {
		if !slices.Equal(m.Pix, snapshots[i]) {
			t.Fatalf("image %d handed to a Lambda was recycled and overwritten", i)
		}
	}
	if !slices.Equal(src.Pix, kept.Pix) {
		t.Error("the caller's input changed")
	}
}
