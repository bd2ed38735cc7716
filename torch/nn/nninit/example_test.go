package nninit_test

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn/nninit"
)

// A weight initialised after torch.manual_seed(0) holds what PyTorch prints for
//
//	torch.manual_seed(0)
//	w = torch.empty(2, 3)
//	nn.init.kaiming_uniform_(w, nonlinearity='relu')
//
// and a call PyTorch refuses returns an error tensor.
func Example() {
	if err := torch.ManualSeed(0); err != nil {
		panic(err)
	}
	w := torch.Empty([]int64{2, 3})
	defer w.Drop()
	if err := nninit.KaimingUniform_(w, nninit.KaimingOptions{Nonlinearity: nninit.ReLU}).Err(); err != nil {
		panic(err)
	}
	fmt.Println(w)

	gain, err := nninit.CalculateGain(nninit.LeakyReLU, nninit.GainOptions{Param: new(0.2)})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", gain)

	b := torch.Empty([]int64{3})
	defer b.Drop()
	fmt.Println(nninit.XavierNormal_(b).Err())
	// Output:
	// tensor([[-0.0106,  0.7586, -1.1640],
	//         [-1.0408, -0.5447,  0.3792]])
	// 1.3868
	// nn.init.xavier_normal_: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions
}
