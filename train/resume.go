package train

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aecifar/aecifar/internal/atomicfile"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/optim/lr_scheduler"
	"github.com/aecifar/aecifar/train/report"
)

// The resume state. After every epoch a run commits where it stands in one atomic step, the
// rename that puts a new resume.json in place, so that a run killed at any instant (SIGKILL, a
// power cut) either continues with --resume exactly as the uninterrupted run would have gone on (on
// the CPU: byte-identical checkpoints, history and results; the interrupted epoch is redone from its
// start), or, when no epoch was committed yet, refuses to resume in one line.
//
// resume.json (the manifest) holds the epoch's counters and scheduler, the configuration and data
// fingerprint the run must be resumed with, the history (history.csv's exact text), and the paths
// and SHA-256 of the files it stands for, under resume/:
//
//	resume/state-STAGE-EPOCH.pt   the models, the optimizer's state and the CPU generator's state
//	resume/NAME-EPOCH.pt          the best checkpoint so far of NAME (cifar_autoencoder, model_cifar10)
//
// Each is written (atomically) before a manifest names it, and removed only once the committed
// manifest no longer does. The files a user reads, cifar_autoencoder.pt, model_cifar10.pt,
// history.csv and history.json, are published from the committed state after each commit, and
// published again by a resumed run where a kill came between the commit and the copy. A run whose
// command finished commits a last manifest marked complete, then removes resume/.
const (
	manifestFile   = "resume.json"
	stateDir       = "resume"
	manifestFormat = 2
	stateKey       = "state" // the state file's key in manifest.Files
	legacyTensors  = "resume.pt"
)

// manifest is resume.json.
type manifest struct {
	Format   int      `json:"format"`
	Stages   []Stage  `json:"stages"`   // what the command that started the run runs, in order
	Complete bool     `json:"complete"` // all of them finished
	Stage    Stage    `json:"stage"`    // the training stage in progress, or the last one trained
	Epoch    int      `json:"epoch"`    // its completed epochs
	Epochs   int      `json:"epochs"`   // of how many
	LossMin  *float64 `json:"loss_min"` // train_loss_min or valid_loss_min; null while inf
	// Scheduler is the stage's ReduceLROnPlateau.
	Scheduler plateauState       `json:"scheduler"`
	Config    resumableConfig    `json:"config"`
	Data      dataPrint          `json:"data"`
	Files     map[string]fileRef `json:"files,omitempty"` // stateKey, AutoencoderFile, ClassifierFile
	History   string             `json:"history"`         // history.csv's text
}

// fileRef names a file of the resume state, relative to the output directory, by content.
type fileRef struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// resumableConfig is what must not change between a run and its resumption: the numbers depend on
// it. (The device, workers and threads change none on the CPU; the data is compared by content.)
type resumableConfig struct {
	AEEpochs  int    `json:"ae_epochs"`
	ClfEpochs int    `json:"clf_epochs"`
	BatchSize int    `json:"batch_size"`
	Seed      uint64 `json:"seed"`
	MaxBatch  int    `json:"max_batches"`
	Fast      bool   `json:"fast"`
}

// diff lists the flags in which o differs from c, as --flag X (then) and --flag Y (now).
func (c resumableConfig) diff(o resumableConfig) (then, now []string) {
	add := func(flag string, a, b any) {
		if a != b {
			then, now = append(then, fmt.Sprintf("--%s %v", flag, a)), append(now, fmt.Sprintf("--%s %v", flag, b))
		}
	}
	add("ae-epochs", c.AEEpochs, o.AEEpochs)
	add("clf-epochs", c.ClfEpochs, o.ClfEpochs)
	add("batch-size", c.BatchSize, o.BatchSize)
	add("seed", c.Seed, o.Seed)
	add("max-batches", c.MaxBatch, o.MaxBatch)
	add("fast", c.Fast, o.Fast)
	return then, now
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
	return resumableConfig{AEEpochs: c.AEEpochs, ClfEpochs: c.ClfEpochs, BatchSize: c.BatchSize, Seed: c.Seed, MaxBatch: c.MaxBatches, Fast: c.Fast}
}

// optimizerState is what resume needs of an optimizer.
type optimizerState interface {
	StateDict() torch.StateDict
	LoadStateDict(torch.StateDict) error
}

// errNothingToResume is readManifest's answer for a complete run under --resume: nothing runs.
var errNothingToResume = errors.New("nothing to resume")

// readManifest reads dir's resume.json: nil without one.
func readManifest(dir string) (*manifest, error) {
	path := filepath.Join(dir, manifestFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): start afresh with --restart", path, err)
	}
	if m.Format != manifestFormat {
		return nil, fmt.Errorf("%s holds the resume state of an earlier aecifar, which this one cannot read: start afresh with --restart", dir)
	}
	return &m, nil
}

// describe says how far the manifest's run got, for messages: "autoencoder epoch 3 of 35".
func (m *manifest) describe() string {
	return fmt.Sprintf("%s epoch %d of %d", m.Stage, m.Epoch, m.Epochs)
}

// openRun decides, before anything is loaded, how this run treats what OutDir holds: it refuses to
// overwrite an interrupted run (unless Restart), finds what Resume continues, and takes the history
// of earlier stages that a command running later ones adds to. plan is this command's stages.
func (r *runState) openRun(plan []Stage) error {
	cfg := r.cfg
	m, err := readManifest(cfg.OutDir)
	legacy := fileExists(filepath.Join(cfg.OutDir, legacyTensors))
	if err != nil && !cfg.Restart {
		return err
	}
	switch {
	case cfg.Restart:
		// The old state goes first, commit point first, so that nothing of it is mixed with the new.
		for _, name := range []string{manifestFile, legacyTensors, stateDir} {
			if err := os.RemoveAll(filepath.Join(cfg.OutDir, name)); err != nil {
				return fmt.Errorf("--restart: %w", err)
			}
		}
		if m != nil {
			r.inherit(m.History, plan)
		}
		return nil
	case cfg.Resume && m == nil:
		if legacy {
			return fmt.Errorf("%s holds the resume state of an earlier aecifar, which this one cannot read: start afresh with --restart", cfg.OutDir)
		}
		return fmt.Errorf("nothing to resume in %s: no epoch was saved there (no %s); start the run without --resume", cfg.OutDir, manifestFile)
	case cfg.Resume && m.Complete:
		// A kill may have come after the last commit, before its tidying: finish that.
		if h, err := report.ParseHistoryCSV([]byte(m.History)); err == nil {
			if err := report.WriteHistory(cfg.OutDir, h); err != nil {
				return err
			}
		}
		if err := os.RemoveAll(filepath.Join(cfg.OutDir, stateDir)); err != nil {
			return err
		}
		return errNothingToResume
	case cfg.Resume:
		if then, now := m.Config.diff(cfg.resumable()); len(then) > 0 {
			return fmt.Errorf("cannot resume the run in %s with other settings: it ran with %s, this command gives %s; give the interrupted run's flags",
				cfg.OutDir, strings.Join(then, " "), strings.Join(now, " "))
		}
		if len(stagesFrom(plan, m.Stage)) == 0 {
			return fmt.Errorf("the run in %s is in its %s stage (%s saved), which this command does not run: resume it with the command that started it",
				cfg.OutDir, m.Stage, m.describe())
		}
		r.resume = m
		return nil
	case m != nil && !m.Complete:
		return fmt.Errorf("%s holds an interrupted run (%s saved): continue it with --resume, or start afresh with --restart", cfg.OutDir, m.describe())
	case m == nil && legacy:
		return fmt.Errorf("%s holds the resume state of an earlier aecifar, which this one cannot read: start afresh with --restart", cfg.OutDir)
	case m != nil:
		r.inherit(m.History, plan)
		return nil
	}
	// No resume state: a directory of an earlier aecifar, or one a user filled. Its history counts
	// only where this command adds a stage to it, and must then be readable.
	if plan[0] == StageAutoencoder {
		return nil
	}
	h, err := report.ReadHistory(cfg.OutDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%v: remove it or start afresh with --restart", err)
	}
	r.history = h.Stage(report.StageAutoencoder)
	return nil
}

// inherit keeps the epochs of the stages before plan's first from a history in history.csv's
// form: a command that adds a stage to a run keeps the run's earlier history. (The manifest's
// history was written by this package; a damaged one is dropped with its manifest.)
func (r *runState) inherit(csv string, plan []Stage) {
	if plan[0] == StageAutoencoder {
		return
	}
	if h, err := report.ParseHistoryCSV([]byte(csv)); err == nil {
		r.history = h.Stage(report.StageAutoencoder)
	}
}

// checkResumeData refuses to resume on data other than the run's.
func (r *runState) checkResumeData() error {
	if r.resume == nil {
		return nil
	}
	then, now := r.resume.Data, r.data
	if then.SHA256 == now.SHA256 {
		return nil
	}
	what := "its content changed"
	if then.Train != now.Train || then.Test != now.Test {
		what = fmt.Sprintf("it held %d training and %d test images, now %d and %d", then.Train, then.Test, now.Train, now.Test)
	} else if !slices.Equal(then.Classes, now.Classes) {
		what = fmt.Sprintf("its classes were %s, now %s", strings.Join(then.Classes, ", "), strings.Join(now.Classes, ", "))
	}
	return fmt.Errorf("cannot resume the run in %s: its data is not %s's (%s); resume with the run's data or start afresh with --restart", r.cfg.OutDir, r.cfg.DataDir, what)
}

// fileSHA256 is the SHA-256 of a file's content, in hex.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// saveRef saves sd under rel (relative to the output directory) and returns its reference.
func (r *runState) saveRef(sd torch.StateDict, rel string) (fileRef, error) {
	path := filepath.Join(r.cfg.OutDir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fileRef{}, err
	}
	if err := torch.Save(sd, path); err != nil {
		return fileRef{}, err
	}
	sum, err := fileSHA256(path)
	return fileRef{Path: rel, SHA256: sum}, err
}

// saveBest saves a stage's best checkpoint so far, as the blog's torch.save(model.state_dict(),
// NAME) does, into the resume state: it is published as NAME once the epoch is committed.
func (r *runState) saveBest(name string, sd torch.StateDict, epoch int) error {
	if !r.cfg.writes() {
		return nil
	}
	ref, err := r.saveRef(sd, filepath.Join(stateDir, fmt.Sprintf("%s-%04d.pt", strings.TrimSuffix(name, ".pt"), epoch)))
	if err != nil {
		return fmt.Errorf("saving %s: %w", name, err)
	}
	r.pending[name] = ref
	return nil
}

// saveProgress commits an epoch: the models' parameters, the optimizer's state and the CPU
// generator's state into a new state file, then the manifest that names it with the best
// checkpoints, then the published copies.
func (r *runState) saveProgress(stage Stage, epoch int, lossMin float64, opt optimizerState, sched *lr_scheduler.ReduceLROnPlateau) error {
	if !r.cfg.writes() {
		return nil // rank 0 commits the epoch
	}
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
	state, err := r.saveRef(sd, filepath.Join(stateDir, fmt.Sprintf("state-%s-%04d.pt", stage, epoch)))
	if err != nil {
		return fmt.Errorf("writing the resume state: %w", err)
	}
	m := r.newManifest(stage, epoch)
	m.LossMin, m.Scheduler = finite(lossMin), saveScheduler(sched)
	m.Files[stateKey] = state
	for name, ref := range r.pending {
		m.Files[name] = ref
	}
	clear(r.pending)
	if err := r.commit(m); err != nil {
		return err
	}
	if r.cfg.afterEpoch != nil {
		r.cfg.afterEpoch(stage, epoch)
	}
	return nil
}

// newManifest is the manifest of this run at a stage's epoch, naming the committed best
// checkpoints.
func (r *runState) newManifest(stage Stage, epoch int) *manifest {
	m := &manifest{Format: manifestFormat, Stages: r.stages, Stage: stage, Epoch: epoch, Epochs: r.cfg.stageEpochs(stage),
		Config: r.cfg.resumable(), Data: r.data, Files: map[string]fileRef{}}
	if r.committed != nil {
		for _, name := range []string{AutoencoderFile, ClassifierFile} {
			if ref, ok := r.committed.Files[name]; ok {
				m.Files[name] = ref
			}
		}
	}
	return m
}

func (c Config) stageEpochs(stage Stage) int {
	if stage == StageAutoencoder {
		return c.AEEpochs
	}
	return c.ClfEpochs
}

// commit writes m as resume.json with the run's history, the commit point, then publishes the
// state it names.
func (r *runState) commit(m *manifest) error {
	h, err := r.history.MarshalCSV()
	if err != nil {
		return err
	}
	m.History = string(h)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(r.cfg.OutDir, manifestFile), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	}); err != nil {
		return fmt.Errorf("writing the resume state: %w", err)
	}
	r.committed = m
	return r.publish()
}

// publish makes the files a user reads match the committed state: the best checkpoints (copied
// where their content differs) and the history; then it removes what the state no longer names.
func (r *runState) publish() error {
	m, out := r.committed, r.cfg.OutDir
	for _, name := range []string{AutoencoderFile, ClassifierFile} {
		ref, ok := m.Files[name]
		if !ok {
			continue
		}
		dst := filepath.Join(out, name)
		if r.published[name] == ref.SHA256 {
			continue
		}
		if sum, err := fileSHA256(dst); err != nil || sum != ref.SHA256 {
			if err := copyFile(filepath.Join(out, ref.Path), dst); err != nil {
				return fmt.Errorf("publishing %s: %w", name, err)
			}
		}
		r.published[name] = ref.SHA256
	}
	if err := report.WriteHistory(out, r.history); err != nil {
		return err
	}
	return r.prune()
}

// prune removes the files of resume/ that the committed manifest does not name: earlier epochs',
// and those of an epoch that was interrupted before its commit.
func (r *runState) prune() error {
	entries, err := os.ReadDir(filepath.Join(r.cfg.OutDir, stateDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	named := map[string]bool{}
	for _, ref := range r.committed.Files {
		named[filepath.Base(ref.Path)] = true
	}
	for _, e := range entries {
		// Temporary files (.NAME.tmp-*) are atomicfile's to remove.
		if !named[e.Name()] && !strings.HasPrefix(e.Name(), ".") {
			if err := os.Remove(filepath.Join(r.cfg.OutDir, stateDir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyFile copies src over dst atomically.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return atomicfile.Write(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// finish commits the run as complete once its command's last stage is done, and removes the
// resume state: the published files are all there is to keep.
func (r *runState) finish() error {
	if r.committed == nil {
		return nil // the command trained no epoch (the test, or epochs already complete)
	}
	m := *r.committed
	m.Complete, m.Files = true, nil
	if err := r.commit(&m); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(r.cfg.OutDir, stateDir))
}

// loadProgress restores the resumed run: it checks the files the manifest names against their
// hashes, loads the models' parameters and the generator, takes the history, and publishes what a
// kill may have left unpublished. The optimizer and scheduler are restored by the stage that
// resumes (resumeStage).
func (r *runState) loadProgress() error {
	m, out := r.resume, r.cfg.OutDir
	for _, key := range []string{stateKey, AutoencoderFile, ClassifierFile} {
		ref, ok := m.Files[key]
		if !ok {
			if key == stateKey {
				return fmt.Errorf("cannot resume: %s names no state file: start afresh with --restart", filepath.Join(out, manifestFile))
			}
			continue
		}
		sum, err := fileSHA256(filepath.Join(out, ref.Path))
		if err != nil {
			return fmt.Errorf("cannot resume: %v: start afresh with --restart", err)
		}
		if sum != ref.SHA256 {
			return fmt.Errorf("cannot resume: %s is damaged (its SHA-256 is not the one %s recorded): start afresh with --restart", filepath.Join(out, ref.Path), manifestFile)
		}
	}
	h, err := report.ParseHistoryCSV([]byte(m.History))
	if err != nil {
		return fmt.Errorf("cannot resume: %s: %v: start afresh with --restart", filepath.Join(out, manifestFile), err)
	}
	sd, err := torch.Load(filepath.Join(out, m.Files[stateKey].Path))
	if err != nil {
		return fmt.Errorf("cannot resume: %w", err)
	}
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
	r.history, r.committed, r.stages = h, m, m.Stages
	if !r.cfg.writes() {
		return nil
	}
	return r.publish()
}

// resumeStage restores the optimizer and scheduler of stage and returns the first epoch to run and
// the best loss so far; for a stage not being resumed it returns 1 and +inf.
func (r *runState) resumeStage(stage Stage, opt optimizerState, sched *lr_scheduler.ReduceLROnPlateau) (int, float64, error) {
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
	return r.resume.Epoch + 1, orInf(r.resume.LossMin, 1), nil
}

// bestCheckpoint is the path of the best checkpoint of name that this run committed, or "".
func (r *runState) bestCheckpoint(name string) string {
	if r.committed == nil {
		return ""
	}
	if ref, ok := r.committed.Files[name]; ok {
		return filepath.Join(r.cfg.OutDir, ref.Path)
	}
	return ""
}
