// See augment.h. The geometry follows PIL's, which torchvision's transforms run on: continuous pixel
// coordinates with pixel centres at +0.5, PIL's rotate (the inverse map about (W/2, H/2), image
// size kept, fill 0) and PIL's resize of a crop box (output x maps to left + x*w/outW). All three
// maps are affine, so one 2x3 matrix per image takes an output pixel to its source in the original
// image, in the normalised coordinates of affine_grid and grid_sample (align_corners=False: -1 and 1
// are the image's outer edges).
#include "augment.h"
#include "try.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h> // at::NoGradGuard: ATen.h no longer brings it in on libtorch 2.x

#include <cmath>
#include <stdexcept>
#include <string>

namespace {

at::Tensor &T(csrc_tensor p) {
  TORCH_CHECK(p != nullptr, "augment: a NULL tensor handle");
  return *static_cast<at::Tensor *>(p);
}

csrc_tensor handle(at::Tensor t) { return new at::Tensor(std::move(t)); }

void check_images(const at::Tensor &images) {
  TORCH_CHECK(images.dim() == 4 && images.size(1) == 3,
              "augment: images must be [N, 3, H, W], got ", images.sizes());
  TORCH_CHECK(images.scalar_type() == at::kByte, "augment: images must be uint8, got ",
              images.scalar_type());
  TORCH_CHECK(images.size(2) > 0 && images.size(3) > 0, "augment: empty images ", images.sizes());
}

void check_output(const csrc_augment_output *o) {
  TORCH_CHECK(o->height > 0 && o->width > 0, "augment: output size ", o->height, "x", o->width,
              " is not positive");
  TORCH_CHECK(o->interpolation >= 0 && o->interpolation <= 2, "augment: interpolation mode ",
              o->interpolation, " is not grid_sample's 0 (bilinear), 1 (nearest) or 2 (bicubic)");
  for (int c = 0; c < 3; c++) {
    TORCH_CHECK(o->std[c] != 0 && std::isfinite(o->std[c]), "augment: std[", c, "] = ", o->std[c]);
  }
}

void check_random(const csrc_augment_random *r) {
  TORCH_CHECK(r->flip_p >= 0 && r->flip_p <= 1, "augment: flip probability ", r->flip_p,
              " is not in [0, 1]");
  TORCH_CHECK(r->degrees >= 0 && std::isfinite(r->degrees), "augment: degrees ", r->degrees,
              " must be finite and non-negative");
  TORCH_CHECK(r->scale[1] > 0 && r->scale[0] >= 0 && r->scale[0] <= r->scale[1],
              "augment: scale (", r->scale[0], ", ", r->scale[1], ") must be (min, max) with max > 0");
  TORCH_CHECK(r->ratio[0] > 0 && r->ratio[1] > 0 && r->ratio[0] <= r->ratio[1],
              "augment: ratio (", r->ratio[0], ", ", r->ratio[1], ") must be positive (min, max)");
}

// The batch images[index] (all of them without an index).
at::Tensor batch_of(const at::Tensor &images, csrc_tensor index) {
  if (index == nullptr) return images;
  const at::Tensor &idx = T(index);
  TORCH_CHECK(idx.dim() == 1, "augment: index must be 1-dimensional, got ", idx.sizes());
  return images.index_select(0, idx);
}

// x is float [B, 3, h, w] on the scale [0, 255]: x/255, normalised per channel in place, in
// torchvision's order (ToTensor's division, then sub_(mean), div_(std) with float32 constants).
// The constants are scalars, so nothing is copied to the device. On the CPU this is bit for bit
// torchvision's result; CUDA divides by a host scalar as a multiplication by its reciprocal
// (within an ulp).
at::Tensor normalize_(at::Tensor x, const double mean[3], const double std[3]) {
  x.div_(255);
  for (int c = 0; c < 3; c++) {
    x.select(1, c).sub_((double)(float)mean[c]).div_((double)(float)std[c]);
  }
  return x;
}

// theta [B, 2, 3] (float32): output normalised coordinates to input normalised coordinates.
//
// In pixel coordinates (centres at +0.5) of an H x W input: the crop box (top, left, h, w) resized
// to the output maps output point (gx, gy) in [-1, 1]^2 to the rotated image's
//   X = left + (gx + 1) w/2,  Y = top + (gy + 1) h/2.
// PIL's rotate by angle a (counter-clockwise) reads the flipped image at
//   Xf - W/2 = c (X - W/2) + s (Y - H/2),  Yf - H/2 = -s (X - W/2) + c (Y - H/2),
// with c = cos(-a), s = sin(-a), and the flip reads the original at Xo - W/2 = -(Xf - W/2).
// Dividing by (W/2, H/2) gives the normalised input coordinates.
//
// nudge (in pixels) moves every source point right and down: grid_sample's nearest rounds x - 0.5
// half to even where PIL floors x, and a nudge far below PIL's own fixed-point error makes exact
// ties (a 90-degree turn of an image of odd width and even height, say) round as PIL rounds them.
at::Tensor theta(const at::Tensor &flip, const at::Tensor &angle, const at::Tensor &box, int64_t H,
                 int64_t W, int64_t B, double nudge) {
  TORCH_CHECK(flip.dim() == 1 && flip.size(0) == B, "augment: flip must be [", B, "], got ",
              flip.sizes());
  TORCH_CHECK(angle.dim() == 1 && angle.size(0) == B, "augment: angle must be [", B, "], got ",
              angle.sizes());
  TORCH_CHECK(box.dim() == 2 && box.size(0) == B && box.size(1) == 4,
              "augment: box must be [", B, ", 4] (top, left, height, width), got ", box.sizes());
  auto f64 = box.options().dtype(at::kDouble);
  // The rotation and the flip as a 2x2 matrix on normalised (x, y); the units of x and y differ by
  // W/H on a non-square image.
  const double xy = (double)H / W, yx = (double)W / H;
  at::Tensor sign = at::rsub(flip.to(at::kDouble), 1, 2); // 1 - 2 flip
  at::Tensor rad = angle.to(at::kDouble).mul(-M_PI / 180);
  at::Tensor c = rad.cos(), s = rad.sin();
  at::Tensor m = at::stack({sign * c, (sign * s).mul_(xy), s.mul(-yx), c}, 1).view({B, 2, 2});
  // The box as (w, h) and (left, top), and the image's (W, H), made on the device without a copy.
  at::Tensor r = box.to(at::kDouble).flip({1});
  at::Tensor wh = r.narrow(1, 0, 2), lt = r.narrow(1, 2, 2);
  at::Tensor size = at::linspace((double)W, (double)H, 2, f64);
  // The crop: the box's half sizes in units of the image's, and its centre, normalised.
  at::Tensor q = wh / size;
  at::Tensor p = at::add(wh, lt, 2).div_(size).sub_(1);
  // theta = m [diag(q) | p].
  at::Tensor t = at::bmm(m, p.unsqueeze(2));
  if (nudge != 0) t.add_(at::linspace(2 * nudge / W, 2 * nudge / H, 2, f64).view({1, 2, 1}));
  return at::cat({m * q.unsqueeze(1), t}, 2).to(at::kFloat);
}

at::Tensor apply(const at::Tensor &images, csrc_tensor index, const at::Tensor &flip,
                 const at::Tensor &angle, const at::Tensor &box, const csrc_augment_output *o) {
  check_images(images);
  check_output(o);
  at::NoGradGuard no_grad;
  at::Tensor x = batch_of(images, index).to(at::kFloat);
  const int64_t B = x.size(0), H = images.size(2), W = images.size(3);
  const double nudge = o->interpolation == 1 ? 1.0 / 8192 : 0;
  at::Tensor th = theta(flip.to(images.device()), angle.to(images.device()), box.to(images.device()),
                        H, W, B, nudge);
  at::Tensor grid = at::affine_grid_generator(th, {B, 3, o->height, o->width}, false);
  // Border padding: a tap beyond the image's edge repeats the edge, as PIL's resize renormalises
  // its kernel there instead of reading black. What lies outside the image after the rotation is
  // PIL's fill (0): the pixels whose source point is outside, as PIL's nearest rotation decides.
  // (Measured against the PIL chain on CIFAR-10 images: zero padding instead doubles the mean
  // difference of a resized crop, and darkens the edges of a crop that touches the image's.)
  at::Tensor y = at::grid_sampler(x, grid, o->interpolation, /*padding_mode=border*/ 1, false);
  y.mul_(grid.abs().le(1).all(-1).unsqueeze(1));
  y.clamp_(0, 255);
  return normalize_(y, o->mean, o->std);
}

// torchvision's fallback when no attempt fits: the whole image clamped to the ratio range, centred.
void fallback_box(int64_t H, int64_t W, const csrc_augment_random *r, int64_t box[4]) {
  double in_ratio = (double)W / (double)H;
  int64_t w = W, h = H;
  if (in_ratio < r->ratio[0]) {
    h = (int64_t)std::nearbyint((double)w / r->ratio[0]);
  } else if (in_ratio > r->ratio[1]) {
    w = (int64_t)std::nearbyint((double)h * r->ratio[1]);
  }
  auto floor_div2 = [](int64_t a) { return a >= 0 ? a / 2 : -((-a + 1) / 2); };
  box[0] = floor_div2(H - h);
  box[1] = floor_div2(W - w);
  box[2] = h;
  box[3] = w;
}

// Draws flip (bool [B]), angle (float64 [B]) and box (float64 [B, 4], as apply reads it without
// a conversion; the callers hand it out as int64).
void sample(const at::Tensor &images, int64_t B, const csrc_augment_random *r, at::Tensor &flip,
            at::Tensor &angle, at::Tensor &box) {
  check_images(images);
  check_random(r);
  TORCH_CHECK(B >= 0, "augment: negative batch ", B);
  at::NoGradGuard no_grad;
  const int64_t H = images.size(2), W = images.size(3);
  const int attempts = 10;
  auto f64 = images.options().dtype(at::kDouble);
  // One draw for everything: the flip, the angle, the crop's offsets, then each attempt's area
  // fraction and log aspect ratio.
  at::Tensor u = at::rand({B, 4 + 2 * attempts}, f64);
  flip = u.select(1, 0).lt(r->flip_p);
  angle = u.select(1, 1).mul(2 * r->degrees).sub_(r->degrees);

  // Every attempt of every image at once; the first that fits is kept.
  const double area0 = (double)(H * W), lr0 = std::log(r->ratio[0]), lr1 = std::log(r->ratio[1]);
  at::Tensor area = u.narrow(1, 4, attempts).mul(area0 * (r->scale[1] - r->scale[0]));
  area.add_(area0 * r->scale[0]);
  at::Tensor aspect = u.narrow(1, 4 + attempts, attempts).mul(lr1 - lr0).add_(lr0).exp_();
  // torch.round rounds half to even, like Python's round.
  at::Tensor w = (area * aspect).sqrt_().round_();
  at::Tensor h = area.div_(aspect).sqrt_().round_();
  at::Tensor fits = w.clamp(1, W).eq(w).logical_and_(h.clamp(1, H).eq(h));
  // The number of attempts before the first that fits (attempts when none does).
  at::Tensor misses = fits.cumsum(1).eq(0).sum(1);
  at::Tensor found = misses.lt(attempts).unsqueeze(1);
  at::Tensor first = misses.clamp_max(attempts - 1).unsqueeze(1);
  at::Tensor hw = at::cat({h.gather(1, first), w.gather(1, first)}, 1);
  // torch.randint(0, n) as floor(u*n) for n = (H, W) - (h, w) + 1; min() guards against u*n
  // rounding up to n.
  at::Tensor room = at::rsub(hw, at::linspace((double)(H + 1), (double)(W + 1), 2, f64));
  at::Tensor tl = u.narrow(1, 2, 2).mul(room).floor_();
  tl = at::minimum(tl, room.sub_(1));

  int64_t fb[4];
  fallback_box(H, W, r, fb);
  box = at::cat({at::where(found, tl, at::linspace((double)fb[0], (double)fb[1], 2, f64)),
                 at::where(found, hw, at::linspace((double)fb[2], (double)fb[3], 2, f64))},
                1);
}

// The bodies of the C entry points, outside CSRC_TRY (a macro argument must not hold bare commas),
// run by without_backtrace: libtorch's checks append a C++ backtrace to their message, which is
// noise to a Go caller.

template <class F, class... A> void without_backtrace(F f, A... a) {
  try {
    f(a...);
  } catch (const c10::Error &e) {
    throw std::runtime_error(e.what_without_backtrace());
  }
}

void apply_into(csrc_tensor images, csrc_tensor index, csrc_tensor flip, csrc_tensor angle,
                csrc_tensor box, const csrc_augment_output *o, csrc_tensor *out) {
  *out = handle(apply(T(images), index, T(flip), T(angle), T(box), o));
}

void sample_into(csrc_tensor images, int64_t batch, const csrc_augment_random *r, csrc_tensor *flip,
                 csrc_tensor *angle, csrc_tensor *box) {
  at::Tensor f, a, b;
  sample(T(images), batch, r, f, a, b);
  *flip = handle(f);
  *angle = handle(a);
  *box = handle(b.to(at::kLong));
}

void random_apply_into(csrc_tensor images, csrc_tensor index, const csrc_augment_random *r,
                       const csrc_augment_output *o, csrc_tensor *out, csrc_tensor *flip,
                       csrc_tensor *angle, csrc_tensor *box) {
  TORCH_CHECK(index != nullptr, "augment: random_apply needs an index");
  check_output(o);
  at::Tensor f, a, b;
  sample(T(images), T(index).size(0), r, f, a, b);
  at::Tensor y = apply(T(images), index, f, a, b, o);
  *out = handle(y);
  if (flip != nullptr) *flip = handle(f);
  if (angle != nullptr) *angle = handle(a);
  if (box != nullptr) *box = handle(b.to(at::kLong));
}

void normalize_into(csrc_tensor images, csrc_tensor index, const double mean[3],
                    const double std[3], csrc_tensor *out) {
  check_images(T(images));
  for (int c = 0; c < 3; c++) {
    TORCH_CHECK(std[c] != 0 && std::isfinite(std[c]), "augment: std[", c, "] = ", std[c]);
  }
  at::NoGradGuard no_grad;
  *out = handle(normalize_(batch_of(T(images), index).to(at::kFloat), mean, std));
}

} // namespace

extern "C" {

char *csrc_augment_sample(csrc_tensor images, int64_t batch, const csrc_augment_random *r,
                          csrc_tensor *flip, csrc_tensor *angle, csrc_tensor *box) {
  CSRC_TRY(without_backtrace(sample_into, images, batch, r, flip, angle, box));
}

char *csrc_augment_apply(csrc_tensor images, csrc_tensor index, csrc_tensor flip, csrc_tensor angle,
                         csrc_tensor box, const csrc_augment_output *o, csrc_tensor *out) {
  CSRC_TRY(without_backtrace(apply_into, images, index, flip, angle, box, o, out));
}

char *csrc_augment_random_apply(csrc_tensor images, csrc_tensor index, const csrc_augment_random *r,
                                const csrc_augment_output *o, csrc_tensor *out, csrc_tensor *flip,
                                csrc_tensor *angle, csrc_tensor *box) {
  CSRC_TRY(without_backtrace(random_apply_into, images, index, r, o, out, flip, angle, box));
}

char *csrc_augment_normalize(csrc_tensor images, csrc_tensor index, const double mean[3],
                             const double std[3], csrc_tensor *out) {
  CSRC_TRY(without_backtrace(normalize_into, images, index, mean, std, out));
}

} // extern "C"
