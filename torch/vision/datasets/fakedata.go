package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// FakeData mirrors torchvision.datasets.FakeData: Size random images, each
// a function of its index alone. torchvision makes image i by seeding
// torch's generator with i + RandomOffset, drawing torch.randn(*ImageSize)
// and the label torch.randint(0, NumClasses, (1,)), and converting with
// ToPILImage (x·255 truncated to a byte, wrapping as a C cast does). Get
// draws the same numbers: on an exact copy of torch's CPU generator
// (data.Generator), private to the call, so unlike torchvision it leaves
// torch's generators alone, and with torch.randn's algorithm on CPUs with
// AVX2 (libtorch's AVX2 and AVX-512 kernels: uniforms transformed 16 at a
// time by Box-Muller with the polynomial log, sin and cos of avx_mathfun.h),
// which makes the pixels equal to torchvision's there. (libtorch without
// AVX2 uses the C library's log and cos instead, whose last bits may differ.)
type FakeData struct {
	Size         int
	ImageSize    [3]int // channels (1 or 3), height, width
	NumClasses   int
	Transform    transforms.Transform
	RandomOffset int
	// TargetTransform maps each label (nil: the label itself).
	TargetTransform func(target int) int
}

// FakeDataOptions are the keyword arguments of NewFakeData, torchvision's;
// the zero value of each field is its default.
type FakeDataOptions struct {
	// Size is the number of images; 0 means 1000.
	Size int
	// ImageSize is (channels, height, width), channels 1 (mode L images) or
	// 3 (RGB); the zero value means (3, 224, 224).
	ImageSize [3]int
	// NumClasses is the number of labels; 0 means 10.
	NumClasses int
	// Transform is applied to each image; nil means ToTensor.
	Transform transforms.Transform
	// TargetTransform maps each label; nil leaves it.
	TargetTransform func(target int) int
	// RandomOffset is added to the index to seed each image (default 0).
	RandomOffset int
}

// NewFakeData is torchvision.datasets.FakeData(...).
func NewFakeData(opts ...FakeDataOptions) (*FakeData, error) {
	if len(opts) > 1 {
		return nil, fmt.Errorf("datasets: FakeData: %d FakeDataOptions given, want at most one", len(opts))
	}
	var o FakeDataOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	f := &FakeData{Size: o.Size, ImageSize: o.ImageSize, NumClasses: o.NumClasses, Transform: o.Transform,
		RandomOffset: o.RandomOffset, TargetTransform: o.TargetTransform}
	if f.Size == 0 {
		f.Size = 1000
	}
	if f.ImageSize == [3]int{} {
		f.ImageSize = [3]int{3, 224, 224}
	}
	if f.NumClasses == 0 {
		f.NumClasses = 10
	}
	switch {
	case f.Size < 0:
		return nil, fmt.Errorf("datasets: FakeData: size %d is negative", f.Size)
	case f.ImageSize[0] != 1 && f.ImageSize[0] != 3:
		return nil, fmt.Errorf("datasets: FakeData: image_size %v: images have 1 or 3 channels", f.ImageSize)
	case f.ImageSize[1] <= 0 || f.ImageSize[2] <= 0:
		return nil, fmt.Errorf("datasets: FakeData: image_size %v is not positive", f.ImageSize)
	case f.NumClasses < 0 || f.RandomOffset < 0:
		return nil, fmt.Errorf("datasets: FakeData: num_classes %d and random_offset %d must not be negative", f.NumClasses, f.RandomOffset)
	}
	return f, nil
}

// Len implements data.Dataset.
func (f *FakeData) Len() int { return f.Size }

// Image returns image index (mode L for one channel, RGB for three) with its
// label (before TargetTransform).
func (f *FakeData) Image(index int) (*functional.Image, int, error) {
	if index < 0 || index >= f.Size {
		return nil, 0, fmt.Errorf("datasets: FakeData index out of range (%d of %d)", index, f.Size)
	}
	g := data.NewGenerator(uint64(index + f.RandomOffset))
	c, h, w := f.ImageSize[0], f.ImageSize[1], f.ImageSize[2]
	x := randn(g, c*h*w)
	label := 0
	if f.NumClasses > 0 {
		label = int(uint64(g.Random()) % uint64(f.NumClasses)) // randint(0, n): uniform_int_from_to
	}
	mode := functional.ModeRGB
	if c == 1 {
		mode = functional.ModeL
	}
	img := functional.NewImageMode(mode, w, h)
	plane := h * w
	for ch := range c {
		for i, v := range x[ch*plane : (ch+1)*plane] {
			// pic.mul(255).byte(): a float32 product, converted as C converts
			// (truncated to int32, keeping the low byte).
			img.Pix[c*i+ch] = uint8(int32(float32(v * 255)))
		}
	}
	return img, label, nil
}

// Get implements data.Dataset.
func (f *FakeData) Get(index int, rng *rand.Rand) (data.Sample, error) {
	img, label, err := f.Image(index)
	if err != nil {
		return data.Sample{}, err
	}
	s, err := applyTransform(f.Transform, img, rng, true)
	if err != nil {
		return data.Sample{}, fmt.Errorf("datasets: FakeData sample %d: %w", index, err)
	}
	s.Label = int64(targetTransform(f.TargetTransform, label))
	return s, nil
}

var _ data.Dataset = (*FakeData)(nil)

// randn is torch.randn(n) on a fresh float32 CPU tensor, drawn from g as
// libtorch 1.13's normal_kernel draws: with 16 values or more, normal_fill
// (AVX2): n uniforms, each pair of 8-wide halves of every 16 turned into
// normals, and when 16 does not divide n the last 16 values drawn again and
// transformed; below 16 values, one double normal_distribution each.
func randn(g *data.Generator, n int) []float32 {
	out := make([]float32, n)
	if n < 16 {
		normalDoubles(g, out)
		return out
	}
	for i := range out {
		out[i] = uniform24(g)
	}
	for i := 0; i+16 <= n; i += 16 {
		normalFill16(out[i : i+16])
	}
	if n%16 != 0 {
		tail := out[n-16:]
		for i := range tail {
			tail[i] = uniform24(g)
		}
		normalFill16(tail)
	}
	return out
}

// uniform24 is uniform_real_distribution<float>(0, 1): 24 bits of a 32-bit draw.
func uniform24(g *data.Generator) float32 {
	return float32(g.Random()&(1<<24-1)) / (1 << 24)
}

// normalDoubles is the scalar normal_kernel: normal_distribution<double>,
// Box-Muller on two 53-bit uniforms, the sine half kept for the next value.
func normalDoubles(g *data.Generator, out []float32) {
	cached, have := 0.0, false
	for i := range out {
		if have {
			out[i], have = float32(cached), false
			continue
		}
		u1 := float64(g.Random64()&(1<<53-1)) / (1 << 53)
		u2 := float64(g.Random64()&(1<<53-1)) / (1 << 53)
		r := math.Sqrt(-2 * math.Log(1-u2))
		theta := 2 * math.Pi * u1
		cached, have = r*math.Sin(theta), true
		out[i] = float32(r * math.Cos(theta))
	}
}

// avx_mathfun.h's constants, each a double literal converted to float as C
// converts it (so at run time, not as an exact Go constant).
var (
	mfSqrtHF                         = f32(0.707106781186547524)
	mfLogP                           = [9]float32{f32(7.0376836292e-2), f32(-1.1514610310e-1), f32(1.1676998740e-1), f32(-1.2420140846e-1), f32(1.4249322787e-1), f32(-1.6668057665e-1), f32(2.0000714765e-1), f32(-2.4999993993e-1), f32(3.3333331174e-1)}
	mfLogQ1, mfLogQ2                 = f32(-2.12194440e-4), f32(0.693359375)
	mfDP1, mfDP2, mfDP3              = f32(-0.78515625), f32(-2.4187564849853515625e-4), f32(-3.77489497744594108e-8)
	mfSinP0, mfSinP1, mfSinP2        = f32(-1.9515295891e-4), f32(8.3321608736e-3), f32(-1.6666654611e-1)
	mfCosP0, mfCosP1, mfCosP2        = f32(2.443315711809948e-005), f32(-1.388731625493765e-003), f32(4.166664568298827e-002)
	mfFOPI                           = f32(1.27323954473516)
	mfTwoPi                          = f32(2.0 * math.Pi) // 2.0f * c10::pi<double>
	mfMinNormPos                     = math.Float32frombits(0x00800000)
	mfSignMask                uint32 = 0x80000000
	mfHalf, mfOne, mfMinusTwo        = float32(0.5), float32(1), float32(-2)
)

//go:noinline
func f32(v float64) float32 { return float32(v) }

// normalFill16 is normal_fill_16_AVX2: d[j] and d[j+8] become
// radius·cos θ and radius·sin θ, radius = sqrt(-2 log(1 - d[j])),
// θ = 2π d[j+8], in float32 with avx_mathfun's log and sincos. (Every
// product is converted to float32 explicitly: Go must not fuse them into
// FMAs, which the kernel does not use; its final fmadd(n, std=1, mean=0) is
// exact.)
func normalFill16(d []float32) {
	for j := range 8 {
		u1 := mfOne - d[j]
		u2 := d[j+8]
		radius := float32(math.Sqrt(float64(float32(mfMinusTwo * log256(u1)))))
		s, c := sincos256(float32(mfTwoPi * u2))
		d[j] = float32(radius * c)
		d[j+8] = float32(radius * s)
	}
}

// log256 is avx_mathfun.h's log256_ps for one lane (cephes' logf).
func log256(x float32) float32 {
	invalid := x <= 0
	x = max(x, mfMinNormPos) // _mm256_max_ps: x when it is larger
	bits := math.Float32bits(x)
	imm0 := int32(bits >> 23)
	x = math.Float32frombits(bits&^0x7f800000 | math.Float32bits(mfHalf))
	imm0 -= 0x7f
	e := float32(imm0)
	e += mfOne
	var tmp float32
	mask := x < mfSqrtHF
	if mask {
		tmp = x
	}
	x -= mfOne
	if mask {
		e -= mfOne
	}
	x += tmp
	z := float32(x * x)
	y := mfLogP[0]
	for _, p := range mfLogP[1:] {
		y = float32(y*x) + p
	}
	y = float32(y * x)
	y = float32(y * z)
	y += float32(e * mfLogQ1)
	y -= float32(z * mfHalf)
	x += y
	x += float32(e * mfLogQ2)
	if invalid {
		return float32(math.NaN())
	}
	return x
}

// sincos256 is avx_mathfun.h's sincos256_ps for one lane (cephes' sinf and
// cosf), its selection of the two polynomials by masks kept bit for bit.
func sincos256(x float32) (sin, cos float32) {
	signSin := math.Float32bits(x) & mfSignMask
	x = math.Float32frombits(math.Float32bits(x) &^ mfSignMask)
	y := float32(x * mfFOPI)
	j := int32(y) // cvttps: truncation
	j = (j + 1) &^ 1
	y = float32(j)
	swapSin := uint32(j&4) << 29
	polyMask := j&2 == 0
	x += float32(y * mfDP1)
	x += float32(y * mfDP2)
	x += float32(y * mfDP3)
	signCos := uint32(^(j-2)&4) << 29
	signSin ^= swapSin

	z := float32(x * x)
	yc := float32(mfCosP0 * z)
	yc += mfCosP1
	yc = float32(yc * z)
	yc += mfCosP2
	yc = float32(yc * z)
	yc = float32(yc * z)
	yc -= float32(z * mfHalf)
	yc += mfOne

	ys := float32(mfSinP0 * z)
	ys += mfSinP1
	ys = float32(ys * z)
	ys += mfSinP2
	ys = float32(ys * z)
	ys = float32(ys * x)
	ys += x

	var ysin1, ysin2 float32 // and/andnot with the mask: the value or +0
	if polyMask {
		ysin2 = ys
	} else {
		ysin1 = yc
	}
	ys -= ysin2
	yc -= ysin1
	s := ysin1 + ysin2
	c := yc + ys
	return math.Float32frombits(math.Float32bits(s) ^ signSin), math.Float32frombits(math.Float32bits(c) ^ signCos)
}
