package csrc

// #include "augment.h"
import "C"

import "unsafe"

// AugmentRandom is the random part of the training augmentation (see augment.h): a horizontal flip
// with probability FlipP, an angle uniform in [-Degrees, Degrees), and a crop box drawn like
// torchvision's RandomResizedCrop.get_params with Scale (area fraction) and Ratio (width/height).
type AugmentRandom struct {
	FlipP   float64
	Degrees float64
	Scale   [2]float64
	Ratio   [2]float64
}

func (r *AugmentRandom) c() C.csrc_augment_random {
	return C.csrc_augment_random{
		flip_p:  C.double(r.FlipP),
		degrees: C.double(r.Degrees),
		scale:   [2]C.double{C.double(r.Scale[0]), C.double(r.Scale[1])},
		ratio:   [2]C.double{C.double(r.Ratio[0]), C.double(r.Ratio[1])},
	}
}

// AugmentOutput is the output of the augmentation: its size, grid_sample's interpolation mode
// (0 bilinear, 1 nearest, 2 bicubic) and the normalisation (x/255 - Mean) / Std per channel.
type AugmentOutput struct {
	Height, Width int
	Interpolation int
	Mean, Std     [3]float64
}

func (o *AugmentOutput) c() C.csrc_augment_output {
	return C.csrc_augment_output{
		height:        C.int64_t(o.Height),
		width:         C.int64_t(o.Width),
		interpolation: C.int(o.Interpolation),
		mean:          c3(o.Mean),
		std:           c3(o.Std),
	}
}

func c3(v [3]float64) [3]C.double { return [3]C.double{C.double(v[0]), C.double(v[1]), C.double(v[2])} }

// The functions below take and return libtorch tensor handles (at::Tensor *); the caller owns the
// handles returned.

// AugmentSample draws flip (bool [batch]), angle (float64 [batch]) and box (int64 [batch, 4]) on
// the device of images, for images of their size.
func AugmentSample(images unsafe.Pointer, batch int, r AugmentRandom) (flip, angle, box unsafe.Pointer, err error) {
	cr := r.c()
	var f, a, b C.csrc_tensor
	if err := errorFrom(C.csrc_augment_sample(C.csrc_tensor(images), C.int64_t(batch), &cr, &f, &a, &b)); err != nil {
		return nil, nil, nil, err
	}
	return unsafe.Pointer(f), unsafe.Pointer(a), unsafe.Pointer(b), nil
}

// AugmentApply applies the given parameters to images[index].
func AugmentApply(images, index, flip, angle, box unsafe.Pointer, o AugmentOutput) (unsafe.Pointer, error) {
	co := o.c()
	var out C.csrc_tensor
	err := errorFrom(C.csrc_augment_apply(C.csrc_tensor(images), C.csrc_tensor(index), C.csrc_tensor(flip),
		C.csrc_tensor(angle), C.csrc_tensor(box), &co, &out))
	if err != nil {
		return nil, err
	}
	return unsafe.Pointer(out), nil
}

// AugmentRandomApply draws the parameters and applies them to images[index] in one call; with
// params it also returns the parameters drawn (else they are nil).
func AugmentRandomApply(images, index unsafe.Pointer, r AugmentRandom, o AugmentOutput, params bool) (out, flip, angle, box unsafe.Pointer, err error) {
	cr, co := r.c(), o.c()
	var y, f, a, b C.csrc_tensor
	pf, pa, pb := &f, &a, &b
	if !params {
		pf, pa, pb = nil, nil, nil
	}
	err = errorFrom(C.csrc_augment_random_apply(C.csrc_tensor(images), C.csrc_tensor(index), &cr, &co, &y, pf, pa, pb))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return unsafe.Pointer(y), unsafe.Pointer(f), unsafe.Pointer(a), unsafe.Pointer(b), nil
}

// AugmentNormalize is the test transform on images[index] (every image when index is nil):
// float32 x/255, normalised.
func AugmentNormalize(images, index unsafe.Pointer, mean, std [3]float64) (unsafe.Pointer, error) {
	m, s := c3(mean), c3(std)
	var out C.csrc_tensor
	if err := errorFrom(C.csrc_augment_normalize(C.csrc_tensor(images), C.csrc_tensor(index), &m[0], &s[0], &out)); err != nil {
		return nil, err
	}
	return unsafe.Pointer(out), nil
}
