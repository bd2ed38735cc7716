package report

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Layout of the reconstruction grid, in pixels.
const (
	reconCols     = 10 // images per row, as the blog shows them
	reconMargin   = 16
	reconGap      = 6  // between images
	reconTitleH   = 40 // title band
	reconLabelH   = 26 // band above each row for its label
	reconBlockGap = 14 // between one pair of rows and the next
	reconMinTile  = 96 // images are enlarged by a whole factor to at least this many pixels
	reconMinWidth = 420
)

var reconFrame = color.RGBA{R: 0xcc, G: 0xcc, B: 0xcc, A: 0xff}

// PlotReconstructions draws test images above their reconstructions as a PNG at path, ten to a
// row as in the blog, with further images in further pairs of rows. Each image is CHW float32 with
// 1 or 3 channels and values in [0, 1]; the caller undoes any normalisation, and values outside
// [0, 1] (and NaN, as 0) are clamped. Images are enlarged by a whole factor without smoothing, so
// each pixel stays a sharp square.
func PlotReconstructions(path string, originals, reconstructions [][]float32, h, w int) error {
	n := len(originals)
	if n == 0 || len(reconstructions) != n {
		return fmt.Errorf("report: plot %s: %d originals and %d reconstructions", path, n, len(reconstructions))
	}
	if h <= 0 || w <= 0 {
		return fmt.Errorf("report: plot %s: image size %d×%d", path, h, w)
	}
	channels := len(originals[0]) / (h * w)
	for i := range n {
		for _, img := range [][]float32{originals[i], reconstructions[i]} {
			if len(img) != channels*h*w || (channels != 1 && channels != 3) {
				return fmt.Errorf("report: plot %s: image %d has %d values; want 1×%d×%d or 3×%d×%d, like the first", path, i, len(img), h, w, h, w)
			}
		}
	}

	scale := max(1, (reconMinTile+max(h, w)-1)/max(h, w))
	tw, th := scale*w, scale*h
	cols := min(n, reconCols)
	blocks := (n + cols - 1) / cols
	width := max(reconMinWidth, 2*reconMargin+cols*tw+(cols-1)*reconGap)
	blockH := 2 * (reconLabelH + th)
	height := reconMargin + reconTitleH + blocks*blockH + (blocks-1)*reconBlockGap + reconMargin

	// The canvas is sized in points; at 72 points to the inch and dpi pixels to the inch.
	toPt := func(px int) vg.Length { return vg.Length(float64(px) * 72 / dpi) }
	return savePNG(path, toPt(width), toPt(height), func(c *vgimg.Canvas) {
		dc := vgdraw.New(c)
		// Text is placed in points from the bottom left; the layout is in pixels from the top left.
		label := func(s string, size vg.Length, xAlign text.XAlignment, x, y int) {
			dc.FillText(textStyle(size, xAlign, text.YCenter), vg.Point{X: toPt(x), Y: toPt(height - y)}, s)
		}
		label("Autoencoder reconstructions of test images", 14, text.XCenter, width/2, reconMargin+reconTitleH/2)

		dst := c.Image()
		x0 := (width - (cols*tw + (cols-1)*reconGap)) / 2
		for b := range blocks {
			top := reconMargin + reconTitleH + b*(blockH+reconBlockGap)
			for r, row := range []struct {
				name string
				imgs [][]float32
			}{{"Test images", originals}, {"Reconstructions", reconstructions}} {
				y := top + r*(reconLabelH+th)
				label(row.name, 11, text.XLeft, x0, y+reconLabelH/2)
				for k := 0; k < cols && b*cols+k < n; k++ {
					x := x0 + k*(tw+reconGap)
					tile := chwImage(row.imgs[b*cols+k], channels, h, w, scale)
					at := tile.Bounds().Add(image.Pt(x, y+reconLabelH))
					// A hairline frame, so that a white image still shows where it is.
					draw.Draw(dst, at.Inset(-1), image.NewUniform(reconFrame), image.Point{}, draw.Src)
					draw.Draw(dst, at, tile, image.Point{}, draw.Src)
				}
			}
		}
	})
}

// chwImage converts a CHW image in [0, 1] to RGBA, enlarged scale times by pixel replication.
func chwImage(data []float32, channels, h, w, scale int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w*scale, h*scale))
	plane := h * w
	for y := range h {
		for x := range w {
			var rgb [3]uint8
			for k := range rgb {
				ch := 0
				if channels == 3 {
					ch = k
				}
				rgb[k] = toByte(data[ch*plane+y*w+x])
			}
			c := color.RGBA{R: rgb[0], G: rgb[1], B: rgb[2], A: 0xff}
			for dy := range scale {
				for dx := range scale {
					img.SetRGBA(x*scale+dx, y*scale+dy, c)
				}
			}
		}
	}
	return img
}

// toByte maps [0, 1] to 0..255, clamping outside values and treating NaN as 0.
func toByte(v float32) uint8 {
	f := float64(v)
	if !(f > 0) { // also NaN
		return 0
	}
	if f >= 1 {
		return 255
	}
	return uint8(math.Round(f * 255))
}
