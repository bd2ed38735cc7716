package models

import (
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
)

// MNISTRNN is the Net of pytorch/examples mnist_rnn/main.py: an LSTM reads each 28x28 image as a
// sequence of 28 rows of 28 pixels; its last output goes through BatchNorm1d, dropout, two Linear
// layers and log_softmax. Its state_dict keys are the example's (rnn.weight_ih_l0, rnn.weight_hh_l0,
// rnn.bias_ih_l0, rnn.bias_hh_l0, batchnorm.weight ... batchnorm.num_batches_tracked, fc1.weight ...
// fc2.bias), so mnist_rnn.pt moves between Go and Python.
//
// The example applies nn.Dropout2d to the 2-D (N, 64) features. PyTorch 1.13 warns that this is
// deprecated and then runs feature dropout on the 2-D tensor as it is, which treats each of the
// N x 64 entries as a channel: element-wise dropout, drawn as feature_dropout draws it. The port
// keeps nn.Dropout2d, so that it draws the same masks from the same generator (it does not warn).
type MNISTRNN struct {
	nn.Base
	RNN       *nn.LSTM
	BatchNorm *nn.BatchNorm1d
	Dropout1  *nn.Dropout2d
	Dropout2  *nn.Dropout2d
	FC1       *nn.Linear
	FC2       *nn.Linear
}

// NewMNISTRNN is Net(), its layers registered in the example's __init__ order (which is not the
// order forward uses them: dropout2 comes before fc1).
func NewMNISTRNN() *MNISTRNN {
	m := &MNISTRNN{}
	m.RNN = nn.Register(m, "rnn", nn.NewLSTM(28, 64, nn.LSTMOptions{BatchFirst: true}))
	m.BatchNorm = nn.Register(m, "batchnorm", nn.NewBatchNorm1d(64))
	m.Dropout1 = nn.Register(m, "dropout1", nn.NewDropout2d(nn.DropoutOptions{P: new(0.25)}))
	m.Dropout2 = nn.Register(m, "dropout2", nn.NewDropout2d(nn.DropoutOptions{P: new(0.5)}))
	m.FC1 = nn.Register(m, "fc1", nn.NewLinear(64, 32))
	m.FC2 = nn.Register(m, "fc2", nn.NewLinear(32, 10))
	return m
}

// Forward maps [N, 1, 28, 28] images to [N, 10] log-probabilities, line for line the example's
// forward: input.reshape(-1, 28, 28), output, hidden = self.rnn(input), output[:, -1, :], F.relu,
// F.log_softmax(output, dim=1).
func (m *MNISTRNN) Forward(input *torch.Tensor) *torch.Tensor {
	// Shape of input is (batch_size, 1, 28, 28); the LSTM with batch_first takes (batch_size, 28, 28)
	input = input.Reshape(-1, 28, 28)
	output, _ := m.RNN.Forward(input)

	// output is (batch_size, seq_len, hidden_size) with batch_first: the last step's output
	output = output.At(torch.Colon, -1, torch.Colon)
	output = m.BatchNorm.Forward(output)
	output = m.Dropout1.Forward(output)
	output = m.FC1.Forward(output)
	output = torch.Relu(output)
	output = m.Dropout2.Forward(output)
	output = m.FC2.Forward(output)
	output = torch.LogSoftmax(output, 1)
	return output
}

var _ nn.Forwarder = (*MNISTRNN)(nil)
