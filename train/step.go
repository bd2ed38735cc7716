// Package train holds the blog's training and evaluation loops, and the single steps they are made
// of (which the benchmarks time on their own).
//
// # Runs lose nothing
//
// Run is what aecifar's commands call. A run that trains holds its output directory's lock
// (internal/dirlock: a second writer is refused, told the holder's PID), checks everything it can
// before the first epoch (check.go: the class lists, every image, flag combinations), warns of
// settings that hurt (warn.go), and commits each epoch in one atomic step, the rename of
// resume.json, which names the state and best checkpoints it stands for by SHA-256 and holds the
// history (resume.go). Killed at any instant, a run resumes from its last commit exactly as it would
// have gone on, or, with nothing committed, refuses to resume in one line; a directory holding an
// interrupted run is not overwritten without Config.Restart. A test of a checkpoint alone writes
// into its own directory (Config.TestDir).
//
// # Errors
//
// Every failure a user can cause is an error of one line (load_state_dict's list of mismatched
// keys may take more), never a panic; an interruption is an *Interrupted saying what --resume
// continues.
package train

import (
	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
)

// AutoencoderStep is one iteration of the blog's autoencoder loop: zero_grad, forward, MSE against
// the (normalised) input, backward, step. It returns the loss tensor, which belongs to images' scope.
func AutoencoderStep(ae *models.ConvAutoencoder, opt optim.Optimizer, lossFn *nn.MSELoss, images *torch.Tensor) (*torch.Tensor, error) {
	return autoencoderStep(ae, opt, lossFn, images, nil)
}

// autoencoderStep is AutoencoderStep with the gradients synchronised over the ranks (sync may be
// nil).
func autoencoderStep(ae *models.ConvAutoencoder, opt optim.Optimizer, lossFn *nn.MSELoss, images *torch.Tensor, sync *gradSync) (*torch.Tensor, error) {
	if err := opt.ZeroGrad(); err != nil {
		return nil, err
	}
	if err := sync.prepare(); err != nil {
		return nil, err
	}
	loss := lossFn.Forward(ae.Forward(images), images)
	if err := sync.backward(loss); err != nil {
		return nil, err
	}
	return loss, opt.Step()
}

// ClassifierStep is one iteration of the blog's classifier loop: zero_grad, forward, cross-entropy,
// backward, step. It returns the logits and the loss, which belong to data's scope.
func ClassifierStep(clf *models.Classifier, opt optim.Optimizer, criterion *nn.CrossEntropyLoss, data, target *torch.Tensor) (output, loss *torch.Tensor, err error) {
	return classifierStep(clf, opt, criterion, data, target, nil)
}

// classifierStep is ClassifierStep with the gradients synchronised over the ranks (sync may be
// nil).
func classifierStep(clf *models.Classifier, opt optim.Optimizer, criterion *nn.CrossEntropyLoss, data, target *torch.Tensor, sync *gradSync) (output, loss *torch.Tensor, err error) {
	if err := opt.ZeroGrad(); err != nil {
		return nil, nil, err
	}
	if err := sync.prepare(); err != nil {
		return nil, nil, err
	}
	output = clf.Forward(data)
	loss = criterion.Forward(output, target)
	if err := sync.backward(loss); err != nil {
		return nil, nil, err
	}
	return output, loss, opt.Step()
}
