package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"sync"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// LoadImage reads the image file at path and converts it to RGB, like
// torchvision's default loader (PIL's Image.open(path).convert("RGB")). The
// format is recognised by content, not by extension. Errors name the path;
// a corrupt file is an error, never a panic.
func LoadImage(path string) (*functional.Image, error) {
	bp := filePool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 1<<22 { // keep no huge buffer alive
			filePool.Put(bp)
		}
	}()
	b, err := readFile(path, *bp)
	if err != nil {
		return nil, err // *fs.PathError names the path
	}
	*bp = b
	img, _, err := decodeBytes(b) // the decoders keep no reference to b
	if err != nil {
		return nil, fmt.Errorf("decoding image %s: %w", path, err)
	}
	return img, nil
}

// filePool recycles LoadImage's read buffers.
var filePool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// A decoder for one of the formats DecodeImage knows. config reads the header alone, so that an
// image too large to decode is refused before its pixels are allocated (nil: decode checks itself).
type decoder struct {
	name   string
	magic  func([]byte) bool
	decode func(io.Reader) (image.Image, error)
	config func(io.Reader) (image.Config, error)
}

var decoders = []decoder{
	{"jpeg", func(b []byte) bool { return len(b) >= 2 && b[0] == 0xFF && b[1] == 0xD8 }, jpeg.Decode, jpeg.DecodeConfig},
	{"png", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }, png.Decode, png.DecodeConfig},
	{"gif", func(b []byte) bool { return bytes.HasPrefix(b, []byte("GIF8")) }, gif.Decode, gif.DecodeConfig},
	{"bmp", func(b []byte) bool { return bytes.HasPrefix(b, []byte("BM")) }, bmp.Decode, bmp.DecodeConfig},
	{"tiff", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*"))
	}, tiff.Decode, tiff.DecodeConfig},
	{"webp", func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" }, webp.Decode, webp.DecodeConfig},
	{"pnm", func(b []byte) bool { return len(b) >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' }, decodePNM, nil},
}

// MaxImagePixels is the largest image, in pixels, that DecodeImage decodes: PIL's
// decompression-bomb limit (twice Image.MAX_IMAGE_PIXELS), so that a file whose header claims a
// huge image fails with an error instead of allocating gigabytes. Raise it to read larger images.
var MaxImagePixels int64 = 2 * 89478485

func checkPixels(format string, w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%s: %dx%d image has no pixels", format, w, h)
	}
	if int64(w)*int64(h) > MaxImagePixels {
		return fmt.Errorf("%s: %dx%d image exceeds the limit of %d pixels (datasets.MaxImagePixels)", format, w, h, MaxImagePixels)
	}
	return nil
}

// ErrUnknownFormat is returned for data in none of the formats DecodeImage
// reads.
var ErrUnknownFormat = errors.New("unknown image format (want JPEG, PNG, GIF, BMP, TIFF, WebP or PNM)")

// DecodeImage decodes a JPEG, PNG, GIF (first frame), BMP, TIFF, WebP or
// PNM (PBM, PGM, PPM) image and converts it to RGB as PIL's convert("RGB")
// does (see functional.FromImage). Lossy WebP is converted with libwebp's
// YUV→RGB arithmetic rather than JPEG's, as PIL's libwebp does. It returns
// the format's name.
func DecodeImage(r io.Reader) (img *functional.Image, format string, err error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, "", err
	}
	return decodeBytes(b)
}

func decodeBytes(b []byte) (img *functional.Image, format string, err error) {
	for _, d := range decoders {
		if !d.magic(b) {
			continue
		}
		defer func() { // the decoders are meant not to panic; a bad file must not kill a run
			if p := recover(); p != nil {
				img, err = nil, fmt.Errorf("%s decoder panicked: %v", d.name, p)
			}
		}()
		if d.config != nil {
			c, err := d.config(bytes.NewReader(b))
			if err != nil {
				return nil, d.name, fmt.Errorf("%s: %w", d.name, err)
			}
			if err := checkPixels(d.name, c.Width, c.Height); err != nil {
				return nil, d.name, err
			}
		}
		m, err := d.decode(bytes.NewReader(b))
		if err != nil {
			return nil, d.name, fmt.Errorf("%s: %w", d.name, err)
		}
		// A decoder may accept a header its config did not, or have no config: check what it made.
		if r := m.Bounds(); r.Dx() <= 0 || r.Dy() <= 0 {
			return nil, d.name, fmt.Errorf("%s: %dx%d image has no pixels", d.name, r.Dx(), r.Dy())
		}
		if yc, ok := m.(*image.YCbCr); ok && d.name == "webp" {
			return webpToRGB(yc), d.name, nil
		}
		if yc, ok := m.(*image.NYCbCrA); ok && d.name == "webp" {
			return webpToRGB(&yc.YCbCr), d.name, nil // alpha dropped, as convert("RGB") does
		}
		return functional.FromImage(m), d.name, nil
	}
	return nil, "", ErrUnknownFormat
}
