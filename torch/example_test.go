package torch_test

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
)

// Counting correct predictions as nearly every tutorial does, (pred == labels).sum().item():
// comparing gives bool, and sum promotes bool to int64 as PyTorch's does.
func ExampleTensor_Sum() {
	torch.WithScope(func(s *torch.Scope) {
		pred := torch.FromSlice([]int64{1, 2, 3, 4}, 4)
		labels := torch.FromSlice([]int64{1, 0, 3, 0}, 4)
		correct := pred.Eq(labels).Sum()
		fmt.Println(correct.DType(), correct.MustItem())
	})
	// Output: torch.int64 2
}

// torch.max(outputs, 1) returns the values and the indices.
func ExampleTensor_MaxDim() {
	torch.WithScope(func(s *torch.Scope) {
		outputs := torch.FromSlice([]float32{0.1, 0.7, 0.2, 0.9, 0.05, 0.05}, 2, 3)
		_, predicted := outputs.MaxDim(1)
		fmt.Println(predicted)
	})
	// Output: tensor([1, 0])
}

// Keyword arguments are a trailing options struct whose zero value is PyTorch's defaults:
// F.leaky_relu(x) and F.leaky_relu(x, negative_slope=0.2).
func ExampleLeakyRelu() {
	torch.WithScope(func(s *torch.Scope) {
		x := torch.FromSlice([]float32{-1, 2}, 2)
		fmt.Println(torch.LeakyRelu(x))
		fmt.Println(torch.LeakyRelu(x, torch.LeakyReluOptions{NegativeSlope: 0.2}))
	})
	// Output:
	// tensor([-0.0100,  2.0000])
	// tensor([-0.2000,  2.0000])
}

// output[:, -1, :] in Go: Colon is ':', integers select, spans slice.
func ExampleTensor_At() {
	torch.WithScope(func(s *torch.Scope) {
		output := torch.Arange(12).Reshape(2, 3, 2)
		fmt.Println(output.At(torch.Colon, -1, torch.Colon))
		fmt.Println(output.At(0, torch.SpanFrom(1)))
	})
	// Output:
	// tensor([[ 4,  5],
	//         [10, 11]])
	// tensor([[2, 3],
	//         [4, 5]])
}

// A Scope frees every tensor made inside it, creation ops included, when the function returns;
// Keep takes one out.
func ExampleWithScope() {
	before := torch.LiveTensors()
	var kept *torch.Tensor
	torch.WithScope(func(s *torch.Scope) {
		x := torch.Ones([]int64{2, 2})
		y := x.MulScalar(3).Add(x)
		kept = torch.Keep(y.Sum())
	})
	fmt.Println(kept.MustItem(), torch.LiveTensors()-before)
	kept.Drop()
	fmt.Println(torch.LiveTensors() - before)
	// Output:
	// 16 1
	// 0
}

// An op that fails returns a tensor holding the error; ops on it pass the error on, and it
// surfaces where the caller checks it.
func ExampleTensor_Err() {
	torch.WithScope(func(s *torch.Scope) {
		a := torch.Ones([]int64{2, 3})
		b := torch.Ones([]int64{4, 5})
		c := a.Matmul(b).Relu()
		fmt.Println(c.Err() != nil)
	})
	// Output: true
}
