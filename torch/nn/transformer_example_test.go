package nn_test

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
)

// A two-layer encoder, as in PyTorch's documentation:
//
//	encoder_layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
//	transformer_encoder = nn.TransformerEncoder(encoder_layer, num_layers=2)
//	out = transformer_encoder(src, src_key_padding_mask=padding)
//
// The layers are copies of encoder_layer, under PyTorch's state_dict keys.
func ExampleTransformerEncoder() {
	torch.WithScope(func(s *torch.Scope) {
		layer := nn.NewTransformerEncoderLayer(16, 4, nn.TransformerEncoderLayerOptions{DimFeedforward: 32, BatchFirst: true})
		defer layer.Drop()
		encoder := nn.NewTransformerEncoder(layer, 2)
		defer encoder.Drop()
		src := torch.Rand([]int64{3, 5, 16})
		padding := torch.FromSlice([]bool{
			false, false, false, false, false,
			false, false, false, true, true,
			false, false, true, true, true,
		}, 3, 5)
		out := encoder.Forward(src, nn.TransformerEncoderForwardOptions{SrcKeyPaddingMask: padding})
		if err := out.Err(); err != nil {
			fmt.Println(err)
			return
		}
		sd := encoder.StateDict()
		fmt.Println(out.Shape(), len(sd), "tensors")
		fmt.Println(sd[0].Name, sd[len(sd)-1].Name)
	})
	// Output:
	// [3 5 16] 24 tensors
	// layers.0.self_attn.in_proj_weight layers.1.norm2.bias
}
