package nn

import (
	"testing"

	"github.com/aecifar/aecifar/torch"
)

// buildAttention builds the attention layers of testdata/rnn.json (see
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
	}
	return seqModule{}, false
}
