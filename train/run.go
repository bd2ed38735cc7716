package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/train/report"
)

// Stages of a run, in order.
const (
	StageAutoencoder = "autoencoder"
	StageClassifier  = "classifier"
	StageTest        = "test"
)

// runState is one run: its configuration, models, data, history, and what it resumes from.
type runState struct {
	cfg           Config
	ae            *models.ConvAutoencoder
	clf           *models.Classifier
	d             *Data
	history       report.History
	resume        *progress
	resumeTensors torch.StateDict
	res           *resident // the fast path's data on the device (Config.Fast)
	notedEager    bool      // noteEager has spoken
}

// stageOrder is the order in which a run goes through the stages.
var stageOrder = []string{StageAutoencoder, StageClassifier, StageTest}

// Run is the blog end to end: train the autoencoder, train the classifier on its frozen encoder,
// test the best classifier checkpoint, and write the reports. stages selects what runs; a stage
// that is skipped takes its model from the checkpoint in cfg.OutDir (weights, for the test). With
// cfg.Resume it continues an interrupted run from its last completed epoch.
func Run(ctx context.Context, cfg Config, stages map[string]bool, weights string) (*report.Results, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create output directory: %w", err)
	}
	if cfg.Threads > 0 {
		if err := torch.SetNumThreads(cfg.Threads); err != nil {
			return nil, err
		}
	}
	if cfg.CacheHostMemory {
		torch.CacheHostMemory()
	}
	torch.ManualSeed(cfg.Seed)
	d, err := LoadData(cfg)
	if err != nil {
		return nil, err
	}
	r := &runState{cfg: cfg, d: d, ae: models.NewConvAutoencoder()}
	defer r.ae.Drop()
	if cfg.Fast {
		if r.res, err = loadResident(ctx, cfg); err != nil {
			return nil, err
		}
		defer r.res.Drop()
	}
	r.clf = models.NewClassifier(r.ae)
	defer r.clf.Drop()
	defer r.resumeTensors.Drop()
	// The classifier's parameters include the encoder it shares with the autoencoder.
	if err := r.clf.To(cfg.Device); err != nil {
		return nil, err
	}
	if err := r.ae.To(cfg.Device); err != nil {
		return nil, err
	}
	if cfg.Resume {
		if err := r.loadProgress(); err != nil {
			return nil, err
		}
		// Stages before the one in progress are complete.
		for _, st := range stageOrder {
			if st == r.resume.Stage {
				break
			}
			stages[st] = false
		}
	} else if h, err := report.ReadHistory(cfg.OutDir); err == nil {
		r.history = h // earlier stages run separately into this output directory
	}
	seconds := map[string]float64{}
	timed := func(stage string, f func(context.Context) error) error {
		start := time.Now()
		err := f(ctx)
		seconds[stage] = time.Since(start).Seconds()
		return err
	}

	if stages[StageAutoencoder] {
		r.dropHistory(StageAutoencoder)
		stage := r.autoencoder
		if cfg.Fast {
			stage = r.autoencoderFast
		}
		if err := timed(StageAutoencoder, stage); err != nil {
			return nil, err
		}
	}
	// The classifier is built on the autoencoder as it is after its last epoch, as in the blog, whose
	// MyModel takes the in-memory ae_model's children (not the best checkpoint). Without that stage
	// in this process, the saved checkpoint stands in (required to train the classifier; for the
	// test only the reconstructions need it, the classifier checkpoint holds the encoder). A
	// resumed classifier stage took its encoder from the resume file.
	resumingClassifier := r.resume != nil && r.resume.Stage == StageClassifier
	if !stages[StageAutoencoder] && !resumingClassifier && (stages[StageClassifier] || stages[StageTest]) {
		if err := loadInto(r.ae, filepath.Join(cfg.OutDir, AutoencoderFile), stages[StageClassifier]); err != nil {
			return nil, err
		}
	}
	if stages[StageClassifier] {
		r.dropHistory(StageClassifier)
		stage := r.classifier
		if cfg.Fast {
			stage = r.classifierFast
		}
		if err := timed(StageClassifier, stage); err != nil {
			return nil, err
		}
	}
	if !stages[StageTest] {
		return nil, writePlots(cfg, r.history)
	}
	if weights == "" {
		weights = filepath.Join(cfg.OutDir, ClassifierFile)
	}
	if err := loadInto(r.clf, weights, true); err != nil {
		return nil, err
	}
	var tr *TestResult
	if err := timed(StageTest, func(ctx context.Context) (err error) {
		if cfg.Fast {
			tr, err = testFast(cfg, r.clf, r.res, len(d.Classes))
		} else {
			tr, err = Test(ctx, cfg, r.clf, d)
		}
		return err
	}); err != nil {
		return nil, err
	}
	res := report.Results{Seed: cfg.Seed, Device: cfg.Device.String(), Torch: torch.Version(), Seconds: seconds}
	for i, c := range d.Classes {
		res.PerClass = append(res.PerClass, report.ClassResult{Class: c, Correct: tr.ClassCorrect[i], Total: tr.ClassTotal[i]})
		res.Correct += tr.ClassCorrect[i]
		res.Total += tr.ClassTotal[i]
	}
	cfg.logf("Test Loss: %s\n\n", pyFloat6(tr.Loss))
	for _, l := range res.Lines() {
		cfg.logf("%s\n", l)
	}
	if err := report.WriteResults(filepath.Join(cfg.OutDir, "results.json"), res); err != nil {
		return &res, err
	}
	m, err := report.Confusion(len(d.Classes), tr.Truth, tr.Predict)
	if err != nil {
		return &res, err
	}
	if err := report.PlotConfusion(filepath.Join(cfg.OutDir, "confusion.png"), m, d.Classes); err != nil {
		return &res, err
	}
	if err := writeReconstructions(cfg, r.ae, d); err != nil {
		return &res, err
	}
	return &res, writePlots(cfg, r.history)
}

// dropHistory forgets the epochs of a stage about to run from its start (a resumed stage keeps
// those its resume file covers: resumeStage trims them).
func (r *runState) dropHistory(stage string) {
	if r.resume != nil && r.resume.Stage == stage {
		return
	}
	var h report.History
	for _, e := range r.history {
		if e.Stage != stage {
			h = append(h, e)
		}
	}
	r.history = h
}

// loadInto loads a state_dict file into m; a missing file is an error only when required.
func loadInto(m interface {
	LoadStateDict(torch.StateDict, bool) error
}, path string, required bool) error {
	if _, err := os.Stat(path); err != nil && !required {
		return nil
	}
	sd, err := torch.Load(path)
	if err != nil {
		return fmt.Errorf("cannot load checkpoint: %w", err)
	}
	defer sd.Drop()
	if err := m.LoadStateDict(sd, true); err != nil {
		return fmt.Errorf("checkpoint %s does not fit the model: %w", path, err)
	}
	return nil
}

func writePlots(cfg Config, h report.History) error {
	if len(h) == 0 {
		return nil
	}
	if err := report.PlotLosses(filepath.Join(cfg.OutDir, "loss.png"), h); err != nil {
		return err
	}
	return report.PlotAccuracy(filepath.Join(cfg.OutDir, "accuracy.png"), h)
}

// writeReconstructions plots the first test batch beside the autoencoder's reconstructions. Both
// are shown un-normalised (x*std+mean), the autoencoder's sigmoid output as it is.
func writeReconstructions(cfg Config, ae *models.ConvAutoencoder, d *Data) error {
	it := d.Test.Iter(context.Background())
	defer it.Close()
	if !it.Next() {
		return it.Err()
	}
	b := it.Batch()
	var originals, recons [][]float32
	var err error
	torch.NoGrad(func() {
		torch.WithScope(func(s *torch.Scope) {
			x, _ := toDevice(s, b, cfg.Device)
			var out []float32
			if out, err = ae.Forward(x).Float32s(); err != nil {
				return
			}
			per := len(b.Data) / b.Len()
			for i := 0; i < min(b.Len(), 10); i++ {
				img := append([]float32(nil), b.Data[i*per:(i+1)*per]...)
				hw := per / 3
				for c := 0; c < 3; c++ {
					for j := 0; j < hw; j++ {
						img[c*hw+j] = img[c*hw+j]*float32(Std[c]) + float32(Mean[c])
					}
				}
				originals = append(originals, img)
				recons = append(recons, out[i*per:(i+1)*per])
			}
		})
	})
	if err != nil {
		return err
	}
	return report.PlotReconstructions(filepath.Join(cfg.OutDir, "reconstructions.png"), originals, recons, int(b.Shape[2]), int(b.Shape[3]))
}

// Reconstruct plots the first test images beside their reconstructions by the autoencoder saved in
// cfg.OutDir, and returns the plot's path.
func Reconstruct(cfg Config) (string, error) {
	d, err := LoadData(cfg)
	if err != nil {
		return "", err
	}
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	if err := ae.To(cfg.Device); err != nil {
		return "", err
	}
	if err := loadInto(ae, filepath.Join(cfg.OutDir, AutoencoderFile), true); err != nil {
		return "", err
	}
	return filepath.Join(cfg.OutDir, "reconstructions.png"), writeReconstructions(cfg, ae, d)
}
