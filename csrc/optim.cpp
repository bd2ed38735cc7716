// Optimizer steps in C++: one cgo call updates every parameter of a group with the arithmetic of
// PyTorch 1.13's optimizers (torch/optim/*.py), op for op, in both of its implementations: the
// single-tensor for-loop and the multi-tensor ("foreach") one, which runs each elementwise stage as
// one _foreach_ op over all parameters. The two round differently in places (Adagrad's foreach
// learning rate is float32, its update a product then a quotient), so each is kept as PyTorch has it.
//
// One deliberate difference: where PyTorch 1.13's foreach code adds the weight decay (or, in SGD,
// the Nesterov term) into the gradients in place, so that p.grad holds it after the step, this code
// adds it into a new list instead (as PyTorch 2 does). The parameters' values are the same.
#include "csrc.h"
#include "try.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h> // at::NoGradGuard: ATen.h no longer brings it in on libtorch 2.x
#include <torch/version.h>

#include <cmath>
#include <cstring>
#include <vector>

static at::Tensor &T(csrc_tensor p) { return *static_cast<at::Tensor *>(p); }

static at::Tensor *new_zeros(const at::Tensor &p) {
  return new at::Tensor(at::zeros_like(p, at::MemoryFormat::Preserve));
}

// The gradient the update uses: -grad under maximize, as PyTorch's `grad if not maximize else -grad`.
static at::Tensor signed_grad(const at::Tensor &p, int maximize) {
  return maximize ? at::neg(p.grad()) : p.grad();
}

// The gradients of the parameters that have one, negated under maximize (one _foreach_neg, as
// PyTorch's foreach code does), and weight-decayed when weight_decay != 0.
static std::vector<at::Tensor> foreach_grads(const std::vector<at::Tensor> &ps, int maximize, double weight_decay) {
  std::vector<at::Tensor> grads;
  grads.reserve(ps.size());
  for (const auto &p : ps) grads.push_back(p.grad());
  if (maximize) grads = at::_foreach_neg(grads);
  if (weight_decay != 0) grads = at::_foreach_add(grads, ps, weight_decay);
  return grads;
}

// base ** t for each t, as one _foreach_pow kernel where libtorch has the (Scalar, TensorList)
// overload (2.1 and later; the overload is detected, not assumed), else one pow per tensor. Both
// compute the same values.
template <typename L>
static std::vector<at::Tensor> pow_each(double base, const L &exps, long) {
  std::vector<at::Tensor> out;
  for (const auto &t : exps) out.push_back(at::pow(base, t));
  return out;
}
#if TORCH_VERSION_MAJOR >= 2
template <typename L>
static auto pow_each(double base, const L &exps, int) -> decltype(at::_foreach_pow(at::Scalar(base), at::TensorList(exps))) {
  return at::_foreach_pow(at::Scalar(base), at::TensorList(exps));
}
#endif

// A float32 product, sum or quotient, rounded as such: the volatile store keeps the compiler from
// fusing it with the next operation (a fused multiply-add rounds once instead of twice).
static float f32(float x) {
  volatile float v = x;
  return v;
}

// Adam's per-parameter state, allocated on the parameter's first step: exp_avg and exp_avg_sq, and
// max_exp_avg_sq with amsgrad.
static void adam_state(const at::Tensor &p, int i, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                       csrc_tensor *max_exp_avg_sqs, int amsgrad) {
  if (exp_avgs[i] == nullptr) {
    exp_avgs[i] = new_zeros(p);
    exp_avg_sqs[i] = new_zeros(p);
  }
  if (amsgrad && max_exp_avg_sqs[i] == nullptr) max_exp_avg_sqs[i] = new_zeros(p);
}

// A step count as PyTorch's tensor state holds it (capturable, differentiable or fused): a float32
// scalar on device, starting from the steps taken so far.
static at::Tensor *step_tensor(int64_t steps, at::Device device) {
  return new at::Tensor(at::full({}, double(steps), at::TensorOptions().dtype(at::kFloat).device(device)));
}

// Adam and AdamW differ only in the weight decay: Adam's is L2, added to the gradient; AdamW's is
// decoupled, the parameter shrunk by lr*weight_decay before the update.
//
// With capturable or differentiable, the single-tensor step keeps each step count as a float32
// scalar tensor (step_tensors[i]: on the parameter's device when capturable, else on the CPU, as
// PyTorch's state['step']) and computes the bias corrections from it as tensors, so that a CUDA
// graph replays them right, or so that autograd sees every operation; otherwise they are computed
// on the host in double precision, as PyTorch 1.13 does.
static void adam_single(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                        csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors, int n,
                        double lr, double beta1, double beta2, double eps, double weight_decay, int amsgrad,
                        int maximize, int capturable, int differentiable, bool decoupled) {
  // PyTorch's _use_grad_for_differentiable: grad mode on for a differentiable step, off otherwise.
  at::AutoGradMode grad_mode(differentiable != 0);
  for (int i = 0; i < n; i++) {
    at::Tensor &p = T(params[i]);
    if (!p.grad().defined()) continue; // PyTorch skips parameters without a gradient
    adam_state(p, i, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, amsgrad);
    bool tensor_step = capturable || differentiable;
    if (tensor_step && step_tensors[i] == nullptr) {
      step_tensors[i] = step_tensor(steps[i], capturable ? p.device() : at::Device(at::kCPU));
    }
    at::Tensor &exp_avg = T(exp_avgs[i]);
    at::Tensor &exp_avg_sq = T(exp_avg_sqs[i]);
    at::Tensor grad = signed_grad(p, maximize);
    int64_t step = ++steps[i];
    if (tensor_step) T(step_tensors[i]).add_(1);
    if (decoupled) {
      p.mul_(1 - lr * weight_decay);
    } else if (weight_decay != 0) {
      grad = grad.add(p, weight_decay);
    }
    exp_avg.mul_(beta1).add_(grad, 1 - beta1);
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    if (tensor_step) {
      // PyTorch's tensor arithmetic, Python's reflected operators spelled out: 1 - t is
      // rsub(t, 1) and x / t is t.reciprocal() * x.
      const at::Tensor &step_t = T(step_tensors[i]);
      at::Tensor bias_correction1 = at::rsub(at::pow(beta1, step_t), 1);
      at::Tensor bias_correction2 = at::rsub(at::pow(beta2, step_t), 1);
      at::Tensor step_size_neg = bias_correction1.reciprocal().mul(lr).neg();
      at::Tensor bias_correction2_sqrt = bias_correction2.sqrt();
      at::Tensor eps_over_step = step_size_neg.reciprocal().mul(eps);
      at::Tensor second = exp_avg_sq;
      if (amsgrad) {
        at::Tensor &max_sq = T(max_exp_avg_sqs[i]);
        // A differentiable step reads a copy, which the in-place copy_ does not overwrite.
        at::Tensor prev = differentiable ? max_sq.clone() : max_sq;
        max_sq.copy_(at::maximum(prev, exp_avg_sq));
        second = max_sq;
      }
      at::Tensor denom = (second.sqrt() / (bias_correction2_sqrt * step_size_neg)).add_(eps_over_step);
      p.addcdiv_(exp_avg, denom);
      continue;
    }
    // Python computes these on the host in double precision; so do we.
    double bias_correction1 = 1 - std::pow(beta1, (double)step);
    double bias_correction2 = 1 - std::pow(beta2, (double)step);
    double step_size = lr / bias_correction1;
    double bias_correction2_sqrt = std::sqrt(bias_correction2);
    at::Tensor denom;
    if (amsgrad) {
      at::Tensor &max_sq = T(max_exp_avg_sqs[i]);
      at::maximum_out(max_sq, max_sq, exp_avg_sq);
      denom = (max_sq.sqrt() / bias_correction2_sqrt).add_(eps);
    } else {
      denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps);
    }
    p.addcdiv_(exp_avg, denom, -step_size);
  }
}

// Fused Adam (PyTorch 1.13's fused=True): per device and dtype, the step counts (float32 scalars on
// the device) advance with one _foreach_add_ and one _fused_adam_ kernel does the rest. PyTorch
// 1.13 has that kernel on CUDA only (torch/optim refuses other parameters before this runs);
// libtorch 2.4 and later also have it on the CPU.
static void adam_fused(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                       csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors, int n,
                       double lr, double beta1, double beta2, double eps, double weight_decay, int amsgrad,
                       int maximize) {
  at::NoGradGuard no_grad;
  struct bucket {
    at::Device device;
    at::ScalarType dtype;
    std::vector<at::Tensor> ps, grads, avgs, sqs, maxs, step_ts;
  };
  std::vector<bucket> buckets; // in first-seen order, as PyTorch's dict keeps them
  for (int i = 0; i < n; i++) {
    at::Tensor &p = T(params[i]);
    if (!p.grad().defined()) continue;
    adam_state(p, i, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, amsgrad);
    if (step_tensors[i] == nullptr) step_tensors[i] = step_tensor(steps[i], p.device());
    steps[i]++;
    bucket *b = nullptr;
    for (auto &c : buckets) {
      if (c.device == p.device() && c.dtype == p.scalar_type()) b = &c;
    }
    if (b == nullptr) {
      buckets.push_back(bucket{p.device(), p.scalar_type(), {}, {}, {}, {}, {}, {}});
      b = &buckets.back();
    }
    b->ps.push_back(p);
    b->grads.push_back(p.grad());
    b->avgs.push_back(T(exp_avgs[i]));
    b->sqs.push_back(T(exp_avg_sqs[i]));
    if (amsgrad) b->maxs.push_back(T(max_exp_avg_sqs[i]));
    b->step_ts.push_back(T(step_tensors[i]));
  }
  for (auto &b : buckets) {
    at::_foreach_add_(b.step_ts, 1);
    at::_fused_adam_(b.ps, b.grads, b.avgs, b.sqs, b.maxs, b.step_ts, lr, beta1, beta2, weight_decay, eps,
                     amsgrad != 0, maximize != 0);
  }
}

static void adam_foreach(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                         csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors, int n,
                         double lr, double beta1, double beta2, double eps, double weight_decay,
                         int amsgrad, int maximize, int capturable, bool decoupled) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> ps, avgs, sqs, maxs, step_ts;
  std::vector<int> index;
  for (int i = 0; i < n; i++) {
    at::Tensor &p = T(params[i]);
    if (!p.grad().defined()) continue;
    adam_state(p, i, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, amsgrad);
    if (capturable && step_tensors[i] == nullptr) step_tensors[i] = step_tensor(steps[i], p.device());
    ps.push_back(p);
    avgs.push_back(T(exp_avgs[i]));
    sqs.push_back(T(exp_avg_sqs[i]));
    if (amsgrad) maxs.push_back(T(max_exp_avg_sqs[i]));
    if (capturable) step_ts.push_back(T(step_tensors[i]));
    index.push_back(i);
  }
  if (ps.empty()) return;

  std::vector<at::Tensor> grads = foreach_grads(ps, maximize, decoupled ? 0 : weight_decay);
  for (int i : index) steps[i]++; // the host's count; a captured graph's replays do not advance it
  if (capturable) at::_foreach_add_(step_ts, 1);
  if (decoupled) at::_foreach_mul_(ps, 1 - lr * weight_decay);
  at::_foreach_mul_(avgs, beta1);
  at::_foreach_add_(avgs, grads, 1 - beta1);
  at::_foreach_mul_(sqs, beta2);
  at::_foreach_addcmul_(sqs, grads, grads, 1 - beta2);
  if (amsgrad) at::_foreach_maximum_(maxs, sqs);
  const std::vector<at::Tensor> &second = amsgrad ? maxs : sqs;

  if (capturable) {
    // Bias corrections from the device's step counts, so that a CUDA graph replays them right:
    // step_size = -lr / (1 - beta1^t); denom = sqrt(v) / (sqrt(1 - beta2^t) * step_size)
    // + eps / step_size; p += m / denom.
    std::vector<at::Tensor> bc1 = pow_each(beta1, step_ts, 0);
    std::vector<at::Tensor> bc2 = pow_each(beta2, step_ts, 0);
    at::_foreach_sub_(bc1, 1);
    at::_foreach_sub_(bc2, 1);
    at::_foreach_neg_(bc1);
    at::_foreach_neg_(bc2);
    auto step_size = at::_foreach_div(bc1, lr);
    at::_foreach_reciprocal_(step_size);
    at::_foreach_neg_(step_size);
    auto bc2_sqrt = at::_foreach_sqrt(bc2);
    auto denom = at::_foreach_sqrt(second);
    at::_foreach_div_(denom, at::_foreach_mul(bc2_sqrt, step_size));
    auto eps_over_step_size = at::_foreach_div(step_size, eps);
    at::_foreach_reciprocal_(eps_over_step_size);
    at::_foreach_add_(denom, eps_over_step_size);
    at::_foreach_addcdiv_(ps, avgs, denom);
  } else {
    // Bias corrections on the host in double precision, as PyTorch 1.13's foreach Adam.
    std::vector<at::Scalar> step_size, bc2_sqrt;
    for (int i : index) {
      double t = double(steps[i]);
      step_size.push_back(-lr / (1 - std::pow(beta1, t)));
      bc2_sqrt.push_back(std::sqrt(1 - std::pow(beta2, t)));
    }
    auto denom = at::_foreach_sqrt(second);
    at::_foreach_div_(denom, bc2_sqrt);
    at::_foreach_add_(denom, eps);
    at::_foreach_addcdiv_(ps, avgs, denom, step_size);
  }
}

extern "C" {

char *csrc_zero_grad(csrc_tensor *params, int n, int set_to_none) {
  CSRC_TRY({
    for (int i = 0; i < n; i++) {
      at::Tensor &g = T(params[i]).mutable_grad();
      if (!g.defined()) continue;
      if (set_to_none) {
        g.reset();
      } else {
        // PyTorch 1.13's default: zero the gradient in place, so that the next backward
        // accumulates into the same memory instead of allocating it anew.
        if (g.grad_fn()) {
          g.detach_();
        } else {
          g.requires_grad_(false);
        }
        g.zero_();
      }
    }
  });
}

char *csrc_sgd_step(csrc_tensor *params, csrc_tensor *bufs, int n, double lr, double momentum,
                    double dampening, double weight_decay, int nesterov, int maximize, int foreach,
                    int differentiable) {
  CSRC_TRY({
    at::AutoGradMode grad_mode(differentiable != 0);
    if (!foreach) {
      for (int i = 0; i < n; i++) {
        at::Tensor &p = T(params[i]);
        if (!p.grad().defined()) continue;
        at::Tensor d_p = signed_grad(p, maximize);
        if (weight_decay != 0) d_p = d_p.add(p, weight_decay);
        if (momentum != 0) {
          if (bufs[i] == nullptr) {
            bufs[i] = new at::Tensor(d_p.clone().detach());
          } else {
            T(bufs[i]).mul_(momentum).add_(d_p, 1 - dampening);
          }
          d_p = nesterov ? d_p.add(T(bufs[i]), momentum) : T(bufs[i]);
        }
        p.add_(d_p, -lr);
      }
      return nullptr;
    }
    std::vector<at::Tensor> ps;
    std::vector<int> index;
    for (int i = 0; i < n; i++) {
      if (!T(params[i]).grad().defined()) continue;
      ps.push_back(T(params[i]));
      index.push_back(i);
    }
    if (ps.empty()) return nullptr;
    std::vector<at::Tensor> grads = foreach_grads(ps, maximize, weight_decay);
    if (momentum != 0) {
      bool all = true;
      for (int i : index) all = all && bufs[i] != nullptr;
      std::vector<at::Tensor> bs;
      if (all) {
        for (int i : index) bs.push_back(T(bufs[i]));
        at::_foreach_mul_(bs, momentum);
        at::_foreach_add_(bs, grads, 1 - dampening);
      } else {
        // PyTorch's fallback while some buffers do not exist yet: one parameter at a time.
        for (size_t k = 0; k < index.size(); k++) {
          int i = index[k];
          if (bufs[i] == nullptr) {
            bufs[i] = new at::Tensor(grads[k].clone().detach());
          } else {
            T(bufs[i]).mul_(momentum).add_(grads[k], 1 - dampening);
          }
          bs.push_back(T(bufs[i]));
        }
      }
      grads = nesterov ? at::_foreach_add(grads, bs, momentum) : bs;
    }
    at::_foreach_add_(ps, grads, -lr);
  });
}

char *csrc_adam_step(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                     csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors, int n, double lr,
                     double beta1, double beta2, double eps, double weight_decay, int amsgrad, int maximize,
                     int capturable, int differentiable) {
  CSRC_TRY(adam_single(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, step_tensors, n, lr, beta1, beta2,
                       eps, weight_decay, amsgrad, maximize, capturable, differentiable, false));
}

char *csrc_adam_fused_step(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                           csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors, int n,
                           double lr, double beta1, double beta2, double eps, double weight_decay, int amsgrad,
                           int maximize) {
  CSRC_TRY(adam_fused(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, step_tensors, n, lr, beta1, beta2, eps,
                      weight_decay, amsgrad, maximize));
}

char *csrc_adam_foreach_step(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                             csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors,
                             int n, double lr, double beta1, double beta2, double eps,
                             double weight_decay, int amsgrad, int maximize, int capturable) {
  CSRC_TRY(adam_foreach(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, step_tensors, n, lr, beta1,
                        beta2, eps, weight_decay, amsgrad, maximize, capturable, false));
}

char *csrc_adamw_step(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                      csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors, int n, double lr,
                      double beta1, double beta2, double eps, double weight_decay, int amsgrad, int maximize,
                      int capturable) {
  CSRC_TRY(adam_single(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, step_tensors, n, lr, beta1, beta2,
                       eps, weight_decay, amsgrad, maximize, capturable, 0, true));
}

char *csrc_adamw_foreach_step(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                              csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors,
                              int n, double lr, double beta1, double beta2, double eps,
                              double weight_decay, int amsgrad, int maximize, int capturable) {
  CSRC_TRY(adam_foreach(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, step_tensors, n, lr, beta1,
                        beta2, eps, weight_decay, amsgrad, maximize, capturable, true));
}

char *csrc_rmsprop_step(csrc_tensor *params, csrc_tensor *square_avgs, csrc_tensor *momentum_bufs,
                        csrc_tensor *grad_avgs, int64_t *steps, int n, double lr, double alpha,
                        double eps, double weight_decay, double momentum, int centered, int maximize,
                        int foreach, int differentiable) {
  CSRC_TRY({
    at::AutoGradMode grad_mode(differentiable != 0);
    std::vector<at::Tensor> ps, sqs, bufs, gavgs;
    for (int i = 0; i < n; i++) {
      at::Tensor &p = T(params[i]);
      if (!p.grad().defined()) continue;
      if (square_avgs[i] == nullptr) square_avgs[i] = new_zeros(p);
      if (momentum > 0 && momentum_bufs[i] == nullptr) momentum_bufs[i] = new_zeros(p);
      if (centered && grad_avgs[i] == nullptr) grad_avgs[i] = new_zeros(p);
      steps[i]++;
      if (!foreach) {
        at::Tensor grad = signed_grad(p, maximize);
        if (weight_decay != 0) grad = grad.add(p, weight_decay);
        at::Tensor &square_avg = T(square_avgs[i]);
        square_avg.mul_(alpha).addcmul_(grad, grad, 1 - alpha);
        at::Tensor avg;
        if (centered) {
          at::Tensor &grad_avg = T(grad_avgs[i]);
          grad_avg.mul_(alpha).add_(grad, 1 - alpha);
          avg = square_avg.addcmul(grad_avg, grad_avg, -1).sqrt_();
        } else {
          avg = square_avg.sqrt();
        }
        // Out of place when differentiable: autograd needs sqrt's output as it was.
        avg = differentiable ? avg.add(eps) : avg.add_(eps);
        if (momentum > 0) {
          at::Tensor &buf = T(momentum_bufs[i]);
          buf.mul_(momentum).addcdiv_(grad, avg);
          p.add_(buf, -lr);
        } else {
          p.addcdiv_(grad, avg, -lr);
        }
        continue;
      }
      ps.push_back(p);
      sqs.push_back(T(square_avgs[i]));
      if (momentum > 0) bufs.push_back(T(momentum_bufs[i]));
      if (centered) gavgs.push_back(T(grad_avgs[i]));
    }
    if (!foreach || ps.empty()) return nullptr;
    std::vector<at::Tensor> grads = foreach_grads(ps, maximize, weight_decay);
    at::_foreach_mul_(sqs, alpha);
    at::_foreach_addcmul_(sqs, grads, grads, 1 - alpha);
    std::vector<at::Tensor> avg;
    if (centered) {
      at::_foreach_mul_(gavgs, alpha);
      at::_foreach_add_(gavgs, grads, 1 - alpha);
      avg = at::_foreach_addcmul(sqs, gavgs, gavgs, -1);
      at::_foreach_sqrt_(avg);
    } else {
      avg = at::_foreach_sqrt(sqs);
    }
    at::_foreach_add_(avg, eps);
    if (momentum > 0) {
      at::_foreach_mul_(bufs, momentum);
      at::_foreach_addcdiv_(bufs, grads, avg);
      at::_foreach_add_(ps, bufs, -lr);
    } else {
      at::_foreach_addcdiv_(ps, grads, avg, -lr);
    }
  });
}

char *csrc_adagrad_init(csrc_tensor *params, csrc_tensor *sums, int n, double initial_accumulator_value) {
  CSRC_TRY({
    for (int i = 0; i < n; i++) {
      if (sums[i] == nullptr) {
        sums[i] = new at::Tensor(at::full_like(T(params[i]), initial_accumulator_value, at::MemoryFormat::Preserve));
      }
    }
  });
}

char *csrc_adagrad_step(csrc_tensor *params, csrc_tensor *sums, int64_t *steps, int n, double lr,
                        double lr_decay, double weight_decay, double eps, double initial_accumulator_value,
                        int maximize, int foreach) {
  CSRC_TRY({
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> ps, ss;
    std::vector<at::Scalar> minus_clr;
    for (int i = 0; i < n; i++) {
      at::Tensor &p = T(params[i]);
      if (!p.grad().defined()) continue;
      if (sums[i] == nullptr) { // a group added after construction
        sums[i] = new at::Tensor(at::full_like(p, initial_accumulator_value, at::MemoryFormat::Preserve));
      }
      double step = double(++steps[i]);
      if (!foreach) {
        at::Tensor grad = signed_grad(p, maximize);
        if (weight_decay != 0) grad = grad.add(p, weight_decay);
        double clr = lr / (1 + (step - 1) * lr_decay);
        at::Tensor &state_sum = T(sums[i]);
        state_sum.addcmul_(grad, grad, 1);
        at::Tensor std = state_sum.sqrt().add_(eps);
        p.addcdiv_(grad, std, -clr);
        continue;
      }
      // PyTorch 1.13's foreach Adagrad computes -lr / (1 + (step - 1) * lr_decay) from its float32
      // step tensor: each operation a float32 tensor op, the division as reciprocal times -lr.
      float d = f32(f32(float(step) - 1.0f) * float(lr_decay));
      float r = f32(1.0f / f32(d + 1.0f));
      minus_clr.push_back(double(f32(r * float(-lr))));
      ps.push_back(p);
      ss.push_back(T(sums[i]));
    }
    if (!foreach || ps.empty()) return nullptr;
    std::vector<at::Tensor> grads = foreach_grads(ps, maximize, weight_decay);
    at::_foreach_addcmul_(ss, grads, grads, 1);
    auto std = at::_foreach_add(at::_foreach_sqrt(ss), eps);
    auto to_add = at::_foreach_div(at::_foreach_mul(grads, minus_clr), std);
    at::_foreach_add_(ps, to_add);
  });
}

char *csrc_adadelta_step(csrc_tensor *params, csrc_tensor *square_avgs, csrc_tensor *acc_deltas,
                         int64_t *steps, int n, double lr, double rho, double eps, double weight_decay,
                         int maximize, int foreach) {
  CSRC_TRY({
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> ps, sqs, accs;
    for (int i = 0; i < n; i++) {
      at::Tensor &p = T(params[i]);
      if (!p.grad().defined()) continue;
      if (square_avgs[i] == nullptr) {
        square_avgs[i] = new_zeros(p);
        acc_deltas[i] = new_zeros(p);
      }
      steps[i]++;
      if (!foreach) {
        at::Tensor grad = signed_grad(p, maximize);
        if (weight_decay != 0) grad = grad.add(p, weight_decay);
        at::Tensor &square_avg = T(square_avgs[i]);
        at::Tensor &acc_delta = T(acc_deltas[i]);
        square_avg.mul_(rho).addcmul_(grad, grad, 1 - rho);
        at::Tensor std = square_avg.add(eps).sqrt_();
        at::Tensor delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad);
        acc_delta.mul_(rho).addcmul_(delta, delta, 1 - rho);
        p.add_(delta, -lr);
        continue;
      }
      ps.push_back(p);
      sqs.push_back(T(square_avgs[i]));
      accs.push_back(T(acc_deltas[i]));
    }
    if (!foreach || ps.empty()) return nullptr;
    std::vector<at::Tensor> grads = foreach_grads(ps, maximize, weight_decay);
    at::_foreach_mul_(sqs, rho);
    at::_foreach_addcmul_(sqs, grads, grads, 1 - rho);
    auto std = at::_foreach_add(sqs, eps);
    at::_foreach_sqrt_(std);
    auto deltas = at::_foreach_add(accs, eps);
    at::_foreach_sqrt_(deltas);
    at::_foreach_div_(deltas, std);
    at::_foreach_mul_(deltas, grads);
    at::_foreach_add_(ps, deltas, -lr);
    at::_foreach_mul_(accs, rho);
    at::_foreach_addcmul_(accs, deltas, deltas, 1 - rho);
  });
}

void csrc_tensor_free(csrc_tensor t) { delete static_cast<at::Tensor *>(t); }

} // extern "C"
