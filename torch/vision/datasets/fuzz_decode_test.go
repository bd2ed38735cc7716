package datasets_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
	"github.com/aecifar/aecifar/torch/vision/transforms/presets"
)

// FuzzDecode feeds arbitrary bytes through what ImageFolder does with a file: decode it (DecodeImage
// runs the decoder LoadImage runs on a file's bytes) and apply the seed's test transform (Resize to
// 32x32, ToTensor, Normalize). Whatever the input, neither may panic; a decoder panic that
// DecodeImage's safety net turned into an error fails the target too, so that it is seen. What
// decodes must give an RGB image of its stated size, and the transform a finite float32 3x32x32
// tensor.
//
// Seeds: testdata/fuzz/FuzzDecode (3x2 PNG, grayscale PNG, RGBA PNG, JPEG, BMP and GIF written by
// Pillow 9.4, and a truncated JPEG and PNG), plus every image in testdata/modes and testdata/cifar.
// The corpus files were made with /usr/bin/python3 as follows:
//
//	img = Image.new('RGB', (3, 2)); img.putdata([(255,0,0), (0,255,0), (0,0,255), (255,255,0), (0,255,255), (255,255,255)])
//	for each of PNG, JPEG (quality=90), BMP, GIF, and PNG of img.convert('L') and img.convert('RGBA'):
//	    buf = io.BytesIO(); img.save(buf, fmt); write 'go test fuzz v1\n[]byte("<Go-quoted bytes>")\n'
//	seed-truncated-jpeg is the first half of seed-jpeg's bytes; seed-truncated-png all but the last 20.
//
// Run it for a bounded time, e.g.
//
//	go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 60s -fuzzminimizetime 1s ./torch/vision/datasets/
//
// (with the default -fuzzminimizetime of 60s, a short run spends most of its time minimizing).
//
// Inputs whose header claims more than fuzzMaxPixels are skipped: images up to MaxImagePixels are
// decoded, allocating the whole image before reading its data, and a fuzz worker must not be
// killed for running out of memory over and over.
func FuzzDecode(f *testing.F) {
	for _, dir := range []string{"modes", "cifar"} {
		paths, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	tr := presets.NormTran()
	f.Fuzz(func(t *testing.T, b []byte) {
		if w, h, ok := claimedSize(b); ok && int64(w)*int64(h) > fuzzMaxPixels {
			t.Skipf("header claims %dx%d pixels: within MaxImagePixels but too large for a fuzz worker's memory", w, h)
		}
		img, format, err := datasets.DecodeImage(bytes.NewReader(b))
		if err != nil {
			if img != nil {
				t.Fatalf("error %v with a non-nil image", err)
			}
			if strings.Contains(err.Error(), "panicked") {
				t.Fatalf("decoder panicked on this input: %v", err)
			}
			return
		}
		if img.W <= 0 || img.H <= 0 || len(img.Pix) != 3*img.W*img.H {
			t.Fatalf("%s decoded to %dx%d with %d bytes of pixels", format, img.W, img.H, len(img.Pix))
		}
		out, err := tr.Apply(img, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatalf("%s image %dx%d: test transform: %v", format, img.W, img.H, err)
		}
		x, ok := out.(functional.Tensor)
		if !ok {
			t.Fatalf("test transform returned %T, want functional.Tensor", out)
		}
		if !slices.Equal(x.Shape, []int64{3, 32, 32}) || len(x.Data) != 3*32*32 {
			t.Fatalf("tensor of shape %v with %d values, want [3 32 32]", x.Shape, len(x.Data))
		}
		for i, v := range x.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("value %d is %v", i, v)
			}
		}
	})
}

// fuzzMaxPixels bounds what FuzzDecode lets the decoders allocate: 16 Mpx, 64 MiB as RGBA.
const fuzzMaxPixels = 1 << 24

// claimedSize is the width and height an input's header claims, for the formats DecodeImage knows
// (recognised by the same magic numbers).
func claimedSize(b []byte) (w, h int, ok bool) {
	var decodeConfig func(*bytes.Reader) (image.Config, error)
	switch {
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xD8:
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }
	case bytes.HasPrefix(b, []byte("GIF8")):
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(r) }
	case bytes.HasPrefix(b, []byte("BM")):
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return bmp.DecodeConfig(r) }
	case bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*")):
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return tiff.DecodeConfig(r) }
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return webp.DecodeConfig(r) }
	case len(b) >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6':
		return pnmSize(b)
	default:
		return 0, 0, false
	}
	c, err := decodeConfig(bytes.NewReader(b))
	if err != nil {
		// The header does not parse, and the decoder stops at the same place. (A GIF frame may
		// not be larger than the screen DecodeConfig reports: Go's decoder rejects it.)
		return 0, 0, false
	}
	return c.Width, c.Height, true
}

// pnmSize reads a Netpbm header's width and height (whitespace and # comments between fields).
func pnmSize(b []byte) (w, h int, ok bool) {
	var fields []int
	i := 2
	for len(fields) < 2 && i < len(b) {
		switch c := b[i]; {
		case c == '#':
			for i < len(b) && b[i] != '\n' {
				i++
			}
		case c >= '0' && c <= '9':
			n := 0
			for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
				n = min(n*10+int(b[i]-'0'), 1<<30)
			}
			fields = append(fields, n)
			continue
		}
		i++
	}
	if len(fields) < 2 {
		return 0, 0, false
	}
	return fields[0], fields[1], true
}

// hugeDecodeBudget is what decoding one of hugeImages may allocate in all: far below what its
// header claims (gigabytes), well above what reading a header and failing takes.
const hugeDecodeBudget = 64 << 20

// TestDecodeRejectsHugeImages decodes headers that claim 60000x60000 pixels (16383x16383 for WebP,
// its limit) followed by a few bytes of data: DecodeImage must fail, having allocated at most
// hugeDecodeBudget; a decoder that allocates the claimed image first takes 3.4 GiB or more.
// PIL refuses such files (DecompressionBombError above 2*Image.MAX_IMAGE_PIXELS, 178,956,970 px).
func TestDecodeRejectsHugeImages(t *testing.T) {
	for _, tc := range hugeImages(t) {
		t.Run(tc.name, func(t *testing.T) {
			if allocatesClaimedSize[tc.name] {
				t.Skipf("bug: datasets.decodeBytes hands any %s header to its decoder, which allocates "+
					"width*height before reading the pixel data (3.4 GiB here): it should check the "+
					"DecodeConfig size against a pixel limit first", tc.name)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			img, _, err := datasets.DecodeImage(bytes.NewReader(tc.data))
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Errorf("decoded a %dx%d image from %d bytes", img.W, img.H, len(tc.data))
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > hugeDecodeBudget {
				t.Errorf("allocated %d MiB (budget %d MiB) before failing with %v", n>>20, hugeDecodeBudget>>20, err)
			}
		})
	}
}

// allocatesClaimedSize are the formats whose decoders allocate a huge header's image (3.4 GiB for
// 60000x60000, 6.7 GiB for PNM) before failing on its missing data, measured with Go 1.26 and
// golang.org/x/image v0.48.0. TIFF and WebP fail first today.
var allocatesClaimedSize = map[string]bool{}

type hugeImage struct {
	name string
	data []byte
}

// hugeImages are small files in every format DecodeImage reads whose headers claim a huge image.
func hugeImages(t *testing.T) []hugeImage {
	t.Helper()
	const huge = 60000
	small := image.NewGray(image.Rect(0, 0, 8, 8))
	var out []hugeImage

	// PNG: an 8-bit grayscale IHDR and a few bytes of pixel data.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 64))
	zw.Close()
	ihdr := binary.BigEndian.AppendUint32(nil, huge)
	ihdr = binary.BigEndian.AppendUint32(ihdr, huge)
	ihdr = append(ihdr, 8, 0, 0, 0, 0)
	p := []byte("\x89PNG\r\n\x1a\n")
	p = pngChunk(p, "IHDR", ihdr)
	p = pngChunk(p, "IDAT", z.Bytes())
	p = pngChunk(p, "IEND", nil)
	out = append(out, hugeImage{"png", p})

	// JPEG: a real 8x8 file whose SOF0 says 60000x60000.
	var j bytes.Buffer
	if err := jpeg.Encode(&j, small, nil); err != nil {
		t.Fatal(err)
	}
	jb := j.Bytes()
	sof := bytes.Index(jb, []byte{0xFF, 0xC0})
	if sof < 0 {
		t.Fatal("no SOF0 in the encoded JPEG")
	}
	binary.BigEndian.PutUint16(jb[sof+5:], huge) // height
	binary.BigEndian.PutUint16(jb[sof+7:], huge) // width
	out = append(out, hugeImage{"jpeg", jb})

	// GIF: a real 8x8 file whose screen and first frame say 60000x60000.
	pal := image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Black, color.White})
	var g bytes.Buffer
	if err := gif.Encode(&g, pal, nil); err != nil {
		t.Fatal(err)
	}
	gb := g.Bytes()
	binary.LittleEndian.PutUint16(gb[6:], huge)
	binary.LittleEndian.PutUint16(gb[8:], huge)
	desc := 13 // after the header and logical screen descriptor: the color table, extensions
	if gb[10]&0x80 != 0 {
		desc += 3 << (gb[10]&7 + 1)
	}
	for gb[desc] == 0x21 { // an extension: introducer, label, then sub-blocks up to a zero length
		desc += 2
		for gb[desc] != 0 {
			desc += 1 + int(gb[desc])
		}
		desc++
	}
	if gb[desc] != 0x2C {
		t.Fatalf("no image descriptor at offset %d of the encoded GIF", desc)
	}
	binary.LittleEndian.PutUint16(gb[desc+5:], huge)
	binary.LittleEndian.PutUint16(gb[desc+7:], huge)
	out = append(out, hugeImage{"gif", gb})

	// BMP: a real 8x8 file whose info header says 60000x60000.
	var bm bytes.Buffer
	if err := bmp.Encode(&bm, small); err != nil {
		t.Fatal(err)
	}
	bb := bm.Bytes()
	binary.LittleEndian.PutUint32(bb[18:], huge)
	binary.LittleEndian.PutUint32(bb[22:], huge)
	out = append(out, hugeImage{"bmp", bb})

	// TIFF: a real 8x8 file whose ImageWidth and ImageLength say 60000.
	var tf bytes.Buffer
	if err := tiff.Encode(&tf, small, nil); err != nil {
		t.Fatal(err)
	}
	tb := tf.Bytes()
	ifd := binary.LittleEndian.Uint32(tb[4:])
	n := int(binary.LittleEndian.Uint16(tb[ifd:]))
	for i := range n {
		e := tb[int(ifd)+2+12*i:]
		if tag := binary.LittleEndian.Uint16(e); tag == 256 || tag == 257 {
			if binary.LittleEndian.Uint16(e[2:]) == 3 { // SHORT
				binary.LittleEndian.PutUint16(e[8:], huge)
			} else {
				binary.LittleEndian.PutUint32(e[8:], huge)
			}
		}
	}
	out = append(out, hugeImage{"tiff", tb})

	// WebP (lossless): 16383x16383, its largest, then zero bytes.
	vp8l := []byte{0x2f}
	vp8l = binary.LittleEndian.AppendUint32(vp8l, (16383-1)|(16383-1)<<14)
	vp8l = append(vp8l, make([]byte, 32)...)
	w := []byte("RIFF")
	w = binary.LittleEndian.AppendUint32(w, uint32(4+8+len(vp8l)))
	w = append(w, "WEBPVP8L"...)
	w = binary.LittleEndian.AppendUint32(w, uint32(len(vp8l)))
	out = append(out, hugeImage{"webp", append(w, vp8l...)})

	// PNM: a binary graymap header and a few samples.
	out = append(out, hugeImage{"pnm", append([]byte("P5\n60000 60000\n255\n"), make([]byte, 64)...)})

	for _, h := range out { // each header parses, and claims what the test says
		if w, ht, ok := claimedSize(h.data); !ok || int64(w)*int64(ht) < 16383*16383 {
			t.Fatalf("%s: header claims %dx%d (parsed: %v)", h.name, w, ht, ok)
		}
	}
	return out
}

func pngChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}
