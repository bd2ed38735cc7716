package nn_test

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
)

// The recurrent layer of pytorch/examples' mnist_rnn: each image is 28 time steps of 28 features,
// and the classifier reads the last step's output.
//
//	self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
//	output, hidden = self.rnn(input)
//	output = output[:, -1, :]
func ExampleLSTM() {
	torch.WithScope(func(s *torch.Scope) {
		rnn := nn.NewLSTM(28, 64, nn.LSTMOptions{BatchFirst: true})
		defer rnn.Drop()
		images := torch.Zeros([]int64{2, 1, 28, 28})
		output, hidden := rnn.Forward(images.Reshape(-1, 28, 28))
		last := output.At(torch.Colon, -1, torch.Colon)
		if err := last.Err(); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(rnn)
		fmt.Println(output.Shape(), last.Shape(), hidden.H.Shape(), hidden.C.Shape())
	})
	// Output:
	// LSTM(28, 64, batch_first=True)
	// [2 28 64] [2 64] [1 2 64] [1 2 64]
}

// Errors in the input's shape come back as error tensors, with PyTorch's message.
func ExampleLSTM_Forward_error() {
	torch.WithScope(func(s *torch.Scope) {
		rnn := nn.NewLSTM(28, 64, nn.LSTMOptions{BatchFirst: true})
		defer rnn.Drop()
		output, _ := rnn.Forward(torch.Zeros([]int64{2, 28, 27}))
		fmt.Println(output.Err())
	})
	// Output:
	// nn.LSTM: input.size(-1) must be equal to input_size. Expected 28, got 27
}
