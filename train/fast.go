package train

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/cuda"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/transforms/fused"
)

// The fast path (Config.Fast) trains the same models with the same recipe as the blog's loops in
// loops.go, but feeds them differently:
//
//   - the training images are decoded once and kept on the training device as uint8;
//   - they are augmented there by fused.FlipRotateResizedCrop, one affine sampling per image that
//     covers the blog's flip, rotation and resized crop, augmentChunk batches per call;
//   - each training step (forward, backward, optimizer) runs as one CUDA graph, captured after a
//     few eager warm-up steps and replayed on a batch copied into its static input (on the CPU it
//     runs eagerly);
//   - losses and accuracies accumulate on the device, read once per epoch.
//
// What differs from the blog's loops, on purpose: the augmentation's sampling (see package fused), the
// batches' order (a permutation of the same split per epoch, from another generator), Adam's
// capturable arithmetic (its bias corrections in float32 on the device), and validation and test
// batches of fastEvalBatch images whose per-image results are regrouped into the blog's batches of
// BatchSize for the printed per-batch figures.

// fastEvalBatch is the batch size of the fast path's validation and test passes (no gradients, so
// the results per image do not depend on it).
const fastEvalBatch = 1024

// epochOrder is the permutation of indices that pass p walks in its stage's epoch e, on the device,
// from the pass's stream (so a resumed run draws the same).
func epochOrder(cfg Config, indices []int, p pass, e int) *torch.Tensor {
	order := data.SubsetRandomSampler(indices).Indices(cfg.streams().order(p, e))
	v := make([]int64, len(order))
	for i, o := range order {
		v[i] = int64(o)
	}
	t := torch.FromSlice(v, int64(len(v)))
	defer t.Drop()
	return t.To(cfg.Device)
}

// augmentChunk is how many batches the fast path augments in one call: the augmentation is some 80
// small kernels whatever the batch, so it runs once per chunk, outside the captured step, and each
// step copies its batch out of the chunk.
const augmentChunk = 32

// fastEpoch runs one training epoch over order's batches: inputs makes a chunk's step inputs (the
// augmented images, and for the classifier their labels) from its indices, g runs each batch's step.
// It returns the number of batches and images.
func fastEpoch(ctx context.Context, cfg Config, g *cuda.GraphedStep, order *torch.Tensor, inputs func(idx *torch.Tensor) []*torch.Tensor, desc string) (batches, images int, err error) {
	n := int(order.Size(0))
	b := cfg.BatchSize
	total := (n + b - 1) / b
	if cfg.MaxBatches > 0 && cfg.MaxBatches < total {
		total = cfg.MaxBatches
	}
	bar := newBar(cfg, total, desc)
	defer bar.finish()
	for batches < total {
		if err := ctx.Err(); err != nil {
			return batches, images, err
		}
		chunk := min(augmentChunk, total-batches)
		from := batches * b
		size := min(chunk*b, n-from)
		torch.WithScope(func(s *torch.Scope) {
			ins := inputs(s.Attach(order.Narrow(0, int64(from), int64(size))))
			for _, t := range ins {
				s.Attach(t)
			}
			for k := 0; k < chunk && err == nil; k++ {
				m := min(b, size-k*b)
				batch := make([]*torch.Tensor, len(ins))
				for i, t := range ins {
					batch[i] = s.Attach(t.Narrow(0, int64(k*b), int64(m)))
				}
				if err = g.Run(batch...); err == nil {
					batches++
					images += m
					bar.step(math.NaN(), images)
				}
			}
		})
		if err != nil {
			return batches, images, err
		}
	}
	return batches, images, nil
}

// accumulator is a float64 sum on the device that a captured step adds to.
type accumulator struct{ sum *torch.Tensor }

func newAccumulator(device torch.Device) accumulator {
	return accumulator{torch.Zeros([]int64{}, torch.ZerosOptions{DType: torch.Float64, Device: device})}
}

// add adds v*weight (v a scalar tensor) without leaving the device.
func (a accumulator) add(v *torch.Tensor, weight float64) error {
	return a.sum.Copy_(a.sum.Add(v.Detach().ToDType(torch.Float64).MulScalar(weight))).Err()
}

// take reads the sum (one synchronisation) and resets it.
func (a accumulator) take() (float64, error) {
	v, err := a.sum.Item()
	if err != nil {
		return 0, err
	}
	return v, a.sum.Zero_().Err()
}

// FastTrainer is one stage's training on the fast path: its optimizer, its graphed step, how a
// chunk's step inputs are made from dataset indices, the device-side sum of its losses (each batch's
// mean loss times its size), and the learning rate its step was captured with.
type FastTrainer struct {
	Step      *cuda.GraphedStep
	Inputs    func(idx *torch.Tensor) []*torch.Tensor // a chunk's step inputs, from its indices
	optimizer stageOptimizer
	lossSum   accumulator
	lr        float64
}

// epoch trains on indices for epoch e of pass p, in the order epochOrder draws for them (capped at
// cfg.MaxBatches), and reads back the sum of its losses: the epoch's one synchronisation.
func (f *FastTrainer) epoch(ctx context.Context, cfg Config, indices []int, p pass, e int, desc string) (batches, images int, lossSum float64, err error) {
	order := epochOrder(cfg, indices, p, e)
	batches, images, err = fastEpoch(ctx, cfg, f.Step, order, f.Inputs, desc)
	order.Drop()
	if err != nil {
		return batches, images, 0, err
	}
	lossSum, err = f.lossSum.take()
	return batches, images, lossSum, err
}

// followLR makes the step capture again at its next call when the learning rate (a constant of the
// captured graph) changed since its capture: after a scheduler step, or a resumed run's restore.
func (f *FastTrainer) followLR() {
	if now := f.optimizer.ParamGroups()[0].LR; now != f.lr {
		f.lr = now
		f.Step.Invalidate()
	}
}

// newFastTrainer wraps step, which trains on a batch (its inputs shaped like like) and returns the
// batch's mean loss, as a FastTrainer.
func newFastTrainer(cfg Config, optimizer stageOptimizer, inputs func(idx *torch.Tensor) []*torch.Tensor, step func(in ...*torch.Tensor) (*torch.Tensor, error), like ...*torch.Tensor) *FastTrainer {
	f := &FastTrainer{Inputs: inputs, optimizer: optimizer, lossSum: newAccumulator(cfg.Device), lr: optimizer.ParamGroups()[0].LR}
	f.Step = cuda.NewGraphedStep(cfg.Device, func(in ...*torch.Tensor) error {
		s := torch.NewScope()
		defer s.Close()
		// Aliases of the inputs in the scope, so that every tensor the step makes joins it.
		alias := make([]*torch.Tensor, len(in))
		for i, t := range in {
			alias[i] = s.Attach(t.Detach())
		}
		loss, err := step(alias...)
		if err == nil {
			err = f.lossSum.add(loss, float64(in[0].Size(0)))
		}
		return err
	}, like...)
	return f
}

// NewFastAutoencoder is the fast path's autoencoder training on images (uint8 [N,3,H,W] on
// cfg.Device): the blog's MSE step with a capturable Adam(lr=1e-3).
func NewFastAutoencoder(cfg Config, ae *models.ConvAutoencoder, images *torch.Tensor) (*FastTrainer, error) {
	optimizer, err := optim.NewAdam(ae.Parameters(), optim.AdamOptions{LR: 0.001, Capturable: true})
	if err != nil {
		return nil, err
	}
	aug := fused.NewFlipRotateResizedCrop()
	lossFunction := nn.NewMSELoss()
	like := torch.Zeros([]int64{int64(cfg.BatchSize), images.Size(1), int64(aug.Size[0]), int64(aug.Size[1])})
	defer like.Drop()
	return newFastTrainer(cfg, optimizer,
		func(idx *torch.Tensor) []*torch.Tensor { return []*torch.Tensor{aug.Apply(images, idx)} },
		func(in ...*torch.Tensor) (*torch.Tensor, error) {
			return AutoencoderStep(ae, optimizer, lossFunction, in[0])
		},
		like), nil
}

// NewFastClassifier is the fast path's classifier training on images and their labels (on
// cfg.Device): the blog's cross-entropy step with SGD(lr=1e-3) over all parameters, of which the
// caller has frozen the encoder's.
func NewFastClassifier(cfg Config, clf *models.Classifier, images, labels *torch.Tensor) (*FastTrainer, error) {
	optimizer, err := optim.NewSGD(clf.Parameters(), 0.001)
	if err != nil {
		return nil, err
	}
	aug := fused.NewFlipRotateResizedCrop()
	criterion := nn.NewCrossEntropyLoss()
	likeX := torch.Zeros([]int64{int64(cfg.BatchSize), images.Size(1), int64(aug.Size[0]), int64(aug.Size[1])})
	defer likeX.Drop()
	likeY := torch.Zeros([]int64{int64(cfg.BatchSize)}, torch.ZerosOptions{DType: torch.Int64})
	defer likeY.Drop()
	return newFastTrainer(cfg, optimizer,
		func(idx *torch.Tensor) []*torch.Tensor {
			return []*torch.Tensor{aug.Apply(images, idx), labels.IndexSelect(0, idx)}
		},
		func(in ...*torch.Tensor) (*torch.Tensor, error) {
			_, loss, err := ClassifierStep(clf, optimizer, criterion, in[0], in[1])
			return loss, err
		},
		likeX, likeY), nil
}

func (f *FastTrainer) Drop() {
	f.Step.Drop()
	f.lossSum.sum.Drop()
	f.optimizer.Drop()
}

// autoencoderFast is autoencoder (loops.go) on the fast path.
func (r *runState) autoencoderFast(ctx context.Context) error {
	cfg, ae, d := r.cfg, r.ae, r.res
	f, err := NewFastAutoencoder(cfg, ae, d.train)
	if err != nil {
		return err
	}
	defer f.Drop()
	r.noteEager(f.Step)
	scheduler, first, trainLossMin, err := r.plateau(StageAutoencoder, f.optimizer)
	if err != nil {
		return err
	}
	f.followLR()
	for epoch := first; epoch <= cfg.AEEpochs; epoch++ {
		start := time.Now()
		r.during = fmt.Sprintf("autoencoder epoch %d", epoch)
		batches, images, sum, err := f.epoch(ctx, cfg, d.trainIdx, autoencoderTraining, epoch, fmt.Sprintf("autoencoder %d/%d", epoch, cfg.AEEpochs))
		if err != nil {
			return err
		}
		trainLoss := sum / float64(batches) // the blog's division by len(train_loader)
		if trainLossMin, err = r.endAutoencoderEpoch(epoch, start, images, trainLoss, trainLossMin, f.optimizer, scheduler); err != nil {
			return err
		}
		f.followLR()
	}
	return nil
}

// noteEager says on the progress writer (not in the blog's log) how the fast path runs where that is
// not what --fast promises: without CUDA graphs, or on the CPU.
func (r *runState) noteEager(g *cuda.GraphedStep) {
	w := r.cfg.Progress
	if w == nil || r.notedEager {
		return
	}
	r.notedEager = true
	switch {
	case g.Eager() != nil:
		fmt.Fprintf(w, "aecifar: --fast without CUDA graphs, steps run eagerly: %v\n", g.Eager())
	case !r.cfg.Device.IsCUDA():
		fmt.Fprintln(w, "aecifar: --fast on the CPU augments in the training thread; the default path, whose loader augments on the other cores, is faster there (see README)")
	}
}

// FastAutoencoderEpochs decodes the training images onto cfg.Device and trains a fresh autoencoder
// on them for the given number of epochs on the fast path (each capped at cfg.MaxBatches), with no
// checkpoints or logs. It returns each epoch's seconds and images, the loss read back once at its
// end (the first epoch includes the warm-up and the capture): the benchmarks' end-to-end measure.
func FastAutoencoderEpochs(ctx context.Context, cfg Config, epochs int) (seconds []float64, images []int, err error) {
	d, err := loadResident(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	defer d.Drop()
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	if err := ae.To(cfg.Device); err != nil {
		return nil, nil, err
	}
	f, err := NewFastAutoencoder(cfg, ae, d.train)
	if err != nil {
		return nil, nil, err
	}
	defer f.Drop()
	for e := 1; e <= epochs; e++ {
		start := time.Now()
		_, n, _, err := f.epoch(ctx, cfg, d.trainIdx, autoencoderTraining, e, "")
		if err != nil {
			return nil, nil, err
		}
		seconds, images = append(seconds, time.Since(start).Seconds()), append(images, n)
	}
	return seconds, images, nil
}

// classifierFast is classifier (loops.go) on the fast path.
func (r *runState) classifierFast(ctx context.Context) error {
	cfg, clf, d := r.cfg, r.clf, r.res
	clf.FreezeEncoder(func(line string) { cfg.logf("%s\n", line) })
	f, err := NewFastClassifier(cfg, clf, d.train, d.trainLabels)
	if err != nil {
		return err
	}
	defer f.Drop()
	r.noteEager(f.Step)
	scheduler, first, validLossMin, err := r.plateau(StageClassifier, f.optimizer)
	if err != nil {
		return err
	}
	f.followLR()
	aug := fused.NewFlipRotateResizedCrop()
	for epoch := first; epoch <= cfg.ClfEpochs; epoch++ {
		start := time.Now()
		r.during = fmt.Sprintf("classifier epoch %d", epoch)
		clf.Train(true)
		_, trained, sum, err := f.epoch(ctx, cfg, d.trainIdx, classifierTraining, epoch, fmt.Sprintf("classifier %d/%d", epoch, cfg.ClfEpochs))
		if err != nil {
			return err
		}
		trainLoss := sum / float64(trained)
		clf.Eval()
		val := d.valIdx
		if cfg.MaxBatches > 0 && cfg.MaxBatches <= len(val)/cfg.BatchSize { // no product to overflow
			val = val[:cfg.MaxBatches*cfg.BatchSize]
		}
		// The blog validates on the augmented training images.
		order := epochOrder(cfg, val, validation, epoch)
		ev, err := evaluate(clf, order, func(idx *torch.Tensor) *torch.Tensor { return aug.Apply(d.train, idx) }, d.trainLabels)
		order.Drop()
		if err != nil {
			return err
		}
		validated := len(ev.correct)
		ep := classifierEpoch{epoch: epoch, start: start, trained: trained, validated: validated,
			valBatches: (validated + cfg.BatchSize - 1) / cfg.BatchSize, trainLoss: trainLoss,
			validLoss: ev.lossSum / float64(validated), valAcc: ev.batchAccuracySum(cfg.BatchSize)}
		if validLossMin, err = r.endClassifierEpoch(ep, validLossMin, f.optimizer, scheduler); err != nil {
			return err
		}
		f.followLR()
	}
	return nil
}

// evaluation is a pass of the classifier over some images: the summed per-image cross-entropy,
// and each image's prediction and whether it was right, in the order of the pass.
type evaluation struct {
	lossSum        float64
	predict, truth []int64
	correct        []bool
}

// batchAccuracySum is the blog's sum over its batches of size b of each batch's accuracy.
func (e *evaluation) batchAccuracySum(b int) float64 {
	sum := 0.0
	for k := 0; k < len(e.correct); k += b {
		right, n := 0, min(b, len(e.correct)-k)
		for _, c := range e.correct[k : k+n] {
			if c {
				right++
			}
		}
		sum += float64(right) / float64(n)
	}
	return sum
}

// evaluate runs clf (in eval mode) over order's images in batches of fastEvalBatch, with input
// making each batch from its indices.
func evaluate(clf *models.Classifier, order *torch.Tensor, input func(idx *torch.Tensor) *torch.Tensor, labels *torch.Tensor) (*evaluation, error) {
	n := order.Size(0)
	losses := make([]*torch.Tensor, 0)
	preds, truths := make([]*torch.Tensor, 0), make([]*torch.Tensor, 0)
	defer func() {
		for _, t := range append(append(losses, preds...), truths...) {
			t.Drop()
		}
	}()
	var err error
	torch.NoGrad(func() {
		for k := int64(0); k < n && err == nil; k += fastEvalBatch {
			torch.WithScope(func(s *torch.Scope) {
				idx := s.Attach(order.Narrow(0, k, min(fastEvalBatch, n-k)))
				out := clf.Forward(s.Attach(input(idx)))
				y := s.Attach(labels.IndexSelect(0, idx))
				losses = append(losses, torch.Keep(torch.CrossEntropyLoss(out, y, torch.CrossEntropyLossOptions{Reduction: torch.ReductionSum}).View(1)))
				preds = append(preds, torch.Keep(out.Argmax(torch.ArgmaxOptions{Dim: new(int64(1))})))
				truths = append(truths, torch.Keep(y))
				err = torch.FirstErr(out, y)
			})
		}
	})
	if err != nil {
		return nil, err
	}
	e := &evaluation{}
	// One synchronisation for the whole pass.
	torch.WithScope(func(s *torch.Scope) {
		if n == 0 {
			return
		}
		var lossSum float64
		if lossSum, err = s.Attach(torch.Cat(losses)).Sum().Item(); err != nil {
			return
		}
		e.lossSum = lossSum
		if e.predict, err = s.Attach(torch.Cat(preds)).Int64s(); err != nil {
			return
		}
		e.truth, err = s.Attach(torch.Cat(truths)).Int64s()
	})
	if err != nil {
		return nil, err
	}
	e.correct = make([]bool, len(e.predict))
	for i := range e.predict {
		e.correct[i] = e.predict[i] == e.truth[i]
	}
	return e, nil
}

// testFast is Test (loops.go) on the resident test images.
func testFast(cfg Config, clf *models.Classifier, d *resident, classes int) (*TestResult, error) {
	clf.Eval()
	n := int(d.test.Size(0))
	all := make([]int64, n)
	for i := range all {
		all[i] = int64(i)
	}
	order := torch.FromSlice(all, int64(n))
	defer order.Drop()
	onDevice := order.To(cfg.Device)
	defer onDevice.Drop()
	norm := fused.NewToTensorNormalize()
	ev, err := evaluate(clf, onDevice, func(idx *torch.Tensor) *torch.Tensor { return norm.Apply(d.test, idx) }, d.testLabels)
	if err != nil {
		return nil, err
	}
	r := &TestResult{ClassCorrect: make([]int, classes), ClassTotal: make([]int, classes)}
	if err := r.tally(ev.truth, ev.predict); err != nil {
		return nil, err
	}
	if n > 0 {
		r.Loss = ev.lossSum / float64(n)
	}
	return r, nil
}
