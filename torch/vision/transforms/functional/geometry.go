package functional

import (
	"fmt"
	"math"
	"strconv"
)

// Crop returns the height×width region of img whose top-left corner is
// (left, top), like PIL's img.crop((left, top, left+width, top+height)):
// the box may extend past the image, and what lies outside is black.
func Crop(img *Image, top, left, height, width int) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("crop: %w", err)
	}
	if height <= 0 || width <= 0 {
		return nil, fmt.Errorf("crop: size %dx%d is not positive", width, height)
	}
	return pasted(img, width, height, -left, -top, [3]uint8{}), nil
}

// pasted is a w×h image of img's mode filled with fill, img pasted with its
// top-left corner at (x, y) and clipped to the canvas: PIL's Image.new and
// paste, which crop and expand are made of.
func pasted(img *Image, w, h, x, y int, fill [3]uint8) *Image {
	c := img.Channels()
	out := newImageUninitMode(img.Mode, w, h)
	fillPixels(out, fill)
	x0, x1 := max(x, 0), min(x+img.W, w)
	for oy := max(y, 0); oy < min(y+img.H, h); oy++ {
		if x0 >= x1 {
			break
		}
		sy := oy - y
		copy(out.Pix[c*(oy*w+x0):c*(oy*w+x1)], img.Pix[c*(sy*img.W+x0-x):])
	}
	return out
}

// fillPixels sets every pixel of out to fill (its first byte for mode L).
func fillPixels(out *Image, fill [3]uint8) {
	switch {
	case fill == [3]uint8{} || (out.Gray() && fill[0] == 0):
		clear(out.Pix)
	case out.Gray():
		for i := range out.Pix {
			out.Pix[i] = fill[0]
		}
	default:
		for i := 0; i < len(out.Pix); i += 3 {
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = fill[0], fill[1], fill[2]
		}
	}
}

// ResizedCrop crops the box (top, left, height, width) and resizes it to size
// ([h, w], or [s] for the shorter edge), torchvision's resized_crop. A box
// inside the image is resampled in place, without copying the crop first.
func ResizedCrop(img *Image, top, left, height, width int, size []int, interp Interpolation) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("resized_crop: %w", err)
	}
	if height <= 0 || width <= 0 {
		return nil, fmt.Errorf("resized_crop: crop size %dx%d is not positive", width, height)
	}
	h, w, err := OutputSize(height, width, size, 0)
	if err != nil {
		return nil, fmt.Errorf("resized_crop: %w", err)
	}
	if img.Gray() {
		return viaRGB(img, func(rgb *Image) (*Image, error) { return ResizedCrop(rgb, top, left, height, width, size, interp) })
	}
	if top < 0 || left < 0 || top+height > img.H || left+width > img.W {
		c, err := Crop(img, top, left, height, width)
		if err != nil {
			return nil, fmt.Errorf("resized_crop: %w", err)
		}
		return resizeView(c.view(), w, h, interp)
	}
	stride := 3 * img.W
	v := view{pix: img.Pix[top*stride+3*left:], stride: stride, w: width, h: height}
	return resizeView(v, w, h, interp)
}

// HFlip mirrors img left to right (PIL's FLIP_LEFT_RIGHT).
func HFlip(img *Image) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("hflip: %w", err)
	}
	out := newImageUninitMode(img.Mode, img.W, img.H)
	w := img.W
	if img.Gray() {
		for y := range img.H {
			in, row := img.Pix[y*w:(y+1)*w], out.Pix[y*w:(y+1)*w]
			for x, v := range in {
				row[w-1-x] = v
			}
		}
		return out, nil
	}
	for y := range img.H {
		in := img.Pix[3*y*w : 3*(y+1)*w]
		row := out.Pix[3*y*w : 3*(y+1)*w]
		for x, j := 0, len(in)-3; j >= 0; x, j = x+3, j-3 {
			d, s := row[x:x+3:x+3], in[j:j+3:j+3]
			d[0], d[1], d[2] = s[0], s[1], s[2]
		}
	}
	return out, nil
}

// VFlip mirrors img top to bottom (PIL's FLIP_TOP_BOTTOM).
func VFlip(img *Image) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("vflip: %w", err)
	}
	out := newImageUninitMode(img.Mode, img.W, img.H)
	stride := img.Channels() * img.W
	for y := range img.H {
		copy(out.Pix[y*stride:(y+1)*stride], img.Pix[(img.H-1-y)*stride:(img.H-y)*stride])
	}
	return out, nil
}

// copyPixel copies the RGB pixel at src[j:] to dst[i:]; three byte moves
// are much cheaper than a 3-byte copy() call.
func copyPixel(dst []uint8, i int, src []uint8, j int) {
	d, s := dst[i:i+3:i+3], src[j:j+3:j+3]
	d[0], d[1], d[2] = s[0], s[1], s[2]
}

// transpose implements PIL's exact quarter turns: out(x, y) = img(src(x, y)).
func transpose(img *Image, w, h int, src func(x, y int) (int, int)) *Image {
	out := newImageUninitMode(img.Mode, w, h)
	for y := range h {
		for x := range w {
			sx, sy := src(x, y)
			if img.Gray() {
				out.Pix[y*w+x] = img.Pix[sy*img.W+sx]
			} else {
				copyPixel(out.Pix, 3*(y*w+x), img.Pix, 3*(sy*img.W+sx))
			}
		}
	}
	return out
}

// viaRGB runs op, written for RGB images, on a mode L image: on its gray
// replicated into R, G and B, keeping R. PIL's 8-bit L code paths (resampling,
// affine filters) do per band exactly what its RGB paths do per channel, so
// the result is PIL's on the L image.
func viaRGB(img *Image, op func(rgb *Image) (*Image, error)) (*Image, error) {
	rgb := newImageUninit(img.W, img.H)
	for i, v := range img.Pix {
		rgb.Pix[3*i], rgb.Pix[3*i+1], rgb.Pix[3*i+2] = v, v, v
	}
	out, err := op(rgb)
	Release(rgb)
	if err != nil {
		return nil, err
	}
	gray := newImageUninitMode(ModeL, out.W, out.H)
	for i := range gray.Pix {
		gray.Pix[i] = out.Pix[3*i]
	}
	Release(out)
	return gray, nil
}

// round15 is Python's round(v, 15): the double nearest to v rounded
// correctly to 15 decimals, which is what strconv's shortest-free formatting
// followed by parsing gives.
func round15(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 15, 64), 64)
	return r
}

// degToRad is computed at run time, as C computes Python's math.radians
// factor: the float64 π divided by 180, not the exact constant quotient.
var degToRad = func() float64 { pi := math.Pi; return pi / 180 }()

// Rotate rotates img by angle degrees counter-clockwise, like torchvision's
// rotate on a PIL image (PIL's Image.rotate):
//
//   - interp is Nearest, Bilinear or Bicubic;
//   - expand grows the output to hold the whole rotated image (PIL's bounds:
//     ceil and floor of the rotated corners), otherwise it keeps img's size;
//   - center is the rotation centre in pixel coordinates (nil: the image
//     centre, (W/2, H/2), which is a pixel corner for even sizes);
//   - fill colors the area that maps outside img: nil is black, one value is
//     used for every channel, otherwise one value per channel (torchvision's
//     fill, which must match the image's channel count).
//
// As in PIL, with no center the angles 0 and 180 (and 90 and 270 when the
// image is square or expand is set) are exact pixel permutations.
func Rotate(img *Image, angle float64, interp Interpolation, expand bool, center []float64, fill []uint8) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("rotate: %w", err)
	}
	f, err := parseFill(fill, img, "fill")
	if err != nil {
		return nil, fmt.Errorf("rotate: %w", err)
	}
	if img.Gray() {
		return viaRGB(img, func(rgb *Image) (*Image, error) { return rotate(rgb, angle, interp, expand, center, f) })
	}
	return rotate(img, angle, interp, expand, center, f)
}

func rotate(img *Image, angle float64, interp Interpolation, expand bool, center []float64, fill [3]uint8) (*Image, error) {
	if interp != Nearest && interp != Bilinear && interp != Bicubic {
		return nil, fmt.Errorf("rotate: interpolation %v is not supported (use nearest, bilinear or bicubic)", interp)
	}
	if center != nil && len(center) != 2 {
		return nil, fmt.Errorf("rotate: center must be (x, y), got %v", center)
	}
	w, h := img.W, img.H
	angle = math.Mod(angle, 360) // Python's %: the result takes the divisor's sign
	if angle < 0 {
		angle += 360
	}
	if center == nil {
		switch {
		case angle == 0:
			return img.Clone(), nil
		case angle == 180:
			return transpose(img, w, h, func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }), nil
		case angle == 90 && (expand || w == h):
			return transpose(img, h, w, func(x, y int) (int, int) { return w - 1 - y, x }), nil
		case angle == 270 && (expand || w == h):
			return transpose(img, h, w, func(x, y int) (int, int) { return y, h - 1 - x }), nil
		}
	}
	cx, cy := float64(w)/2, float64(h)/2
	if center != nil {
		cx, cy = center[0], center[1]
	}
	rad := -(angle * degToRad)
	cos, sin := round15(math.Cos(rad)), round15(math.Sin(rad))
	// The inverse map, output pixel to input, as PIL builds it.
	a := [6]float64{cos, sin, 0, -sin, cos, 0}
	apply := func(x, y float64) (float64, float64) {
		// float64() keeps Go from fusing into FMA, which Python does not do.
		return float64(a[0]*x) + float64(a[1]*y) + a[2], float64(a[3]*x) + float64(a[4]*y) + a[5]
	}
	a[2], a[5] = apply(-cx, -cy)
	a[2] += cx
	a[5] += cy
	if expand {
		minX, maxX := math.Inf(1), math.Inf(-1)
		minY, maxY := math.Inf(1), math.Inf(-1)
		for _, p := range [4][2]float64{{0, 0}, {float64(w), 0}, {float64(w), float64(h)}, {0, float64(h)}} {
			x, y := apply(p[0], p[1])
			minX, maxX = math.Min(minX, x), math.Max(maxX, x)
			minY, maxY = math.Min(minY, y), math.Max(maxY, y)
		}
		nw := int(math.Ceil(maxX) - math.Floor(minX))
		nh := int(math.Ceil(maxY) - math.Floor(minY))
		a[2], a[5] = apply(-float64(nw-w)/2, -float64(nh-h)/2)
		w, h = nw, nh
	}
	out := newImageUninit(w, h)
	fillPixels(out, fill)
	switch interp {
	case Nearest:
		affineNearest(out, img, a)
	case Bilinear:
		affineFiltered(out, img, a, bilinearAt)
	case Bicubic:
		affineFiltered(out, img, a, bicubicAt)
	}
	return out, nil
}

// affineNearest is PIL's ImagingTransformAffine with NEAREST: a pure scale
// takes ImagingScaleAffine's path; otherwise the source position walks in
// 16.16 fixed point when all four corners fit, else in float64.
// Pixels that map outside img keep out's fill.
func affineNearest(out, img *Image, a [6]float64) {
	w, h := out.W, out.H
	if a[1] == 0 && a[3] == 0 {
		xs := make([]int, w)
		xo := a[2] + a[0]*0.5
		for x := range w {
			xs[x] = coord(xo)
			xo += a[0]
		}
		yo := a[5] + a[4]*0.5
		for y := range h {
			yi := coord(yo)
			yo += a[4]
			if yi < 0 || yi >= img.H {
				continue
			}
			for x, xi := range xs {
				if xi >= 0 && xi < img.W {
					copyPixel(out.Pix, 3*(y*w+x), img.Pix, 3*(yi*img.W+xi))
				}
			}
		}
		return
	}
	fits := func(x, y float64) bool {
		return math.Abs(float64(x*a[0])+float64(y*a[1])+a[2]) < 32768 &&
			math.Abs(float64(x*a[3])+float64(y*a[4])+a[5]) < 32768
	}
	fw, fh := float64(w), float64(h)
	if fits(0, 0) && fits(fw, fh) && fits(0, fh) && fits(fw, 0) {
		fix := func(v float64) int32 { return int32(pilFloor(float64(v*65536) + 0.5)) }
		a0, a1, a3, a4 := fix(a[0]), fix(a[1]), fix(a[3]), fix(a[4])
		rowX := fix(a[2] + float64(a[0]*0.5) + float64(a[1]*0.5))
		rowY := fix(a[5] + float64(a[3]*0.5) + float64(a[4]*0.5))
		for y := range h {
			xx, yy := rowX, rowY
			for x := range w {
				xi, yi := int(xx>>16), int(yy>>16)
				if xi >= 0 && xi < img.W && yi >= 0 && yi < img.H {
					copyPixel(out.Pix, 3*(y*w+x), img.Pix, 3*(yi*img.W+xi))
				}
				xx += a0
				yy += a3
			}
			rowX += a1
			rowY += a4
		}
		return
	}
	xo := a[2] + a[1]*0.5 + a[0]*0.5
	yo := a[5] + a[4]*0.5 + a[3]*0.5
	for y := range h {
		xx, yy := xo, yo
		for x := range w {
			xi, yi := coord(xx), coord(yy)
			if xi >= 0 && xi < img.W && yi >= 0 && yi < img.H {
				copyPixel(out.Pix, 3*(y*w+x), img.Pix, 3*(yi*img.W+xi))
			}
			xx += a[0]
			yy += a[3]
		}
		xo += a[1]
		yo += a[4]
	}
}

// pilFloor is PIL's FLOOR macro: floor for negatives, truncation otherwise.
func pilFloor(v float64) int {
	if v < 0 {
		return int(math.Floor(v))
	}
	return int(v)
}

// affineFiltered is PIL's ImagingGenericTransform: each output pixel centre
// is mapped to the input and sampled with filter, which reports false when
// the point lies outside the input (the pixel then keeps out's fill).
func affineFiltered(out, img *Image, a [6]float64, filter func(dst []uint8, img *Image, x, y float64) bool) {
	for y := range out.H {
		for x := range out.W {
			xin, yin := float64(x)+0.5, float64(y)+0.5
			sx := float64(a[0]*xin) + float64(a[1]*yin) + a[2]
			sy := float64(a[3]*xin) + float64(a[4]*yin) + a[5]
			filter(out.Pix[3*(y*out.W+x):3*(y*out.W+x)+3], img, sx, sy)
		}
	}
}

func clipIndex(v, n int) int { return min(max(v, 0), n-1) }

// bilinearAt is PIL's bilinear_filter32RGB: interpolate between pixel centres,
// clamping at the border, truncating the result.
func bilinearAt(dst []uint8, img *Image, xin, yin float64) bool {
	if xin < 0 || xin >= float64(img.W) || yin < 0 || yin >= float64(img.H) {
		return false
	}
	xin -= 0.5
	yin -= 0.5
	x, y := pilFloor(xin), pilFloor(yin)
	dx, dy := xin-float64(x), yin-float64(y)
	x0, x1 := clipIndex(x, img.W), clipIndex(x+1, img.W)
	r0 := 3 * clipIndex(y, img.H) * img.W
	r1, hasR1 := 0, y+1 >= 0 && y+1 < img.H
	if hasR1 {
		r1 = 3 * (y + 1) * img.W
	}
	for b := range 3 {
		p0, p1 := float64(img.Pix[r0+3*x0+b]), float64(img.Pix[r0+3*x1+b])
		v1 := p0 + (p1-p0)*dx
		v2 := v1
		if hasR1 {
			q0, q1 := float64(img.Pix[r1+3*x0+b]), float64(img.Pix[r1+3*x1+b])
			v2 = q0 + (q1-q0)*dx
		}
		dst[b] = uint8(v1 + (v2-v1)*dy)
	}
	return true
}

// cubic is PIL's BICUBIC macro: a Catmull-Rom step through four samples.
func cubic(v1, v2, v3, v4, d float64) float64 {
	p1 := v2
	p2 := -v1 + v3
	p3 := 2*(v1-v2) + v3 - v4
	p4 := -v1 + v2 - v3 + v4
	return p1 + d*(p2+d*(p3+d*p4))
}

// bicubicAt is PIL's bicubic_filter32RGB: rows below the image repeat the
// last one read, columns clamp, the result saturates and truncates.
func bicubicAt(dst []uint8, img *Image, xin, yin float64) bool {
	if xin < 0 || xin >= float64(img.W) || yin < 0 || yin >= float64(img.H) {
		return false
	}
	xin -= 0.5
	yin -= 0.5
	x, y := pilFloor(xin), pilFloor(yin)
	dx, dy := xin-float64(x), yin-float64(y)
	x--
	y--
	var xs [4]int
	for i := range xs {
		xs[i] = 3 * clipIndex(x+i, img.W)
	}
	for b := range 3 {
		row := func(r int) float64 {
			base := 3 * r * img.W
			return cubic(float64(img.Pix[base+xs[0]+b]), float64(img.Pix[base+xs[1]+b]),
				float64(img.Pix[base+xs[2]+b]), float64(img.Pix[base+xs[3]+b]), dx)
		}
		var v [4]float64
		v[0] = row(clipIndex(y, img.H))
		for i := 1; i < 4; i++ {
			if y+i >= 0 && y+i < img.H {
				v[i] = row(y + i)
			} else {
				v[i] = v[i-1]
			}
		}
		r := cubic(v[0], v[1], v[2], v[3], dy)
		switch {
		case r <= 0:
			dst[b] = 0
		case r >= 255:
			dst[b] = 255
		default:
			dst[b] = uint8(r)
		}
	}
	return true
}
