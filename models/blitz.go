package models

import (
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
)

// BlitzNet is the Net of PyTorch's 60-minute blitz, "Training a Classifier"
// (beginner_source/blitz/cifar10_tutorial.py): LeNet for 3-channel 32x32 images. Its state_dict
// keys are the tutorial's (conv1.weight ... fc3.bias), so ./cifar_net.pth moves between Go and
// Python.
type BlitzNet struct {
	nn.Base
	Conv1 *nn.Conv2d
	Pool  *nn.MaxPool2d
	Conv2 *nn.Conv2d
	FC1   *nn.Linear
	FC2   *nn.Linear
	FC3   *nn.Linear
}

// NewBlitzNet is Net(): the layers registered in the tutorial's __init__ order, which fixes the
// state_dict keys and the order in which default initialisation draws from torch's generator.
func NewBlitzNet() *BlitzNet {
	m := &BlitzNet{}
	m.Conv1 = nn.Register(m, "conv1", nn.NewConv2d(3, 6, 5))
	m.Pool = nn.Register(m, "pool", nn.NewMaxPool2d(2, nn.MaxPool2dOptions{Stride: 2}))
	m.Conv2 = nn.Register(m, "conv2", nn.NewConv2d(6, 16, 5))
	m.FC1 = nn.Register(m, "fc1", nn.NewLinear(16*5*5, 120))
	m.FC2 = nn.Register(m, "fc2", nn.NewLinear(120, 84))
	m.FC3 = nn.Register(m, "fc3", nn.NewLinear(84, 10))
	return m
}

// Forward is pool(relu(conv1)) -> pool(relu(conv2)) -> flatten(x, 1) -> relu(fc1) -> relu(fc2) -> fc3.
// The output is the ten class scores (the tutorial's "energies"), not probabilities.
func (m *BlitzNet) Forward(x *torch.Tensor) *torch.Tensor {
	x = m.Pool.Forward(m.Conv1.Forward(x).Relu())
	x = m.Pool.Forward(m.Conv2.Forward(x).Relu())
	x = x.Flatten(torch.FlattenOptions{StartDim: 1}) // flatten all dimensions except batch
	x = m.FC1.Forward(x).Relu()
	x = m.FC2.Forward(x).Relu()
	return m.FC3.Forward(x)
}

var _ nn.Module = (*BlitzNet)(nil)
