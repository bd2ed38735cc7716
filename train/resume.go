package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/aecifar/aecifar/internal/atomicfile"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/optim/lr_scheduler"
	"github.com/aecifar/aecifar/train/report"
)

// Resume files: after every epoch a run writes where it stands, so that an interrupted run (Ctrl-C,
// SIGTERM, a crash) continues with --resume from the last completed epoch and computes exactly what
// the uninterrupted run would have (on the CPU; the interrupted epoch is redone from its start).
// Both files are written atomically (temporary file, fsync, rename), tensors first.
const (
	resumeJSON    = "resume.json"
	resumeTensors = "resume.pt"
)

// progress is resume.json.
type progress struct {
	Stage     string          `json:"stage"`    // the stage in progress
	Epoch     int             `json:"epoch"`    // its completed epochs
	LossMin   *float64        `json:"loss_min"` // train_loss_min or valid_loss_min; null while inf
	Scheduler plateauState    `json:"scheduler"`
	Config    resumableConfig `json:"config"`
}

// resumableConfig is what must not change between a run and its resumption.
type resumableConfig struct {
	DataDir   string `json:"data_dir"`
	AEEpochs  int    `json:"ae_epochs"`
	ClfEpochs int    `json:"clf_epochs"`
	BatchSize int    `json:"batch_size"`
	Seed      uint64 `json:"seed"`
	MaxBatch  int    `json:"max_batches"`
	Fast      bool   `json:"fast,omitempty"`
}

type plateauState struct {
	Best            *float64  `json:"best"` // null while ±inf
	NumBadEpochs    int       `json:"num_bad_epochs"`
	CooldownCounter int       `json:"cooldown_counter"`
	LastEpoch       int       `json:"last_epoch"`
	LRs             []float64 `json:"lrs"`
}

func finite(x float64) *float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return nil
	}
	return &x
}

func orInf(p *float64, sign int) float64 {
	if p == nil {
		return math.Inf(sign)
	}
	return *p
}

func saveScheduler(s *lr_scheduler.ReduceLROnPlateau) plateauState {
	return plateauState{Best: finite(s.Best), NumBadEpochs: s.NumBadEpochs, CooldownCounter: s.CooldownCounter,
		LastEpoch: s.LastEpoch, LRs: s.GetLastLR()}
}

func restoreScheduler(s *lr_scheduler.ReduceLROnPlateau, st plateauState) {
	sign := 1
	if s.Mode == "max" {
		sign = -1
	}
	s.Best = orInf(st.Best, sign)
	s.NumBadEpochs, s.CooldownCounter, s.LastEpoch = st.NumBadEpochs, st.CooldownCounter, st.LastEpoch
	for i, g := range s.Optimizer.ParamGroups() {
		if i < len(st.LRs) {
			g.LR = st.LRs[i]
		}
	}
}

func (c Config) resumable() resumableConfig {
	return resumableConfig{DataDir: c.DataDir, AEEpochs: c.AEEpochs, ClfEpochs: c.ClfEpochs, BatchSize: c.BatchSize, Seed: c.Seed, MaxBatch: c.MaxBatches, Fast: c.Fast}
}

// optimizerState is what resume needs of an optimizer.
type optimizerState interface {
	StateDict() torch.StateDict
	LoadStateDict(torch.StateDict) error
}

// saveProgress writes the resume files after an epoch: models' parameters, the optimizer's state
// and the CPU generator's state in resume.pt, the rest in resume.json.
func (r *runState) saveProgress(stage string, epoch int, lossMin float64, opt optimizerState, sched *lr_scheduler.ReduceLROnPlateau) error {
	sd := torch.StateDict{}
	for _, nt := range r.clf.StateDict() { // includes the encoder, shared with the autoencoder
		sd = append(sd, torch.NamedTensor{Name: "classifier." + nt.Name, Tensor: nt.Tensor})
	}
	for _, nt := range r.ae.StateDict() {
		sd = append(sd, torch.NamedTensor{Name: "autoencoder." + nt.Name, Tensor: nt.Tensor})
	}
	owned := opt.StateDict()
	defer owned.Drop()
	for _, nt := range owned {
		sd = append(sd, torch.NamedTensor{Name: "optimizer." + nt.Name, Tensor: nt.Tensor})
	}
	rng := torch.GetRNGState()
	defer rng.Drop()
	sd = append(sd, torch.NamedTensor{Name: "rng_state", Tensor: rng})
	if err := torch.Save(sd, filepath.Join(r.cfg.OutDir, resumeTensors)); err != nil {
		return fmt.Errorf("writing the resume checkpoint: %w", err)
	}
	p := progress{Stage: stage, Epoch: epoch, LossMin: finite(lossMin), Scheduler: saveScheduler(sched),
		Config: r.cfg.resumable()}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(r.cfg.OutDir, resumeJSON), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	}); err != nil {
		return fmt.Errorf("writing the resume state: %w", err)
	}
	if err := report.WriteHistory(r.cfg.OutDir, r.history); err != nil {
		return err
	}
	if r.cfg.afterEpoch != nil {
		r.cfg.afterEpoch(stage, epoch)
	}
	return nil
}

// loadProgress reads the resume files of cfg.OutDir and restores the models' parameters and the
// generator. The optimizer and scheduler are restored by the stage that resumes (resumeStage).
func (r *runState) loadProgress() error {
	b, err := os.ReadFile(filepath.Join(r.cfg.OutDir, resumeJSON))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("nothing to resume in %s (no %s): start the run without --resume", r.cfg.OutDir, resumeJSON)
	}
	if err != nil {
		return err
	}
	var p progress
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("%s is damaged: %v", filepath.Join(r.cfg.OutDir, resumeJSON), err)
	}
	if p.Config != r.cfg.resumable() {
		return fmt.Errorf("cannot resume: the run in %s used %+v, this one %+v", r.cfg.OutDir, p.Config, r.cfg.resumable())
	}
	sd, err := torch.Load(filepath.Join(r.cfg.OutDir, resumeTensors))
	if err != nil {
		return fmt.Errorf("cannot resume: %w", err)
	}
	r.resume = &p
	r.resumeTensors = sd
	pick := func(prefix string) torch.StateDict {
		var out torch.StateDict
		for _, nt := range sd {
			if name, ok := strings.CutPrefix(nt.Name, prefix); ok {
				out = append(out, torch.NamedTensor{Name: name, Tensor: nt.Tensor})
			}
		}
		return out
	}
	if err := r.ae.LoadStateDict(pick("autoencoder."), true); err != nil {
		return fmt.Errorf("cannot resume: %w", err)
	}
	if err := r.clf.LoadStateDict(pick("classifier."), true); err != nil {
		return fmt.Errorf("cannot resume: %w", err)
	}
	if rng := sd.Get("rng_state"); rng != nil {
		if err := torch.SetRNGState(rng); err != nil {
			return err
		}
	}
	if h, err := report.ReadHistory(r.cfg.OutDir); err == nil {
		r.history = h
	}
	return nil
}

// resumeStage restores the optimizer and scheduler of stage and returns the first epoch to run and
// the best loss so far; for a stage not being resumed it returns 1 and +inf.
func (r *runState) resumeStage(stage string, opt optimizerState, sched *lr_scheduler.ReduceLROnPlateau) (int, float64, error) {
	if r.resume == nil || r.resume.Stage != stage {
		return 1, math.Inf(1), nil
	}
	var osd torch.StateDict
	for _, nt := range r.resumeTensors {
		if name, ok := strings.CutPrefix(nt.Name, "optimizer."); ok {
			osd = append(osd, torch.NamedTensor{Name: name, Tensor: nt.Tensor})
		}
	}
	if err := opt.LoadStateDict(osd); err != nil {
		return 0, 0, fmt.Errorf("cannot resume the optimizer: %w", err)
	}
	restoreScheduler(sched, r.resume.Scheduler)
	// Keep only the history of the epochs the resume file covers.
	var h report.History
	for _, e := range r.history {
		if e.Stage != stage || e.Epoch <= r.resume.Epoch {
			h = append(h, e)
		}
	}
	r.history = h
	return r.resume.Epoch + 1, orInf(r.resume.LossMin, 1), nil
}
