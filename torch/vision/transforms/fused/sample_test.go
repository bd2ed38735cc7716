package fused_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
	"github.com/aecifar/aecifar/torch/vision/transforms/fused"
)

const draws = 50000

// moments accumulates a sample's mean and variance.
type moments struct{ n, sum, sq float64 }

func (m *moments) add(v float64) { m.n++; m.sum += v; m.sq += v * v }
func (m moments) mean() float64  { return m.sum / m.n }
func (m moments) variance() float64 {
	mu := m.mean()
	return (m.sq - m.n*mu*mu) / (m.n - 1)
}

// closeMeans reports whether two samples' means agree within 5 standard errors of their difference
// (a false alarm about once in 1.7 million comparisons).
func closeMeans(a, b moments) (z float64, ok bool) {
	se := math.Sqrt(a.variance()/a.n + b.variance()/b.n)
	if se == 0 {
		return 0, a.mean() == b.mean()
	}
	z = (a.mean() - b.mean()) / se
	return z, math.Abs(z) <= 5
}

// chiSquare is the two-sample chi-square statistic of two histograms of equal totals, and its
// degrees of freedom (the bins either sample reached, less one).
func chiSquare(a, b map[int]int) (float64, int) {
	var x float64
	bins := 0
	for k := range union(a, b) {
		ca, cb := float64(a[k]), float64(b[k])
		x += (ca - cb) * (ca - cb) / (ca + cb)
		bins++
	}
	return x, bins - 1
}

func union(a, b map[int]int) map[int]bool {
	u := map[int]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

// boxStats are the statistics of crop boxes compared between the two samplers.
type boxStats struct {
	w, h, top, left, area, aspect, fallback moments
	wHist, hHist                            map[int]int
}

func (s *boxStats) add(top, left, h, w, height, width int, fallback [4]int) {
	if s.wHist == nil {
		s.wHist, s.hHist = map[int]int{}, map[int]int{}
	}
	s.w.add(float64(w))
	s.h.add(float64(h))
	s.top.add(float64(top))
	s.left.add(float64(left))
	s.area.add(float64(w*h) / float64(width*height))
	s.aspect.add(float64(w) / float64(h))
	fb := 0.0
	if [4]int{top, left, h, w} == fallback {
		fb = 1
	}
	s.fallback.add(fb)
	s.wHist[w]++
	s.hHist[h]++
}

// TestCropSampling compares the crop boxes drawn on the device with the Go port of torchvision's
// RandomResizedCrop.get_params, draw for draw in distribution: every box inside the image, the
// same means of the box's sides, offsets, area fraction and aspect ratio, the same histograms of
// the sides and the same rate of the fallback box.
func TestCropSampling(t *testing.T) {
	for _, tc := range []struct {
		name          string
		height, width int
		scale, ratio  [2]float64
		fallback      [4]int  // torchvision's box when no attempt fits
		minFallback   float64 // the case is there to exercise the fallback this often
	}{
		{"seed 32x32", 32, 32, [2]float64{0.08, 1}, [2]float64{3.0 / 4, 4.0 / 3}, [4]int{0, 0, 32, 32}, 0},
		// Wide boxes often do not fit (no attempt in about 12% of draws); the fallback keeps the
		// width and clamps the height to the ratio range.
		{"wide 32x32", 32, 32, [2]float64{0.2, 1}, [2]float64{2, 4}, [4]int{8, 0, 16, 32}, 0.05},
		// A non-square image whose ratio (29/21) exceeds the range: the width is clamped.
		{"large 21x29", 21, 29, [2]float64{0.7, 1}, [2]float64{3.0 / 4, 4.0 / 3}, [4]int{0, 0, 21, 28}, 0.02},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := fused.NewFlipRotateResizedCrop()
			a.Scale, a.Ratio = tc.scale, tc.ratio
			images := torch.Zeros([]int64{1, 3, int64(tc.height), int64(tc.width)}, torch.ZerosOptions{DType: torch.Uint8})
			defer images.Drop()
			torch.ManualSeed(1)
			p, err := a.SampleParams(images, draws)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Drop()
			if s := p.Box.Shape(); !slices.Equal(s, []int64{draws, 4}) {
				t.Fatalf("box shape %v, want [%d 4]", s, draws)
			}
			box, err := p.Box.Int64s()
			if err != nil {
				t.Fatal(err)
			}
			var got, want boxStats
			for i := range draws {
				top, left, h, w := int(box[4*i]), int(box[4*i+1]), int(box[4*i+2]), int(box[4*i+3])
				if top < 0 || left < 0 || h < 1 || w < 1 || top+h > tc.height || left+w > tc.width {
					t.Fatalf("draw %d: box (top %d, left %d, height %d, width %d) is not inside the %dx%d image",
						i, top, left, h, w, tc.width, tc.height)
				}
				got.add(top, left, h, w, tc.height, tc.width, tc.fallback)
			}
			crop := &transforms.RandomResizedCrop{Size: [2]int{32, 32}, Scale: tc.scale, Ratio: tc.ratio, Interpolation: functional.Bicubic}
			rng := rand.New(rand.NewPCG(3, 4))
			for range draws {
				top, left, h, w := crop.GetParams(tc.width, tc.height, rng)
				want.add(top, left, h, w, tc.height, tc.width, tc.fallback)
			}
			for _, m := range []struct {
				name      string
				got, want moments
			}{
				{"width", got.w, want.w}, {"height", got.h, want.h}, {"top", got.top, want.top},
				{"left", got.left, want.left}, {"area fraction", got.area, want.area},
				{"aspect ratio", got.aspect, want.aspect}, {"fallback rate", got.fallback, want.fallback},
			} {
				z, ok := closeMeans(m.got, m.want)
				if !ok {
					t.Errorf("%s: mean %.4f, the Go sampler's %.4f (z = %.1f)", m.name, m.got.mean(), m.want.mean(), z)
				}
			}
			for _, h := range []struct {
				name      string
				got, want map[int]int
			}{{"width", got.wHist, want.wHist}, {"height", got.hHist, want.hHist}} {
				x, df := chiSquare(h.got, h.want)
				// About 6 standard deviations of a chi-square with df degrees of freedom above its mean.
				if limit := float64(df) + 6*math.Sqrt(2*float64(df)); x > limit {
					t.Errorf("%s histogram: chi-square %.1f with %d degrees of freedom, want <= %.1f", h.name, x, df, limit)
				}
			}
			if r := got.fallback.mean(); r < tc.minFallback {
				t.Errorf("fallback box in %.1f%% of draws, want >= %.0f%% for this case to test it", 100*r, 100*tc.minFallback)
			}
			t.Logf("mean width %.3f (Go %.3f), height %.3f (%.3f), area fraction %.4f (%.4f), aspect %.4f (%.4f), fallback box %.2f%% (%.2f%%)",
				got.w.mean(), want.w.mean(), got.h.mean(), want.h.mean(), got.area.mean(), want.area.mean(),
				got.aspect.mean(), want.aspect.mean(), 100*got.fallback.mean(), 100*want.fallback.mean())
		})
	}
}

func TestFlipAngleSampling(t *testing.T) {
	for _, tc := range []struct {
		p, degrees float64
	}{{0.5, 15}, {0.2, 40}} {
		a := fused.NewFlipRotateResizedCrop()
		a.FlipP, a.Degrees = tc.p, tc.degrees
		images := torch.Zeros([]int64{1, 3, 32, 32}, torch.ZerosOptions{DType: torch.Uint8})
		torch.ManualSeed(2)
		p, err := a.SampleParams(images, draws)
		images.Drop()
		if err != nil {
			t.Fatal(err)
		}
		flip, err := p.Flip.Float64s()
		if err != nil {
			t.Fatal(err)
		}
		angle, err := p.Angle.Float64s()
		if err != nil {
			t.Fatal(err)
		}
		p.Drop()
		var f, an moments
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range draws {
			if flip[i] != 0 && flip[i] != 1 {
				t.Fatalf("flip %v, want 0 or 1", flip[i])
			}
			f.add(flip[i])
			an.add(angle[i])
			lo, hi = min(lo, angle[i]), max(hi, angle[i])
		}
		n := float64(draws)
		if se := math.Sqrt(tc.p * (1 - tc.p) / n); math.Abs(f.mean()-tc.p) > 5*se {
			t.Errorf("p=%g: flip rate %.4f, want %g ± %.4f", tc.p, f.mean(), tc.p, 5*se)
		}
		// Uniform on [-d, d): mean 0, variance d²/3, fourth central moment d⁴/5.
		d := tc.degrees
		v := d * d / 3
		if se := math.Sqrt(v / n); math.Abs(an.mean()) > 5*se {
			t.Errorf("degrees=%g: angle mean %.4f, want 0 ± %.4f", d, an.mean(), 5*se)
		}
		if se := math.Sqrt((d*d*d*d/5 - v*v) / n); math.Abs(an.variance()-v) > 5*se {
			t.Errorf("degrees=%g: angle variance %.3f, want %.3f ± %.3f", d, an.variance(), v, 5*se)
		}
		if lo < -d || hi >= d || lo > -0.99*d || hi < 0.99*d {
			t.Errorf("degrees=%g: angles in [%.4f, %.4f], want to fill [-%g, %g)", d, lo, hi, d, d)
		}
		t.Logf("p=%g, degrees=%g: flip rate %.4f, angle mean %.4f, variance %.3f (uniform: %.3f), range [%.4f, %.4f]",
			tc.p, d, f.mean(), an.mean(), an.variance(), v, lo, hi)
	}
}

func TestReproducible(t *testing.T) {
	imgs := loadCIFAR(t)
	batch := batchOf(t, imgs)
	defer batch.Drop()
	idx := torch.FromSlice([]int64{0, 1, 2, 3, 3, 2, 1, 0, 0, 0, 1, 1}, 12)
	defer idx.Drop()
	a := fused.NewFlipRotateResizedCrop()
	run := func(seed uint64) []float32 {
		torch.ManualSeed(seed)
		out := a.Apply(batch, idx)
		defer out.Drop()
		if s := out.Shape(); !slices.Equal(s, []int64{12, 3, 32, 32}) {
			t.Fatalf("shape %v, want [12 3 32 32]", s)
		}
		return values(t, out)
	}
	first, again, other := run(7), run(7), run(8)
	if !slices.Equal(first, again) {
		t.Errorf("the same seed gave different batches (max |diff| %.3g)", maxAbs(first, again))
	}
	if slices.Equal(first, other) {
		t.Errorf("seeds 7 and 8 gave the same batch")
	}
	// Apply draws exactly what SampleParams draws, and applies it as ApplyParams does.
	torch.ManualSeed(7)
	p, err := a.SampleParams(batch, 12)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Drop()
	out := a.ApplyParams(batch, idx, p)
	defer out.Drop()
	if v := values(t, out); !slices.Equal(first, v) {
		t.Errorf("Apply and SampleParams+ApplyParams differ for the same seed (max |diff| %.3g)", maxAbs(first, v))
	}
}

func TestNoLeak(t *testing.T) {
	imgs := loadCIFAR(t)
	batch := batchOf(t, imgs)
	defer batch.Drop()
	a := fused.NewFlipRotateResizedCrop()
	norm := fused.NewToTensorNormalize()
	step := func() {
		s := torch.NewScope()
		defer s.Close()
		idx := s.Attach(torch.FromSlice([]int64{3, 1, 2, 0, 1}, 5))
		x := a.Apply(batch, idx) // joins idx's scope
		y := norm.Apply(batch, idx)
		p, err := a.SampleParams(batch, 5)
		if err != nil {
			t.Fatal(err)
		}
		z := a.ApplyParams(batch, idx, p)
		p.Drop()
		if err := x.Add(y).Add(z).Err(); err != nil {
			t.Fatal(err)
		}
	}
	step()
	base := torch.LiveTensors()
	for range 50 {
		step()
	}
	if n := torch.LiveTensors(); n != base {
		t.Errorf("live tensors %d after 50 steps, %d before", n, base)
	}
}

func TestErrors(t *testing.T) {
	imgs := loadCIFAR(t)
	batch := batchOf(t, imgs)
	defer batch.Drop()
	idx := torch.FromSlice([]int64{0, 1}, 2)
	defer idx.Drop()
	floats := batch.ToDType(torch.Float32)
	defer floats.Drop()
	badIdx := torch.FromSlice([]int64{0, 9}, 2)
	defer badIdx.Drop()
	lanczos := fused.NewFlipRotateResizedCrop()
	lanczos.Interpolation = functional.Lanczos
	zeroStd := fused.NewFlipRotateResizedCrop()
	zeroStd.Std[1] = 0
	badScale := fused.NewFlipRotateResizedCrop()
	badScale.Scale = [2]float64{1, 0.5}
	seed := fused.NewFlipRotateResizedCrop()
	for _, tc := range []struct {
		name string
		out  *torch.Tensor
		want string
	}{
		{"float images", seed.Apply(floats, idx), "uint8"},
		{"index out of range", seed.Apply(batch, badIdx), "out of range"},
		{"nil index", seed.Apply(batch, nil), "nil tensor"},
		{"lanczos", lanczos.Apply(batch, idx), "interpolation"},
		{"zero std", zeroStd.Apply(batch, idx), "std"},
		{"bad scale", badScale.Apply(batch, idx), "scale"},
		{"normalize float images", fused.NewToTensorNormalize().Apply(floats, idx), "uint8"},
		{"params of another batch", seed.ApplyParams(batch, idx, fused.NewParams([]bool{true}, []float64{0}, [][4]int{{0, 0, 32, 32}})), "flip must be [2]"},
	} {
		err := tc.out.Err()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one that mentions %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "Exception raised from") {
			t.Errorf("%s: error carries libtorch's backtrace: %v", tc.name, err)
		}
		tc.out.Drop()
	}
}
