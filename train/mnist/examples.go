package mnist

import "github.com/aecifar/aecifar/models"

// CNN is pytorch/examples mnist/main.py: models.MNISTNet, --lr 1.0, and loaders that shuffle only
// with an accelerator (the example adds shuffle=True to its accel_kwargs alone).
var CNN = Example{
	Name:     "mnist",
	Source:   "pytorch/examples mnist/main.py",
	NewModel: func() Model { return models.NewMNISTNet() },
	SaveFile: "mnist_cnn.pt",
	LR:       1.0,
	Shuffle:  func(accel bool) bool { return accel },
	SaveHelp: "For Saving the current Model",
}

// RNN is pytorch/examples mnist_rnn/main.py: models.MNISTRNN, --lr 0.1, loaders that always shuffle
// (the training and the test loader), a test loop that also stops after one batch under --dry-run,
// and the accelerator only with --accel.
var RNN = Example{
	Name:       "mnist_rnn",
	Source:     "pytorch/examples mnist_rnn/main.py",
	NewModel:   func() Model { return models.NewMNISTRNN() },
	SaveFile:   "mnist_rnn.pt",
	LR:         0.1,
	Shuffle:    func(bool) bool { return true },
	TestDryRun: true,
	OptInAccel: true,
	SaveHelp:   "for Saving the current Model",
}
