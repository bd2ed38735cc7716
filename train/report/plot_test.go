package report

import (
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var keepCharts = flag.String("report.out", "", "also write the test charts to this directory, to look at them")

// decodePNG reads a PNG the test wrote, checks its size and that it is not one flat colour, and
// keeps a copy under -report.out.
func decodePNG(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s is %d×%d, want %d×%d", path, b.Dx(), b.Dy(), w, h)
	}
	if n := len(palette(img)); n < 8 {
		t.Errorf("%s has %d colours: nothing drawn", path, n)
	}
	if *keepCharts != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.Map(func(r rune) rune {
			if r < 128 && (r == '-' || r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
				return r
			}
			return '_'
		}, t.Name()) + ".png"
		if err := os.WriteFile(filepath.Join(*keepCharts, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// palette counts the pixels of each colour in img.
func palette(img image.Image) map[color.RGBA]int {
	seen := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			seen[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	return seen
}

// assertColours checks that each of the colours is drawn, over at least min pixels.
func assertColours(t *testing.T, img image.Image, min int, cs map[string]color.RGBA) {
	t.Helper()
	p := palette(img)
	for name, c := range cs {
		if p[c] < min {
			t.Errorf("%s (%v) covers %d pixels, want at least %d", name, c, p[c], min)
		}
	}
}

func longHistory() History {
	var h History
	for e := 1; e <= 35; e++ {
		h = append(h, Epoch{StageAutoencoder, e, 0.2 + 0.6*math.Exp(-float64(e)/4), nan, nan, 1e-3, 2500, 20})
	}
	for e := 1; e <= 40; e++ {
		x := float64(e)
		h = append(h, Epoch{StageClassifier, e, 2.3 - 0.6*(1-math.Exp(-x/10)), 2.25 - 0.65*(1-math.Exp(-x/10)), 0.15 + 0.27*(1-math.Exp(-x/12)) + 0.01*math.Sin(x), 1e-3, 5000, 10})
	}
	return h
}

func TestPlotLosses(t *testing.T) {
	tests := []struct {
		name       string
		h          History
		wantColour map[string]color.RGBA
	}{
		{"both stages", longHistory(), map[string]color.RGBA{"training": colorTrain, "validation": colorValid}},
		{"autoencoder only, mid-run", longHistory().Stage(StageAutoencoder)[:3], map[string]color.RGBA{"training": colorTrain}},
		{"one epoch each", History{{StageAutoencoder, 1, 0.5, nan, nan, 0, 0, 0}, {StageClassifier, 1, 2, 1.9, 0.2, 0, 0, 0}}, map[string]color.RGBA{"training": colorTrain, "validation": colorValid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "losses.png")
			if err := PlotLosses(path, tt.h); err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, path, 1152, 432)
			assertColours(t, img, 20, tt.wantColour)
			assertNoTemp(t, filepath.Dir(path))
		})
	}
}

func TestPlotAccuracy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accuracy.png")
	if err := PlotAccuracy(path, longHistory()); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path, 576, 432)
	assertColours(t, img, 20, map[string]color.RGBA{"accuracy": colorTrain})
}

func TestPlotsRejectEmptyHistory(t *testing.T) {
	dir := t.TempDir()
	aeOnly := longHistory().Stage(StageAutoencoder)
	tests := []struct {
		name string
		plot func() error
	}{
		{"losses of nothing", func() error { return PlotLosses(filepath.Join(dir, "l.png"), nil) }},
		{"losses all NaN", func() error {
			return PlotLosses(filepath.Join(dir, "l.png"), History{{StageAutoencoder, 1, nan, nan, nan, 0, 0, 0}})
		}},
		{"accuracy without classifier", func() error { return PlotAccuracy(filepath.Join(dir, "a.png"), aeOnly) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.plot(); err == nil {
				t.Error("no error")
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed plots left %d files", len(entries))
	}
}

// cifarClasses are CIFAR-10's class names, the blog's classes list.
var cifarClasses = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

func TestPlotConfusion(t *testing.T) {
	// The blog's per-class results, with the errors spread over the other classes.
	correct := []int{231, 312, 91, 55, 139, 181, 315, 244, 298, 234}
	total := []int{504, 504, 496, 496, 504, 504, 496, 496, 504, 504}
	m := make([][]int, 10)
	for i := range m {
		m[i] = make([]int, 10)
		m[i][i] = correct[i]
		wrong := total[i] - correct[i]
		for j := 1; wrong > 0; j++ {
			k := (i + j) % 10
			if k == i {
				continue
			}
			n := min(wrong, (wrong+1)/2+1)
			m[i][k] += n
			wrong -= n
		}
	}
	path := filepath.Join(t.TempDir(), "confusion.png")
	if err := PlotConfusion(path, m, cifarClasses); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, path, 672, 672)

	r, err := FromConfusion(m, cifarClasses)
	if err != nil {
		t.Fatal(err)
	}
	if r.Correct != 2100 || r.Total != 5008 {
		t.Errorf("test matrix tallies %d of %d, want the blog's 2100 of 5008", r.Correct, r.Total)
	}

	t.Run("all zero", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "zero.png")
		if err := PlotConfusion(path, [][]int{{0, 0}, {0, 0}}, []string{"a", "b"}); err != nil {
			t.Fatal(err)
		}
		decodePNG(t, path, 672, 672)
	})
	t.Run("mismatched", func(t *testing.T) {
		if err := PlotConfusion(filepath.Join(t.TempDir(), "x.png"), [][]int{{1}}, cifarClasses); err == nil {
			t.Error("no error")
		}
	})
}

// testImages makes n 3×h×w images: image i is a horizontal ramp in one colour, and its
// "reconstruction" the same, blurred to a flat mean, with values past [0, 1] to be clamped.
func testImages(n, h, w int) (orig, recon [][]float32) {
	for i := range n {
		o := make([]float32, 3*h*w)
		r := make([]float32, 3*h*w)
		for y := range h {
			for x := range w {
				v := float32(x) / float32(w-1)
				ch := i % 3
				o[ch*h*w+y*w+x] = v
				r[ch*h*w+y*w+x] = 0.5
				r[((ch+1)%3)*h*w+y*w+x] = 1.5 // clamps to 1
				r[((ch+2)%3)*h*w+y*w+x] = -1  // clamps to 0
			}
		}
		orig, recon = append(orig, o), append(recon, r)
	}
	return orig, recon
}

func TestPlotReconstructions(t *testing.T) {
	tests := []struct {
		name         string
		n, h, w      int
		grey         bool
		wantW, wantH int
	}{
		// 32×32 enlarged 3×: 16 + 10·96 + 9·6 + 16 wide; 16 + 40 + 2·(26 + 96) + 16 high.
		{"blog's ten", 10, 32, 32, false, 1046, 316},
		{"twelve wrap to a second pair of rows", 12, 32, 32, false, 1046, 316 + 14 + 244},
		{"one, at least the title's width", 1, 32, 32, false, 420, 316},
		{"greyscale 28×28", 4, 28, 28, true, 16 + 4*112 + 3*6 + 16, 16 + 40 + 2*(26+112) + 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig, recon := testImages(tt.n, tt.h, tt.w)
			if tt.grey {
				for i := range orig {
					orig[i], recon[i] = orig[i][:tt.h*tt.w], recon[i][:tt.h*tt.w]
				}
			}
			path := filepath.Join(t.TempDir(), "reconstructions.png")
			if err := PlotReconstructions(path, orig, recon, tt.h, tt.w); err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, path, tt.wantW, tt.wantH)
			if tt.grey || tt.n != 10 {
				return
			}
			// The first reconstruction is (0.5, 1, 0) everywhere after clamping; the first original
			// ends its ramp in pure red at the right edge.
			scale, x0, top := 3, 16, 16+40
			at := func(x, y int) color.RGBA { return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) }
			if got, want := at(x0+10, top+26+96+26+10), (color.RGBA{128, 255, 0, 255}); got != want {
				t.Errorf("first reconstruction pixel = %v, want %v", got, want)
			}
			if got, want := at(x0+32*scale-1, top+26+10), (color.RGBA{255, 0, 0, 255}); got != want {
				t.Errorf("first original's right edge = %v, want %v", got, want)
			}
		})
	}
}

func TestPlotReconstructionsRejects(t *testing.T) {
	orig, recon := testImages(2, 8, 8)
	tests := []struct {
		name        string
		orig, recon [][]float32
		h, w        int
	}{
		{"none", nil, nil, 8, 8},
		{"counts differ", orig, recon[:1], 8, 8},
		{"wrong size", orig, recon, 8, 7},
		{"two channels", [][]float32{make([]float32, 128)}, [][]float32{make([]float32, 128)}, 8, 8},
		{"channels differ", [][]float32{make([]float32, 192)}, [][]float32{make([]float32, 64)}, 8, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := PlotReconstructions(filepath.Join(t.TempDir(), "r.png"), tt.orig, tt.recon, tt.h, tt.w); err == nil {
				t.Error("no error")
			}
		})
	}
}
