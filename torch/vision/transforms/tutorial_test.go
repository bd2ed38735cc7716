package transforms_test

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// RandomCrop draws the top offset, then the left one, uniformly; every
// offset must come up, and the crop must be the box at the drawn offsets.
func TestRandomCropDrawsEveryOffset(t *testing.T) {
	img := loadInput(t, "input_train_airplane_0000.png")
	rc := transforms.NewRandomCrop(32)
	rc.Padding = []int{4}
	padded, err := functional.Pad(img, []int{4}, nil, functional.PadConstant)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[2]int]bool{}
	for seed := range uint64(2000) {
		out, err := rc.Apply(img, newRNG(seed))
		if err != nil {
			t.Fatal(err)
		}
		top, left, h, w, err := rc.GetParams(40, 40, newRNG(seed))
		if err != nil || h != 32 || w != 32 {
			t.Fatalf("GetParams: %d %d %v", h, w, err)
		}
		want, _ := functional.Crop(padded, top, left, 32, 32)
		if !bytes.Equal(out.(*functional.Image).Pix, want.Pix) {
			t.Fatalf("seed %d: the crop is not the box at (%d, %d) of the padded image", seed, top, left)
		}
		seen[[2]int{top, left}] = true
	}
	if len(seen) != 81 {
		t.Errorf("%d of the 81 offsets drawn in 2000 crops", len(seen))
	}
	// An image of the crop's size is returned whole, with no draw.
	rng := newRNG(1)
	same := transforms.NewRandomCrop(32)
	out, err := same.Apply(img, rng)
	if err != nil || !bytes.Equal(out.(*functional.Image).Pix, img.Pix) || rng.Uint64() != newRNG(1).Uint64() {
		t.Errorf("a crop of the whole image drew from the generator or changed it (err %v)", err)
	}
}

// ColorJitter draws the order and then each enabled factor from its range.
func TestColorJitterParams(t *testing.T) {
	j := &transforms.ColorJitter{Brightness: 0.4, Contrast: 1.5, Hue: 0.1}
	orders := map[[4]int]bool{}
	for seed := range uint64(500) {
		p := j.GetParams(newRNG(seed))
		orders[p.Order] = true
		if !slices.Equal(slices.Sorted(slices.Values(p.Order[:])), []int{0, 1, 2, 3}) {
			t.Fatalf("order %v is not a permutation", p.Order)
		}
		if p.Saturation != nil {
			t.Fatal("saturation 0 drew a factor")
		}
		if b := *p.Brightness; b < 0.6 || b >= 1.4 {
			t.Errorf("brightness %v outside [0.6, 1.4)", b)
		}
		if c := *p.Contrast; c < 0 || c >= 2.5 {
			t.Errorf("contrast %v outside [0, 2.5) (1 - 1.5 clipped to 0)", c)
		}
		if h := *p.Hue; h < -0.1 || h >= 0.1 {
			t.Errorf("hue %v outside [-0.1, 0.1)", h)
		}
	}
	if len(orders) != 24 {
		t.Errorf("%d of the 24 orders in 500 draws", len(orders))
	}
	// Apply is ApplyJitter of the drawn parameters.
	img := loadInput(t, "input_test_ship_0003.png")
	got, err := j.Apply(img, newRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	want, err := transforms.ApplyJitter(img, j.GetParams(newRNG(3)))
	if err != nil || !bytes.Equal(got.(*functional.Image).Pix, want.Pix) {
		t.Errorf("Apply differs from ApplyJitter of GetParams (err %v)", err)
	}
}

// The MNIST example's transform: ToTensor then Normalize((0.1307,),
// (0.3081,)) on a mode L image gives one channel, fused or not.
func TestGrayscalePipeline(t *testing.T) {
	img := loadInput(t, "input_gray_train_airplane_0000.png")
	norm := &transforms.Normalize{Mean: []float64{0.1307}, Std: []float64{0.3081}}
	fused, err := transforms.Compose{transforms.ToTensor{}, norm}.Apply(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := transforms.ToTensor{}.Apply(img, nil)
	separate, err := norm.Apply(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, s := fused.(transforms.Tensor), separate.(transforms.Tensor)
	if !slices.Equal(f.Shape, []int64{1, 32, 32}) || !slices.Equal(f.Data, s.Data) {
		t.Errorf("fused %v, separate %v: want [1 32 32] and equal values", f.Shape, s.Shape)
	}
	// Grayscale(3) of an RGB image, then a 3-channel Normalize.
	rgb := loadInput(t, "input_train_cat_0001.png")
	out, err := transforms.Compose{&transforms.Grayscale{NumOutputChannels: 3}, transforms.ToTensor{},
		&transforms.Normalize{Mean: []float64{0.5}, Std: []float64{0.5}}}.Apply(rgb, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tt := out.(transforms.Tensor); !slices.Equal(tt.Shape, []int64{3, 32, 32}) || tt.Data[0] != tt.Data[1024] {
		t.Errorf("Grayscale(3): shape %v, R and G differ", tt.Shape)
	}
	if g, _ := (&transforms.Grayscale{}).Apply(rgb, nil); !g.(*functional.Image).Gray() {
		t.Error("Grayscale() did not give a mode L image")
	}
}

func TestTutorialTransformErrors(t *testing.T) {
	img := functional.NewImage(8, 6)
	gray := functional.NewImageMode(functional.ModeL, 8, 6)
	tensor, _ := functional.ToTensor(img)
	tests := []struct {
		name string
		t    transforms.Transform
		in   any
		rng  *rand.Rand
		want string
	}{
		{"crop larger than the image", transforms.NewRandomCrop(7, 9), img, newRNG(1), "Required crop size (7, 9) is larger than input image size (6, 8)"},
		{"crop without rng", transforms.NewRandomCrop(4), img, nil, "non-nil *rand.Rand"},
		{"crop a tensor", transforms.NewRandomCrop(4), tensor, newRNG(1), "expects an *Image"},
		{"three padding values", transforms.NewPad(1, 2, 3), img, nil, "1, 2, or 4 element"},
		{"unknown padding mode", &transforms.Pad{Padding: []int{1}, PaddingMode: "wrap"}, img, nil, "constant, edge, reflect or symmetric"},
		{"RGB fill on a gray image", &transforms.Pad{Padding: []int{1}, Fill: []uint8{1, 2, 3}}, gray, nil, "(3 != 1)"},
		{"two fill values on RGB", &transforms.Pad{Padding: []int{1}, Fill: []uint8{1, 2}}, img, nil, "(2 != 3)"},
		{"grayscale to 2 channels", &transforms.Grayscale{NumOutputChannels: 2}, img, nil, "either 1 or 3"},
		{"negative brightness", &transforms.ColorJitter{Brightness: -1}, img, newRNG(1), "non negative"},
		{"hue beyond 0.5", &transforms.ColorJitter{Hue: 0.6}, img, newRNG(1), "hue values"},
		{"normalize 3 channels with 2 means", &transforms.Normalize{Mean: []float64{1, 2}, Std: []float64{1}}, tensor, nil, "2 means"},
		{"vflip without rng", transforms.NewRandomVerticalFlip(), img, nil, "non-nil *rand.Rand"},
		{"center crop of nothing", transforms.NewCenterCrop(0), img, nil, "not positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.t.Apply(tc.in, tc.rng)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := functional.AdjustHue(img, 0.7); err == nil || !strings.Contains(err.Error(), "is not in [-0.5, 0.5]") {
		t.Errorf("hue 0.7: %v", err)
	}
}
