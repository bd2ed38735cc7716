package functional_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// ResizedCrop resamples boxes inside the image in place (a view); that must
// equal cropping first and resizing the copy, for every filter.
func TestResizedCropViewEqualsCropThenResize(t *testing.T) {
	img := noise(37, 29)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, interp := range []functional.Interpolation{functional.Nearest, functional.Bilinear, functional.Bicubic,
		functional.Box, functional.Hamming, functional.Lanczos} {
		for range 50 {
			h, w := 1+rng.IntN(29), 1+rng.IntN(37)
			top, left := rng.IntN(29-h+1), rng.IntN(37-w+1)
			size := []int{1 + rng.IntN(40), 1 + rng.IntN(40)}
			got, err := functional.ResizedCrop(img, top, left, h, w, size, interp)
			if err != nil {
				t.Fatal(err)
			}
			c, err := functional.Crop(img, top, left, h, w)
			if err != nil {
				t.Fatal(err)
			}
			want, err := functional.Resize(c, size, interp, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got.W != want.W || got.H != want.H || !bytes.Equal(got.Pix, want.Pix) {
				t.Fatalf("%v box (%d,%d,%d,%d) → %v: view path differs from crop+resize", interp, top, left, h, w, size)
			}
		}
	}
}

func TestCropPadsWithBlack(t *testing.T) {
	img := noise(4, 3)
	c, err := functional.Crop(img, -1, 2, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	for y := range 3 {
		for x := range 4 {
			sx, sy := x+2, y-1
			var want [3]uint8
			if sx < 4 && sy >= 0 && sy < 3 {
				copy(want[:], img.Pix[3*(sy*4+sx):])
			}
			if got := c.Pix[3*(y*4+x) : 3*(y*4+x)+3]; !bytes.Equal(got, want[:]) {
				t.Errorf("(%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

func TestFromImageModes(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix = []uint8{7, 200}
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	nrgba.Pix = []uint8{200, 10, 10, 0, 1, 2, 3, 128}
	rgba := image.NewRGBA(image.Rect(0, 0, 2, 1))
	rgba.Pix = []uint8{100, 50, 0, 128, 9, 8, 7, 255} // premultiplied
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.RGBA{1, 2, 3, 255}, color.NRGBA{40, 50, 60, 0}})
	pal.Pix = []uint8{1, 0}
	sub := nrgba.SubImage(image.Rect(1, 0, 2, 1))
	tests := []struct {
		name string
		in   image.Image
		want []uint8
	}{
		{"gray replicated", gray, []uint8{7, 7, 7, 200, 200, 200}},
		{"alpha dropped, not composited", nrgba, []uint8{200, 10, 10, 1, 2, 3}},
		{"premultiplied un-premultiplied", rgba, []uint8{199, 100, 0, 9, 8, 7}},
		{"palette keeps color under alpha 0", pal, []uint8{40, 50, 60, 1, 2, 3}},
		{"sub-image", sub, []uint8{1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := functional.FromImage(tc.in).Pix; !bytes.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Every chroma layout converts, with libjpeg's upsampling staying within a
// few levels of Go's nearest-chroma conversion on smooth content.
func TestFromImageYCbCrLayouts(t *testing.T) {
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		for _, size := range [][2]int{{1, 1}, {3, 2}, {4, 5}, {17, 9}, {32, 32}} {
			t.Run(fmt.Sprintf("%v/%dx%d", ratio, size[0], size[1]), func(t *testing.T) {
				m := image.NewYCbCr(image.Rect(0, 0, size[0], size[1]), ratio)
				for i := range m.Y {
					m.Y[i] = uint8(60 + i%100)
				}
				for i := range m.Cb {
					m.Cb[i], m.Cr[i] = uint8(120+i%9), uint8(130-i%7)
				}
				got := functional.FromImage(m)
				if got.W != size[0] || got.H != size[1] {
					t.Fatalf("size %dx%d", got.W, got.H)
				}
				for y := range size[1] {
					for x := range size[0] {
						r, g, b, _ := m.At(x, y).RGBA()
						p := got.Pix[3*(y*got.W+x):]
						for i, v := range []uint32{r >> 8, g >> 8, b >> 8} {
							if d := int(p[i]) - int(v); d > 12 || d < -12 {
								t.Fatalf("(%d,%d) channel %d: %d vs Go's %d", x, y, i, p[i], v)
							}
						}
					}
				}
			})
		}
	}
}

func TestOperationErrors(t *testing.T) {
	img := noise(4, 4)
	bad := &functional.Image{W: 4, H: 4, Pix: make([]uint8, 5)}
	tests := []struct {
		name string
		err  error
	}{
		{"rotate with box", second(functional.Rotate(img, 3, functional.Box, false, nil, nil))},
		{"rotate with a 3-value center", second(functional.Rotate(img, 3, functional.Nearest, false, []float64{1, 2, 3}, nil))},
		{"resize to zero", second(functional.ResizeTo(img, 0, 3, functional.Bilinear))},
		{"unknown filter", second(functional.ResizeTo(img, 3, 3, functional.Interpolation(9)))},
		{"crop of nothing", second(functional.Crop(img, 0, 0, 0, 2))},
		{"malformed image", second(functional.HFlip(bad))},
		{"nil image", second(functional.ToTensor(nil))},
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// Quarter turns are exact permutations (PIL's transpose), and a turn by 90
// then 270 degrees restores the image.
func TestRotateQuarterTurns(t *testing.T) {
	img := noise(5, 3)
	r90, _ := functional.Rotate(img, 90, functional.Nearest, true, nil, nil)
	if r90.W != 3 || r90.H != 5 {
		t.Fatalf("90° expand: %dx%d", r90.W, r90.H)
	}
	// Counter-clockwise: the top-right pixel goes to the top-left.
	if !bytes.Equal(r90.Pix[:3], img.Pix[3*4:3*5]) {
		t.Error("90° is not counter-clockwise")
	}
	back, _ := functional.Rotate(r90, 270, functional.Nearest, true, nil, nil)
	if !bytes.Equal(back.Pix, img.Pix) {
		t.Error("90° then 270° does not restore the image")
	}
	r360, _ := functional.Rotate(img, -360, functional.Bilinear, false, nil, nil)
	if !bytes.Equal(r360.Pix, img.Pix) {
		t.Error("-360° is not the identity")
	}
}
