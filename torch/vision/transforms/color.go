package transforms

import (
	"fmt"
	"math/rand/v2"

	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// Grayscale converts an *Image to grayscale, like
// transforms.Grayscale(num_output_channels=1): PIL's convert("L"), kept as a
// mode L image for 1 output channel or replicated into R, G and B for 3.
type Grayscale struct {
	// NumOutputChannels is 1 or 3; 0 means 1, torchvision's default.
	NumOutputChannels int
}

// Apply implements Transform.
func (g *Grayscale) Apply(x any, _ *rand.Rand) (any, error) {
	img, err := asImage(x, "Grayscale")
	if err != nil {
		return nil, err
	}
	n := g.NumOutputChannels
	if n == 0 {
		n = 1
	}
	return functional.ToGrayscale(img, n)
}

// ColorJitter randomly changes an *Image's brightness, contrast, saturation
// and hue, like transforms.ColorJitter(brightness=0, contrast=0,
// saturation=0, hue=0) with numbers: each factor is drawn uniformly from
// [max(0, 1-v), 1+v] (hue: [-v, v], v at most 0.5), a zero field meaning
// that adjustment is off; the four adjustments run in a random order, as
// torchvision's get_params draws them: the order first, then the factors of
// the fields that are on, in the order brightness, contrast, saturation, hue.
// (torchvision's (min, max) form of the arguments is not offered.)
type ColorJitter struct {
	Brightness, Contrast, Saturation, Hue float64
}

func (j *ColorJitter) validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"brightness", j.Brightness}, {"contrast", j.Contrast}, {"saturation", j.Saturation}, {"hue", j.Hue}} {
		if !(f.v >= 0) {
			//lint:ignore ST1005 torchvision's message
			return fmt.Errorf("ColorJitter: If %s is a single number, it must be non negative (got %v).", f.name, f.v)
		}
	}
	if j.Hue > 0.5 {
		return fmt.Errorf("ColorJitter: hue values should be between (-0.5, 0.5), got %v", j.Hue)
	}
	return nil
}

// JitterParams are one draw of ColorJitter: the order of the four
// adjustments (0 brightness, 1 contrast, 2 saturation, 3 hue) and their
// factors; an adjustment whose field is zero is skipped (its factor unset).
type JitterParams struct {
	Order                                 [4]int
	Brightness, Contrast, Saturation, Hue *float64
}

// GetParams draws the order and the factors, like ColorJitter.get_params.
func (j *ColorJitter) GetParams(rng *rand.Rand) JitterParams {
	var p JitterParams
	copy(p.Order[:], rng.Perm(4))
	draw := func(v, center float64, clip bool) *float64 {
		if v == 0 {
			return nil
		}
		lo := center - v
		if clip {
			lo = max(lo, 0)
		}
		f := uniform(rng, lo, center+v)
		return &f
	}
	p.Brightness = draw(j.Brightness, 1, true)
	p.Contrast = draw(j.Contrast, 1, true)
	p.Saturation = draw(j.Saturation, 1, true)
	p.Hue = draw(j.Hue, 0, false)
	return p
}

// Apply implements Transform.
func (j *ColorJitter) Apply(x any, rng *rand.Rand) (any, error) {
	img, err := asImage(x, "ColorJitter")
	if err != nil {
		return nil, err
	}
	if err := needRNG(rng, "ColorJitter"); err != nil {
		return nil, err
	}
	if err := j.validate(); err != nil {
		return nil, err
	}
	return ApplyJitter(img, j.GetParams(rng))
}

// ApplyJitter applies drawn jitter parameters to img, in their order.
func ApplyJitter(img *Image, p JitterParams) (*Image, error) {
	in := img
	for _, id := range p.Order {
		var out *Image
		var err error
		switch {
		case id == 0 && p.Brightness != nil:
			out, err = functional.AdjustBrightness(img, *p.Brightness)
		case id == 1 && p.Contrast != nil:
			out, err = functional.AdjustContrast(img, *p.Contrast)
		case id == 2 && p.Saturation != nil:
			out, err = functional.AdjustSaturation(img, *p.Saturation)
		case id == 3 && p.Hue != nil:
			out, err = functional.AdjustHue(img, *p.Hue)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ColorJitter: %w", err)
		}
		if img != in && out != img {
			functional.Release(img) // an intermediate of ours
		}
		img = out
	}
	return img, nil
}

// ReleasesInput implements Releaser.
func (*Grayscale) ReleasesInput() bool { return true }

// ReleasesInput implements Releaser.
func (*ColorJitter) ReleasesInput() bool { return true }

var (
	_ Releaser = (*Grayscale)(nil)
	_ Releaser = (*ColorJitter)(nil)
)
