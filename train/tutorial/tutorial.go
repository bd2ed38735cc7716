// Package tutorial holds what the ported PyTorch tutorials (train/blitz, train/mnist) share and the
// seed's train package keeps to itself: batches moved to the device, progress bars, Python's number
// formats, and the results.json every tutorial writes.
//
// Each tutorial's own package mirrors its Python file: the same functions, loops, printed lines and
// output files; this package holds nothing a tutorial shows.
package tutorial

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/aecifar/aecifar/internal/atomicfile"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// ToDevice makes a batch's images and labels as tensors on d, in scope s: data.to(device),
// target.to(device). For CUDA they are staged in pinned memory and copied without blocking.
func ToDevice(s *torch.Scope, b data.Batch, d torch.Device) (images, labels *torch.Tensor) {
	if !d.IsCUDA() {
		return s.Attach(torch.FromSlice(b.Data, b.Shape...)), s.Attach(torch.FromSlice(b.Labels, int64(len(b.Labels))))
	}
	images = s.Attach(torch.FromSlicePinned(b.Data, b.Shape...)).ToOptions(d, torch.Float32, true)
	labels = s.Attach(torch.FromSlicePinned(b.Labels, int64(len(b.Labels)))).ToOptions(d, torch.Int64, true)
	return s.Attach(images), s.Attach(labels)
}

// ManualSeed is torch.manual_seed(seed) for seed >= 0. A negative seed leaves torch's default
// generator as the process found it, seeded anew at each start (in Python as in Go: measured with
// torch 1.13), as a tutorial that never calls manual_seed does.
func ManualSeed(seed int64) error {
	if seed < 0 {
		return nil
	}
	return torch.ManualSeed(uint64(seed))
}

// Fixed is Python's '{:.Nf}'.format(x): Go's %.*f (both round the exact binary value to nearest,
// ties to even) but for infinities and NaN, which Python writes inf, -inf and nan.
func Fixed(x float64, decimals int) string {
	switch {
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case math.IsNaN(x):
		return "nan"
	}
	return fmt.Sprintf("%.*f", decimals, x)
}

// Bar is an epoch's progress bar showing the last loss and images/s. It draws nothing when quiet
// or when its writer is not a terminal, so logs and pipes get the tutorial's lines alone.
type Bar struct {
	pb    *progressbar.ProgressBar
	desc  string
	start time.Time
}

// NewBar is a bar of total steps on w (nil: standard error).
func NewBar(w io.Writer, quiet bool, total int, desc string) *Bar {
	if w == nil {
		w = os.Stderr
	}
	f, ok := w.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return &Bar{}
	}
	return &Bar{desc: desc, start: time.Now(), pb: progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc), progressbar.OptionShowCount(), progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())}
}

// Step advances the bar by one batch; images is the count seen so far in this epoch.
func (b *Bar) Step(loss float64, images int) {
	if b.pb == nil {
		return
	}
	rate := float64(images) / time.Since(b.start).Seconds()
	if math.IsNaN(loss) {
		b.pb.Describe(fmt.Sprintf("%s: %.0f img/s", b.desc, rate))
	} else {
		b.pb.Describe(fmt.Sprintf("%s: loss %.4f, %.0f img/s", b.desc, loss, rate))
	}
	b.pb.Add(1)
}

// Finish clears the bar.
func (b *Bar) Finish() {
	if b.pb != nil {
		b.pb.Finish()
	}
}

// ClassResult is one class's test tally.
type ClassResult struct {
	Class    string   `json:"class"`
	Correct  int      `json:"correct"`
	Total    int      `json:"total"`
	Accuracy *float64 `json:"accuracy"` // a fraction; null without examples
}

// LossPoint is one logged training loss: the tutorial's printed value at a fractional epoch.
type LossPoint struct {
	Epoch float64 `json:"epoch"` // fractional (EpochAt): 1 is the end of the first epoch
	Batch int     `json:"batch"` // the batch index within its epoch, as printed
	Loss  float64 `json:"loss"`
}

// EpochAt is the fractional epoch of batch (0-based) in epoch (1-based) of batches batches: the
// x of a loss curve, epoch-1 + (batch+1)/batches, so the last batch of epoch 1 is at 1.
func EpochAt(epoch, batch, batches int) float64 {
	return float64(epoch-1) + float64(batch+1)/float64(max(batches, 1))
}

// EpochResult is one epoch's training pace and mean loss, and its test pass for the tutorials
// that test after every epoch.
type EpochResult struct {
	Epoch        int         `json:"epoch"`
	LR           float64     `json:"lr"`
	TrainLoss    *float64    `json:"train_loss"` // the mean of the epoch's batch losses
	TrainSeconds float64     `json:"train_seconds"`
	ImagesPerSec float64     `json:"train_images_per_s"`
	Test         *TestResult `json:"test,omitempty"`
}

// TestResult is one pass over the test set.
type TestResult struct {
	Loss     *float64 `json:"loss,omitempty"` // the tutorial's average test loss, where it has one
	Correct  int      `json:"correct"`
	Total    int      `json:"total"`
	Accuracy float64  `json:"accuracy"` // a fraction
}

// Results is results.json: a finished run's test results, the curve behind them and where they
// came from. Lines are the tutorial's printed result lines, as printed.
type Results struct {
	Tutorial string             `json:"tutorial"`
	Source   string             `json:"source"` // the Python file it ports
	Correct  int                `json:"correct"`
	Total    int                `json:"total"`
	Accuracy float64            `json:"accuracy"` // a fraction
	TestLoss *float64           `json:"test_loss,omitempty"`
	PerClass []ClassResult      `json:"per_class,omitempty"`
	Lines    []string           `json:"lines"`
	Losses   []LossPoint        `json:"losses"`
	Epochs   []EpochResult      `json:"epochs,omitempty"`
	Seed     *int64             `json:"seed"` // null: torch's default generator, never seeded
	Device   string             `json:"device"`
	Torch    string             `json:"torch"`
	Threads  int                `json:"threads"`
	Seconds  map[string]float64 `json:"seconds"`
	Settings map[string]any     `json:"settings"`
}

// Tally fills PerClass, Correct, Total and Accuracy from per-class counts.
func (r *Results) Tally(classes []string, correct, total []int) {
	r.PerClass = make([]ClassResult, len(classes))
	r.Correct, r.Total = 0, 0
	for i, c := range classes {
		r.PerClass[i] = ClassResult{Class: c, Correct: correct[i], Total: total[i]}
		if total[i] > 0 {
			a := float64(correct[i]) / float64(total[i])
			r.PerClass[i].Accuracy = &a
		}
		r.Correct += correct[i]
		r.Total += total[i]
	}
	r.Accuracy = 0
	if r.Total > 0 {
		r.Accuracy = float64(r.Correct) / float64(r.Total)
	}
}

// WriteResults writes r as indented JSON to path, atomically. Non-finite numbers are an error
// (JSON has none), and leave a previous file as it was.
func WriteResults(path string, r Results) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("results %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// Finite returns &x, or nil for infinities and NaN (null in JSON).
func Finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
