// Package report writes the human- and tool-readable part of a training run's output directory:
// everything except the checkpoints.
//
// A run produces
//
//	history.csv, history.json   one line per epoch of either stage (WriteHistory, ReadHistory)
//	results.json                per-class and overall test accuracy with the run's provenance (WriteResults)
//	losses.png                  autoencoder training loss; classifier training and validation loss (PlotLosses)
//	accuracy.png                classifier validation accuracy (PlotAccuracy)
//	reconstructions.png         test images above their reconstructions (PlotReconstructions)
//	confusion.png               test confusion matrix with counts (PlotConfusion)
//
// The chart and results names above are suggestions (the caller passes a path); the history's two
// names are fixed, so that a resumed run finds them.
//
// The package is pure Go (no cgo, no libtorch): the training code converts tensors to Go slices
// before calling it, so it builds and tests anywhere.
//
// # Error policy
//
// Every function that touches the file system or validates its input returns an error; none logs,
// exits or panics, whatever its input (Confusion included: a label outside [0, classes) is what a
// classifier with more outputs than the data has classes predicts, a user's mistake).
//
// # Writes are atomic
//
// Every file is written with internal/atomicfile: to a temporary file in the same directory,
// fsynced, and renamed over the target, so a crash or a failed write leaves either the previous
// file or the new one, never a torn one. A failed write leaves no temporary file behind; a killed
// one's is removed by the next write of that file.
//
// # Units
//
// Losses are the blog's per-sample averages. Accuracies in History (ValAcc) are fractions in
// [0, 1]; the plots and results.json also show them as percentages. Missing values (the
// autoencoder has no validation loss or accuracy) are NaN in Go, an empty cell in CSV and null in
// JSON.
package report

// A Stage is a part of a run, named as history.csv, history.json and results.json name it. The two
// training stages name the epochs of a History; the test has none. (Package train, which runs the
// stages, calls this type train.Stage: it is defined here, once, because train imports report.)
type Stage string

// The stages of a run, in the order it runs them.
const (
	StageAutoencoder Stage = "autoencoder"
	StageClassifier  Stage = "classifier"
	StageTest        Stage = "test"
)

// Epoch is one line of history: the averages the blog prints at the end of an epoch, plus the
// learning rate in force during it and its throughput.
type Epoch struct {
	Stage     Stage // StageAutoencoder or StageClassifier
	Epoch     int   // 1-based, as the blog counts
	TrainLoss float64
	ValidLoss float64 // NaN for the autoencoder, which the blog does not validate
	ValAcc    float64 // fraction in [0, 1]; NaN for the autoencoder
	LR        float64
	// ImagesPerSec is training throughput; Seconds is the epoch's wall time, validation included.
	ImagesPerSec float64
	Seconds      float64
}

// History is a run's epochs in the order they ran.
type History []Epoch

// Stage returns the epochs of one stage, in order.
func (h History) Stage(stage Stage) History {
	var out History
	for _, e := range h {
		if e.Stage == stage {
			out = append(out, e)
		}
	}
	return out
}

func validStage(s Stage) bool { return s == StageAutoencoder || s == StageClassifier }
