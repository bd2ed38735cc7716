package nn

import (
	"testing"

	"github.com/aecifar/aecifar/torch"
)

// buildAttention builds the attention and transformer layers of testdata/rnn.json (see
// seq_parity_test.go) from gen_rnn.py's constructor arguments.
func buildAttention(t *testing.T, kind string, a seqArgs) (seqModule, bool) {
	t.Helper()
	switch kind {
	case "MultiheadAttention":
		m := NewMultiheadAttention(a.EmbedDim, a.NumHeads, MultiheadAttentionOptions{Dropout: a.Dropout, NoBias: !a.bias(),
			AddBiasKV: a.AddBiasKV, AddZeroAttn: a.AddZeroAttn, KDim: a.KDim, VDim: a.VDim, BatchFirst: a.BatchFirst})
		return seqModule{&m.Base, m, func(in, masks map[string]*torch.Tensor, call seqCall) []*torch.Tensor {
			o := MultiheadAttentionForwardOptions{KeyPaddingMask: masks["key_padding_mask"], AttnMask: masks["attn_mask"],
				NoNeedWeights:        call.NeedWeights != nil && !*call.NeedWeights,
				NoAverageAttnWeights: call.AverageAttnWeights != nil && !*call.AverageAttnWeights}
			out, w := m.Forward(in["query"], in["key"], in["value"], o)
			return []*torch.Tensor{out, w}
		}}, true
	case "TransformerEncoderLayer":
		m := buildEncoderLayer(a)
		return seqModule{&m.Base, m, func(in, masks map[string]*torch.Tensor, _ seqCall) []*torch.Tensor {
			return []*torch.Tensor{m.Forward(in["src"], TransformerEncoderLayerForwardOptions{
				SrcMask: masks["src_mask"], SrcKeyPaddingMask: masks["src_key_padding_mask"]})}
		}}, true
	case "TransformerEncoder":
		if a.Layer == nil {
			t.Fatal("TransformerEncoder case without a layer")
		}
		layer := buildEncoderLayer(*a.Layer)
		var o TransformerEncoderOptions
		if n := a.Norm; n != nil {
			var eps *float64
			if n.Eps != 0 {
				eps = &n.Eps
			}
			o.Norm = NewLayerNorm([]int64{n.NormalizedShape}, LayerNormOptions{Eps: eps})
		}
		m := NewTransformerEncoder(layer, a.NumLayers, o)
		layer.Drop() // the encoder holds copies
		return seqModule{&m.Base, m, func(in, masks map[string]*torch.Tensor, _ seqCall) []*torch.Tensor {
			return []*torch.Tensor{m.Forward(in["src"], TransformerEncoderForwardOptions{
				Mask: masks["mask"], SrcKeyPaddingMask: masks["src_key_padding_mask"]})}
		}}, true
	}
	return seqModule{}, false
}

func buildEncoderLayer(a seqArgs) *TransformerEncoderLayer {
	var eps *float64
	if a.LayerNormEps != 0 {
		eps = &a.LayerNormEps
	}
	return NewTransformerEncoderLayer(a.DModel, a.NHead, TransformerEncoderLayerOptions{DimFeedforward: a.DimFeedforward,
		Dropout: a.DropoutPtr, Activation: Activation(a.Activation), LayerNormEps: eps, BatchFirst: a.BatchFirst, NormFirst: a.NormFirst})
}
