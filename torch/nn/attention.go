package nn

import (
	"errors"
	"fmt"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
	"github.com/aecifar/aecifar/torch/nn/nninit"
)

// MultiheadAttentionOptions are nn.MultiheadAttention's keyword arguments; the zero value is
// PyTorch's defaults.
type MultiheadAttentionOptions struct {
	Dropout     float64 // dropout on the attention weights, in training mode only
	NoBias      bool    // bias=False: no in_proj_bias, and out_proj without bias
	AddBiasKV   bool    // add_bias_kv: learnt bias_k and bias_v appended to the keys and values
	AddZeroAttn bool    // add_zero_attn: a key and value of zeros appended
	KDim        int64   // kdim: the keys' features; 0 is embed_dim
	VDim        int64   // vdim: the values' features; 0 is embed_dim
	BatchFirst  bool    // batch_first: inputs and output are (N, L, E) instead of (L, N, E)
}

// MultiheadAttention is nn.MultiheadAttention: attention over NumHeads heads of HeadDim features
// each, as in "Attention Is All You Need". Its parameters are PyTorch's: in_proj_weight (3E, E)
// when the keys and values have EmbedDim features, else q_proj_weight (E, E), k_proj_weight
// (E, KDim) and v_proj_weight (E, VDim); in_proj_bias (3E) unless bias=False; bias_k and bias_v
// (1, 1, E) with add_bias_kv; then out_proj.weight and out_proj.bias.
type MultiheadAttention struct {
	Base
	EmbedDim, KDim, VDim int64
	NumHeads, HeadDim    int64
	Dropout              float64
	BatchFirst           bool
	AddZeroAttn          bool

	InProjWeight                          *torch.Tensor // nil when KDim or VDim differ from EmbedDim
	QProjWeight, KProjWeight, VProjWeight *torch.Tensor // set only when KDim or VDim differ
	InProjBias                            *torch.Tensor // nil with bias=False
	BiasK, BiasV                          *torch.Tensor // set only with add_bias_kv
	OutProj                               *NonDynamicallyQuantizableLinear
}

// NewMultiheadAttention is nn.MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True,
// add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None, batch_first=False), initialised as
// PyTorch's _reset_parameters does: out_proj is drawn first, as an nn.Linear, then xavier_uniform_
// on the in-projection weights, zeros in in_proj_bias and out_proj.bias, xavier_normal_ on bias_k
// and bias_v.
func NewMultiheadAttention(embedDim, numHeads int64, opts ...MultiheadAttentionOptions) *MultiheadAttention {
	m := bind(&MultiheadAttention{EmbedDim: embedDim, NumHeads: numHeads})
	o := options(&m.Base, "MultiheadAttention", opts)
	m.KDim, m.VDim = embedDim, embedDim
	if o.KDim != 0 {
		m.KDim = o.KDim
	}
	if o.VDim != 0 {
		m.VDim = o.VDim
	}
	m.Dropout, m.BatchFirst, m.AddZeroAttn = o.Dropout, o.BatchFirst, o.AddZeroAttn
	if numHeads <= 0 || embedDim%numHeads != 0 {
		m.errorf("MultiheadAttention", "embed_dim must be divisible by num_heads")
		return m
	}
	m.HeadDim = embedDim / numHeads
	if !m.qkvSameEmbedDim() {
		m.QProjWeight = m.RegisterParameter("q_proj_weight", newParameter(embedDim, embedDim))
		m.KProjWeight = m.RegisterParameter("k_proj_weight", newParameter(embedDim, m.KDim))
		m.VProjWeight = m.RegisterParameter("v_proj_weight", newParameter(embedDim, m.VDim))
	} else {
		m.InProjWeight = m.RegisterParameter("in_proj_weight", newParameter(3*embedDim, embedDim))
	}
	if !o.NoBias {
		m.InProjBias = m.RegisterParameter("in_proj_bias", newParameter(3*embedDim))
	}
	m.OutProj = Register(m, "out_proj", NewNonDynamicallyQuantizableLinear(embedDim, embedDim, LinearOptions{NoBias: o.NoBias}))
	if o.AddBiasKV {
		m.BiasK = m.RegisterParameter("bias_k", newParameter(1, 1, embedDim))
		m.BiasV = m.RegisterParameter("bias_v", newParameter(1, 1, embedDim))
	}
	m.resetParameters()
	return m
}

// resetParameters is _reset_parameters.
func (m *MultiheadAttention) resetParameters() {
	for _, w := range []*torch.Tensor{m.InProjWeight, m.QProjWeight, m.KProjWeight, m.VProjWeight} {
		if w != nil {
			m.setErr(nninit.XavierUniform_(w).Err())
		}
	}
	if m.InProjBias != nil {
		m.setErr(nninit.Constant_(m.InProjBias, 0).Err())
		m.setErr(nninit.Constant_(m.OutProj.Bias, 0).Err())
	}
	for _, b := range []*torch.Tensor{m.BiasK, m.BiasV} {
		if b != nil {
			m.setErr(nninit.XavierNormal_(b).Err())
		}
	}
	parameter(m.InProjWeight, m.QProjWeight, m.KProjWeight, m.VProjWeight, m.InProjBias, m.BiasK, m.BiasV)
}

func (m *MultiheadAttention) qkvSameEmbedDim() bool {
	return m.KDim == m.EmbedDim && m.VDim == m.EmbedDim
}

// clone is copy.deepcopy(m).
func (m *MultiheadAttention) clone() *MultiheadAttention {
	c := bind(&MultiheadAttention{EmbedDim: m.EmbedDim, KDim: m.KDim, VDim: m.VDim, NumHeads: m.NumHeads, HeadDim: m.HeadDim,
		Dropout: m.Dropout, BatchFirst: m.BatchFirst, AddZeroAttn: m.AddZeroAttn})
	m.copyInto(&c.Base)
	p := c.params
	c.InProjWeight, c.QProjWeight, c.KProjWeight, c.VProjWeight = p["in_proj_weight"], p["q_proj_weight"], p["k_proj_weight"], p["v_proj_weight"]
	c.InProjBias, c.BiasK, c.BiasV = p["in_proj_bias"], p["bias_k"], p["bias_v"]
	if m.OutProj != nil {
		c.OutProj = Register(c, "out_proj", m.OutProj.clone())
	}
	return c
}

// MultiheadAttentionForwardOptions are the keyword arguments of MultiheadAttention's forward; the
// zero value is PyTorch's defaults.
type MultiheadAttentionForwardOptions struct {
	// KeyPaddingMask is (N, S), or (S) for an unbatched query: a bool mask's true entries are
	// keys to ignore (padding); a float mask is added to the attention scores.
	KeyPaddingMask *torch.Tensor
	NoNeedWeights  bool // need_weights=False: the weights come back nil, PyTorch's None
	// AttnMask is (L, S) or (N*num_heads, L, S): a bool mask's true entries are positions that may
	// not attend; a float mask is added to the attention scores.
	AttnMask             *torch.Tensor
	NoAverageAttnWeights bool // average_attn_weights=False: the weights of every head, (N, num_heads, L, S)
}

// Forward is multihead_attn(query, key, value, key_padding_mask=None, need_weights=True,
// attn_mask=None, average_attn_weights=True): query (L, N, E), key (S, N, KDim) and value
// (S, N, VDim), (N, L, E)... with batch_first, or (L, E), (S, KDim), (S, VDim) unbatched. It returns
// the attention output, shaped as the query, and the attention weights, (N, L, S) averaged over
// the heads or (N, num_heads, L, S) (without N unbatched), nil with NoNeedWeights.
//
// Passing the same tensor as query, key and value (self-attention), or as key and value, is what
// PyTorch's identity checks see too: the in-projection is then one matrix product, or two.
// PyTorch's inference fast path (torch._native_multi_head_attention, taken in eval mode without
// grad for batch_first self-attention) computes the same function; here it is always this
// composition of ATen ops, as in F.multi_head_attention_forward. Nested tensors are not
// supported. Errors come back in both results.
func (m *MultiheadAttention) Forward(query, key, value *torch.Tensor, opts ...MultiheadAttentionForwardOptions) (attnOutput, attnOutputWeights *torch.Tensor) {
	fail := func(err error) (*torch.Tensor, *torch.Tensor) {
		e := torch.FromError(fmt.Errorf("nn.MultiheadAttention: %w", err))
		return e, e
	}
	if e := m.forwardErr(); e != nil {
		return e, e
	}
	if len(opts) > 1 {
		return fail(fmt.Errorf("%d options structs given, at most one is allowed", len(opts)))
	}
	var o MultiheadAttentionForwardOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	if err := torch.InputErr("nn.MultiheadAttention", query, key, value); err != nil {
		return fail(err)
	}
	if kpm := o.KeyPaddingMask; kpm != nil {
		if err := kpm.Err(); err != nil {
			return fail(err)
		}
		if ok, err := kpm.IsFloatingPoint(); err != nil || (!ok && kpm.DType() != torch.Bool) {
			return fail(errors.New("only bool and floating types of key_padding_mask are supported"))
		}
	}
	batched := query.Dim() == 3
	var transposed []*torch.Tensor
	if m.BatchFirst && batched {
		// Transposed, the inputs keep being the same tensor where they were (PyTorch's "is").
		t := func(x *torch.Tensor) *torch.Tensor {
			x = x.Transpose(1, 0)
			transposed = append(transposed, x)
			return x
		}
		switch {
		case key == value && query == key:
			query = t(query)
			key, value = query, query
		case key == value:
			query, key = t(query), t(key)
			value = key
		default:
			query, key, value = t(query), t(key), t(value)
		}
	}
	fo := F.MultiHeadAttentionForwardOptions{NoTraining: !m.Training(), KeyPaddingMask: o.KeyPaddingMask,
		NoNeedWeights: o.NoNeedWeights, AttnMask: o.AttnMask, NoAverageAttnWeights: o.NoAverageAttnWeights}
	if !m.qkvSameEmbedDim() {
		fo.UseSeparateProjWeight = true
		fo.QProjWeight, fo.KProjWeight, fo.VProjWeight = m.QProjWeight, m.KProjWeight, m.VProjWeight
	}
	out, weights := F.MultiHeadAttentionForward(query, key, value, m.EmbedDim, m.NumHeads, m.InProjWeight, m.InProjBias,
		m.BiasK, m.BiasV, m.AddZeroAttn, m.Dropout, m.OutProj.Weight, m.OutProj.Bias, fo)
	for _, x := range transposed {
		x.Drop()
	}
	if m.BatchFirst && batched && out.Err() == nil {
		t := out.Transpose(1, 0)
		out.Drop()
		out = t
	}
	return out, weights
}

func (m *MultiheadAttention) String() string { return Repr(m) }
