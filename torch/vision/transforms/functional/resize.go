package functional

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// Interpolation selects a resampling filter. The values are PIL's filter
// numbers, which torchvision still accepts as plain integers: the seed's
// RandomResizedCrop(..., interpolation=3) is Interpolation(3), Bicubic.
type Interpolation int

// PIL's resampling filters (PIL.Image.Resampling), by their numbers.
const (
	Nearest  Interpolation = 0
	Lanczos  Interpolation = 1
	Bilinear Interpolation = 2
	Bicubic  Interpolation = 3
	Box      Interpolation = 4
	Hamming  Interpolation = 5
)

var interpolationNames = [...]string{"nearest", "lanczos", "bilinear", "bicubic", "box", "hamming"}

// String returns torchvision's InterpolationMode value ("bicubic").
func (i Interpolation) String() string {
	if i >= 0 && int(i) < len(interpolationNames) {
		return interpolationNames[i]
	}
	return fmt.Sprintf("Interpolation(%d)", int(i))
}

// filter is one of PIL's separable resampling kernels (Resample.c) with its
// support, in input pixels at scale 1.
type filter struct {
	kernel  func(x float64) float64
	support float64
}

var filters = map[Interpolation]filter{
	Box:      {boxKernel, 0.5},
	Bilinear: {triangleKernel, 1},
	Hamming:  {hammingKernel, 1},
	Bicubic:  {cubicKernel, 2},
	Lanczos:  {lanczosKernel, 3},
}

func boxKernel(x float64) float64 {
	if x > -0.5 && x <= 0.5 {
		return 1
	}
	return 0
}

func triangleKernel(x float64) float64 {
	x = math.Abs(x)
	if x < 1 {
		return 1 - x
	}
	return 0
}

func hammingKernel(x float64) float64 {
	x = math.Abs(x)
	if x == 0 {
		return 1
	}
	if x >= 1 {
		return 0
	}
	x *= math.Pi
	// PIL writes the window's constants as C floats: 0.54f and 0.46f.
	return math.Sin(x) / x * (float64(float32(0.54)) + float64(float32(0.46))*math.Cos(x))
}

// cubicKernel is the Keys cubic convolution kernel with a = -0.5, as PIL uses.
func cubicKernel(x float64) float64 {
	const a = -0.5
	x = math.Abs(x)
	if x < 1 {
		return ((a+2)*x-(a+3))*x*x + 1
	}
	if x < 2 {
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x *= math.Pi
	return math.Sin(x) / x
}

func lanczosKernel(x float64) float64 {
	if -3 <= x && x < 3 {
		return sinc(x) * sinc(x/3)
	}
	return 0
}

// precisionBits is PIL's fixed-point precision for 8-bit coefficients: 32 bits
// less 8 for the pixel and 2 for the overshoot of negative lobes.
const precisionBits = 32 - 8 - 2

// coeffs holds, for each output pixel along one axis, the first input index
// and the fixed-point weights of the inputs it reads.
type coeffs struct {
	start []int
	n     []int
	k     []int32 // len(start) × ksize, row-major
	ksize int
}

// precomputeCoeffs follows PIL's precompute_coeffs and
// normalize_coeffs_8bpc: the filter is stretched by the scale when
// downsampling so every input pixel contributes (antialiasing), weights are
// normalized to sum to 1, then rounded half away from zero to 22-bit fixed
// point. in0 and in1 bound the input region, as PIL's float box does. The
// slices come from buf, which is grown as needed and returned.
func precomputeCoeffs(inSize int, in0, in1 float64, outSize int, f filter, buf *coeffs) {
	scale := (in1 - in0) / float64(outSize)
	filterScale := max(scale, 1)
	support := f.support * filterScale
	ksize := int(math.Ceil(support))*2 + 1
	buf.start = grow(buf.start, outSize)
	buf.n = grow(buf.n, outSize)
	buf.k = grow(buf.k, outSize*ksize)
	buf.ksize = ksize
	var wbuf [64]float64
	w := wbuf[:]
	if ksize > len(w) {
		w = make([]float64, ksize)
	}
	ss := 1 / filterScale
	for xx := range outSize {
		center := in0 + float64((float64(xx)+0.5)*scale) // float64(): no FMA, as in C
		xmin := max(int(center-support+0.5), 0)          // C's (int) truncates toward zero
		xmax := min(int(center+support+0.5), inSize) - xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			w[x] = f.kernel((float64(x+xmin) - center + 0.5) * ss)
			ww += w[x]
		}
		k := buf.k[xx*ksize : (xx+1)*ksize]
		for x := 0; x < xmax; x++ {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			if v < 0 {
				k[x] = int32(-0.5 + v*(1<<precisionBits))
			} else {
				k[x] = int32(0.5 + v*(1<<precisionBits))
			}
		}
		buf.start[xx], buf.n[xx] = xmin, max(xmax, 0)
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// clip8 turns a fixed-point sum into a byte, saturating like PIL's lookup.
func clip8(v int32) uint8 {
	v >>= precisionBits
	if uint32(v) <= 255 { // the common case: one test
		return uint8(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// view is a rectangle of an RGB image: w×h pixels, rows stride bytes apart
// (mode L images are resampled through RGB: see viaRGB).
// Crops are views, so ResizedCrop resamples without copying the crop.
type view struct {
	pix    []uint8
	stride int
	w, h   int
}

func (m *Image) view() view { return view{pix: m.Pix, stride: 3 * m.W, w: m.W, h: m.H} }

func (v view) toImage() *Image {
	out := newImageUninit(v.w, v.h)
	for y := range v.h {
		copy(out.Pix[3*y*v.w:3*(y+1)*v.w], v.pix[y*v.stride:])
	}
	return out
}

// scratch holds the temporary buffers of one resample, reused through a pool.
type scratch struct {
	tmp []uint8
	acc []int32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

type coeffKey struct {
	in, out int
	interp  Interpolation
}

// coeffCache keeps the coefficients of small resizes, which augmentation
// repeats endlessly (every crop size to 32, say). Entries are immutable.
var (
	coeffCache     sync.Map // coeffKey → *coeffs
	coeffCacheSize atomic.Int64
)

const (
	maxCachedSide  = 512
	maxCachedCoeff = 4096
)

// coeffsFor returns the coefficients resizing in samples to out with interp
// over the whole input, from the cache when it can.
func coeffsFor(in, out int, interp Interpolation, f filter) *coeffs {
	key := coeffKey{in, out, interp}
	if c, ok := coeffCache.Load(key); ok {
		return c.(*coeffs)
	}
	c := new(coeffs)
	precomputeCoeffs(in, 0, float64(in), out, f, c)
	if in <= maxCachedSide && out <= maxCachedSide && coeffCacheSize.Load() < maxCachedCoeff {
		if _, loaded := coeffCache.LoadOrStore(key, c); !loaded {
			coeffCacheSize.Add(1)
		}
	}
	return c
}

// resample resizes src to w×h with one of PIL's convolution filters, as PIL's
// ImagingResampleInner: a horizontal pass over just the input rows the
// vertical pass needs, then the vertical pass, each skipped when its axis
// keeps its size. The arithmetic is PIL's 8-bit path: 22-bit coefficients,
// a rounding half added, the sum shifted and saturated.
func resample(src view, w, h int, interp Interpolation, f filter) *Image {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	needH := w != src.w
	needV := h != src.h
	vert := coeffsFor(src.h, h, interp, f)
	first := 0 // the first input row the vertical pass reads
	if needH {
		first = vert.start[0]
		last := vert.start[h-1] + vert.n[h-1]
		horiz := coeffsFor(src.w, w, interp, f)
		rows := last - first
		sc.tmp = grow(sc.tmp, 3*w*rows)
		for y := range rows {
			in := src.pix[(y+first)*src.stride : (y+first)*src.stride+3*src.w]
			horizontalRow(sc.tmp[3*y*w:3*(y+1)*w], in, horiz)
		}
		src = view{pix: sc.tmp, stride: 3 * w, w: w, h: rows}
	}
	if !needV {
		return src.toImage()
	}
	out := newImageUninit(src.w, h)
	rowLen := 3 * src.w
	sc.acc = grow(sc.acc, rowLen)
	for yy := range h {
		k := vert.k[yy*vert.ksize : yy*vert.ksize+vert.n[yy]]
		base := (vert.start[yy] - first) * src.stride
		verticalRow(out.Pix[yy*rowLen:(yy+1)*rowLen], src.pix[base:], src.stride, k, sc.acc)
	}
	return out
}

const half = int32(1 << (precisionBits - 1)) // PIL adds it before shifting: round half up

// horizontalRow convolves one RGB row: out pixel x reads n[x] input pixels
// from start[x]. The common 4-tap case (cubic upsampling) is unrolled.
func horizontalRow(out, in []uint8, c *coeffs) {
	for xx := range len(out) / 3 {
		n := c.n[xx]
		k := c.k[xx*c.ksize : xx*c.ksize+n]
		p := in[3*c.start[xx] : 3*(c.start[xx]+n)]
		o := out[3*xx : 3*xx+3 : 3*xx+3]
		if n == 4 {
			k0, k1, k2, k3 := k[0], k[1], k[2], k[3]
			p = p[:12]
			o[0] = clip8(half + int32(p[0])*k0 + int32(p[3])*k1 + int32(p[6])*k2 + int32(p[9])*k3)
			o[1] = clip8(half + int32(p[1])*k0 + int32(p[4])*k1 + int32(p[7])*k2 + int32(p[10])*k3)
			o[2] = clip8(half + int32(p[2])*k0 + int32(p[5])*k1 + int32(p[8])*k2 + int32(p[11])*k3)
			continue
		}
		s0, s1, s2 := half, half, half
		for x, kv := range k {
			q := p[3*x : 3*x+3 : 3*x+3]
			s0 += int32(q[0]) * kv
			s1 += int32(q[1]) * kv
			s2 += int32(q[2]) * kv
		}
		o[0], o[1], o[2] = clip8(s0), clip8(s1), clip8(s2)
	}
}

// verticalRow computes one output row from len(k) input rows starting at
// in[0], stride bytes apart. Four taps are unrolled; other counts accumulate
// row by row in acc. The sums are the same either way (integer arithmetic).
func verticalRow(out, in []uint8, stride int, k []int32, acc []int32) {
	n := len(out)
	if len(k) == 4 {
		r0, r1, r2, r3 := in[:n], in[stride:stride+n], in[2*stride:2*stride+n], in[3*stride:3*stride+n]
		k0, k1, k2, k3 := k[0], k[1], k[2], k[3]
		for i := range out {
			out[i] = clip8(half + int32(r0[i])*k0 + int32(r1[i])*k1 + int32(r2[i])*k2 + int32(r3[i])*k3)
		}
		return
	}
	acc = acc[:n]
	for i := range acc {
		acc[i] = half
	}
	for y, kv := range k {
		row := in[y*stride : y*stride+n]
		for i, v := range row {
			acc[i] += int32(v) * kv
		}
	}
	for i, v := range acc {
		out[i] = clip8(v)
	}
}

// resizeNearest is PIL's nearest-neighbour resize: an affine scale whose
// source coordinates are accumulated in float64 pixel by pixel, exactly as
// ImagingScaleAffine steps them.
func resizeNearest(src view, w, h int) *Image {
	out := NewImage(w, h)
	ax := float64(src.w) / float64(w)
	ay := float64(src.h) / float64(h)
	var xsBuf [256]int
	xs := xsBuf[:0]
	if w > len(xsBuf) {
		xs = make([]int, 0, w)
	}
	xo := ax * 0.5
	for range w {
		xi := coord(xo)
		if xi >= src.w {
			xi = -1 // the source falls outside: left black
		}
		xs = append(xs, xi)
		xo += ax
	}
	yo := ay * 0.5
	for y := range h {
		yi := coord(yo)
		yo += ay
		if yi < 0 || yi >= src.h {
			continue
		}
		in := src.pix[yi*src.stride:]
		row := out.Pix[3*y*w:]
		for x, xi := range xs {
			if xi >= 0 {
				copy(row[3*x:3*x+3], in[3*xi:3*xi+3])
			}
		}
	}
	return out
}

// coord is PIL's COORD: floor for the non-negative, -1 for the negative.
func coord(v float64) int {
	if v < 0 {
		return -1
	}
	return int(v)
}

// ResizeTo resizes img to exactly w×h pixels with PIL's Image.resize. A
// same-size resize returns a copy, as PIL does.
func ResizeTo(img *Image, w, h int, interp Interpolation) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("resize: %w", err)
	}
	if img.Gray() {
		return viaRGB(img, func(rgb *Image) (*Image, error) { return ResizeTo(rgb, w, h, interp) })
	}
	return resizeView(img.view(), w, h, interp)
}

func resizeView(src view, w, h int, interp Interpolation) (*Image, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("resize: size %dx%d is not positive", w, h)
	}
	if w == src.w && h == src.h {
		return src.toImage(), nil
	}
	if interp == Nearest {
		return resizeNearest(src, w, h), nil
	}
	f, ok := filters[interp]
	if !ok {
		return nil, fmt.Errorf("resize: unknown interpolation %v", interp)
	}
	return resample(src, w, h, interp, f), nil
}

// OutputSize is torchvision's _compute_resized_output_size: size [h, w] is
// taken as is; size [s] scales the shorter edge to s and the longer edge in
// proportion (truncated), capped at maxSize when maxSize > 0.
func OutputSize(imgH, imgW int, size []int, maxSize int) (h, w int, err error) {
	switch len(size) {
	case 2:
		if maxSize > 0 {
			return 0, 0, fmt.Errorf("resize: max_size should only be passed if size specifies the length of the smaller edge")
		}
		h, w = size[0], size[1]
	case 1:
		short, long := imgH, imgW
		if imgW <= imgH {
			short, long = imgW, imgH
		}
		newShort, newLong := size[0], int(float64(size[0])*float64(long)/float64(short))
		if maxSize > 0 {
			if maxSize <= size[0] {
				return 0, 0, fmt.Errorf("resize: max_size = %d must be strictly greater than the requested size for the smaller edge size = %d", maxSize, size[0])
			}
			if newLong > maxSize {
				newShort, newLong = int(float64(maxSize)*float64(newShort)/float64(newLong)), maxSize
			}
		}
		if imgW <= imgH {
			w, h = newShort, newLong
		} else {
			w, h = newLong, newShort
		}
	default:
		return 0, 0, fmt.Errorf("resize: size must have 1 or 2 elements, not %d", len(size))
	}
	if h <= 0 || w <= 0 {
		return 0, 0, fmt.Errorf("resize: size %v gives an empty %dx%d image", size, w, h)
	}
	return h, w, nil
}

// Resize is torchvision's functional resize on a PIL image: size [h, w]
// resizes to that size, size [s] matches the shorter edge to s (see
// OutputSize). An image already of the output size is returned as is, as
// torchvision does.
func Resize(img *Image, size []int, interp Interpolation, maxSize int) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("resize: %w", err)
	}
	h, w, err := OutputSize(img.H, img.W, size, maxSize)
	if err != nil {
		return nil, err
	}
	if h == img.H && w == img.W {
		return img, nil
	}
	return ResizeTo(img, w, h, interp)
}
