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
}
