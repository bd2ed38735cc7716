package transforms_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
	"github.com/aecifar/aecifar/torch/vision/transforms/presets"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x5eed)) }

func TestRandomTransformsAreReproducible(t *testing.T) {
	img := loadInput(t, "input_train_cat_0001.png")
	train := presets.AugTran()
	apply := func(seed uint64) []float32 {
		t.Helper()
		out, err := train.Apply(img, newRNG(seed))
		if err != nil {
			t.Fatal(err)
		}
		return out.(transforms.Tensor).Data
	}
	distinct := 0
	for seed := range uint64(20) {
		a, b := apply(seed), apply(seed)
		if !slices.Equal(a, b) {
			t.Fatalf("seed %d: two runs differ", seed)
		}
		if !slices.Equal(a, apply(seed+100)) {
			distinct++
		}
	}
	if distinct < 19 {
		t.Errorf("only %d of 20 seed pairs gave different augmentations", distinct)
	}
}

// The composed transform must equal the functional chain with the
// parameters drawn in torchvision's order from an identical generator.
func TestSeedTrainMatchesFunctionalChain(t *testing.T) {
	img := loadInput(t, "input_train_frog_0002.png")
	rot := transforms.NewRandomRotation(15)
	crop := presets.AugTran()[2].(*transforms.RandomResizedCrop)
	for seed := range uint64(50) {
		got, err := presets.AugTran().Apply(img, newRNG(seed))
		if err != nil {
			t.Fatal(err)
		}
		rng := newRNG(seed)
		x := img
		if rng.Float64() < 0.5 {
			x, _ = functional.HFlip(x)
		}
		x, _ = functional.Rotate(x, rot.GetParams(rng), functional.Nearest, false, nil, nil)
		top, left, h, w := crop.GetParams(x.W, x.H, rng)
		x, _ = functional.ResizedCrop(x, top, left, h, w, []int{32, 32}, functional.Bicubic)
		tt, _ := functional.ToTensor(x)
		want, _ := functional.Normalize(tt, presets.Mean[:], presets.Std[:])
		if !slices.Equal(got.(transforms.Tensor).Data, want.Data) {
			t.Fatalf("seed %d: Compose differs from the functional chain", seed)
		}
	}
}

// Tolerances: with n draws of U(-15, 15) the mean's standard deviation is
// 30/√12/√n; the test allows 5σ. The Kolmogorov-Smirnov distance to the
// uniform CDF must stay under 1.95/√n (rejecting at p ≈ 0.001).
func TestRandomRotationAnglesAreUniform(t *testing.T) {
	const n = 200000
	r := transforms.NewRandomRotation(15)
	rng := newRNG(7)
	angles := make([]float64, n)
	sum := 0.0
	for i := range angles {
		a := r.GetParams(rng)
		if a < -15 || a > 15 {
			t.Fatalf("angle %v outside [-15, 15]", a)
		}
		angles[i] = a
		sum += a
	}
	if mean, tol := sum/n, 5*30/math.Sqrt(12)/math.Sqrt(n); math.Abs(mean) > tol {
		t.Errorf("mean angle %.4f, want 0 ± %.4f", mean, tol)
	}
	if d, tol := ksUniform(angles, -15, 15), 1.95/math.Sqrt(n); d > tol {
		t.Errorf("Kolmogorov-Smirnov distance %.5f to U(-15, 15) exceeds %.5f", d, tol)
	}
}

func ksUniform(xs []float64, lo, hi float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	d := 0.0
	for i, x := range s {
		f := (x - lo) / (hi - lo)
		d = math.Max(d, math.Max(math.Abs(f-float64(i)/float64(len(s))), math.Abs(f-float64(i+1)/float64(len(s)))))
	}
	return d
}

// chiSquare10 bins xs (all in [lo, hi)) into 10 equal bins and returns
// Pearson's statistic against the uniform expectation.
func chiSquare10(xs []float64, lo, hi float64) float64 {
	var bins [10]float64
	for _, x := range xs {
		bins[min(int((x-lo)/(hi-lo)*10), 9)]++
	}
	exp := float64(len(xs)) / 10
	chi := 0.0
	for _, b := range bins {
		chi += (b - exp) * (b - exp) / exp
	}
	return chi
}

// RandomResizedCrop's boxes on a 1000×1000 image (large, so rounding the
// sides moves the area fraction by under 0.002): every box lies within the
// scale and ratio ranges, and among boxes of area fraction ≤ 0.7 (which a
// square image always accepts, so no rejection bends the distribution) the
// area fraction is uniform and the log-ratio uniform: both chi-square
// statistics over 10 bins stay under 27.9 (9 degrees of freedom, p = 0.001).
// Offsets are uniform: the mean relative offset is 0.5 ± 5σ.
func TestRandomResizedCropDistribution(t *testing.T) {
	const side, n = 1000, 100000
	c := transforms.NewRandomResizedCrop(32, 32)
	rng := newRNG(11)
	var fracs, logRatios []float64
	relTop, relLeft := 0.0, 0.0
	counted := 0
	logLo, logHi := math.Log(3.0/4), math.Log(4.0/3)
	for range n {
		top, left, h, w := c.GetParams(side, side, rng)
		if top < 0 || left < 0 || top+h > side || left+w > side {
			t.Fatalf("box (%d, %d, %d, %d) leaves the image", top, left, h, w)
		}
		frac := float64(h*w) / (side * side)
		lr := math.Log(float64(w) / float64(h))
		if frac < 0.08-0.002 || frac > 1 || lr < logLo-0.01 || lr > logHi+0.01 {
			t.Fatalf("box %dx%d: area fraction %.4f, log-ratio %.4f outside the ranges", w, h, frac, lr)
		}
		if frac <= 0.7 {
			fracs = append(fracs, frac)
			logRatios = append(logRatios, lr)
		}
		if h < side && w < side {
			relTop += float64(top) / float64(side-h)
			relLeft += float64(left) / float64(side-w)
			counted++
		}
	}
	if chi := chiSquare10(fracs, 0.08, 0.7); chi > 27.9 {
		t.Errorf("area fractions are not uniform on [0.08, 0.7]: chi-square %.1f", chi)
	}
	if chi := chiSquare10(logRatios, logLo, logHi); chi > 27.9 {
		t.Errorf("log-ratios are not uniform: chi-square %.1f", chi)
	}
	tol := 5 * math.Sqrt(1.0/12/float64(counted))
	if m := relTop / float64(counted); math.Abs(m-0.5) > tol {
		t.Errorf("mean relative top offset %.4f, want 0.5 ± %.4f", m, tol)
	}
	if m := relLeft / float64(counted); math.Abs(m-0.5) > tol {
		t.Errorf("mean relative left offset %.4f, want 0.5 ± %.4f", m, tol)
	}
}

// With p = 0.5 the flip frequency over n draws is 0.5 ± 5·√(0.25/n).
func TestRandomHorizontalFlipProbability(t *testing.T) {
	img := loadInput(t, "input_synthetic_14x25.png")
	flipped, _ := functional.HFlip(img)
	for _, p := range []float64{0, 0.5, 0.9, 1} {
		f := &transforms.RandomHorizontalFlip{P: p}
		rng := newRNG(3)
		const n = 20000
		hits := 0
		for range n {
			out, err := f.Apply(img, rng)
			if err != nil {
				t.Fatal(err)
			}
			switch o := out.(*transforms.Image); {
			case bytes.Equal(o.Pix, flipped.Pix):
				hits++
			case !bytes.Equal(o.Pix, img.Pix):
				t.Fatal("output is neither the image nor its mirror")
			}
		}
		if got, tol := float64(hits)/n, 5*math.Sqrt(p*(1-p)/n); math.Abs(got-p) > tol {
			t.Errorf("p=%v: flipped %.4f of the time, want ± %.4f", p, got, tol)
		}
	}
}
