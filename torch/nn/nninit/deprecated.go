package nninit

import "github.com/aecifar/aecifar/torch"

// PyTorch's deprecated spellings without the trailing underscore (torch/nn/init.py's
// _make_deprecate): each calls the in-place initialiser it names, as PyTorch's do (which also warn).

// Uniform is nn.init.uniform.
//
// Deprecated: use Uniform_, as PyTorch deprecates nn.init.uniform for nn.init.uniform_.
func Uniform(t *torch.Tensor, opts ...UniformOptions) *torch.Tensor { return Uniform_(t, opts...) }

// Normal is nn.init.normal.
//
// Deprecated: use Normal_, as PyTorch deprecates nn.init.normal for nn.init.normal_.
func Normal(t *torch.Tensor, opts ...NormalOptions) *torch.Tensor { return Normal_(t, opts...) }

// Constant is nn.init.constant.
//
// Deprecated: use Constant_, as PyTorch deprecates nn.init.constant for nn.init.constant_.
func Constant(t *torch.Tensor, val float64) *torch.Tensor { return Constant_(t, val) }

// Eye is nn.init.eye.
//
// Deprecated: use Eye_, as PyTorch deprecates nn.init.eye for nn.init.eye_.
func Eye(t *torch.Tensor) *torch.Tensor { return Eye_(t) }

// Dirac is nn.init.dirac.
//
// Deprecated: use Dirac_, as PyTorch deprecates nn.init.dirac for nn.init.dirac_.
func Dirac(t *torch.Tensor, opts ...DiracOptions) *torch.Tensor { return Dirac_(t, opts...) }

// XavierUniform is nn.init.xavier_uniform.
//
// Deprecated: use XavierUniform_, as PyTorch deprecates nn.init.xavier_uniform.
func XavierUniform(t *torch.Tensor, opts ...XavierOptions) *torch.Tensor {
	return XavierUniform_(t, opts...)
}

// XavierNormal is nn.init.xavier_normal.
//
// Deprecated: use XavierNormal_, as PyTorch deprecates nn.init.xavier_normal.
func XavierNormal(t *torch.Tensor, opts ...XavierOptions) *torch.Tensor {
	return XavierNormal_(t, opts...)
}

// KaimingUniform is nn.init.kaiming_uniform.
//
// Deprecated: use KaimingUniform_, as PyTorch deprecates nn.init.kaiming_uniform.
func KaimingUniform(t *torch.Tensor, opts ...KaimingOptions) *torch.Tensor {
	return KaimingUniform_(t, opts...)
}

// KaimingNormal is nn.init.kaiming_normal.
//
// Deprecated: use KaimingNormal_, as PyTorch deprecates nn.init.kaiming_normal.
func KaimingNormal(t *torch.Tensor, opts ...KaimingOptions) *torch.Tensor {
	return KaimingNormal_(t, opts...)
}

// Orthogonal is nn.init.orthogonal.
//
// Deprecated: use Orthogonal_, as PyTorch deprecates nn.init.orthogonal for nn.init.orthogonal_.
func Orthogonal(t *torch.Tensor, opts ...OrthogonalOptions) *torch.Tensor {
	return Orthogonal_(t, opts...)
}

// Sparse is nn.init.sparse.
//
// Deprecated: use Sparse_, as PyTorch deprecates nn.init.sparse for nn.init.sparse_.
func Sparse(t *torch.Tensor, sparsity float64, opts ...SparseOptions) *torch.Tensor {
	return Sparse_(t, sparsity, opts...)
}
