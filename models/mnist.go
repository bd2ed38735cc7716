package models

import (
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
)

// MNISTNet is the Net of pytorch/examples mnist/main.py: two 3x3 convolutions, a 2x2 max pool,
// dropout, two Linear layers and log_softmax. Its state_dict keys are the example's (conv1.weight
// ... fc2.bias), so mnist_cnn.pt moves between Go and Python.
type MNISTNet struct {
	nn.Base
	Conv1    *nn.Conv2d
	Conv2    *nn.Conv2d
	Dropout1 *nn.Dropout
	Dropout2 *nn.Dropout
	FC1      *nn.Linear
	FC2      *nn.Linear
}

// NewMNISTNet is Net(), its layers registered in the example's __init__ order.
func NewMNISTNet() *MNISTNet {
	m := &MNISTNet{}
	m.Conv1 = nn.Register(m, "conv1", nn.NewConv2d(1, 32, 3, nn.Conv2dOptions{Stride: 1}))
	m.Conv2 = nn.Register(m, "conv2", nn.NewConv2d(32, 64, 3, nn.Conv2dOptions{Stride: 1}))
	m.Dropout1 = nn.Register(m, "dropout1", nn.NewDropout(nn.DropoutOptions{P: new(0.25)}))
	m.Dropout2 = nn.Register(m, "dropout2", nn.NewDropout(nn.DropoutOptions{P: new(0.5)}))
	m.FC1 = nn.Register(m, "fc1", nn.NewLinear(9216, 128))
	m.FC2 = nn.Register(m, "fc2", nn.NewLinear(128, 10))
	return m
}

// Forward maps [N, 1, 28, 28] images to [N, 10] log-probabilities, line for line the example's
// forward: F.relu, F.max_pool2d(x, 2), torch.flatten(x, 1), F.log_softmax(x, dim=1).
func (m *MNISTNet) Forward(x *torch.Tensor) *torch.Tensor {
	x = m.Conv1.Forward(x)
	x = torch.Relu(x)
	x = m.Conv2.Forward(x)
	x = torch.Relu(x)
	x = torch.MaxPool2d(x, []int64{2})
	x = m.Dropout1.Forward(x)
	x = torch.Flatten(x, torch.FlattenOptions{StartDim: 1})
	x = m.FC1.Forward(x)
	x = torch.Relu(x)
	x = m.Dropout2.Forward(x)
	x = m.FC2.Forward(x)
	output := torch.LogSoftmax(x, 1)
	return output
}

var _ nn.Module = (*MNISTNet)(nil)
