package nn_test

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
)

// Causal self-attention over a batch of one sequence of three tokens, batch first:
//
//	mha = nn.MultiheadAttention(8, 2, batch_first=True)
//	mask = torch.ones(3, 3, dtype=torch.bool).triu(1)     # True: may not attend
//	mha.eval()
//	with torch.no_grad():
//	    out, weights = mha(x, x, x, attn_mask=mask)
//
// Passing the same tensor three times is what makes it self-attention, as in PyTorch. The three
// tokens here are the same vector, so every token scores every key alike and the weights are
// uniform over the keys the mask leaves it.
func ExampleMultiheadAttention() {
	torch.WithScope(func(s *torch.Scope) {
		if err := torch.ManualSeed(0); err != nil {
			fmt.Println(err)
			return
		}
		mha := nn.NewMultiheadAttention(8, 2, nn.MultiheadAttentionOptions{BatchFirst: true})
		defer mha.Drop()
		x := torch.Ones([]int64{1, 3, 8})
		mask := torch.Ones([]int64{3, 3}).Triu(torch.TriuOptions{Diagonal: 1}).ToDType(torch.Bool)
		mha.Eval()
		var out, weights *torch.Tensor
		torch.NoGrad(func() { out, weights = mha.Forward(x, x, x, nn.MultiheadAttentionForwardOptions{AttnMask: mask}) })
		if err := torch.FirstErr(out, weights); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(mha)
		fmt.Println(out.Shape(), weights.Shape())
		fmt.Println(weights)
		for _, p := range mha.NamedParameters() {
			fmt.Println(p.Name, p.Tensor.Shape())
		}
	})
	// Output:
	// MultiheadAttention(
	//   (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)
	// )
	// [1 3 8] [1 3 3]
	// tensor([[[1.0000, 0.0000, 0.0000],
	//          [0.5000, 0.5000, 0.0000],
	//          [0.3333, 0.3333, 0.3333]]])
	// in_proj_weight [24 8]
	// in_proj_bias [24]
	// out_proj.weight [8 8]
	// out_proj.bias [8]
}

// A mistake in the arguments comes back as an error, with PyTorch's message.
func ExampleMultiheadAttention_Forward_error() {
	torch.WithScope(func(s *torch.Scope) {
		mha := nn.NewMultiheadAttention(8, 2)
		defer mha.Drop()
		q := torch.Zeros([]int64{4, 3, 8})
		kv := torch.Zeros([]int64{5, 3, 8})
		_, weights := mha.Forward(q, kv, kv, nn.MultiheadAttentionForwardOptions{AttnMask: torch.Zeros([]int64{4, 4})})
		fmt.Println(weights.Err())
		fmt.Println(nn.NewMultiheadAttention(8, 3).Err())
	})
	// Output:
	// F.multi_head_attention_forward: The shape of the 2D attn_mask is torch.Size([4, 4]), but should be (4, 5).
	// nn.MultiheadAttention: embed_dim must be divisible by num_heads
}
