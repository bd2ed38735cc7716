package datasets_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch/vision/datasets"
)

// decodeTolerance bounds LoadImage's difference from PIL's
// Image.open(f).convert("RGB") (testdata/gen.py), in levels: the mean
// absolute difference over the image and the largest single difference.
//
// Observed (amd64): every lossless format and mode (PNG gray, RGBA, LA,
// palette with and without tRNS, GIF, BMP, TIFF, PGM/PPM, lossless WebP) and
// lossy WebP match exactly. JPEG differs only through the IDCT (Go's is not
// libjpeg's ISLOW): the CIFAR-10 files here mean ≤ 0.03, max 3 levels (over
// 500 CIFAR-10 images: mean 0.035, max 3); the synthetic 4:4:4, 4:2:2,
// 4:2:0, odd-sized, tiny, progressive and grayscale JPEGs mean ≤ 0.052,
// max 3. CMYK JPEG, through Go's CMYK formula: mean 0.003, max 1.
type decodeTolerance struct {
	mean float64
	max  int
}

func toleranceFor(file string) decodeTolerance {
	switch {
	case strings.HasSuffix(file, "cmyk.jpg"):
		return decodeTolerance{0.05, 1}
	case strings.HasSuffix(file, ".jpg"):
		return decodeTolerance{0.1, 3}
	}
	return decodeTolerance{0, 0}
}

func TestLoadImageMatchesPIL(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "decode.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		File, Mode   string
		W, H, Offset int
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	blob, err := os.ReadFile(filepath.Join("testdata", "decode.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.File, func(t *testing.T) {
			img, err := datasets.LoadImage(filepath.Join("testdata", c.File))
			if err != nil {
				t.Fatal(err)
			}
			if img.W != c.W || img.H != c.H {
				t.Fatalf("size %dx%d, PIL %dx%d", img.W, img.H, c.W, c.H)
			}
			want := blob[c.Offset : c.Offset+3*c.W*c.H]
			sum, worst := 0, 0
			for i, v := range img.Pix {
				d := int(v) - int(want[i])
				d = max(d, -d)
				sum += d
				worst = max(worst, d)
			}
			mean := float64(sum) / float64(len(want))
			tol := toleranceFor(c.File)
			t.Logf("PIL mode %s: mean |Δ| %.4f, max %d levels", c.Mode, mean, worst)
			if mean > tol.mean || worst > tol.max {
				t.Errorf("differs from PIL (mode %s): mean |Δ| %.4f, max %d levels; tolerance %.2f, %d", c.Mode, mean, worst, tol.mean, tol.max)
			}
		})
	}
}

func TestLoadImageErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join("testdata", "cifar", "train_cat_0001.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"truncated.jpg": good[:len(good)/2],
		"garbage.png":   []byte("\x89PNG\r\n\x1a\nthis is not a png"),
		"text.jpg":      []byte("hello"),
		"empty.bmp":     nil,
		"bad.ppm":       []byte("P6\n4 4\n255\nxx"),
		"huge.pgm":      []byte("P5 99999999 1 255\n"),
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			_, err := datasets.LoadImage(p)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name %s", err, p)
			}
		})
	}
	_, err = datasets.LoadImage(filepath.Join(dir, "missing.jpg"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.jpg") {
		t.Errorf("missing file: %v", err)
	}
}
