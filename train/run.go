package train

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aecifar/aecifar/internal/dirlock"
	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/vision/transforms/presets"
	"github.com/aecifar/aecifar/train/report"
)

// runState is one run: its configuration, models, data, history, and its resume state.
type runState struct {
	cfg     Config
	stages  []Stage // the stages of the command that started the run (the manifest's)
	ae      *models.ConvAutoencoder
	clf     *models.Classifier
	d       *Data
	data    dataPrint
	history report.History
	// resume is the manifest Resume continues; resumeTensors its state file's tensors.
	resume        *manifest
	resumeTensors torch.StateDict
	// committed is the last manifest written or resumed; pending the best checkpoints of the epoch
	// being ended, which its commit names; published what the published copies hold.
	committed  *manifest
	pending    map[string]fileRef
	published  map[string]string
	res        *resident // the fast path's data on the device (Config.Fast)
	notedEager bool      // noteEager has spoken
	during     string    // what the run is doing, for an interruption's message
}

// Interrupted is Run's error when its context is cancelled (Ctrl-C, SIGTERM): it says what was
// running and what the output directory holds for --resume. It wraps the context's error.
type Interrupted struct {
	OutDir string
	During string // "autoencoder epoch 3", "the test", "the data check"
	Saved  string // the last epoch committed ("classifier epoch 3 of 40"); "" when none was
	// Follower is set on a rank other than 0 of a data-parallel run, which commits nothing itself.
	Follower bool
	Err      error
}

func (e *Interrupted) Error() string {
	switch {
	case e.Follower:
		return fmt.Sprintf("interrupted during %s (rank 0 says what is saved in %s)", e.During, e.OutDir)
	case e.Saved == "" && e.During == "the test":
		return "interrupted during the test: run it again"
	case e.Saved == "":
		return fmt.Sprintf("interrupted during %s, before any epoch of this run was saved: nothing to resume; run the command again to start over", e.During)
	case e.During == "the test":
		return fmt.Sprintf("interrupted during the test; the training is saved in %s: continue with the same flags and --resume, which runs the test again", e.OutDir)
	}
	return fmt.Sprintf("interrupted during %s; %s is saved in %s: continue with the same flags and --resume", e.During, e.Saved, e.OutDir)
}

func (e *Interrupted) Unwrap() error { return e.Err }

// Run is the blog end to end: train the autoencoder, train the classifier on its frozen encoder,
// test the best classifier checkpoint, and write the reports. stages selects what runs; a stage
// that is skipped takes its model from the checkpoint in cfg.OutDir (weights, for the test). With
// cfg.Resume it continues an interrupted run from its last completed epoch.
//
// Before the first epoch Run checks everything it can (see check.go) and warns, on cfg.Progress,
// of settings that work but hurt (see warn.go). A run that trains holds cfg.OutDir's lock until it
// returns, and refuses a directory holding an interrupted run unless cfg.Resume or cfg.Restart; the
// test alone writes into its own directory (Config.TestDir). The Results are nil when the test did
// not run, and an interruption is an *Interrupted.
func Run(ctx context.Context, cfg Config, stages Stages, weights string) (*report.Results, error) {
	plan, err := cfg.plan(stages, weights)
	if err != nil {
		return nil, err
	}
	warn(cfg)
	r := &runState{cfg: cfg, stages: plan, pending: map[string]fileRef{}, published: map[string]string{}, during: "the data check"}
	if trains := plan[0] != StageTest; trains && !cfg.writes() {
		// Rank 0 decides what the run continues; the others then read what it decided.
		if err := cfg.agree(nil); errors.Is(err, errNothingToResume) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if err := r.follow(plan); err != nil {
			return nil, err
		}
	} else if trains {
		// Under a group the other ranks wait in agree for what rank 0 decides: a refusal reaches them.
		if err := outsideData(cfg.DataDir, cfg.OutDir, "--out "+cfg.OutDir); err != nil {
			return nil, cfg.agree(err)
		}
		_, statErr := os.Stat(cfg.OutDir)
		lock, err := lockDir(cfg.OutDir)
		if err != nil {
			return nil, cfg.agree(err)
		}
		defer lock.Release()
		// A run that fails before its first epoch leaves no directory it created.
		if errors.Is(statErr, fs.ErrNotExist) {
			defer func() {
				if r.committed == nil {
					lock.Remove()
				}
			}()
		}
		if err := cfg.agree(r.openRun(plan)); errors.Is(err, errNothingToResume) {
			fmt.Fprintf(cfg.progress(), "aecifar: the run in %s is complete: nothing to resume\n", cfg.OutDir)
			return nil, nil
		} else if err != nil {
			return nil, err
		}
	} else {
		if weights == "" {
			weights = filepath.Join(cfg.OutDir, ClassifierFile)
		}
		if err := cfg.checkTestDir(weights); err != nil {
			return nil, err
		}
	}
	res, err := r.run(ctx, plan, weights)
	if err != nil && ctx.Err() != nil { // whatever failed, failed because of the interruption
		saved := ""
		if r.committed != nil && !r.committed.Complete {
			saved = r.committed.describe()
		}
		return nil, &Interrupted{OutDir: cfg.OutDir, During: r.during, Saved: saved, Follower: !cfg.writes(), Err: ctx.Err()}
	}
	return res, err
}

// lockDir takes dir's lock, or says who holds it.
func lockDir(dir string) (*dirlock.Lock, error) {
	lock, err := dirlock.Acquire(dir)
	var held *dirlock.HeldError
	switch {
	case errors.As(err, &held) && held.Holder.PID != 0:
		return nil, fmt.Errorf("%s is in use by another aecifar (PID %d, `%s`, since %s): wait for it to end or choose another --out",
			dir, held.Holder.PID, held.Holder.Command, held.Holder.Since.Format(time.DateTime))
	case errors.As(err, &held):
		return nil, fmt.Errorf("%s is in use by another aecifar: wait for it to end or choose another --out", dir)
	case err != nil:
		return nil, fmt.Errorf("cannot write in output directory: %w", err)
	}
	return lock, nil
}

func (r *runState) run(ctx context.Context, plan []Stage, weights string) (*report.Results, error) {
	cfg := r.cfg
	trains := plan[0] != StageTest
	if cfg.Threads > 0 {
		if err := torch.SetNumThreads(cfg.Threads); err != nil {
			return nil, err
		}
	}
	if cfg.CacheHostMemory {
		torch.CacheHostMemory()
	}
	if err := torch.ManualSeed(cfg.streams().torch()); err != nil {
		return nil, err
	}
	r.ae = models.NewConvAutoencoder()
	defer r.ae.Drop()
	r.clf = models.NewClassifier(r.ae)
	defer r.clf.Drop()
	defer r.resumeTensors.Drop()

	plan, err := r.prepare(ctx, plan, weights)
	if r.res != nil {
		defer r.res.Drop()
	}
	if trains {
		// Every rank checks its data before the first step, and all learn whether one failed.
		err = cfg.agree(err)
	}
	if err != nil {
		return nil, err
	}

	seconds := map[Stage]float64{}
	timed := func(stage Stage, f func(context.Context) error) error {
		start := time.Now()
		err := f(ctx)
		seconds[stage] = time.Since(start).Seconds()
		return err
	}
	if slices.Contains(plan, StageAutoencoder) {
		if r.resume == nil {
			r.history = nil // a new autoencoder: the classifier's epochs, if any, were another's
		}
		stage := r.autoencoder
		if cfg.Fast {
			stage = r.autoencoderFast
		}
		if err := timed(StageAutoencoder, stage); err != nil {
			return nil, err
		}
	}
	if slices.Contains(plan, StageClassifier) {
		if r.resume == nil || r.resume.Stage != StageClassifier {
			r.history = r.history.Stage(report.StageAutoencoder)
		}
		stage := r.classifier
		if cfg.Fast {
			stage = r.classifierFast
		}
		if err := timed(StageClassifier, stage); err != nil {
			return nil, err
		}
	}
	if !cfg.writes() {
		return nil, nil // rank 0 tests and writes the reports
	}
	if !slices.Contains(plan, StageTest) {
		if err := writePlots(cfg.OutDir, r.history); err != nil {
			return nil, err
		}
		return nil, r.finishIfDone(plan)
	}

	r.during = "the test"
	out := cfg.OutDir
	if trains {
		// The test of a run is of the checkpoint it committed, never of one an older run left.
		if weights = r.bestCheckpoint(ClassifierFile); weights == "" {
			return nil, fmt.Errorf("the classifier stage saved no checkpoint: no epoch's validation loss was finite and below inf (see %s)", filepath.Join(out, report.HistoryCSV))
		}
		if err := loadInto(r.clf, weights); err != nil {
			return nil, err
		}
	} else {
		// The test's own directory is locked and made only now, once the test has something to
		// write there.
		out = cfg.testDir(weights)
		lock, err := lockDir(out)
		if err != nil {
			return nil, err
		}
		defer lock.Release()
	}
	var tr *TestResult
	if err := timed(StageTest, func(ctx context.Context) (err error) {
		if cfg.Fast {
			tr, err = testFast(cfg, r.clf, r.res, len(r.d.Classes))
		} else {
			tr, err = Test(ctx, cfg, r.clf, r.d)
		}
		return err
	}); err != nil {
		return nil, err
	}
	res := report.Results{Seed: cfg.Seed, Device: cfg.Device.String(), Torch: torch.Version(), Seconds: seconds}
	for i, c := range r.d.Classes {
		res.PerClass = append(res.PerClass, report.ClassResult{Class: c, Correct: tr.ClassCorrect[i], Total: tr.ClassTotal[i]})
		res.Correct += tr.ClassCorrect[i]
		res.Total += tr.ClassTotal[i]
	}
	cfg.logf("Test Loss: %s\n\n", pyFloat6(tr.Loss))
	for _, l := range res.Lines() {
		cfg.logf("%s\n", l)
	}
	if err := report.WriteResults(filepath.Join(out, "results.json"), res); err != nil {
		return &res, err
	}
	m, err := report.Confusion(len(r.d.Classes), tr.Truth, tr.Predict)
	if err != nil {
		return &res, err
	}
	if err := report.PlotConfusion(filepath.Join(out, "confusion.png"), m, r.d.Classes); err != nil {
		return &res, err
	}
	if !trains {
		return &res, nil // the reconstructions and the history are the run's, not the checkpoint's
	}
	if err := writeReconstructions(cfg, r.ae, r.d); err != nil {
		return &res, err
	}
	if err := writePlots(cfg.OutDir, r.history); err != nil {
		return &res, err
	}
	return &res, r.finishIfDone(plan)
}

// prepare loads what the command reads (checkpoints, the resume state) and checks and opens the
// data, before anything trains; it returns the stages left to run.
func (r *runState) prepare(ctx context.Context, plan []Stage, weights string) ([]Stage, error) {
	cfg := r.cfg
	trains := plan[0] != StageTest
	// The checkpoints a command reads are read before the data, so that a wrong one fails at once.
	// The classifier is built on the autoencoder as it is after its last epoch, as in the blog, whose
	// MyModel takes the in-memory ae_model's children (not the best checkpoint); without that stage
	// in this command the saved checkpoint stands in. A resumed run takes both from its state.
	switch {
	case !trains:
		if err := loadInto(r.clf, weights); err != nil {
			return nil, err
		}
	case plan[0] == StageClassifier && r.resume == nil:
		if err := loadInto(r.ae, filepath.Join(cfg.OutDir, AutoencoderFile)); err != nil {
			return nil, fmt.Errorf("%w (train-classifier trains on the autoencoder that train-ae saves there)", err)
		}
	}

	s, err := openSplits(cfg.DataDir, AugmentTransform(), TestTransform())
	if err != nil {
		return nil, err
	}
	warnMemory(cfg, s, trains)
	if r.data, err = checkImages(ctx, cfg, s, trains, cfg.Fast); err != nil {
		return nil, err
	}
	if err := r.checkResumeData(); err != nil {
		return nil, err
	}
	if r.d, err = newData(cfg, s); err != nil {
		return nil, err
	}
	// The classifier's parameters include the encoder it shares with the autoencoder.
	if err := r.clf.To(cfg.Device); err != nil {
		return nil, err
	}
	if err := r.ae.To(cfg.Device); err != nil {
		return nil, err
	}
	if r.resume != nil {
		if err := r.loadProgress(); err != nil {
			return nil, err
		}
		plan = stagesFrom(plan, r.resume.Stage)
	}
	if cfg.Fast {
		if r.res, err = loadResident(ctx, cfg); err != nil {
			return nil, err
		}
	}

	return plan, nil
}

// finishIfDone marks the run complete when this command ran every stage its manifest has left
// (a train-ae --resume of an interrupted run's autoencoder stage leaves the rest to run --resume).
func (r *runState) finishIfDone(ran []Stage) error {
	if r.committed == nil {
		return nil
	}
	for _, st := range stagesFrom(r.stages, r.committed.Stage) {
		if !slices.Contains(ran, st) {
			return nil
		}
	}
	return r.finish()
}

// plan is the stages Run runs, in order, after checking that they and the flags can work together.
func (c Config) plan(stages Stages, weights string) ([]Stage, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	plan := stages.List()
	has := stages.Has
	trains := has(StageAutoencoder) || has(StageClassifier)
	switch {
	case len(plan) == 0:
		return nil, errors.New("no stage to run")
	case has(StageAutoencoder) && has(StageTest) && !has(StageClassifier):
		return nil, errors.New("the test needs the classifier that the classifier stage trains on the new autoencoder: run the classifier stage too")
	case weights != "" && trains:
		return nil, errors.New("--weights chooses the checkpoint that test tests; a run tests the classifier it trains")
	case c.TestDir != "" && trains:
		return nil, errors.New("--test-out is test's; a run writes its results into --out")
	case (c.Resume || c.Restart) && !trains:
		return nil, errors.New("--resume and --restart are for the commands that train; test writes nothing a run resumes")
	case has(StageClassifier) && c.ClfEpochs == 0 && has(StageTest):
		return nil, errors.New("--clf-epochs 0 trains no classifier, so the test would have no checkpoint of this run to test: give at least 1 epoch, or use train-ae")
	case has(StageClassifier) && c.ClfEpochs == 0:
		return nil, errors.New("--clf-epochs 0: nothing to train")
	case plan[0] == StageAutoencoder && len(plan) == 1 && c.AEEpochs == 0:
		return nil, errors.New("--ae-epochs 0: nothing to train")
	}
	return plan, nil
}

// testDir is where a test of weights alone writes its results.
func (c Config) testDir(weights string) string {
	if c.TestDir != "" {
		return c.TestDir
	}
	name := filepath.Base(weights)
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".pt"), ".pth")
	return filepath.Join(c.OutDir, "test-"+name)
}

// loadInto loads a state_dict file into m.
func loadInto(m interface {
	LoadStateDict(torch.StateDict, bool) error
}, path string) error {
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

// writePlots draws the history's charts: the losses, and the accuracy once the classifier has
// epochs (a train-ae alone has none to draw).
func writePlots(dir string, h report.History) error {
	if len(h) == 0 {
		return nil
	}
	if err := report.PlotLosses(filepath.Join(dir, "loss.png"), h); err != nil {
		return err
	}
	if len(h.Stage(report.StageClassifier)) == 0 {
		return nil
	}
	return report.PlotAccuracy(filepath.Join(dir, "accuracy.png"), h)
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
						img[c*hw+j] = img[c*hw+j]*float32(presets.Std[c]) + float32(presets.Mean[c])
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
// cfg.OutDir, and returns the plot's path. It holds cfg.OutDir's lock while it writes there.
func Reconstruct(cfg Config) (string, error) {
	if err := outsideData(cfg.DataDir, cfg.OutDir, "--out "+cfg.OutDir); err != nil {
		return "", err
	}
	// The checkpoint is read before the lock is taken, so that an --out holding none (or none at
	// all) is left as it was.
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	if err := loadInto(ae, filepath.Join(cfg.OutDir, AutoencoderFile)); err != nil {
		return "", fmt.Errorf("%w (reconstruct plots the autoencoder that run or train-ae saves in --out)", err)
	}
	lock, err := lockDir(cfg.OutDir)
	if err != nil {
		return "", err
	}
	defer lock.Release()
	if err := ae.To(cfg.Device); err != nil {
		return "", err
	}
	d, err := LoadData(cfg)
	if err != nil {
		return "", err
	}
	return filepath.Join(cfg.OutDir, "reconstructions.png"), writeReconstructions(cfg, ae, d)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
