package torch

// Private ATen ops (their names begin with an underscore), which the generator skips but
// torch.nn.functional calls. Each is called boxed, by its schema, like a generated op that is
// stubbed: the libtorch that runs places the arguments by name.

// UpsampleNearestExact1dVec is torch._C._nn._upsample_nearest_exact1d(input, output_size,
// scale_factors), what F.interpolate's mode='nearest-exact' calls for a 3-D input. One of
// outputSize and scaleFactors is nil (None).
func UpsampleNearestExact1dVec(input *Tensor, outputSize []int64, scaleFactors []float64) *Tensor {
	return upsampleNearestExact("_upsample_nearest_exact1d", input, outputSize, scaleFactors)
}

// UpsampleNearestExact2dVec is torch._C._nn._upsample_nearest_exact2d(input, output_size,
// scale_factors), F.interpolate's mode='nearest-exact' for a 4-D input.
func UpsampleNearestExact2dVec(input *Tensor, outputSize []int64, scaleFactors []float64) *Tensor {
	return upsampleNearestExact("_upsample_nearest_exact2d", input, outputSize, scaleFactors)
}

// UpsampleNearestExact3dVec is torch._C._nn._upsample_nearest_exact3d(input, output_size,
// scale_factors), F.interpolate's mode='nearest-exact' for a 5-D input.
func UpsampleNearestExact3dVec(input *Tensor, outputSize []int64, scaleFactors []float64) *Tensor {
	return upsampleNearestExact("_upsample_nearest_exact3d", input, outputSize, scaleFactors)
}

func upsampleNearestExact(name string, input *Tensor, outputSize []int64, scaleFactors []float64) *Tensor {
	return boxedTensors(name, 1, boxed("aten::"+name, "vec", bTensor(input).as("input"),
		bOptInts(outputSize).as("output_size"), bOptFloats(scaleFactors).as("scale_factors")))[0]
}

// UpsampleBilinear2dAaVec is torch._C._nn._upsample_bilinear2d_aa(input, output_size,
// align_corners, scale_factors), F.interpolate's mode='bilinear' with antialias=True.
func UpsampleBilinear2dAaVec(input *Tensor, outputSize []int64, alignCorners bool, scaleFactors []float64) *Tensor {
	return upsampleAa("_upsample_bilinear2d_aa", input, outputSize, alignCorners, scaleFactors)
}

// UpsampleBicubic2dAaVec is torch._C._nn._upsample_bicubic2d_aa(input, output_size,
// align_corners, scale_factors), F.interpolate's mode='bicubic' with antialias=True.
func UpsampleBicubic2dAaVec(input *Tensor, outputSize []int64, alignCorners bool, scaleFactors []float64) *Tensor {
	return upsampleAa("_upsample_bicubic2d_aa", input, outputSize, alignCorners, scaleFactors)
}

func upsampleAa(name string, input *Tensor, outputSize []int64, alignCorners bool, scaleFactors []float64) *Tensor {
	return boxedTensors(name, 1, boxed("aten::"+name, "vec", bTensor(input).as("input"),
		bOptInts(outputSize).as("output_size"), bBool(alignCorners).as("align_corners"),
		bOptFloats(scaleFactors).as("scale_factors")))[0]
}
