// Package functional holds the deterministic image operations behind the
// transforms of package transforms, mirroring torchvision.transforms.functional
// on PIL images: every function takes its parameters explicitly (an angle, a
// crop box) and draws nothing at random.
//
// # Two stages
//
// A pipeline works on two kinds of values, as torchvision's does:
//
//   - *Image, the PIL stage: an 8-bit image of PIL mode "RGB" (R, G, B bytes
//     per pixel) or "L" (one luminance byte: MNIST's images), row-major.
//     Geometry (Crop, Pad, HFlip, VFlip, Rotate, Resize, ResizedCrop) and
//     color (AdjustBrightness, AdjustContrast, AdjustSaturation, AdjustHue,
//     ToGrayscale) happen here, with PIL's rounding rules. Every operation
//     takes both modes and keeps the mode (the color ones as PIL does on L).
//   - Tensor, the tensor stage: float32 data in CHW order, made by ToTensor
//     (C = 1 for L, 3 for RGB) and changed by Normalize.
//
// # Parity with PIL
//
// The operations follow Pillow 9.4 (the version torchvision 0.14 runs on in
// Debian 12) closely enough to reproduce its pixels: Resize uses PIL's
// separable convolution with the filter support widened on downscaling
// (antialiasing) and 22-bit fixed-point coefficients; Rotate with Nearest uses
// PIL's 16.16 fixed-point affine walk, Bilinear and Bicubic its generic
// transform filters. The transforms tests compare against outputs torchvision
// wrote (../testdata/gen.py): every case matches exactly.
//
// # Errors and ownership
//
// Functions return an error for invalid arguments (a non-positive size, an
// unknown interpolation); they never panic on valid input. They never modify
// their input. They return a new *Image, except Resize when the image
// already has the output size, which returns it as torchvision does. Values are safe to share between goroutines as long as
// nobody writes to them. Release lets a pipeline hand back images it no
// longer needs, for reuse by later operations.
package functional

import (
	"fmt"
	"image"
	"image/color"
	"sync"
)

// Mode is a PIL image mode: what the bytes of a pixel mean.
type Mode string

// The modes an Image may have.
const (
	ModeRGB Mode = "RGB" // three bytes per pixel: red, green, blue
	ModeL   Mode = "L"   // one byte per pixel: luminance (grayscale), as MNIST's images
)

// Image is an 8-bit image of PIL's mode "RGB" or "L": Pix holds H rows of W
// pixels, Channels() bytes each (R, G, B or one luminance byte), without
// padding. Mode "" is RGB, so Image{W: w, H: h, Pix: p} is an RGB image.
// Image implements image.Image, so it can be encoded with image/png.
type Image struct {
	W, H int
	Pix  []uint8
	Mode Mode
}

// NewImage returns a black w×h RGB image.
func NewImage(w, h int) *Image {
	return &Image{W: w, H: h, Pix: make([]uint8, 3*w*h)}
}

// NewImageMode returns a black w×h image of mode m.
func NewImageMode(m Mode, w, h int) *Image {
	return &Image{W: w, H: h, Pix: make([]uint8, m.channels()*w*h), Mode: m}
}

// channels is the number of bytes per pixel of mode m.
func (m Mode) channels() int {
	if m == ModeL {
		return 1
	}
	return 3
}

// String is PIL's name of the mode ("RGB" for the zero Mode).
func (m Mode) String() string {
	if m == "" {
		return string(ModeRGB)
	}
	return string(m)
}

// Channels is the number of bytes per pixel: 1 for L, 3 for RGB, as
// torchvision's get_image_num_channels.
func (m *Image) Channels() int { return m.Mode.channels() }

// Gray reports whether the image is of mode L.
func (m *Image) Gray() bool { return m.Mode == ModeL }

// imagePool recycles the images Release is given.
var imagePool sync.Pool

// newImageUninit returns a w×h RGB image with arbitrary pixels, for callers
// that overwrite every pixel; its memory may come from Release.
func newImageUninit(w, h int) *Image { return newImageUninitMode(ModeRGB, w, h) }

// newImageUninitMode is newImageUninit for an image of mode m.
func newImageUninitMode(m Mode, w, h int) *Image {
	if m == "" {
		m = ModeRGB
	}
	n := m.channels() * w * h
	if v, ok := imagePool.Get().(*Image); ok && cap(v.Pix) >= n {
		v.W, v.H, v.Pix, v.Mode = w, h, v.Pix[:n], m
		return v
	}
	return &Image{W: w, H: h, Pix: make([]uint8, n), Mode: m}
}

// Release hands img's memory back for reuse by later operations of this
// package. The caller must hold the only reference to img and must not use
// it, or any slice of its Pix, afterwards. Releasing is optional: it saves
// allocations in pipelines that make many short-lived images
// (transforms.ApplyOwned does it for the images a Compose makes).
func Release(img *Image) {
	if img != nil && cap(img.Pix) <= 1<<20 {
		imagePool.Put(img)
	}
}

// Clone returns a deep copy of m.
func (m *Image) Clone() *Image {
	c := &Image{W: m.W, H: m.H, Pix: make([]uint8, len(m.Pix)), Mode: m.Mode}
	copy(c.Pix, m.Pix)
	return c
}

// ColorModel implements image.Image.
func (m *Image) ColorModel() color.Model {
	if m.Gray() {
		return color.GrayModel
	}
	return color.RGBAModel
}

// Bounds implements image.Image.
func (m *Image) Bounds() image.Rectangle { return image.Rect(0, 0, m.W, m.H) }

// At implements image.Image.
func (m *Image) At(x, y int) color.Color {
	gray := m.Gray()
	switch {
	case x < 0 || y < 0 || x >= m.W || y >= m.H:
		if gray {
			return color.Gray{}
		}
		return color.RGBA{}
	case gray:
		return color.Gray{m.Pix[y*m.W+x]}
	}
	i := 3 * (y*m.W + x)
	return color.RGBA{m.Pix[i], m.Pix[i+1], m.Pix[i+2], 255}
}

func (m *Image) String() string { return fmt.Sprintf("Image(%dx%d %s)", m.W, m.H, m.Mode) }

func (m *Image) check() error {
	if m == nil {
		return fmt.Errorf("nil image")
	}
	if m.Mode != "" && m.Mode != ModeRGB && m.Mode != ModeL {
		return fmt.Errorf("image mode %q is not supported (RGB or L)", string(m.Mode))
	}
	if c := m.Channels(); m.W <= 0 || m.H <= 0 || len(m.Pix) != c*m.W*m.H {
		return fmt.Errorf("malformed %s image: %dx%d with %d bytes (want %d)", m.Mode, m.W, m.H, len(m.Pix), c*m.W*m.H)
	}
	return nil
}

// FromImage converts a decoded Go image to RGB the way PIL's convert("RGB")
// does:
//
//   - grayscale is replicated into R, G and B;
//   - alpha is dropped, not composited (RGBA (0,0,0,0) gives black and
//     (200,10,10,0) gives (200,10,10)); premultiplied *image.RGBA pixels are
//     first un-premultiplied, so their color is kept as PIL keeps it;
//   - palette images are looked up in their palette;
//   - *image.YCbCr (JPEG) is converted as libjpeg-turbo does for PIL: chroma
//     upsampled with libjpeg's "fancy" triangle filter and its rounding, then
//     libjpeg's fixed-point YCbCr→RGB. What remains is the IDCT: Go's differs
//     from libjpeg's ISLOW by at most a few levels on a few percent of values
//     (on CIFAR-10: mean |Δ| 0.035/255, max 3/255).
//   - 16-bit images keep their high byte; CMYK uses Go's CMYK→RGB formula.
//     PIL clips 16-bit grayscale ("I;16") instead, and its CMYK formula can
//     differ by one level.
//
// GIF frames with a transparent index differ: Go's GIF decoder sets that
// palette entry to transparent black, where PIL keeps its color.
func FromImage(src image.Image) *Image {
	b := src.Bounds()
	dst := newImageUninit(b.Dx(), b.Dy()) // every case below writes every pixel
	switch m := src.(type) {
	case *Image:
		if !m.Gray() {
			copy(dst.Pix, m.Pix)
			break
		}
		for i, v := range m.Pix[:dst.W*dst.H] {
			dst.Pix[3*i], dst.Pix[3*i+1], dst.Pix[3*i+2] = v, v, v
		}
	case *image.YCbCr:
		if b.Min == (image.Point{}) && ycbcrToRGB(dst, m) {
			break
		}
		genericToRGB(dst, src)
	case *image.Gray:
		for y := 0; y < dst.H; y++ {
			row := m.Pix[(y)*m.Stride:]
			out := dst.Pix[3*y*dst.W:]
			for x := 0; x < dst.W; x++ {
				v := row[x]
				out[3*x], out[3*x+1], out[3*x+2] = v, v, v
			}
		}
	case *image.NRGBA:
		for y := 0; y < dst.H; y++ {
			row := m.Pix[y*m.Stride:]
			out := dst.Pix[3*y*dst.W:]
			for x := 0; x < dst.W; x++ {
				out[3*x], out[3*x+1], out[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
	case *image.RGBA:
		for y := 0; y < dst.H; y++ {
			row := m.Pix[y*m.Stride:]
			out := dst.Pix[3*y*dst.W:]
			for x := 0; x < dst.W; x++ {
				r, g, bl, a := row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]
				if a != 255 {
					r, g, bl = unpremultiply(r, a), unpremultiply(g, a), unpremultiply(bl, a)
				}
				out[3*x], out[3*x+1], out[3*x+2] = r, g, bl
			}
		}
	case *image.Paletted:
		var lut [256][3]uint8
		for i, c := range m.Palette {
			if i == 256 {
				break
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			lut[i] = [3]uint8{n.R, n.G, n.B}
		}
		for y := 0; y < dst.H; y++ {
			row := m.Pix[y*m.Stride:]
			out := dst.Pix[3*y*dst.W:]
			for x := 0; x < dst.W; x++ {
				c := lut[row[x]]
				out[3*x], out[3*x+1], out[3*x+2] = c[0], c[1], c[2]
			}
		}
	default:
		genericToRGB(dst, src)
	}
	return dst
}

// FromImageL converts a decoded Go image to mode L the way PIL's
// convert("L") does: an 8-bit gray image as it is, anything else through
// FromImage's RGB and PIL's luma (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16).
func FromImageL(src image.Image) *Image {
	if g, ok := src.(*image.Gray); ok {
		b := g.Bounds()
		out := newImageUninitMode(ModeL, b.Dx(), b.Dy())
		for y := range out.H {
			copy(out.Pix[y*out.W:(y+1)*out.W], g.Pix[y*g.Stride:])
		}
		return out
	}
	rgb := FromImage(src)
	defer Release(rgb)
	return toL(rgb)
}

func unpremultiply(c, a uint8) uint8 {
	if a == 0 {
		return 0
	}
	v := (uint32(c)*255 + uint32(a)/2) / uint32(a)
	if v > 255 {
		v = 255
	}
	return uint8(v)
}

func genericToRGB(dst *Image, src image.Image) {
	b := src.Bounds()
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(src.At(x, y)).(color.NRGBA)
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2] = c.R, c.G, c.B
			i += 3
		}
	}
}
