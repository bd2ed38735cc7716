package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
	"github.com/aecifar/aecifar/torch/nn/nninit"
)

// EmbeddingOptions are nn.Embedding's keyword arguments: PaddingIdx (nil: None; negative counts
// from the end), MaxNorm (nil: None), NormType (nil: 2), ScaleGradByFreq and Sparse.
type EmbeddingOptions struct {
	PaddingIdx      *int64
	MaxNorm         *float64
	NormType        *float64
	ScaleGradByFreq bool
	Sparse          bool
}

// Embedding is nn.Embedding: a lookup table of NumEmbeddings vectors of EmbeddingDim values.
type Embedding struct {
	Base
	NumEmbeddings, EmbeddingDim int64
	PaddingIdx                  *int64 // made non-negative, as PyTorch stores it
	MaxNorm                     *float64
	NormType                    float64
	ScaleGradByFreq, Sparse     bool
	Weight                      *torch.Tensor
}

// NewEmbedding is nn.Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
// norm_type=2.0, scale_grad_by_freq=False, sparse=False): weight ~ N(0, 1), the padding row 0.
func NewEmbedding(numEmbeddings, embeddingDim int64, opts ...EmbeddingOptions) *Embedding {
	m := bind(&Embedding{NumEmbeddings: numEmbeddings, EmbeddingDim: embeddingDim})
	o := options(&m.Base, "Embedding", opts)
	m.MaxNorm, m.NormType, m.ScaleGradByFreq, m.Sparse = o.MaxNorm, or(o.NormType, 2.0), o.ScaleGradByFreq, o.Sparse
	m.PaddingIdx = m.paddingIdx("Embedding", o.PaddingIdx)
	m.Weight = m.RegisterParameter("weight", newParameter(numEmbeddings, embeddingDim))
	m.ResetParameters()
	return m
}

// NewEmbeddingFromPretrained is nn.Embedding.from_pretrained(embeddings, freeze=True, ...): the
// module takes embeddings ([num, dim]) as its weight, which requires grad only when freeze is
// false.
func NewEmbeddingFromPretrained(embeddings *torch.Tensor, freeze bool, opts ...EmbeddingOptions) *Embedding {
	m := bind(&Embedding{})
	o := options(&m.Base, "Embedding.from_pretrained", opts)
	if err := embeddings.Err(); err != nil {
		m.setErr(err)
	} else if embeddings.Dim() != 2 {
		m.errorf("Embedding.from_pretrained", "Embeddings parameter is expected to be 2-dimensional")
	} else {
		m.NumEmbeddings, m.EmbeddingDim = embeddings.Size(0), embeddings.Size(1)
	}
	m.MaxNorm, m.NormType, m.ScaleGradByFreq, m.Sparse = o.MaxNorm, or(o.NormType, 2.0), o.ScaleGradByFreq, o.Sparse
	if m.err == nil {
		m.PaddingIdx = m.paddingIdx("Embedding.from_pretrained", o.PaddingIdx)
	}
	m.Weight = m.RegisterParameter("weight", embeddings)
	m.Weight.SetRequiresGrad(!freeze)
	return m
}

// paddingIdx is nn.Embedding's check of padding_idx against NumEmbeddings, and the index made
// non-negative as PyTorch stores it.
func (m *Embedding) paddingIdx(name string, idx *int64) *int64 {
	if idx == nil {
		return nil
	}
	p := *idx
	switch {
	case p > 0 && p >= m.NumEmbeddings, p < 0 && p < -m.NumEmbeddings:
		m.errorf(name, "Padding_idx must be within num_embeddings")
	case p < 0:
		p += m.NumEmbeddings
	}
	return &p
}

// ResetParameters is reset_parameters(): normal_(weight), then the padding row zeroed.
func (m *Embedding) ResetParameters() {
	m.setErr(nninit.Normal_(m.Weight).Err())
	if m.PaddingIdx != nil && m.err == nil {
		torch.NoGrad(func() {
			torch.WithScope(func(*torch.Scope) { m.setErr(m.Weight.Select(0, *m.PaddingIdx).Fill_(0.0).Err()) })
		})
	}
	parameter(m.Weight)
}

// Forward is F.embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)
// for int64 indices of any shape: the result has one more dimension, of EmbeddingDim values.
func (m *Embedding) Forward(input *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	return F.Embedding(input, m.Weight, F.EmbeddingOptions{PaddingIdx: m.PaddingIdx, MaxNorm: m.MaxNorm, NormType: &m.NormType,
		ScaleGradByFreq: m.ScaleGradByFreq, Sparse: m.Sparse})
}

// ExtraRepr is Embedding.extra_repr.
func (m *Embedding) ExtraRepr() string {
	s := fmt.Sprintf("%d, %d", m.NumEmbeddings, m.EmbeddingDim)
	if m.PaddingIdx != nil {
		s += fmt.Sprintf(", padding_idx=%d", *m.PaddingIdx)
	}
	if m.MaxNorm != nil {
		s += ", max_norm=" + pyFloat(*m.MaxNorm)
	}
	if m.NormType != 2 {
		s += ", norm_type=" + pyFloat(m.NormType)
	}
	if m.ScaleGradByFreq {
		s += ", scale_grad_by_freq=True"
	}
	if m.Sparse {
		s += ", sparse=True"
	}
	return s
}

func (m *Embedding) String() string { return Repr(m) }

var _ Forwarder = (*Embedding)(nil)
