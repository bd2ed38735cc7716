package functional

import (
	"fmt"
	"math"
)

// luma is PIL's convert("L") of an RGB pixel (ITU-R 601-2 in 16-bit fixed
// point, rounded: Convert.c's L24).
func luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// toL is PIL's img.convert("L"): a copy of a mode L image.
func toL(img *Image) *Image {
	out := newImageUninitMode(ModeL, img.W, img.H)
	if img.Gray() {
		copy(out.Pix, img.Pix)
		return out
	}
	for i := range out.Pix {
		p := img.Pix[3*i : 3*i+3 : 3*i+3]
		out.Pix[i] = luma(p[0], p[1], p[2])
	}
	return out
}

// replicate is convert(mode) of a mode L image: itself copied for L, its
// gray in R, G and B for RGB.
func replicate(l *Image, m Mode) *Image {
	out := newImageUninitMode(m, l.W, l.H)
	if out.Gray() {
		copy(out.Pix, l.Pix)
		return out
	}
	for i, v := range l.Pix {
		out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = v, v, v
	}
	return out
}

// ToGrayscale is torchvision's to_grayscale on a PIL image: PIL's
// convert("L"), and for numOutputChannels 3 that gray in R, G and B.
func ToGrayscale(img *Image, numOutputChannels int) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("to_grayscale: %w", err)
	}
	switch numOutputChannels {
	case 1:
		return toL(img), nil
	case 3:
		l := toL(img)
		defer Release(l)
		return replicate(l, ModeRGB), nil
	}
	return nil, fmt.Errorf("to_grayscale: num_output_channels should be either 1 or 3, not %d", numOutputChannels)
}

// blend is PIL's Image.blend(degenerate, img, factor), what ImageEnhance's
// enhance returns: per byte in1 + alpha·(in2 − in1) in C float arithmetic
// with alpha = (float)factor, truncated, and clipped to [0, 255] when alpha
// lies outside [0, 1] (Blend.c). degenerate's pixels are read as one value
// per channel through at(i), i indexing img.Pix.
func blend(img *Image, factor float64, at func(i int) uint8) *Image {
	out := newImageUninitMode(img.Mode, img.W, img.H)
	alpha := float32(factor)
	inside := alpha >= 0 && alpha <= 1
	for i, v := range img.Pix {
		d := at(i)
		// float32(...) keeps Go from fusing into an FMA, which C does not do here.
		t := float32(d) + float32(alpha*float32(int32(v)-int32(d)))
		switch {
		case inside:
			out.Pix[i] = uint8(t)
		case t <= 0:
			out.Pix[i] = 0
		case t >= 255:
			out.Pix[i] = 255
		default:
			out.Pix[i] = uint8(t)
		}
	}
	return out
}

// AdjustBrightness is torchvision's adjust_brightness on a PIL image (PIL's
// ImageEnhance.Brightness): a blend with black, factor 0 black, 1 the image.
func AdjustBrightness(img *Image, factor float64) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("adjust_brightness: %w", err)
	}
	if factor < 0 {
		return nil, fmt.Errorf("adjust_brightness: brightness_factor (%v) is not non-negative", factor)
	}
	return blend(img, factor, func(int) uint8 { return 0 }), nil
}

// AdjustContrast is torchvision's adjust_contrast on a PIL image (PIL's
// ImageEnhance.Contrast): a blend with the mean gray of the image's
// convert("L"), rounded half up as int(mean + 0.5).
func AdjustContrast(img *Image, factor float64) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("adjust_contrast: %w", err)
	}
	if factor < 0 {
		return nil, fmt.Errorf("adjust_contrast: contrast_factor (%v) is not non-negative", factor)
	}
	l := toL(img)
	var sum int64
	for _, v := range l.Pix {
		sum += int64(v)
	}
	Release(l)
	mean := uint8(float64(sum)/float64(img.W*img.H) + 0.5) // ImageStat's mean is a float division
	return blend(img, factor, func(int) uint8 { return mean }), nil
}

// AdjustSaturation is torchvision's adjust_saturation on a PIL image (PIL's
// ImageEnhance.Color): a blend with the image's own gray (for mode L, the
// image itself, which the blend then keeps).
func AdjustSaturation(img *Image, factor float64) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("adjust_saturation: %w", err)
	}
	if factor < 0 {
		return nil, fmt.Errorf("adjust_saturation: saturation_factor (%v) is not non-negative", factor)
	}
	l := toL(img)
	defer Release(l)
	c := img.Channels()
	return blend(img, factor, func(i int) uint8 { return l.Pix[i/c] }), nil
}

// AdjustHue is torchvision's adjust_hue on a PIL image: the image through
// PIL's HSV conversion, hue shifted by uint8(factor·255) modulo 256, and
// back. factor must lie in [-0.5, 0.5]. A mode L image is returned as is, as
// torchvision returns it.
func AdjustHue(img *Image, factor float64) (*Image, error) {
	if !(factor >= -0.5 && factor <= 0.5) {
		//lint:ignore ST1005 torchvision's message
		return nil, fmt.Errorf("adjust_hue: hue_factor (%v) is not in [-0.5, 0.5].", factor)
	}
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("adjust_hue: %w", err)
	}
	if img.Gray() {
		return img, nil
	}
	// np.uint8(hue_factor * 255): C's conversion, which truncates toward zero
	// and wraps (np.uint8(-12.75) is 244).
	shift := uint8(int64(factor * 255))
	out := newImageUninit(img.W, img.H)
	for i := 0; i < len(img.Pix); i += 3 {
		h, s, v := rgbToHSV(img.Pix[i], img.Pix[i+1], img.Pix[i+2])
		out.Pix[i], out.Pix[i+1], out.Pix[i+2] = hsvToRGB(h+shift, s, v)
	}
	return out, nil
}

func clip8i(v int) uint8 {
	switch {
	case v <= 0:
		return 0
	case v < 256:
		return uint8(v)
	}
	return 255
}

// rgbToHSV is Pillow's rgb2hsv_row (Convert.c), its float and double steps
// kept: float32 for the variables, float64 where C's constants are double.
func rgbToHSV(r, g, b uint8) (uh, us, uv uint8) {
	maxc, minc := max(r, g, b), min(r, g, b)
	if minc == maxc {
		return 0, 0, maxc
	}
	cr := float32(maxc - minc)
	s := cr / float32(maxc)
	rc := float32(maxc-r) / cr
	gc := float32(maxc-g) / cr
	bc := float32(maxc-b) / cr
	var h float32
	switch {
	case r == maxc:
		h = bc - gc
	case g == maxc:
		h = float32(2.0 + float64(rc) - float64(bc))
	default:
		h = float32(4.0 + float64(gc) - float64(rc))
	}
	h = float32(math.Mod(float64(h)/6.0+1.0, 1.0))
	return clip8i(int(float64(h) * 255.0)), clip8i(int(float64(s) * 255.0)), maxc
}

// hsvToRGB is Pillow's hsv2rgb (Convert.c), with C's float and double steps.
func hsvToRGB(h, s, v uint8) (r, g, b uint8) {
	if s == 0 {
		return v, v, v
	}
	h6 := float64(float32(h)) * 6.0 / 255.0
	i := int(math.Floor(h6))
	f := float32(h6 - float64(float32(i)))
	fs := float32(float64(float32(s)) / 255.0)
	fv := float64(float32(v))
	up := clip8i(int(math.Round(fv * (1.0 - float64(fs)))))
	uq := clip8i(int(math.Round(fv * (1.0 - float64(fs*f)))))
	ut := clip8i(int(math.Round(fv * (1.0 - float64(float64(fs)*(1.0-float64(f)))))))
	switch i % 6 {
	case 0:
		return v, ut, up
	case 1:
		return uq, v, up
	case 2:
		return up, v, ut
	case 3:
		return up, uq, v
	case 4:
		return ut, up, v
	}
	return v, up, uq
}
