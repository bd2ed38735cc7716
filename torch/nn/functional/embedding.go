package functional

import "github.com/aecifar/aecifar/torch"

// EmbeddingOptions are F.embedding's keyword arguments: PaddingIdx (nil: None; negative counts
// from the end), MaxNorm (nil: None), NormType (nil: 2), ScaleGradByFreq and Sparse.
type EmbeddingOptions struct {
	PaddingIdx      *int64
	MaxNorm         *float64
	NormType        *float64
	ScaleGradByFreq bool
	Sparse          bool
}

// Embedding is F.embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
// scale_grad_by_freq=False, sparse=False): the rows of weight at the indices in input. The row at
// padding_idx gets no gradient. With MaxNorm the looked-up rows of weight are renormalised in
// place first (without recording gradients), as PyTorch does.
func Embedding(input, weight *torch.Tensor, opts ...EmbeddingOptions) *torch.Tensor {
	o, err := options("embedding", opts)
	if err != nil {
		return fail("embedding", err)
	}
	if err := torch.InputErr("embedding", input, weight); err != nil {
		return torch.FromError(err)
	}
	pad := int64(-1)
	if o.PaddingIdx != nil {
		n := weight.Size(0)
		pad = *o.PaddingIdx
		switch {
		case pad > 0 && pad >= n, pad < 0 && pad < -n:
			return failf("embedding", "Padding_idx must be within num_embeddings")
		case pad < 0:
			pad += n
		}
	}
	if o.MaxNorm != nil {
		input = input.Contiguous()
		var r *torch.Tensor
		torch.NoGrad(func() { r = torch.EmbeddingRenorm_(weight, input, *o.MaxNorm, or(o.NormType, 2.0)) })
		if err := r.Err(); err != nil {
			return fail("embedding", err)
		}
	}
	return torch.Embedding(weight, input, torch.EmbeddingOptions{PaddingIdx: &pad, ScaleGradByFreq: o.ScaleGradByFreq, Sparse: o.Sparse})
}

// OneHotOptions are F.one_hot's num_classes (zero: -1, one more than the largest index).
type OneHotOptions struct {
	NumClasses int64
}

// OneHot is F.one_hot(tensor, num_classes=-1): int64 one-hot vectors in a new last dimension.
func OneHot(tensor *torch.Tensor, opts ...OneHotOptions) *torch.Tensor {
	o, err := options("one_hot", opts)
	if err != nil {
		return fail("one_hot", err)
	}
	n := o.NumClasses
	if n == 0 {
		n = -1
	}
	return torch.OneHot(tensor, torch.OneHotOptions{NumClasses: &n})
}

// PadMode is F.pad's mode; the zero value "" is PadConstant.
type PadMode string

// The padding modes.
const (
	PadConstant  PadMode = "constant"
	PadReflect   PadMode = "reflect"
	PadReplicate PadMode = "replicate"
	PadCircular  PadMode = "circular"
)

// PadOptions are F.pad's keyword arguments: Mode and Value (nil: 0, for constant padding).
type PadOptions struct {
	Mode  PadMode
	Value *float64
}

// Pad is F.pad(input, pad, mode='constant', value=None): pad holds (left, right) pairs from the
// last dimension backwards, as in PyTorch.
func Pad(input *torch.Tensor, pad []int64, opts ...PadOptions) *torch.Tensor {
	o, err := options("pad", opts)
	if err != nil {
		return fail("pad", err)
	}
	return torch.Pad(input, pad, torch.PadOptions{Mode: string(o.Mode), Value: o.Value})
}
