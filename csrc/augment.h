// Batched image augmentation on the images' own device (CPU or CUDA): the seed's training transform
// (RandomHorizontalFlip, RandomRotation, RandomResizedCrop, ToTensor, Normalize) as one affine
// resampling per image (affine_grid + grid_sample), and the test transform (ToTensor, Normalize).
//
// Images are the whole data set, uint8 [N, 3, H, W], on some device; index (int64 [B], same device)
// selects a batch. Every function here runs without host synchronisation, host-to-device copies or
// data-dependent shapes, and draws its random numbers from the device's default generator, so that
// it can be captured into a CUDA graph. Errors follow csrc.h: a malloc'd message, NULL on success.
#ifndef AECIFAR_CSRC_AUGMENT_H
#define AECIFAR_CSRC_AUGMENT_H

#include <stdint.h>

#include "csrc.h"

#ifdef __cplusplus
extern "C" {
#endif

// The random part: a flip with probability flip_p, an angle uniform in [-degrees, degrees) and a
// crop box drawn like torchvision's RandomResizedCrop.get_params (area fraction uniform in scale,
// log aspect ratio (width/height) uniform in log(ratio), ten attempts, then the centre fallback).
typedef struct {
  double flip_p;
  double degrees;
  double scale[2];
  double ratio[2];
} csrc_augment_random;

// The output: size, grid_sample's interpolation mode (0 bilinear, 1 nearest, 2 bicubic), and the
// per-channel normalisation (x/255 - mean) / std.
typedef struct {
  int64_t height, width;
  int interpolation;
  double mean[3];
  double std[3];
} csrc_augment_output;

// Draws the parameters for a batch of `batch` images of the size of `images` (only its device and
// H, W are read): flip bool [batch], angle float64 [batch] in degrees, box int64 [batch, 4] as
// (top, left, height, width) in pixels of the rotated image.
char *csrc_augment_sample(csrc_tensor images, int64_t batch, const csrc_augment_random *r,
                          csrc_tensor *flip, csrc_tensor *angle, csrc_tensor *box);

// Applies given parameters to images[index]: flip (bool or 0/1 [B]) first, then the rotation by
// angle degrees counter-clockwise about the image centre (outside reads 0), then the crop box
// resized to the output size; out is float32 [B, 3, height, width], clamped to [0, 1] before the
// normalisation. flip, angle and box live on the images' device; box may be any real dtype.
char *csrc_augment_apply(csrc_tensor images, csrc_tensor index, csrc_tensor flip, csrc_tensor angle,
                         csrc_tensor box, const csrc_augment_output *o, csrc_tensor *out);

// csrc_augment_sample for index's batch, then csrc_augment_apply. flip, angle and box may each be
// NULL; otherwise they receive the parameters drawn.
char *csrc_augment_random_apply(csrc_tensor images, csrc_tensor index, const csrc_augment_random *r,
                                const csrc_augment_output *o, csrc_tensor *out, csrc_tensor *flip,
                                csrc_tensor *angle, csrc_tensor *box);

// The test transform: images[index] (every image when index is NULL) as float32 x/255, normalised.
char *csrc_augment_normalize(csrc_tensor images, csrc_tensor index, const double mean[3],
                             const double std[3], csrc_tensor *out);

#ifdef __cplusplus
}
#endif
#endif
