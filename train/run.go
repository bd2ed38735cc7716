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

// Run is the blog end to end: train the autoencoder, train the classifier on its frozen encoder,
// test the best classifier checkpoint, and write the reports. stages selects what runs; a stage
// that is skipped takes its model from the checkpoint in cfg.OutDir (or weights, for the test).
func Run(ctx context.Context, cfg Config, stages map[string]bool, weights string) (*report.Results, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create output directory: %w", err)
	}
	torch.ManualSeed(cfg.Seed)
	d, err := LoadData(cfg)
	if err != nil {
		return nil, err
	}
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	clf := models.NewClassifier(ae)
	defer clf.Drop()
	if err := clf.To(cfg.Device); err != nil { // moves the shared encoder too
		return nil, err
	}
	if err := ae.To(cfg.Device); err != nil {
		return nil, err
	}
	seconds := map[string]float64{}
	history, _ := report.ReadHistory(cfg.OutDir) // earlier stages of this output directory, if any
	keep := func(stage string) report.History {
		var h report.History
		for _, e := range history {
			if e.Stage != stage {
				h = append(h, e)
			}
		}
		return h
	}

	if stages[StageAutoencoder] {
		start := time.Now()
		h, err := Autoencoder(ctx, cfg, ae, d)
		seconds[StageAutoencoder] = time.Since(start).Seconds()
		history = append(keep(StageAutoencoder), h...)
		if werr := report.WriteHistory(cfg.OutDir, history); werr != nil && err == nil {
			err = werr
		}
		if err != nil {
			return nil, err
		}
	}
	// The classifier starts from the best autoencoder checkpoint, as the blog's does after training;
	// the test needs it only for the reconstructions (the classifier checkpoint holds the encoder).
	if stages[StageClassifier] || stages[StageTest] {
		if err := loadInto(ae, filepath.Join(cfg.OutDir, AutoencoderFile), stages[StageClassifier]); err != nil {
			return nil, err
		}
	}
	if stages[StageClassifier] {
		start := time.Now()
		h, err := Classifier(ctx, cfg, clf, d)
		seconds[StageClassifier] = time.Since(start).Seconds()
		history = append(keep(StageClassifier), h...)
		if werr := report.WriteHistory(cfg.OutDir, history); werr != nil && err == nil {
			err = werr
		}
		if err != nil {
			return nil, err
		}
	}
	if !stages[StageTest] {
		return nil, writePlots(cfg, history)
	}
	if weights == "" {
		weights = filepath.Join(cfg.OutDir, ClassifierFile)
	}
	if err := loadInto(clf, weights, true); err != nil {
		return nil, err
	}
	start := time.Now()
	tr, err := Test(ctx, cfg, clf, d)
	if err != nil {
		return nil, err
	}
	seconds[StageTest] = time.Since(start).Seconds()
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
	if err := report.PlotConfusion(filepath.Join(cfg.OutDir, "confusion.png"), report.Confusion(len(d.Classes), tr.Truth, tr.Predict), d.Classes); err != nil {
		return &res, err
	}
	if err := writeReconstructions(cfg, ae, d); err != nil {
		return &res, err
	}
	return &res, writePlots(cfg, history)
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
