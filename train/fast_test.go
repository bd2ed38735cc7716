package train

import (
	"context"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/internal/tinydata"
	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/cuda"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/vision/transforms/fused"
	"github.com/aecifar/aecifar/torch/vision/transforms/presets"
)

// The fast path writes every output the blog's loops write, in the same formats.
func TestFastRunWritesEveryOutput(t *testing.T) { checkRunOutputs(t, true) }

// On the CPU the fast path draws its augmentation from the CPU generator, which the resume files
// keep: a resumed fast run equals an uninterrupted one.
func TestFastResumeMatchesUninterruptedRun(t *testing.T) { checkResume(t, true) }

// The fast path's test pass (resident images, fused normalisation, batches of 1024) counts exactly
// what the blog's loop (Go loader, batches of 32) counts, with the same mean loss.
func TestFastTestMatchesLoaderTest(t *testing.T) {
	cfg, _ := testConfig(t, tinydata.CIFAR(t, 2, 7))
	cfg.BatchSize = 8
	torch.ManualSeed(3)
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	clf := models.NewClassifier(ae)
	defer clf.Drop()
	d, err := LoadData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Test(context.Background(), cfg, clf, d)
	if err != nil {
		t.Fatal(err)
	}
	res, err := loadResident(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Drop()
	got, err := testFast(cfg, clf, res, len(d.Classes))
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.ClassTotal {
		if got.ClassTotal[i] != want.ClassTotal[i] || got.ClassCorrect[i] != want.ClassCorrect[i] {
			t.Fatalf("class %d: fast %d/%d, loader %d/%d", i, got.ClassCorrect[i], got.ClassTotal[i], want.ClassCorrect[i], want.ClassTotal[i])
		}
	}
	if math.Abs(got.Loss-want.Loss) > 1e-6*want.Loss {
		t.Fatalf("test loss: fast %v, loader %v", got.Loss, want.Loss)
	}
	for i := range want.Predict {
		if got.Predict[i] != want.Predict[i] || got.Truth[i] != want.Truth[i] {
			t.Fatalf("image %d: fast predicts %d (truth %d), loader %d (truth %d)", i, got.Predict[i], got.Truth[i], want.Predict[i], want.Truth[i])
		}
	}
}

// batchAccuracySum regroups per-image results into the blog's batches: a last short batch counts as
// one batch with its own accuracy.
func TestBatchAccuracySum(t *testing.T) {
	e := &evaluation{correct: []bool{true, true, false, true, false, false, true}}
	// Batches of 3: {T,T,F} 2/3, {T,F,F} 1/3, {T} 1.
	if got, want := e.batchAccuracySum(3), 2.0/3+1.0/3+1; math.Abs(got-want) > 1e-15 {
		t.Fatalf("batchAccuracySum(3) = %v, want %v", got, want)
	}
	if got := e.batchAccuracySum(7); math.Abs(got-4.0/7) > 1e-15 {
		t.Fatalf("batchAccuracySum(7) = %v, want 4/7", got)
	}
}

// The resident training images are the decoded pixels, bit for bit.
func TestResidentImagesAreThePixels(t *testing.T) {
	cfg, _ := testConfig(t, tinydata.CIFAR(t, 1, 1))
	res, err := loadResident(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Drop()
	if s := res.train.Shape(); len(s) != 4 || s[0] != 10 || s[1] != 3 || s[2] != 32 || s[3] != 32 || res.train.DType() != torch.Uint8 {
		t.Fatalf("resident training images: %v %v", s, res.train.DType())
	}
	d, err := LoadData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The test loader normalises; undo it and compare with the resident bytes.
	it := d.Test.Iter(context.Background())
	defer it.Close()
	if !it.Next() {
		t.Fatal(it.Err())
	}
	b := it.Batch()
	got, err := res.test.ToDType(torch.Float32).Float32s()
	if err != nil {
		t.Fatal(err)
	}
	hw := 32 * 32
	for i, v := range b.Data {
		c := (i / hw) % 3
		pixel := float64(v)*presets.Std[c] + presets.Mean[c]
		if math.Abs(pixel*255-float64(got[i])) > 1e-3 {
			t.Fatalf("value %d: resident %v, loader %v", i, got[i], pixel*255)
		}
	}
}

// A graphed step (warm-up, capture, replays) trains exactly as the same step run eagerly: same
// batches, same weights after 12 steps. On the CPU both are eager and it checks only that Run passes
// its inputs through; on CUDA it checks the capture.
func TestGraphedStepMatchesEager(t *testing.T) {
	dev := torch.CPU
	if torch.CUDAIsAvailable() {
		dev = torch.CUDA(0)
	}
	const n, batch, steps = 64, 8, 12
	torch.ManualSeed(5)
	images := torch.Rand([]int64{n, 3, 32, 32}).MulScalar(255).ToDType(torch.Uint8).To(dev)
	defer images.Drop()
	norm := fused.NewToTensorNormalize()
	train := func(graphed bool) []float32 {
		torch.ManualSeed(7)
		ae := models.NewConvAutoencoder()
		defer ae.Drop()
		if err := ae.To(dev); err != nil {
			t.Fatal(err)
		}
		opt, err := optim.NewAdam(ae.Parameters(), optim.AdamOptions{LR: 0.01, Capturable: true})
		if err != nil {
			t.Fatal(err)
		}
		defer opt.Drop()
		loss := nn.NewMSELoss()
		step := func(in ...*torch.Tensor) error {
			s := torch.NewScope()
			defer s.Close()
			_, err := AutoencoderStep(ae, opt, loss, s.Attach(in[0].Detach()))
			return err
		}
		like := torch.Zeros([]int64{batch, 3, 32, 32})
		g := cuda.NewGraphedStep(dev, step, like)
		like.Drop()
		defer g.Drop()
		for k := 0; k < steps; k++ {
			v := make([]int64, batch)
			for i := range v {
				v[i] = int64((k*batch + i*5) % n)
			}
			idx := torch.FromSlice(v, batch).To(dev)
			x := norm.Apply(images, idx)
			if graphed {
				err = g.Run(x)
			} else {
				err = step(x)
			}
			idx.Drop()
			x.Drop()
			if err != nil {
				t.Fatal(err)
			}
		}
		if graphed && dev.IsCUDA() && !g.Captured() {
			t.Fatal("no graph was captured")
		}
		w, err := ae.Parameters()[0].Float32s()
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	eager, graphed := train(false), train(true)
	for i := range eager {
		if d := math.Abs(float64(eager[i] - graphed[i])); d > 1e-5 {
			t.Fatalf("weight %d after %d steps: eager %v, graphed %v", i, steps, eager[i], graphed[i])
		}
	}
}

// The fast path keeps the training images in one tensor: images of another size are a clear error
// before any training, not a crash.
func TestFastRejectsMixedSizes(t *testing.T) {
	dir := tinydata.CIFAR(t, 2, 1)
	img := image.NewRGBA(image.Rect(0, 0, 40, 24))
	f, err := os.Create(filepath.Join(dir, "train", "cat", "9999.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cfg, _ := testConfig(t, dir)
	cfg.Fast = true
	_, err = Run(context.Background(), cfg, all, "")
	// The image check says so, naming a file of each size, before the images are uploaded.
	if err == nil || !strings.Contains(err.Error(), "must all be one size") || !strings.Contains(err.Error(), "9999.png 40x24") {
		t.Fatalf("fast run on mixed sizes: %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(cfg.OutDir, AutoencoderFile)); statErr == nil {
		t.Fatal("a checkpoint was written before the data was checked")
	}
}
