package functional

import (
	"fmt"
	"math"
)

// PaddingMode is torchvision's padding_mode: how Pad fills the border. Its
// zero value is PadConstant, torchvision's default.
type PaddingMode string

// The padding modes, numpy.pad's, as torchvision passes them on.
const (
	PadConstant  PaddingMode = "constant"  // the fill value
	PadEdge      PaddingMode = "edge"      // the last pixel on the edge, repeated
	PadReflect   PaddingMode = "reflect"   // mirrored without repeating the edge: 3 2 | 1 2 3 4 | 3 2
	PadSymmetric PaddingMode = "symmetric" // mirrored with the edge repeated: 2 1 | 1 2 3 4 | 4 3
)

// String is torchvision's name of the mode ("constant" for the zero value).
func (m PaddingMode) String() string {
	if m == "" {
		return string(PadConstant)
	}
	return string(m)
}

// parseFill is torchvision's _parse_fill for img: nil is black, one value
// is used for every channel, otherwise there must be one value per channel.
// The result holds a value per channel (the first one for mode L).
func parseFill(fill []uint8, img *Image, name string) ([3]uint8, error) {
	var f [3]uint8
	c := img.Channels()
	switch len(fill) {
	case 0:
	case 1:
		f = [3]uint8{fill[0], fill[0], fill[0]}
	case c:
		copy(f[:], fill)
	default:
		//lint:ignore ST1005 torchvision's message
		return f, fmt.Errorf("The number of elements in '%s' does not match the number of channels of the image (%d != %d)", name, len(fill), c)
	}
	return f, nil
}

// PadWidths reads torchvision's padding argument: [p] pads every side by p,
// [lr, tb] the left and right by lr and the top and bottom by tb, [l, t, r, b]
// each side by its own width.
func PadWidths(padding []int) (left, top, right, bottom int, err error) {
	switch len(padding) {
	case 1:
		p := padding[0]
		return p, p, p, p, nil
	case 2:
		return padding[0], padding[1], padding[0], padding[1], nil
	case 4:
		return padding[0], padding[1], padding[2], padding[3], nil
	}
	//lint:ignore ST1005 torchvision's message
	return 0, 0, 0, 0, fmt.Errorf("Padding must be an int or a 1, 2, or 4 element tuple, not a %d element tuple", len(padding))
}

// Pad is torchvision's pad on a PIL image: padding as PadWidths reads it
// (negative widths crop that side), fill for PadConstant as torchvision's
// fill (nil: black), mode one of the PaddingModes. PadConstant is PIL's
// ImageOps.expand; the others are numpy.pad on the pixel array, with widths
// beyond the image's size mirrored again as numpy mirrors them.
func Pad(img *Image, padding []int, fill []uint8, mode PaddingMode) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("pad: %w", err)
	}
	l, t, r, b, err := PadWidths(padding)
	if err != nil {
		return nil, fmt.Errorf("pad: %w", err)
	}
	f, err := parseFill(fill, img, "fill")
	if err != nil {
		return nil, fmt.Errorf("pad: %w", err)
	}
	w, h := img.W+l+r, img.H+t+b
	if mode == "" || mode == PadConstant {
		if w <= 0 || h <= 0 {
			return nil, fmt.Errorf("pad: padding %v leaves an empty %dx%d image", padding, w, h)
		}
		return pasted(img, w, h, l, t, f), nil
	}
	var index func(i, n int) int
	switch mode {
	case PadEdge:
		index = func(i, n int) int { return min(max(i, 0), n-1) }
	case PadReflect:
		index = reflectIndex
	case PadSymmetric:
		index = symmetricIndex
	default:
		return nil, fmt.Errorf("pad: Padding mode should be either constant, edge, reflect or symmetric, not %q", string(mode))
	}
	// Negative widths crop first, as torchvision does before numpy.pad.
	if l < 0 || t < 0 || r < 0 || b < 0 {
		cw, ch := img.W+min(l, 0)+min(r, 0), img.H+min(t, 0)+min(b, 0)
		if cw <= 0 || ch <= 0 {
			return nil, fmt.Errorf("pad: padding %v crops the %dx%d image to nothing", padding, img.W, img.H)
		}
		if img, err = Crop(img, -min(t, 0), -min(l, 0), ch, cw); err != nil {
			return nil, err
		}
		defer Release(img)
		l, t = max(l, 0), max(t, 0)
	}
	c := img.Channels()
	out := newImageUninitMode(img.Mode, w, h)
	xs := make([]int, w)
	for x := range xs {
		xs[x] = c * index(x-l, img.W)
	}
	for y := range h {
		in := img.Pix[c*img.W*index(y-t, img.H):]
		row := out.Pix[c*w*y : c*w*(y+1)]
		if c == 1 {
			for x, sx := range xs {
				row[x] = in[sx]
			}
			continue
		}
		for x, sx := range xs {
			copyPixel(row, 3*x, in, sx)
		}
	}
	return out, nil
}

// reflectIndex maps i to [0, n) as numpy's "reflect" does: the image
// repeated mirrored about its first and last pixels, period 2(n-1).
func reflectIndex(i, n int) int {
	if n == 1 {
		return 0
	}
	p := 2 * (n - 1)
	m := ((i % p) + p) % p
	if m >= n {
		m = p - m
	}
	return m
}

// symmetricIndex maps i to [0, n) as numpy's "symmetric" does: mirrored
// about the image's edges, period 2n.
func symmetricIndex(i, n int) int {
	p := 2 * n
	m := ((i % p) + p) % p
	if m >= n {
		m = p - 1 - m
	}
	return m
}

// CenterCrop is torchvision's center_crop on a PIL image: the height×width
// box at the centre, its offsets rounded half to even (Python's round), the
// image first padded with black on each side it is smaller than the box,
// by (box − size)/2 before and the rest after.
func CenterCrop(img *Image, height, width int) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("center_crop: %w", err)
	}
	if height <= 0 || width <= 0 {
		return nil, fmt.Errorf("center_crop: size %dx%d is not positive", width, height)
	}
	if width > img.W || height > img.H {
		padW, padH := max(width-img.W, 0), max(height-img.H, 0)
		padded, err := Pad(img, []int{padW / 2, padH / 2, (padW + 1) / 2, (padH + 1) / 2}, nil, PadConstant)
		if err != nil {
			return nil, fmt.Errorf("center_crop: %w", err)
		}
		if padded.W == width && padded.H == height {
			return padded, nil
		}
		defer Release(padded)
		img = padded
	}
	top := int(math.RoundToEven(float64(img.H-height) / 2))
	left := int(math.RoundToEven(float64(img.W-width) / 2))
	return Crop(img, top, left, height, width)
}
