package functional

import (
	"math"

	"github.com/aecifar/aecifar/torch"
)

// InterpolateMode is F.interpolate's mode; the zero value "" is Nearest.
type InterpolateMode string

// The modes.
const (
	Nearest   InterpolateMode = "nearest"
	Linear1d  InterpolateMode = "linear"
	Bilinear  InterpolateMode = "bilinear"
	Bicubic   InterpolateMode = "bicubic"
	Trilinear InterpolateMode = "trilinear"
	Area      InterpolateMode = "area"
	// NearestExact is 'nearest-exact': nearest neighbours as PIL and scikit-image pick them
	// (pixel centres, where Nearest floors the scaled index).
	NearestExact InterpolateMode = "nearest-exact"
)

// InterpolateOptions are F.interpolate's keyword arguments. Exactly one of Size and ScaleFactor
// is given; one element applies to every spatial dimension. AlignCorners (nil: None, that is
// False for the linear modes) is only for linear, bilinear, bicubic and trilinear.
// RecomputeScaleFactor computes the output size from the scale and then interpolates by sizes
// alone. Antialias (bilinear and bicubic, 4-D input only) applies PyTorch's anti-aliasing
// filter when downsampling.
type InterpolateOptions struct {
	Size                 []int64
	ScaleFactor          []float64
	Mode                 InterpolateMode
	AlignCorners         *bool
	RecomputeScaleFactor bool
	Antialias            bool
}

// Interpolate is F.interpolate(input, size=None, scale_factor=None, mode='nearest',
// align_corners=None, recompute_scale_factor=None, antialias=False) for 3-D, 4-D and 5-D inputs,
// with PyTorch's checks and the same ATen kernels and scales.
func Interpolate(input *torch.Tensor, opts ...InterpolateOptions) *torch.Tensor {
	const name = "interpolate"
	o, err := options(name, opts)
	if err != nil {
		return fail(name, err)
	}
	if err := input.Err(); err != nil {
		return input
	}
	mode := o.Mode
	if mode == "" {
		mode = Nearest
	}
	align := false
	if mode == Nearest || mode == Area || mode == NearestExact {
		if o.AlignCorners != nil {
			return failf(name, "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear")
		}
	} else {
		align = or(o.AlignCorners, false)
	}
	shape := input.Shape()
	dim := len(shape) - 2
	if dim < 1 {
		return failf(name, "Input Error: Only 3D, 4D and 5D input Tensors supported (got %dD)", len(shape))
	}
	var size []int64
	var scales []float64
	switch {
	case o.Size != nil && o.ScaleFactor != nil:
		return failf(name, "only one of size or scale_factor should be defined")
	case o.Size != nil:
		size = spread(o.Size, dim)
		if len(size) != dim {
			return failf(name, "Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of %v and output size of %v. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.", shape[2:], o.Size)
		}
	case o.ScaleFactor != nil:
		scales = spread(o.ScaleFactor, dim)
		if len(scales) != dim {
			return failf(name, "Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of %v and scale_factor of shape %v. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.", shape[2:], o.ScaleFactor)
		}
	default:
		return failf(name, "either size or scale_factor should be defined")
	}
	if o.RecomputeScaleFactor && o.Size != nil {
		return failf(name, "recompute_scale_factor is not meaningful with an explicit size.")
	}
	if scales != nil && (o.RecomputeScaleFactor || mode == Area) {
		size = make([]int64, dim)
		for i := range size {
			size[i] = int64(math.Floor(float64(shape[i+2]) * scales[i]))
		}
		scales = nil
	}
	if o.Antialias && !((mode == Bilinear || mode == Bicubic) && dim == 2) {
		return failf(name, "Anti-alias option is only supported for bilinear and bicubic modes")
	}
	switch {
	case mode == Nearest && dim == 1:
		return torch.UpsampleNearest1dVec(input, size, scales)
	case mode == Nearest && dim == 2:
		return torch.UpsampleNearest2dVec(input, size, scales)
	case mode == Nearest && dim == 3:
		return torch.UpsampleNearest3dVec(input, size, scales)
	case mode == NearestExact && dim == 1:
		return torch.UpsampleNearestExact1dVec(input, size, scales)
	case mode == NearestExact && dim == 2:
		return torch.UpsampleNearestExact2dVec(input, size, scales)
	case mode == NearestExact && dim == 3:
		return torch.UpsampleNearestExact3dVec(input, size, scales)
	case mode == Area && dim == 1:
		return torch.AdaptiveAvgPool1d(input, size)
	case mode == Area && dim == 2:
		return torch.AdaptiveAvgPool2d(input, size)
	case mode == Area && dim == 3:
		return torch.AdaptiveAvgPool3d(input, size)
	case mode == Linear1d && dim == 1:
		return torch.UpsampleLinear1dVec(input, size, align, scales)
	case mode == Bilinear && dim == 2 && o.Antialias:
		return torch.UpsampleBilinear2dAaVec(input, size, align, scales)
	case mode == Bilinear && dim == 2:
		return torch.UpsampleBilinear2dVec(input, size, align, scales)
	case mode == Bicubic && dim == 2 && o.Antialias:
		return torch.UpsampleBicubic2dAaVec(input, size, align, scales)
	case mode == Bicubic && dim == 2:
		return torch.UpsampleBicubic2dVec(input, size, align, scales)
	case mode == Trilinear && dim == 3:
		return torch.UpsampleTrilinear3dVec(input, size, align, scales)
	}
	// PyTorch names the needed dimensions for the linear modes on 3-D to 5-D inputs only (not bicubic).
	if need := map[InterpolateMode]int{Linear1d: 3, Bilinear: 4, Trilinear: 5}[mode]; need != 0 && dim <= 3 {
		return failf(name, "Got %dD input, but %s mode needs %dD input", len(shape), mode, need)
	}
	return failf(name, "Input Error: Only 3D, 4D and 5D input Tensors supported (got %dD) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got %s)", len(shape), mode)
}

// spread repeats a single value over n dimensions, as PyTorch does with an int size or scale.
func spread[T any](v []T, n int) []T {
	if len(v) == 1 && n > 1 {
		out := make([]T, n)
		for i := range out {
			out[i] = v[0]
		}
		return out
	}
	return v
}
