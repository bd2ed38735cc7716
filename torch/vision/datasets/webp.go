package datasets

import (
	"image"

	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// webpToRGB converts a lossy WebP frame (VP8: 4:2:0, limited-range BT.601)
// the way libwebp's default decoder does for PIL: "fancy" chroma upsampling
// with libwebp's two-stage rounding, then its 14-bit fixed-point YUV→RGB.
// Go's image.YCbCr would apply JPEG's full-range formulas instead, which
// shifts contrast by about 14%.
func webpToRGB(m *image.YCbCr) *functional.Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	out := functional.NewImage(w, h)
	if m.SubsampleRatio != image.YCbCrSubsampleRatio420 || b.Min != (image.Point{}) {
		return functional.FromImage(m)
	}
	cw, ch := (w+1)/2, (h+1)/2
	u := make([]uint8, w)
	v := make([]uint8, w)
	for y := range h {
		near := y / 2
		far := near - 1 // even rows lean on the chroma row above, odd rows on the one below
		if y%2 == 1 {
			far = near + 1
		}
		far = min(max(far, 0), ch-1)
		upsampleRow(u, m.Cb[near*m.CStride:near*m.CStride+cw], m.Cb[far*m.CStride:far*m.CStride+cw])
		upsampleRow(v, m.Cr[near*m.CStride:near*m.CStride+cw], m.Cr[far*m.CStride:far*m.CStride+cw])
		ys := m.Y[y*m.YStride : y*m.YStride+w]
		row := out.Pix[3*y*w : 3*(y+1)*w]
		for x, yv := range ys {
			Y, U, V := int(yv), int(u[x]), int(v[x])
			row[3*x] = clipYUV(mulHi(Y, 19077) + mulHi(V, 26149) - 14234)
			row[3*x+1] = clipYUV(mulHi(Y, 19077) - mulHi(U, 6419) - mulHi(V, 13320) + 8708)
			row[3*x+2] = clipYUV(mulHi(Y, 19077) + mulHi(U, 33050) - 17685)
		}
	}
	return out
}

// upsampleRow fills one output row from its nearer and farther chroma rows:
// weights 9/16, 3/16, 3/16, 1/16 between chroma sites, computed in two
// rounded stages as libwebp's UpsampleRgbLinePair does; the first and (for
// even widths) last pixels interpolate vertically only.
func upsampleRow(out, near, far []uint8) {
	w := len(out)
	out[0] = uint8((3*int(near[0]) + int(far[0]) + 2) >> 2)
	for x := 1; x <= (w-1)/2; x++ {
		n0, n1, f0, f1 := int(near[x-1]), int(near[x]), int(far[x-1]), int(far[x])
		// Output 2x-1 is nearer chroma column x-1, output 2x nearer column x.
		out[2*x-1] = uint8((((n0 + 3*n1 + 3*f0 + f1 + 8) >> 3) + n0) >> 1)
		out[2*x] = uint8((((3*n0 + n1 + f0 + 3*f1 + 8) >> 3) + n1) >> 1)
	}
	if w%2 == 0 {
		last := len(near) - 1
		out[w-1] = uint8((3*int(near[last]) + int(far[last]) + 2) >> 2)
	}
}

func mulHi(v, coeff int) int { return (v * coeff) >> 8 }

// clipYUV is libwebp's VP8Clip8 for its 6 fractional bits.
func clipYUV(v int) uint8 {
	const mask = (256 << 6) - 1
	if v&^mask == 0 {
		return uint8(v >> 6)
	}
	if v < 0 {
		return 0
	}
	return 255
}
