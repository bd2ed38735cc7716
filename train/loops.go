package train

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/optim/lr_scheduler"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/train/report"
)

// Checkpoint file names, as in the blog.
const (
	AutoencoderFile = "cifar_autoencoder.pt"
	ClassifierFile  = "model_cifar10.pt"
)

// epochBatches runs f over one epoch of loader, at most cfg.MaxBatches batches, each in its own scope,
// with a progress bar. It returns the number of images seen.
func epochBatches(ctx context.Context, cfg Config, loader *data.DataLoader, desc string, f func(s *torch.Scope, b data.Batch) (loss float64, err error)) (int, error) {
	total := loader.Len()
	if cfg.MaxBatches > 0 && cfg.MaxBatches < total {
		total = cfg.MaxBatches
	}
	bar := newBar(cfg, total, desc)
	defer bar.finish()
	it := loader.Iter(ctx)
	defer it.Close()
	images, n := 0, 0
	for n < total && it.Next() {
		b := it.Batch()
		s := torch.NewScope()
		loss, err := f(s, b)
		s.Close()
		if err != nil {
			return images, err
		}
		images += b.Len()
		n++
		bar.step(loss, images)
	}
	if err := it.Err(); err != nil {
		return images, err
	}
	return images, ctx.Err()
}

// stageOptimizer is what a stage needs of its optimizer: stepping, saving and restoring its state,
// and freeing it.
type stageOptimizer interface {
	optim.Optimizer
	optimizerState
	Drop()
}

// plateau is both stages' scheduler, ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=3,
// verbose=True), restored with the optimizer when the stage resumes. It returns the first epoch to
// run and the best loss so far.
func (r *runState) plateau(stage Stage, optimizer stageOptimizer) (*lr_scheduler.ReduceLROnPlateau, int, float64, error) {
	scheduler, err := lr_scheduler.NewReduceLROnPlateau(optimizer, lr_scheduler.ReduceLROnPlateauOptions{
		Mode: lr_scheduler.ModeMin, Factor: 0.1, Patience: new(3), Verbose: true, Out: r.cfg.Log})
	if err != nil {
		return nil, 0, 0, err
	}
	first, lossMin, err := r.resumeStage(stage, optimizer, scheduler)
	return scheduler, first, lossMin, err
}

// autoencoder trains the autoencoder as the blog does: MSE against the normalised input,
// Adam(lr=1e-3), ReduceLROnPlateau on the epoch loss, checkpoint cifar_autoencoder.pt whenever the
// loss does not get worse.
func (r *runState) autoencoder(ctx context.Context) error {
	cfg, ae, d := r.cfg, r.ae, r.d
	lossFunction := nn.NewMSELoss()
	optimizer, err := optim.NewAdam(ae.Parameters(), optim.AdamOptions{LR: 0.001})
	if err != nil {
		return err
	}
	defer optimizer.Drop()
	scheduler, first, trainLossMin, err := r.plateau(StageAutoencoder, optimizer)
	if err != nil {
		return err
	}
	sync, err := newGradSync(cfg, ae)
	if err != nil {
		return err
	}
	for epoch := first; epoch <= cfg.AEEpochs; epoch++ {
		start := time.Now()
		r.during = fmt.Sprintf("autoencoder epoch %d", epoch)
		// Each epoch's sampling and augmentation depend on its number alone, so a resumed run
		// draws what the uninterrupted one would have.
		d.Train.SetEpoch(autoencoderTraining.epoch(epoch))
		trainLoss := 0.0
		batches := 0
		images, err := epochBatches(ctx, cfg, d.Train, fmt.Sprintf("autoencoder %d/%d", epoch, cfg.AEEpochs), func(s *torch.Scope, b data.Batch) (float64, error) {
			x, _ := toDevice(s, b, cfg.Device)
			loss, err := autoencoderStep(ae, optimizer, lossFunction, x, sync)
			if err != nil {
				return 0, err
			}
			v, err := loss.Item()
			trainLoss += v * float64(b.Len())
			batches++
			return v, err
		})
		if err != nil {
			return err
		}
		// Over the ranks: the summed per-image loss and the images; every rank ran as many batches.
		imagesAll := float64(images)
		if err := cfg.sumRanks(&trainLoss, &imagesAll); err != nil {
			return err
		}
		images = int(imagesAll)
		// The blog divides the summed per-image loss by len(train_loader), the number of batches.
		trainLoss /= float64(batches)
		if trainLossMin, err = r.endAutoencoderEpoch(epoch, start, images, trainLoss, trainLossMin, optimizer, scheduler); err != nil {
			return err
		}
	}
	return nil
}

// endAutoencoderEpoch is the end of an autoencoder epoch, as the blog's: the scheduler steps on the
// epoch's loss, the epoch's line is printed, the checkpoint saved when the loss did not get worse;
// then the epoch is committed with the history (saveProgress), which publishes the checkpoint. It returns the best loss so far.
func (r *runState) endAutoencoderEpoch(epoch int, start time.Time, images int, trainLoss, trainLossMin float64,
	optimizer stageOptimizer, scheduler *lr_scheduler.ReduceLROnPlateau) (float64, error) {
	cfg := r.cfg
	scheduler.Step(trainLoss)
	cfg.logf("Epoch: %d \tTraining Loss: %s\n", epoch, pyFloat6(trainLoss))
	if trainLoss <= trainLossMin {
		cfg.logf("Validation loss decreased (%s --> %s). Saving model ...\n", pyFloat6(trainLossMin), pyFloat6(trainLoss))
		if err := r.saveBest(AutoencoderFile, r.ae.StateDict(), epoch); err != nil {
			return trainLossMin, err
		}
		trainLossMin = trainLoss
	}
	secs := time.Since(start).Seconds()
	r.history = append(r.history, report.Epoch{Stage: report.StageAutoencoder, Epoch: epoch, TrainLoss: trainLoss, ValidLoss: math.NaN(),
		ValAcc: math.NaN(), LR: optimizer.ParamGroups()[0].LR, ImagesPerSec: float64(images) / secs, Seconds: secs})
	return trainLossMin, r.saveProgress(StageAutoencoder, epoch, trainLossMin, optimizer, scheduler)
}

// batchAccuracy is the blog's calc_accuracy (which it does not show): the fraction of the batch
// whose argmax is the target.
func batchAccuracy(output, target *torch.Tensor) (float64, error) {
	return output.Argmax(torch.ArgmaxOptions{Dim: new(int64(1))}).Eq(target).ToDType(torch.Float32).Mean().Item()
}

// classifier trains the classifier as the blog does: only its Linear layers train, SGD(lr=1e-3)
// over all parameters, cross-entropy, validation on the augmented 15% split, ReduceLROnPlateau on
// the validation loss, checkpoint model_cifar10.pt whenever the validation loss does not get worse.
func (r *runState) classifier(ctx context.Context) error {
	cfg, clf, d := r.cfg, r.clf, r.d
	clf.FreezeEncoder(func(line string) { cfg.logf("%s\n", line) })
	criterion := nn.NewCrossEntropyLoss()
	optimizer, err := optim.NewSGD(clf.Parameters(), 0.001)
	if err != nil {
		return err
	}
	defer optimizer.Drop()
	scheduler, first, validLossMin, err := r.plateau(StageClassifier, optimizer)
	if err != nil {
		return err
	}
	sync, err := newGradSync(cfg, clf)
	if err != nil {
		return err
	}
	for epoch := first; epoch <= cfg.ClfEpochs; epoch++ {
		start := time.Now()
		r.during = fmt.Sprintf("classifier epoch %d", epoch)
		d.Train.SetEpoch(classifierTraining.epoch(epoch))
		d.Validation.SetEpoch(validation.epoch(epoch))
		var trainLoss, validLoss, valAcc float64
		clf.Train(true)
		trained, err := epochBatches(ctx, cfg, d.Train, fmt.Sprintf("classifier %d/%d", epoch, cfg.ClfEpochs), func(s *torch.Scope, b data.Batch) (float64, error) {
			x, y := toDevice(s, b, cfg.Device)
			_, loss, err := classifierStep(clf, optimizer, criterion, x, y, sync)
			if err != nil {
				return 0, err
			}
			v, err := loss.Item()
			trainLoss += v * float64(b.Len())
			return v, err
		})
		if err != nil {
			return err
		}
		// The blog validates without torch.no_grad(); gradients are never used, so skipping their
		// recording changes no number.
		clf.Eval()
		validated, valBatches := 0, 0
		torch.NoGrad(func() {
			validated, err = epochBatches(ctx, cfg, d.Validation, "validation", func(s *torch.Scope, b data.Batch) (float64, error) {
				x, y := toDevice(s, b, cfg.Device)
				output := clf.Forward(x)
				v, err := criterion.Forward(output, y).Item()
				if err != nil {
					return 0, err
				}
				validLoss += v * float64(b.Len())
				acc, err := batchAccuracy(output, y)
				valAcc += acc
				valBatches++
				return v, err
			})
		})
		if err != nil {
			return err
		}
		if err := r.sumClassifierEpoch(&trained, &validated, &valBatches, &trainLoss, &validLoss, &valAcc); err != nil {
			return err
		}
		// The blog divides by len(loader.sampler): the number of images (of a capped epoch, here).
		ep := classifierEpoch{epoch: epoch, start: start, trained: trained, validated: validated, valBatches: valBatches,
			trainLoss: trainLoss / float64(trained), validLoss: validLoss / float64(validated), valAcc: valAcc}
		if validLossMin, err = r.endClassifierEpoch(ep, validLossMin, optimizer, scheduler); err != nil {
			return err
		}
	}
	return nil
}

// classifierEpoch is what a classifier epoch measured: the blog's mean losses, its sum of per-batch
// validation accuracies, and the counts behind them.
type classifierEpoch struct {
	epoch                          int
	start                          time.Time
	trained, validated, valBatches int
	trainLoss, validLoss, valAcc   float64
}

// endClassifierEpoch is the end of a classifier epoch, as the blog's: the scheduler steps on the
// validation loss, the epoch's line is printed, the checkpoint saved when the validation loss did not
// get worse; then the epoch is committed with the history (saveProgress), which publishes the
// checkpoint. It returns the best loss so far.
func (r *runState) endClassifierEpoch(e classifierEpoch, validLossMin float64, optimizer stageOptimizer,
	scheduler *lr_scheduler.ReduceLROnPlateau) (float64, error) {
	cfg := r.cfg
	scheduler.Step(e.validLoss)
	// Validation Accuracy is the blog's sum of per-batch accuracies, not a mean: kept as printed.
	cfg.logf("Epoch: %d \tTraining Loss: %s \tValidation Loss: %s\tValidation Accuracy: %s\n",
		e.epoch, pyFloat6(e.trainLoss), pyFloat6(e.validLoss), pyFloat6(e.valAcc))
	if e.validLoss <= validLossMin {
		cfg.logf("Validation loss decreased (%s --> %s). Saving model ...\n", pyFloat6(validLossMin), pyFloat6(e.validLoss))
		if err := r.saveBest(ClassifierFile, r.clf.StateDict(), e.epoch); err != nil {
			return validLossMin, err
		}
		validLossMin = e.validLoss
	}
	secs := time.Since(e.start).Seconds()
	// The history keeps the accuracy as a fraction: the mean of the per-batch accuracies.
	r.history = append(r.history, report.Epoch{Stage: report.StageClassifier, Epoch: e.epoch, TrainLoss: e.trainLoss, ValidLoss: e.validLoss,
		ValAcc: e.valAcc / float64(max(e.valBatches, 1)), LR: optimizer.ParamGroups()[0].LR,
		ImagesPerSec: float64(e.trained+e.validated) / secs, Seconds: secs})
	return validLossMin, r.saveProgress(StageClassifier, e.epoch, validLossMin, optimizer, scheduler)
}

// TestResult is the test pass's per-class counts, predictions and mean loss.
type TestResult struct {
	Loss           float64
	ClassCorrect   []int
	ClassTotal     []int
	Truth, Predict []int64
}

// tally counts test images, their true labels and the classifier's predictions, per class.
func (r *TestResult) tally(truth, predict []int64) error {
	for i, label := range truth {
		if label < 0 || int(label) >= len(r.ClassTotal) {
			return fmt.Errorf("test label %d out of range for %d classes", label, len(r.ClassTotal))
		}
		r.ClassTotal[label]++
		if predict[i] == label {
			r.ClassCorrect[label]++
		}
	}
	r.Truth = append(r.Truth, truth...)
	r.Predict = append(r.Predict, predict...)
	return nil
}

// Test evaluates clf on the whole test set (never capped), as the blog's per-class test loop.
func Test(ctx context.Context, cfg Config, clf *models.Classifier, d *Data) (*TestResult, error) {
	criterion := nn.NewCrossEntropyLoss()
	r := &TestResult{ClassCorrect: make([]int, len(d.Classes)), ClassTotal: make([]int, len(d.Classes))}
	clf.Eval()
	uncapped := cfg
	uncapped.MaxBatches = 0
	var seen int
	var err error
	torch.NoGrad(func() {
		seen, err = epochBatches(ctx, uncapped, d.Test, "test", func(s *torch.Scope, b data.Batch) (float64, error) {
			x, y := toDevice(s, b, cfg.Device)
			output := clf.Forward(x)
			v, err := criterion.Forward(output, y).Item()
			if err != nil {
				return 0, err
			}
			r.Loss += v * float64(b.Len())
			pred, err := output.Argmax(torch.ArgmaxOptions{Dim: new(int64(1))}).Int64s()
			if err != nil {
				return 0, err
			}
			return v, r.tally(b.Labels, pred)
		})
	})
	if err != nil {
		return nil, err
	}
	if seen > 0 {
		r.Loss /= float64(seen)
	}
	return r, nil
}
