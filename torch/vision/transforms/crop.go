package transforms

import (
	"fmt"
	"math/rand/v2"

	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// PaddingMode is torchvision's padding_mode; the zero value is "constant".
type PaddingMode = functional.PaddingMode

// The padding modes (numpy.pad's).
const (
	PadConstant  = functional.PadConstant
	PadEdge      = functional.PadEdge
	PadReflect   = functional.PadReflect
	PadSymmetric = functional.PadSymmetric
)

// squareSize reads torchvision's size argument of the crops: [s] is s×s,
// [h, w] is h×w.
func squareSize(size []int) [2]int {
	if len(size) == 1 {
		return [2]int{size[0], size[0]}
	}
	var s [2]int
	copy(s[:], size)
	return s
}

// Pad pads an *Image on every side, like transforms.Pad(padding, fill=0,
// padding_mode="constant"): Padding is [p] for every side, [left/right,
// top/bottom] or [left, top, right, bottom] (negative widths crop); Fill is
// the color of PadConstant's border (nil: black; one value for every
// channel, or one per channel); PaddingMode's zero value is constant.
type Pad struct {
	Padding     []int
	Fill        []uint8
	PaddingMode PaddingMode
}

// NewPad returns Pad(padding) with torchvision's defaults: black, constant.
func NewPad(padding ...int) *Pad { return &Pad{Padding: padding} }

// Apply implements Transform.
func (p *Pad) Apply(x any, _ *rand.Rand) (any, error) {
	img, err := asImage(x, "Pad")
	if err != nil {
		return nil, err
	}
	return functional.Pad(img, p.Padding, p.Fill, p.PaddingMode)
}

// CenterCrop crops the centre of an *Image to Size (height, width), like
// transforms.CenterCrop(size): an image smaller than Size is padded with
// black first (functional.CenterCrop).
type CenterCrop struct {
	Size [2]int
}

// NewCenterCrop returns CenterCrop(size): NewCenterCrop(28) or (h, w).
func NewCenterCrop(size ...int) *CenterCrop { return &CenterCrop{Size: squareSize(size)} }

// Apply implements Transform.
func (c *CenterCrop) Apply(x any, _ *rand.Rand) (any, error) {
	img, err := asImage(x, "CenterCrop")
	if err != nil {
		return nil, err
	}
	return functional.CenterCrop(img, c.Size[0], c.Size[1])
}

// RandomCrop crops an *Image at a random place to Size (height, width), like
// transforms.RandomCrop(size, padding=None, pad_if_needed=False, fill=0,
// padding_mode="constant"), whose steps it takes in order: Padding (nil:
// none) is applied first as Pad applies it; then with PadIfNeeded a side
// shorter than Size is padded by the difference on both ends (torchvision
// pads [size - width, 0], which widens each side by that much); then the top
// and the left offsets are drawn, in that order, uniformly.
type RandomCrop struct {
	Size        [2]int
	Padding     []int
	PadIfNeeded bool
	Fill        []uint8
	PaddingMode PaddingMode
}

// NewRandomCrop returns RandomCrop(size) with torchvision's defaults:
// NewRandomCrop(32) or (h, w). Set Padding (RandomCrop(32, padding=4)) and
// the other fields on the result.
func NewRandomCrop(size ...int) *RandomCrop { return &RandomCrop{Size: squareSize(size)} }

// GetParams draws the crop box (top, left, height, width) of a width×height
// image, like RandomCrop.get_params: no draw when the image has the crop's
// size, else the top then the left offset.
func (c *RandomCrop) GetParams(width, height int, rng *rand.Rand) (top, left, h, w int, err error) {
	th, tw := c.Size[0], c.Size[1]
	if height < th || width < tw {
		return 0, 0, 0, 0, fmt.Errorf("RandomCrop: Required crop size (%d, %d) is larger than input image size (%d, %d)", th, tw, height, width)
	}
	if width == tw && height == th {
		return 0, 0, height, width, nil
	}
	return rng.IntN(height - th + 1), rng.IntN(width - tw + 1), th, tw, nil
}

// Apply implements Transform.
func (c *RandomCrop) Apply(x any, rng *rand.Rand) (any, error) {
	img, err := asImage(x, "RandomCrop")
	if err != nil {
		return nil, err
	}
	if err := needRNG(rng, "RandomCrop"); err != nil {
		return nil, err
	}
	if c.Size[0] <= 0 || c.Size[1] <= 0 {
		return nil, fmt.Errorf("RandomCrop: size %v must be positive (height, width)", c.Size)
	}
	// Each padded image is ours: recycle it once the next step has read it.
	pad := func(padding []int) error {
		p, err := functional.Pad(img, padding, c.Fill, c.PaddingMode)
		if err != nil {
			return fmt.Errorf("RandomCrop: %w", err)
		}
		if img != x {
			functional.Release(img)
		}
		img = p
		return nil
	}
	if c.Padding != nil {
		if err := pad(c.Padding); err != nil {
			return nil, err
		}
	}
	if c.PadIfNeeded && img.W < c.Size[1] {
		if err := pad([]int{c.Size[1] - img.W, 0}); err != nil {
			return nil, err
		}
	}
	if c.PadIfNeeded && img.H < c.Size[0] {
		if err := pad([]int{0, c.Size[0] - img.H}); err != nil {
			return nil, err
		}
	}
	top, left, h, w, err := c.GetParams(img.W, img.H, rng)
	if err != nil {
		return nil, err
	}
	out, err := functional.Crop(img, top, left, h, w)
	if img != x {
		functional.Release(img)
	}
	return out, err
}

// RandomVerticalFlip mirrors an *Image top to bottom with probability P.
type RandomVerticalFlip struct {
	P float64
}

// NewRandomVerticalFlip returns RandomVerticalFlip() with torchvision's
// default p = 0.5.
func NewRandomVerticalFlip() *RandomVerticalFlip { return &RandomVerticalFlip{P: 0.5} }

// Apply implements Transform. It makes exactly one draw.
func (f *RandomVerticalFlip) Apply(x any, rng *rand.Rand) (any, error) {
	img, err := asImage(x, "RandomVerticalFlip")
	if err != nil {
		return nil, err
	}
	if err := needRNG(rng, "RandomVerticalFlip"); err != nil {
		return nil, err
	}
	if rng.Float64() < f.P {
		return functional.VFlip(img)
	}
	return img, nil
}

// ReleasesInput implements Releaser.
func (*Pad) ReleasesInput() bool { return true }

// ReleasesInput implements Releaser.
func (*CenterCrop) ReleasesInput() bool { return true }

// ReleasesInput implements Releaser.
func (*RandomCrop) ReleasesInput() bool { return true }

// ReleasesInput implements Releaser.
func (*RandomVerticalFlip) ReleasesInput() bool { return true }

var (
	_ Releaser = (*Pad)(nil)
	_ Releaser = (*CenterCrop)(nil)
	_ Releaser = (*RandomCrop)(nil)
	_ Releaser = (*RandomVerticalFlip)(nil)
)
