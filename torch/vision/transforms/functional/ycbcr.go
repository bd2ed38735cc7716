package functional

import "image"

// libjpeg's YCbCr→RGB tables (jdcolor.c): 16-bit fixed point, FIX(x) rounded
// half up, the red and blue terms pre-shifted, the green term shifted after
// summing.
var crR, cbB, crG, cbG [256]int32

func init() {
	fix := func(x float64) int32 { return int32(x*(1<<16) + 0.5) }
	for i := range 256 {
		x := int32(i - 128)
		crR[i] = (fix(1.40200)*x + 1<<15) >> 16
		cbB[i] = (fix(1.77200)*x + 1<<15) >> 16
		crG[i] = -fix(0.71414) * x
		cbG[i] = -fix(0.34414)*x + 1<<15
	}
}

func clamp8(v int32) uint8 {
	if uint32(v) <= 255 {
		return uint8(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// ycbcrToRGB converts m into dst like libjpeg-turbo with its defaults
// (do_fancy_upsampling on), reporting false for a layout it does not know.
func ycbcrToRGB(dst *Image, m *image.YCbCr) bool {
	w, h := dst.W, dst.H
	var hs, vs int // horizontal and vertical subsampling factors
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		hs, vs = 1, 1
	case image.YCbCrSubsampleRatio422:
		hs, vs = 2, 1
	case image.YCbCrSubsampleRatio420:
		hs, vs = 2, 2
	case image.YCbCrSubsampleRatio440:
		hs, vs = 1, 2
	case image.YCbCrSubsampleRatio411:
		hs, vs = 4, 1
	case image.YCbCrSubsampleRatio410:
		hs, vs = 4, 2
	default:
		return false
	}
	cw, ch := (w+hs-1)/hs, (h+vs-1)/vs // libjpeg's downsampled_width/height
	// The triangle filter runs where libjpeg's does: 2:1 horizontally when the
	// chroma row is wider than 2 samples, 1:2 vertically always; 4:1 factors
	// are replicated (int_upsample).
	fancyH := hs == 2 && cw > 2
	fancyV := vs == 2 && (hs == 1 || fancyH)
	var cbBuf, crBuf [128]uint8
	var sumCbBuf, sumCrBuf [64]int32
	cb, cr := cbBuf[:], crBuf[:]
	if w > len(cb) {
		cb, cr = make([]uint8, w), make([]uint8, w)
	}
	cb, cr = cb[:w], cr[:w]
	sumCb, sumCr := sumCbBuf[:], sumCrBuf[:]
	if cw > len(sumCb) {
		sumCb, sumCr = make([]int32, cw), make([]int32, cw)
	}
	sumCb, sumCr = sumCb[:cw], sumCr[:cw]
	for y := range h {
		if fancyV {
			r0 := y / 2
			r1 := r0 - 1 // the next-nearest chroma row: above for even rows
			if y%2 == 1 {
				r1 = r0 + 1
			}
			r1 = min(max(r1, 0), ch-1) // libjpeg duplicates edge rows as context
			colSums(sumCb, m.Cb[r0*m.CStride:], m.Cb[r1*m.CStride:])
			colSums(sumCr, m.Cr[r0*m.CStride:], m.Cr[r1*m.CStride:])
			if hs == 1 {
				bias := int32(1 + y%2) // h1v2: 1 above, 2 below
				for x := range w {
					cb[x] = uint8((sumCb[x] + bias) >> 2)
					cr[x] = uint8((sumCr[x] + bias) >> 2)
				}
			} else {
				fancyRow2(cb, sumCb)
				fancyRow2(cr, sumCr)
			}
		} else {
			row := y / vs * m.CStride
			if fancyH {
				fancyRow1(cb, m.Cb[row:row+cw])
				fancyRow1(cr, m.Cr[row:row+cw])
			} else {
				for x := range w {
					cb[x] = m.Cb[row+x/hs]
					cr[x] = m.Cr[row+x/hs]
				}
			}
		}
		ys := m.Y[y*m.YStride : y*m.YStride+w]
		out := dst.Pix[3*y*w : 3*(y+1)*w]
		for x, yv := range ys {
			Y := int32(yv)
			b, r := cb[x], cr[x]
			out[3*x] = clamp8(Y + crR[r])
			out[3*x+1] = clamp8(Y + (cbG[b]+crG[r])>>16)
			out[3*x+2] = clamp8(Y + cbB[b])
		}
	}
	return true
}

// colSums forms libjpeg's vertical "column sums": 3 × nearer row + further row.
func colSums(sum []int32, near, far []uint8) {
	for c := range sum {
		sum[c] = 3*int32(near[c]) + int32(far[c])
	}
}

// fancyRow2 spreads n ≥ 2 column sums (weights 3:1 vertically) over 2n-1
// or 2n output pixels, weighting 3:1 horizontally: 9/16, 3/16, 3/16, 1/16 in
// all. The +8/+7 biases alternate so that halves round up and down in turn,
// as in libjpeg's h2v2_fancy_upsample.
func fancyRow2(out []uint8, sum []int32) {
	n := len(sum)
	out[0] = uint8((sum[0]*4 + 8) >> 4)
	for c := 0; c < n-1; c++ {
		this, next := sum[c], sum[c+1]
		o := out[2*c+1 : 2*c+3 : 2*c+3]
		o[0] = uint8((this*3 + next + 7) >> 4)
		o[1] = uint8((next*3 + this + 8) >> 4)
	}
	if len(out) == 2*n {
		out[2*n-1] = uint8((sum[n-1]*4 + 7) >> 4)
	}
}

// fancyRow1 is libjpeg's 2:1 horizontal triangle filter (h2v1) for n ≥ 2
// samples.
func fancyRow1(out []uint8, in []uint8) {
	n := len(in)
	out[0] = in[0]
	for c := 0; c < n-1; c++ {
		this, next := int32(in[c]), int32(in[c+1])
		o := out[2*c+1 : 2*c+3 : 2*c+3]
		o[0] = uint8((this*3 + next + 2) >> 2)
		o[1] = uint8((next*3 + this + 1) >> 2)
	}
	if len(out) == 2*n {
		out[2*n-1] = in[n-1]
	}
}
