package nn

import (
	"errors"
	"fmt"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
)

// Activation is TransformerEncoderLayer's activation argument, as a string.
type Activation string

// The activations of the transformer layers; "" is ActivationReLU.
const (
	ActivationReLU Activation = "relu"
	ActivationGELU Activation = "gelu"
)

// TransformerEncoderLayerOptions are nn.TransformerEncoderLayer's keyword arguments; the zero
// value is PyTorch's defaults.
type TransformerEncoderLayerOptions struct {
	DimFeedforward int64      // dim_feedforward: 0 is 2048
	Dropout        *float64   // dropout: nil is 0.1
	Activation     Activation // activation: "" is "relu"; PyTorch's callables are not supported
	LayerNormEps   *float64   // layer_norm_eps: nil is 1e-5
	BatchFirst     bool       // batch_first: src is (N, S, E) instead of (S, N, E)
	NormFirst      bool       // norm_first: layer norm before attention and feed-forward, not after
}

// TransformerEncoderLayer is nn.TransformerEncoderLayer: self-attention and a feed-forward
// network (linear1, activation, dropout, linear2), each with a residual connection, dropout and
// layer norm, as in "Attention Is All You Need". Its children are PyTorch's, in its order:
// self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2.
type TransformerEncoderLayer struct {
	Base
	SelfAttn           *MultiheadAttention
	Linear1            *Linear
	Dropout            *Dropout
	Linear2            *Linear
	NormFirst          bool
	Norm1, Norm2       *LayerNorm
	Dropout1, Dropout2 *Dropout
	Activation         Activation
}

// NewTransformerEncoderLayer is nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048,
// dropout=0.1, activation=relu, layer_norm_eps=1e-5, batch_first=False, norm_first=False),
// initialised in PyTorch's order (self_attn, linear1, linear2).
func NewTransformerEncoderLayer(dModel, nhead int64, opts ...TransformerEncoderLayerOptions) *TransformerEncoderLayer {
	l := bind(&TransformerEncoderLayer{})
	o := options(&l.Base, "TransformerEncoderLayer", opts)
	dff := o.DimFeedforward
	if dff == 0 {
		dff = 2048
	}
	p, eps := or(o.Dropout, 0.1), or(o.LayerNormEps, 1e-5)
	l.SelfAttn = Register(l, "self_attn", NewMultiheadAttention(dModel, nhead, MultiheadAttentionOptions{Dropout: p, BatchFirst: o.BatchFirst}))
	l.Linear1 = Register(l, "linear1", NewLinear(dModel, dff))
	l.Dropout = Register(l, "dropout", NewDropout(DropoutOptions{P: &p}))
	l.Linear2 = Register(l, "linear2", NewLinear(dff, dModel))
	l.NormFirst = o.NormFirst
	l.Norm1 = Register(l, "norm1", NewLayerNorm([]int64{dModel}, LayerNormOptions{Eps: &eps}))
	l.Norm2 = Register(l, "norm2", NewLayerNorm([]int64{dModel}, LayerNormOptions{Eps: &eps}))
	l.Dropout1 = Register(l, "dropout1", NewDropout(DropoutOptions{P: &p}))
	l.Dropout2 = Register(l, "dropout2", NewDropout(DropoutOptions{P: &p}))
	l.Activation = o.Activation
	if l.Activation == "" {
		l.Activation = ActivationReLU
	}
	if l.Activation != ActivationReLU && l.Activation != ActivationGELU {
		l.errorf("TransformerEncoderLayer", "activation should be relu/gelu, not %s", l.Activation)
	}
	return l
}

// clone is copy.deepcopy(layer): the same hyperparameters and copies of the weights, drawing
// nothing from the generator.
func (l *TransformerEncoderLayer) clone() *TransformerEncoderLayer {
	c := bind(&TransformerEncoderLayer{NormFirst: l.NormFirst, Activation: l.Activation})
	l.copyInto(&c.Base)
	c.SelfAttn = Register(c, "self_attn", l.SelfAttn.clone())
	c.Linear1 = Register(c, "linear1", l.Linear1.clone())
	c.Dropout = Register(c, "dropout", l.Dropout.clone())
	c.Linear2 = Register(c, "linear2", l.Linear2.clone())
	c.Norm1 = Register(c, "norm1", l.Norm1.clone())
	c.Norm2 = Register(c, "norm2", l.Norm2.clone())
	c.Dropout1 = Register(c, "dropout1", l.Dropout1.clone())
	c.Dropout2 = Register(c, "dropout2", l.Dropout2.clone())
	return c
}

// TransformerEncoderLayerForwardOptions are the keyword arguments of TransformerEncoderLayer's
// forward: the self-attention's attn_mask and key_padding_mask (see
// MultiheadAttentionForwardOptions).
type TransformerEncoderLayerForwardOptions struct {
	SrcMask           *torch.Tensor // src_mask: (S, S) or (N*nhead, S, S)
	SrcKeyPaddingMask *torch.Tensor // src_key_padding_mask: (N, S), or (S) unbatched
}

// Forward is encoder_layer(src, src_mask=None, src_key_padding_mask=None): src (S, N, E), or
// (N, S, E) with batch_first, or (S, E) unbatched, gives an output of the same shape:
//
//	x = norm1(x + dropout1(self_attn(x, x, x)))     x = x + dropout1(self_attn(norm1(x), ...))
//	x = norm2(x + dropout2(ff(x)))                  x = x + dropout2(ff(norm2(x)))   (norm_first)
//
// PyTorch's inference fast path (torch._transformer_encoder_layer_fwd) computes the same function;
// here it is always this composition.
func (l *TransformerEncoderLayer) Forward(src *torch.Tensor, opts ...TransformerEncoderLayerForwardOptions) *torch.Tensor {
	if e := l.forwardErr(); e != nil {
		return e
	}
	if len(opts) > 1 {
		return torch.FromError(fmt.Errorf("nn.TransformerEncoderLayer: %d options structs given, at most one is allowed", len(opts)))
	}
	var o TransformerEncoderLayerForwardOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	if err := checkPaddingMask("TransformerEncoderLayer", o.SrcKeyPaddingMask); err != nil {
		return torch.FromError(err)
	}
	x := src
	if l.NormFirst {
		x = x.Add(l.saBlock(l.Norm1.Forward(x), o.SrcMask, o.SrcKeyPaddingMask))
		return x.Add(l.ffBlock(l.Norm2.Forward(x)))
	}
	x = l.Norm1.Forward(x.Add(l.saBlock(x, o.SrcMask, o.SrcKeyPaddingMask)))
	return l.Norm2.Forward(x.Add(l.ffBlock(x)))
}

// saBlock is _sa_block: self-attention without weights, then dropout1.
func (l *TransformerEncoderLayer) saBlock(x, attnMask, keyPaddingMask *torch.Tensor) *torch.Tensor {
	out, _ := l.SelfAttn.Forward(x, x, x, MultiheadAttentionForwardOptions{AttnMask: attnMask, KeyPaddingMask: keyPaddingMask, NoNeedWeights: true})
	return l.Dropout1.Forward(out)
}

// ffBlock is _ff_block: linear2(dropout(activation(linear1(x)))), then dropout2.
func (l *TransformerEncoderLayer) ffBlock(x *torch.Tensor) *torch.Tensor {
	h := l.Linear1.Forward(x)
	if l.Activation == ActivationGELU {
		h = F.Gelu(h)
	} else {
		h = F.Relu(h)
	}
	return l.Dropout2.Forward(l.Linear2.Forward(l.Dropout.Forward(h)))
}

func (l *TransformerEncoderLayer) String() string { return Repr(l) }

// checkPaddingMask is the transformer's check that a key padding mask is bool or floating point.
func checkPaddingMask(layer string, mask *torch.Tensor) error {
	if mask == nil {
		return nil
	}
	if err := mask.Err(); err != nil {
		return err
	}
	if ok, err := mask.IsFloatingPoint(); err != nil || (!ok && mask.DType() != torch.Bool) {
		return fmt.Errorf("nn.%s: only bool and floating types of key_padding_mask are supported", layer)
	}
	return nil
}

// TransformerEncoderOptions are nn.TransformerEncoder's keyword arguments; the zero value is
// PyTorch's defaults.
type TransformerEncoderOptions struct {
	Norm                 Forwarder // norm: applied to the last layer's output; nil is None
	NoEnableNestedTensor bool      // enable_nested_tensor=False: no padding-free path (see Forward)
	NoMaskCheck          bool      // mask_check=False: take that path without checking the padding is at the end
}

// TransformerEncoder is nn.TransformerEncoder: NumLayers copies of an encoder layer, applied in
// turn, then the optional Norm. The copies are PyTorch's deep copies (layers.0, layers.1, ...),
// each starting with the given layer's weights; the given layer itself is not a child.
type TransformerEncoder struct {
	Base
	Layers             *ModuleList // of *TransformerEncoderLayer
	NumLayers          int64
	Norm               Forwarder // nil for none
	EnableNestedTensor bool
	MaskCheck          bool
}

// NewTransformerEncoder is nn.TransformerEncoder(encoder_layer, num_layers, norm=None,
// enable_nested_tensor=True, mask_check=True). The copies draw nothing from the generator, as
// copy.deepcopy does not.
func NewTransformerEncoder(encoderLayer *TransformerEncoderLayer, numLayers int64, opts ...TransformerEncoderOptions) *TransformerEncoder {
	e := bind(&TransformerEncoder{NumLayers: numLayers})
	o := options(&e.Base, "TransformerEncoder", opts)
	e.EnableNestedTensor, e.MaskCheck = !o.NoEnableNestedTensor, !o.NoMaskCheck
	e.Layers = Register(e, "layers", NewModuleList())
	if encoderLayer == nil {
		e.errorf("TransformerEncoder", "encoder_layer is nil")
		return e
	}
	for i := int64(0); i < numLayers; i++ {
		e.Layers.Append(encoderLayer.clone())
	}
	if o.Norm != nil {
		e.Norm = Register(e, "norm", o.Norm)
	}
	return e
}

// Layer is layers[i].
func (e *TransformerEncoder) Layer(i int) *TransformerEncoderLayer {
	l, _ := e.Layers.At(i).(*TransformerEncoderLayer)
	return l
}

// TransformerEncoderForwardOptions are the keyword arguments of TransformerEncoder's forward,
// passed to every layer as its src_mask and src_key_padding_mask.
type TransformerEncoderForwardOptions struct {
	Mask              *torch.Tensor // mask: (S, S) or (N*nhead, S, S)
	SrcKeyPaddingMask *torch.Tensor // src_key_padding_mask: (N, S), or (S) unbatched
}

// Forward is transformer_encoder(src, mask=None, src_key_padding_mask=None): every layer in turn,
// then Norm.
//
// In eval mode without grad (torch.NoGrad, or no tensor requiring grad), with batch_first layers
// (not norm_first), a padding mask with its padding at the end of each sequence and no mask,
// PyTorch runs the layers on a nested tensor of the unpadded sequences and pads the result back
// with zeros: in 1.13 to the length of the longest sequence, from 2.1 on to src's length. This
// does the same as the libtorch it runs on: the padded positions of the output are zeros (before
// Norm), under 1.13 the sequence dimension is cut to the longest unpadded sequence, and, as the
// nested tensor keeps only the positions where the mask is zero, a float mask's non-zero entries
// count as padding.
func (e *TransformerEncoder) Forward(src *torch.Tensor, opts ...TransformerEncoderForwardOptions) *torch.Tensor {
	if err := e.Err(); err != nil {
		return torch.FromError(err)
	}
	if len(opts) > 1 {
		return torch.FromError(fmt.Errorf("nn.TransformerEncoder: %d options structs given, at most one is allowed", len(opts)))
	}
	var o TransformerEncoderForwardOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	if err := checkPaddingMask("TransformerEncoder", o.SrcKeyPaddingMask); err != nil {
		return torch.FromError(err)
	}
	if err := torch.InputErr("nn.TransformerEncoder", src); err != nil {
		return torch.FromError(err)
	}
	padding, longest, err := e.sparsityFastPath(src, o.Mask, o.SrcKeyPaddingMask)
	if err != nil {
		return torch.FromError(fmt.Errorf("nn.TransformerEncoder: %w", err))
	}
	kpm := o.SrcKeyPaddingMask
	if padding != nil {
		defer padding.Drop()
		kpm = padding
	}
	output := src
	for i := 0; i < e.Layers.Len(); i++ {
		l := e.Layer(i)
		if l == nil {
			return torch.FromError(fmt.Errorf("nn.TransformerEncoder: layers.%d is a %s, not a TransformerEncoderLayer", i, typeName(e.Layers.At(i))))
		}
		output = l.Forward(output, TransformerEncoderLayerForwardOptions{SrcMask: o.Mask, SrcKeyPaddingMask: kpm})
	}
	if padding != nil {
		// to_padded_tensor(0.): zeros where the nested tensor had no element, as long as the
		// longest sequence; from 2.1 on (pytorch/pytorch#100650) to_padded_tensor(0., src.size()).
		perFeature := padding.Unsqueeze(-1)
		output = output.MaskedFill(perFeature, 0.0)
		if !torch.VersionAtLeast(2, 1) {
			output = output.Narrow(1, 0, longest)
		}
		perFeature.Drop()
	}
	if e.Norm != nil {
		output = e.Norm.Forward(output)
	}
	return output
}

// sparsityFastPath is TransformerEncoder.forward's choice of the nested-tensor path. When it is
// taken it returns the padding as a bool mask (true where the nested tensor leaves a position out)
// and the length of the longest sequence; otherwise a nil mask.
func (e *TransformerEncoder) sparsityFastPath(src, mask, srcKeyPaddingMask *torch.Tensor) (*torch.Tensor, int64, error) {
	first := e.Layer(0)
	switch {
	case first == nil, first.NormFirst, first.Training(), !first.SelfAttn.BatchFirst, !first.SelfAttn.qkvSameEmbedDim(),
		first.Norm1.Eps != first.Norm2.Eps, src.Dim() != 3, !e.EnableNestedTensor, srcKeyPaddingMask == nil:
		return nil, 0, nil
	}
	if err := srcKeyPaddingMask.Err(); err != nil {
		return nil, 0, err
	}
	keep := srcKeyPaddingMask.LogicalNot()
	defer keep.Drop()
	if e.MaskCheck {
		aligned, err := leftAligned(src, keep)
		if err != nil || !aligned {
			return nil, 0, err
		}
	}
	if mask != nil || first.SelfAttn.NumHeads%2 == 1 {
		return nil, 0, nil
	}
	if torch.IsGradEnabled() {
		a, n1, n2, l1, l2 := first.SelfAttn, first.Norm1, first.Norm2, first.Linear1, first.Linear2
		for _, t := range []*torch.Tensor{src, a.InProjWeight, a.InProjBias, a.OutProj.Weight, a.OutProj.Bias,
			n1.Weight, n1.Bias, n2.Weight, n2.Bias, l1.Weight, l1.Bias, l2.Weight, l2.Bias} {
			if t != nil && t.RequiresGrad() {
				return nil, 0, nil
			}
		}
	}
	lengths := keep.SumDim([]int64{1})
	longest := lengths.Max()
	n, err := longest.Item()
	lengths.Drop()
	longest.Drop()
	if err != nil {
		return nil, 0, err
	}
	return keep.LogicalNot(), int64(n), nil
}

// leftAligned is torch._nested_tensor_from_mask_left_aligned(src, keep): whether every sequence's
// kept positions come first, its padding last.
func leftAligned(src, keep *torch.Tensor) (bool, error) {
	if keep.Dim() != 2 {
		//lint:ignore ST1005 PyTorch's message
		return false, errors.New("Padding mask should be 2D")
	}
	if keep.Size(0) != src.Size(0) || keep.Size(1) != src.Size(1) {
		//lint:ignore ST1005 PyTorch's message
		return false, errors.New("Mask size should match input size")
	}
	length := keep.Size(1)
	if length < 2 {
		return true, nil
	}
	// A kept position right after a padded one.
	next, prev := keep.Narrow(1, 1, length-1), keep.Narrow(1, 0, length-1)
	padded := prev.LogicalNot()
	late := next.LogicalAnd(padded)
	any := late.Any()
	v, err := any.Item()
	for _, t := range []*torch.Tensor{next, prev, padded, late, any} {
		t.Drop()
	}
	return v == 0, err
}

func (e *TransformerEncoder) String() string { return Repr(e) }
