//lint:file-ignore ST1005 the errors are PyTorch's messages, capitalised as they are

package functional

import (
	"errors"
	"fmt"
	"math"

	"github.com/aecifar/aecifar/torch"
)

// MultiHeadAttentionForwardOptions are the keyword arguments of F.multi_head_attention_forward;
// the zero value is PyTorch's defaults.
type MultiHeadAttentionForwardOptions struct {
	NoTraining bool // training=False: no dropout on the attention weights
	// KeyPaddingMask is (N, S), or (S) for an unbatched query: a bool mask's true entries are
	// keys left out, a float mask is added to the attention scores.
	KeyPaddingMask *torch.Tensor
	NoNeedWeights  bool // need_weights=False: the weights come back nil (Python's None)
	// AttnMask is (L, S) or (N*num_heads, L, S): true (bool), non-zero (uint8) entries are
	// positions that may not attend; a float mask is added to the scores.
	AttnMask *torch.Tensor
	// UseSeparateProjWeight takes the in-projection from QProjWeight, KProjWeight and
	// VProjWeight (whose input sizes may differ) instead of in_proj_weight.
	UseSeparateProjWeight                 bool
	QProjWeight, KProjWeight, VProjWeight *torch.Tensor
	StaticK, StaticV                      *torch.Tensor // (N*num_heads, S, head_dim) keys and values used as they are
	NoAverageAttnWeights                  bool          // average_attn_weights=False: the weights per head
}

// temps holds the intermediates a function made and drops them when it returns, so that none
// outlives the call whatever the scopes of its inputs (a parameter's slices belong to no scope).
// Dropping a handle that autograd still uses is safe: libtorch keeps the tensor it saved.
type temps []*torch.Tensor

func (ts *temps) add(t *torch.Tensor) *torch.Tensor {
	*ts = append(*ts, t)
	return t
}

func (ts *temps) addAll(t []*torch.Tensor, err error) ([]*torch.Tensor, error) {
	*ts = append(*ts, t...)
	return t, err
}

func (ts temps) drop() {
	for _, t := range ts {
		t.Drop()
	}
}

// pyTuple formats ints as Python prints a tuple: (4, 5), (8,).
func pyTuple(v ...int64) string {
	s := "("
	for i, x := range v {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(x)
	}
	if len(v) == 1 {
		s += ","
	}
	return s + ")"
}

// isFloat is Tensor.is_floating_point.
func isFloat(t *torch.Tensor) bool {
	switch t.DType() {
	case torch.Float16, torch.Float32, torch.Float64, torch.BFloat16:
		return true
	}
	return false
}

// MultiHeadAttentionForward is F.multi_head_attention_forward(query, key, value,
// embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
// dropout_p, out_proj_weight, out_proj_bias, training=True, key_padding_mask=None,
// need_weights=True, attn_mask=None, use_separate_proj_weight=False, q_proj_weight=None,
// k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None,
// average_attn_weights=True), the computation of nn.MultiheadAttention: query (L, N, E), key
// (S, N, E_k) and value (S, N, E_v), or (L, E), (S, E_k), (S, E_v) unbatched, give the attention
// output (L, N, E) and, unless NoNeedWeights, the attention weights (N, L, S) averaged over the
// heads, or (N, num_heads, L, S). Optional tensors are nil for None.
//
// As in PyTorch, the in-projection depends on which inputs are the same tensor: query == key ==
// value (self-attention) projects once with the packed weight, key == value projects the keys and
// values together. Errors come back in both results.
func MultiHeadAttentionForward(query, key, value *torch.Tensor, embedDimToCheck, numHeads int64,
	inProjWeight, inProjBias, biasK, biasV *torch.Tensor, addZeroAttn bool, dropoutP float64,
	outProjWeight, outProjBias *torch.Tensor, opts ...MultiHeadAttentionForwardOptions) (attnOutput, attnOutputWeights *torch.Tensor) {
	const name = "multi_head_attention_forward"
	o, err := options(name, opts)
	if err == nil {
		var tmp temps
		attnOutput, attnOutputWeights, err = mhaForward(&tmp, query, key, value, embedDimToCheck, numHeads, inProjWeight,
			inProjBias, biasK, biasV, addZeroAttn, dropoutP, outProjWeight, outProjBias, o)
		tmp.drop()
	}
	if err != nil {
		e := fail(name, err)
		return e, e
	}
	return attnOutput, attnOutputWeights
}

// mhaShapeCheck is _mha_shape_check: whether the query is batched, and PyTorch's assertions on
// the dimensions.
func mhaShapeCheck(query, key, value, keyPaddingMask, attnMask *torch.Tensor, numHeads int64) (bool, error) {
	switch query.Dim() {
	case 3:
		if key.Dim() != 3 || value.Dim() != 3 {
			return false, fmt.Errorf("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found %d-D and %d-D tensors respectively", key.Dim(), value.Dim())
		}
		if keyPaddingMask != nil && keyPaddingMask.Dim() != 2 {
			return false, fmt.Errorf("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found %d-D tensor instead", keyPaddingMask.Dim())
		}
		if attnMask != nil && attnMask.Dim() != 2 && attnMask.Dim() != 3 {
			return false, fmt.Errorf("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found %d-D tensor instead", attnMask.Dim())
		}
		return true, nil
	case 2:
		if key.Dim() != 2 || value.Dim() != 2 {
			return false, fmt.Errorf("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found %d-D and %d-D tensors respectively", key.Dim(), value.Dim())
		}
		if keyPaddingMask != nil && keyPaddingMask.Dim() != 1 {
			return false, fmt.Errorf("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found %d-D tensor instead", keyPaddingMask.Dim())
		}
		if attnMask != nil {
			if attnMask.Dim() != 2 && attnMask.Dim() != 3 {
				return false, fmt.Errorf("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found %d-D tensor instead", attnMask.Dim())
			}
			if want := []int64{numHeads, query.Size(0), key.Size(0)}; attnMask.Dim() == 3 && !sameShape(attnMask.Shape(), want) {
				return false, fmt.Errorf("Expected `attn_mask` shape to be %s but got %s", pyTuple(want...), torchSize(attnMask.Shape()))
			}
		}
		return false, nil
	}
	return false, fmt.Errorf("query should be unbatched 2D or batched 3D tensor but received %d-D query tensor", query.Dim())
}

func mhaForward(tmp *temps, query, key, value *torch.Tensor, embedDimToCheck, numHeads int64,
	inProjWeight, inProjBias, biasK, biasV *torch.Tensor, addZeroAttn bool, dropoutP float64,
	outProjWeight, outProjBias *torch.Tensor, o MultiHeadAttentionForwardOptions) (*torch.Tensor, *torch.Tensor, error) {
	given := []*torch.Tensor{query, key, value, outProjWeight}
	for _, t := range []*torch.Tensor{inProjWeight, inProjBias, biasK, biasV, outProjBias, o.KeyPaddingMask, o.AttnMask,
		o.QProjWeight, o.KProjWeight, o.VProjWeight, o.StaticK, o.StaticV} {
		if t != nil {
			given = append(given, t)
		}
	}
	if err := torch.InputErr("nn.functional.multi_head_attention_forward", given...); err != nil {
		return nil, nil, err
	}
	keyPaddingMask, attnMask := o.KeyPaddingMask, o.AttnMask
	batched, err := mhaShapeCheck(query, key, value, keyPaddingMask, attnMask, numHeads)
	if err != nil {
		return nil, nil, err
	}
	// An unbatched input runs as a batch of one. Like PyTorch's unsqueeze, this makes the three
	// inputs distinct tensors even when they were one.
	if !batched {
		query, key, value = tmp.add(query.Unsqueeze(1)), tmp.add(key.Unsqueeze(1)), tmp.add(value.Unsqueeze(1))
		if keyPaddingMask != nil {
			keyPaddingMask = tmp.add(keyPaddingMask.Unsqueeze(0))
		}
	}
	shape := query.Shape()
	tgtLen, bsz, embedDim := shape[0], shape[1], shape[2]
	srcLen := key.Size(0)
	if keyPaddingMask != nil && keyPaddingMask.DType() != torch.Bool && !isFloat(keyPaddingMask) {
		return nil, nil, errors.New("only bool and floating types of key_padding_mask are supported")
	}
	if embedDim != embedDimToCheck {
		return nil, nil, fmt.Errorf("was expecting embedding dimension of %d, but got %d", embedDimToCheck, embedDim)
	}
	if numHeads <= 0 || embedDim%numHeads != 0 {
		return nil, nil, fmt.Errorf("embed_dim %d not divisible by num_heads %d", embedDim, numHeads)
	}
	headDim := embedDim / numHeads
	if o.UseSeparateProjWeight {
		if ks, vs := key.Shape()[:2], value.Shape()[:2]; !sameShape(ks, vs) {
			return nil, nil, fmt.Errorf("key's sequence and batch dims %s do not match value's %s", torchSize(ks), torchSize(vs))
		}
	} else if !sameShape(key.Shape(), value.Shape()) {
		return nil, nil, fmt.Errorf("key shape %s does not match value shape %s", torchSize(key.Shape()), torchSize(value.Shape()))
	}

	// The in-projection.
	var q, k, v *torch.Tensor
	if !o.UseSeparateProjWeight {
		if inProjWeight == nil {
			return nil, nil, errors.New("use_separate_proj_weight is False but in_proj_weight is None")
		}
		q, k, v, err = inProjectionPacked(tmp, query, key, value, inProjWeight, inProjBias)
	} else {
		switch {
		case o.QProjWeight == nil:
			return nil, nil, errors.New("use_separate_proj_weight is True but q_proj_weight is None")
		case o.KProjWeight == nil:
			return nil, nil, errors.New("use_separate_proj_weight is True but k_proj_weight is None")
		case o.VProjWeight == nil:
			return nil, nil, errors.New("use_separate_proj_weight is True but v_proj_weight is None")
		}
		var b []*torch.Tensor
		if inProjBias != nil {
			if b, err = tmp.addAll(inProjBias.Chunk(3)); err != nil {
				return nil, nil, err
			}
		} else {
			b = make([]*torch.Tensor, 3)
		}
		q, k, v, err = inProjection(tmp, query, key, value, o.QProjWeight, o.KProjWeight, o.VProjWeight, b[0], b[1], b[2])
	}
	if err == nil {
		err = torch.FirstErr(q, k, v)
	}
	if err != nil {
		return nil, nil, err
	}

	// The attention mask, made 3-D.
	if attnMask != nil {
		switch {
		case attnMask.DType() == torch.Uint8:
			// PyTorch warns that byte masks are deprecated.
			attnMask = tmp.add(attnMask.ToDType(torch.Bool))
		case attnMask.DType() != torch.Bool && !isFloat(attnMask):
			return nil, nil, fmt.Errorf("Only float, byte, and bool types are supported for attn_mask, not %s", attnMask.DType())
		}
		switch attnMask.Dim() {
		case 2:
			if want := []int64{tgtLen, srcLen}; !sameShape(attnMask.Shape(), want) {
				return nil, nil, fmt.Errorf("The shape of the 2D attn_mask is %s, but should be %s.", torchSize(attnMask.Shape()), pyTuple(want...))
			}
			attnMask = tmp.add(attnMask.Unsqueeze(0))
		case 3:
			if want := []int64{bsz * numHeads, tgtLen, srcLen}; !sameShape(attnMask.Shape(), want) {
				return nil, nil, fmt.Errorf("The shape of the 3D attn_mask is %s, but should be %s.", torchSize(attnMask.Shape()), pyTuple(want...))
			}
		default:
			return nil, nil, fmt.Errorf("attn_mask's dimension %d is not supported", attnMask.Dim())
		}
	}
	padMasks := func() {
		if attnMask != nil {
			attnMask = tmp.add(torch.Pad(attnMask, []int64{0, 1}))
		}
		if keyPaddingMask != nil {
			keyPaddingMask = tmp.add(torch.Pad(keyPaddingMask, []int64{0, 1}))
		}
	}

	// bias_k and bias_v: one more key and value for every sequence of the batch.
	switch {
	case biasK != nil && biasV != nil:
		if o.StaticK != nil {
			return nil, nil, errors.New("bias cannot be added to static key.")
		}
		if o.StaticV != nil {
			return nil, nil, errors.New("bias cannot be added to static value.")
		}
		k = tmp.add(torch.Cat([]*torch.Tensor{k, tmp.add(biasK.Repeat([]int64{1, bsz, 1}))}))
		v = tmp.add(torch.Cat([]*torch.Tensor{v, tmp.add(biasV.Repeat([]int64{1, bsz, 1}))}))
		padMasks()
	case biasK != nil || biasV != nil:
		return nil, nil, errors.New("bias_k and bias_v must both be given or both be None")
	}

	// Heads become batches: (N*num_heads, L, head_dim).
	q = tmp.add(tmp.add(tmp.add(q.Contiguous()).View(tgtLen, bsz*numHeads, headDim)).Transpose(0, 1))
	if o.StaticK == nil {
		k = tmp.add(tmp.add(tmp.add(k.Contiguous()).View(k.Size(0), bsz*numHeads, headDim)).Transpose(0, 1))
	} else {
		if got := o.StaticK.Size(0); got != bsz*numHeads {
			return nil, nil, fmt.Errorf("expecting static_k.size(0) of %d, but got %d", bsz*numHeads, got)
		}
		if got := o.StaticK.Size(2); got != headDim {
			return nil, nil, fmt.Errorf("expecting static_k.size(2) of %d, but got %d", headDim, got)
		}
		k = o.StaticK
	}
	if o.StaticV == nil {
		v = tmp.add(tmp.add(tmp.add(v.Contiguous()).View(v.Size(0), bsz*numHeads, headDim)).Transpose(0, 1))
	} else {
		if got := o.StaticV.Size(0); got != bsz*numHeads {
			return nil, nil, fmt.Errorf("expecting static_v.size(0) of %d, but got %d", bsz*numHeads, got)
		}
		if got := o.StaticV.Size(2); got != headDim {
			return nil, nil, fmt.Errorf("expecting static_v.size(2) of %d, but got %d", headDim, got)
		}
		v = o.StaticV
	}

	// add_zero_attn: one more key and value of zeros.
	if addZeroAttn {
		shape := []int64{bsz * numHeads, 1, headDim}
		zk := tmp.add(k.NewZeros(shape, torch.NewZerosOptions{DType: k.DType(), Device: k.Device()}))
		zv := tmp.add(v.NewZeros(shape, torch.NewZerosOptions{DType: v.DType(), Device: v.Device()}))
		k = tmp.add(torch.Cat([]*torch.Tensor{k, zk}, torch.CatOptions{Dim: 1}))
		v = tmp.add(torch.Cat([]*torch.Tensor{v, zv}, torch.CatOptions{Dim: 1}))
		padMasks()
	}
	for _, t := range []*torch.Tensor{k, v, attnMask, keyPaddingMask} {
		if t != nil && t.Err() != nil {
			return nil, nil, t.Err()
		}
	}
	srcLen = k.Size(1)

	// The key padding mask merged into the attention mask, then a bool mask made -inf.
	if keyPaddingMask != nil {
		if want := []int64{bsz, srcLen}; !sameShape(keyPaddingMask.Shape(), want) {
			return nil, nil, fmt.Errorf("expecting key_padding_mask shape of %s, but got %s", pyTuple(want...), torchSize(keyPaddingMask.Shape()))
		}
		keyPaddingMask = tmp.add(tmp.add(tmp.add(keyPaddingMask.View(bsz, 1, 1, srcLen)).Expand([]int64{-1, numHeads, -1, -1})).
			Reshape(bsz*numHeads, 1, srcLen))
		switch {
		case attnMask == nil:
			attnMask = keyPaddingMask
		case attnMask.DType() == torch.Bool:
			attnMask = tmp.add(attnMask.LogicalOr(keyPaddingMask))
		default:
			attnMask = tmp.add(attnMask.MaskedFill(keyPaddingMask, math.Inf(-1)))
		}
	}
	if attnMask != nil && attnMask.DType() == torch.Bool {
		m := tmp.add(torch.ZerosLike(attnMask, torch.ZerosLikeOptions{DType: q.DType()}))
		attnMask = m.MaskedFill_(attnMask, math.Inf(-1))
	}
	if o.NoTraining {
		dropoutP = 0
	}

	// The attention and the out-projection.
	e := q.Size(2)
	qScaled := tmp.add(q.DivScalar(math.Sqrt(float64(e))))
	kT := tmp.add(k.Transpose(-2, -1))
	var weights *torch.Tensor
	if attnMask != nil {
		weights = tmp.add(torch.Baddbmm(attnMask, qScaled, kT))
	} else {
		weights = tmp.add(torch.Bmm(qScaled, kT))
	}
	weights = tmp.add(weights.Softmax(-1))
	if dropoutP > 0 {
		weights = tmp.add(Dropout(weights, DropoutOptions{P: &dropoutP}))
	}
	out := tmp.add(torch.Bmm(weights, v))
	out = tmp.add(tmp.add(tmp.add(out.Transpose(0, 1)).Contiguous()).View(tgtLen*bsz, embedDim))
	out = tmp.add(torch.Linear(out, outProjWeight, torch.LinearOptions{Bias: outProjBias}))
	out = out.View(tgtLen, bsz, out.Size(1))
	if err := out.Err(); err != nil {
		return nil, nil, err
	}
	if o.NoNeedWeights {
		if !batched {
			out = tmp.add(out).SqueezeDim(1)
		}
		return out, nil, nil
	}
	weights = weights.View(bsz, numHeads, tgtLen, srcLen)
	if !o.NoAverageAttnWeights {
		weights = tmp.add(tmp.add(weights).SumDim([]int64{1})).DivScalar(numHeads)
	}
	if !batched {
		out = tmp.add(out).SqueezeDim(1)
		weights = tmp.add(weights).SqueezeDim(0)
	}
	return out, weights, nil
}

// inProjectionPacked is _in_projection_packed: q, k and v projected with the rows of the packed
// weight w (3E, E), in one matrix product for self-attention (q == k == v) and two when the keys
// are the values.
func inProjectionPacked(tmp *temps, q, k, v, w, b *torch.Tensor) (*torch.Tensor, *torch.Tensor, *torch.Tensor, error) {
	e := q.Size(-1)
	linear := func(x, w, b *torch.Tensor) *torch.Tensor {
		return tmp.add(torch.Linear(x, w, torch.LinearOptions{Bias: b}))
	}
	split := func(t *torch.Tensor, sizes ...int64) ([]*torch.Tensor, error) {
		if t == nil {
			return make([]*torch.Tensor, len(sizes)), nil
		}
		if len(sizes) == 3 {
			return tmp.addAll(t.Chunk(3))
		}
		return tmp.addAll(t.SplitWithSizes(sizes))
	}
	if k == v {
		if q == k {
			p, err := tmp.addAll(linear(q, w, b).Chunk(3, torch.ChunkOptions{Dim: -1}))
			if err != nil {
				return nil, nil, nil, err
			}
			return p[0], p[1], p[2], nil
		}
		ws, err := split(w, e, 2*e)
		if err != nil {
			return nil, nil, nil, err
		}
		bs, err := split(b, e, 2*e)
		if err != nil {
			return nil, nil, nil, err
		}
		kv, err := tmp.addAll(linear(k, ws[1], bs[1]).Chunk(2, torch.ChunkOptions{Dim: -1}))
		if err != nil {
			return nil, nil, nil, err
		}
		return linear(q, ws[0], bs[0]), kv[0], kv[1], nil
	}
	ws, err := split(w, e, e, e)
	if err != nil {
		return nil, nil, nil, err
	}
	bs, err := split(b, e, e, e)
	if err != nil {
		return nil, nil, nil, err
	}
	return linear(q, ws[0], bs[0]), linear(k, ws[1], bs[1]), linear(v, ws[2], bs[2]), nil
}

// inProjection is _in_projection: three projections with their own weights, w_q (Eq, Eq), w_k
// (Eq, Ek), w_v (Eq, Ev), checked as PyTorch does.
func inProjection(tmp *temps, q, k, v, wq, wk, wv, bq, bk, bv *torch.Tensor) (*torch.Tensor, *torch.Tensor, *torch.Tensor, error) {
	eq, ek, ev := q.Size(-1), k.Size(-1), v.Size(-1)
	for _, c := range []struct {
		what string
		t    *torch.Tensor
		want []int64
	}{
		{"query weights", wq, []int64{eq, eq}}, {"key weights", wk, []int64{eq, ek}}, {"value weights", wv, []int64{eq, ev}},
		{"query bias", bq, []int64{eq}}, {"key bias", bk, []int64{eq}}, {"value bias", bv, []int64{eq}},
	} {
		if c.t != nil && !sameShape(c.t.Shape(), c.want) {
			return nil, nil, nil, fmt.Errorf("expecting %s shape of %s, but got %s", c.what, pyTuple(c.want...), torchSize(c.t.Shape()))
		}
	}
	linear := func(x, w, b *torch.Tensor) *torch.Tensor {
		return tmp.add(torch.Linear(x, w, torch.LinearOptions{Bias: b}))
	}
	return linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv), nil
}
