package transforms

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

func needRNG(rng *rand.Rand, name string) error {
	if rng == nil {
		return fmt.Errorf("%s: a random transform needs a non-nil *rand.Rand", name)
	}
	return nil
}

// uniform is torch's uniform_(lo, hi): lo + (hi-lo)·u with u in [0, 1).
func uniform(rng *rand.Rand, lo, hi float64) float64 {
	return lo + (hi-lo)*rng.Float64()
}

// RandomHorizontalFlip mirrors an *Image with probability P.
type RandomHorizontalFlip struct {
	P float64
}

// NewRandomHorizontalFlip returns RandomHorizontalFlip() with torchvision's
// default p = 0.5.
func NewRandomHorizontalFlip() *RandomHorizontalFlip { return &RandomHorizontalFlip{P: 0.5} }

// Apply implements Transform. It makes exactly one draw.
func (f *RandomHorizontalFlip) Apply(x any, rng *rand.Rand) (any, error) {
	img, err := asImage(x, "RandomHorizontalFlip")
	if err != nil {
		return nil, err
	}
	if err := needRNG(rng, "RandomHorizontalFlip"); err != nil {
		return nil, err
	}
	if rng.Float64() < f.P {
		return functional.HFlip(img)
	}
	return img, nil
}

// RandomRotation rotates an *Image by an angle drawn uniformly from
// [Degrees[0], Degrees[1]), counter-clockwise, with functional.Rotate's
// semantics for the other fields. The zero values of Interpolation (Nearest),
// Expand, Center (nil: the image centre) and Fill (nil: black; else one value
// for every channel, or one per channel) are torchvision's defaults.
type RandomRotation struct {
	Degrees       [2]float64
	Interpolation Interpolation
	Expand        bool
	Center        []float64
	Fill          []uint8
}

// NewRandomRotation returns RandomRotation(degrees): angles in
// [-degrees, degrees], nearest-neighbour, no expansion, black fill.
func NewRandomRotation(degrees float64) *RandomRotation {
	return &RandomRotation{Degrees: [2]float64{-degrees, degrees}}
}

// GetParams draws the angle, like RandomRotation.get_params.
func (r *RandomRotation) GetParams(rng *rand.Rand) float64 {
	return uniform(rng, r.Degrees[0], r.Degrees[1])
}

// Apply implements Transform. It makes exactly one draw.
func (r *RandomRotation) Apply(x any, rng *rand.Rand) (any, error) {
	img, err := asImage(x, "RandomRotation")
	if err != nil {
		return nil, err
	}
	if err := needRNG(rng, "RandomRotation"); err != nil {
		return nil, err
	}
	if r.Degrees[0] > r.Degrees[1] || math.IsNaN(r.Degrees[0]) || math.IsNaN(r.Degrees[1]) {
		return nil, fmt.Errorf("RandomRotation: degrees %v must be (min, max) with min <= max", r.Degrees)
	}
	return functional.Rotate(img, r.GetParams(rng), r.Interpolation, r.Expand, r.Center, r.Fill)
}

// RandomResizedCrop crops a random region of an *Image, of area fraction
// drawn from Scale and aspect ratio (width/height) drawn log-uniformly from
// Ratio, and resizes it to Size (height, width).
type RandomResizedCrop struct {
	Size          [2]int
	Scale         [2]float64
	Ratio         [2]float64
	Interpolation Interpolation
}

// NewRandomResizedCrop returns RandomResizedCrop((h, w)) with torchvision's
// defaults: scale (0.08, 1), ratio (3/4, 4/3), bilinear.
func NewRandomResizedCrop(h, w int) *RandomResizedCrop {
	return &RandomResizedCrop{
		Size:          [2]int{h, w},
		Scale:         [2]float64{0.08, 1},
		Ratio:         [2]float64{3.0 / 4.0, 4.0 / 3.0},
		Interpolation: Bilinear,
	}
}

func (c *RandomResizedCrop) validate() error {
	if c.Size[0] <= 0 || c.Size[1] <= 0 {
		return fmt.Errorf("RandomResizedCrop: size %v must be positive (height, width)", c.Size)
	}
	if !(c.Scale[1] > 0) || c.Scale[0] < 0 {
		return fmt.Errorf("RandomResizedCrop: scale %v must be (min, max) area fractions with max > 0", c.Scale)
	}
	if !(c.Ratio[0] > 0) || !(c.Ratio[1] > 0) {
		return fmt.Errorf("RandomResizedCrop: ratio %v must be positive aspect ratios", c.Ratio)
	}
	return nil
}

// GetParams returns the crop box (top, left, height, width) for a width×height
// image, like RandomResizedCrop.get_params: up to ten attempts draw an area
// fraction uniformly from Scale and a log-ratio uniformly from log(Ratio),
// round the box's sides half to even (Python's round), and keep the first box
// that fits, placed uniformly; if none fits, the fallback is a centred crop of
// the whole image clamped to the ratio range.
func (c *RandomResizedCrop) GetParams(width, height int, rng *rand.Rand) (top, left, h, w int) {
	area := float64(height) * float64(width)
	logLo, logHi := math.Log(c.Ratio[0]), math.Log(c.Ratio[1])
	for range 10 {
		target := area * uniform(rng, c.Scale[0], c.Scale[1])
		aspect := math.Exp(uniform(rng, logLo, logHi))
		w = int(math.RoundToEven(math.Sqrt(target * aspect)))
		h = int(math.RoundToEven(math.Sqrt(target / aspect)))
		if 0 < w && w <= width && 0 < h && h <= height {
			top = rng.IntN(height - h + 1)
			left = rng.IntN(width - w + 1)
			return top, left, h, w
		}
	}
	inRatio := float64(width) / float64(height)
	lo, hi := min(c.Ratio[0], c.Ratio[1]), max(c.Ratio[0], c.Ratio[1])
	switch {
	case inRatio < lo:
		w = width
		h = int(math.RoundToEven(float64(w) / lo))
	case inRatio > hi:
		h = height
		w = int(math.RoundToEven(float64(h) * hi))
	default:
		w, h = width, height
	}
	return floorDiv(height-h, 2), floorDiv(width-w, 2), h, w
}

// floorDiv is Python's // on ints.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Apply implements Transform.
func (c *RandomResizedCrop) Apply(x any, rng *rand.Rand) (any, error) {
	img, err := asImage(x, "RandomResizedCrop")
	if err != nil {
		return nil, err
	}
	if err := needRNG(rng, "RandomResizedCrop"); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	top, left, h, w := c.GetParams(img.W, img.H, rng)
	return functional.ResizedCrop(img, top, left, h, w, c.Size[:], c.Interpolation)
}

// ReleasesInput implements Releaser.
func (*RandomHorizontalFlip) ReleasesInput() bool { return true }

// ReleasesInput implements Releaser.
func (*RandomRotation) ReleasesInput() bool { return true }

// ReleasesInput implements Releaser.
func (*RandomResizedCrop) ReleasesInput() bool { return true }

var (
	_ Transform = (*RandomHorizontalFlip)(nil)
	_ Transform = (*RandomRotation)(nil)
	_ Transform = (*RandomResizedCrop)(nil)

	_ Releaser = (*RandomHorizontalFlip)(nil)
	_ Releaser = (*RandomRotation)(nil)
	_ Releaser = (*RandomResizedCrop)(nil)
)
