// Package train holds the blog's training and evaluation loops, and the single steps they are made
// of (which the benchmarks time on their own).
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
	if err := opt.ZeroGrad(); err != nil {
		return nil, err
	}
	loss := lossFn.Forward(ae.Forward(images), images)
	if err := loss.Backward(); err != nil {
		return nil, err
	}
	return loss, opt.Step()
}

// ClassifierStep is one iteration of the blog's classifier loop: zero_grad, forward, cross-entropy,
// backward, step. It returns the logits and the loss, which belong to data's scope.
func ClassifierStep(clf *models.Classifier, opt optim.Optimizer, criterion *nn.CrossEntropyLoss, data, target *torch.Tensor) (output, loss *torch.Tensor, err error) {
	if err := opt.ZeroGrad(); err != nil {
		return nil, nil, err
	}
	output = clf.Forward(data)
	loss = criterion.Forward(output, target)
	if err := loss.Backward(); err != nil {
		return nil, nil, err
	}
	return output, loss, opt.Step()
}
