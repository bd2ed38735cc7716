// Optimizer steps in C++: one cgo call updates every parameter, with the arithmetic of PyTorch 1.13's
// single-tensor ("for-loop") SGD and Adam, op for op, so that results match PyTorch bit for bit.
#include "csrc.h"
#include "try.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h> // at::NoGradGuard: ATen.h no longer brings it in on libtorch 2.x
#include <torch/version.h>

#include <cmath>
#include <cstring>
#include <vector>


static at::Tensor &T(csrc_tensor p) { return *static_cast<at::Tensor *>(p); }

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

char *csrc_sgd_step(csrc_tensor *params, csrc_tensor *bufs, int n, double lr,
                    double momentum, double dampening, double weight_decay,
                    int nesterov) {
  CSRC_TRY({
    at::NoGradGuard no_grad;
    for (int i = 0; i < n; i++) {
      at::Tensor &p = T(params[i]);
      const at::Tensor &g = p.grad();
      if (!g.defined()) continue; // PyTorch skips parameters without a gradient
      at::Tensor d_p = g;
      if (weight_decay != 0) d_p = d_p.add(p, weight_decay);
      if (momentum != 0) {
        if (bufs[i] == nullptr) {
          bufs[i] = new at::Tensor(d_p.clone().detach());
        } else {
          T(bufs[i]).mul_(momentum).add_(d_p, 1 - dampening);
        }
        if (nesterov) {
          d_p = d_p.add(T(bufs[i]), momentum);
        } else {
          d_p = T(bufs[i]);
        }
      }
      p.add_(d_p, -lr);
    }
  });
}

char *csrc_adam_step(csrc_tensor *params, csrc_tensor *exp_avgs,
                     csrc_tensor *exp_avg_sqs, csrc_tensor *max_exp_avg_sqs,
                     int64_t *steps, int n, double lr, double beta1,
                     double beta2, double eps, double weight_decay,
                     int amsgrad) {
  CSRC_TRY({
    at::NoGradGuard no_grad;
    for (int i = 0; i < n; i++) {
      at::Tensor &p = T(params[i]);
      const at::Tensor &g = p.grad();
      if (!g.defined()) continue;
      if (exp_avgs[i] == nullptr) {
        exp_avgs[i] = new at::Tensor(at::zeros_like(p, at::MemoryFormat::Preserve));
        exp_avg_sqs[i] = new at::Tensor(at::zeros_like(p, at::MemoryFormat::Preserve));
        if (amsgrad) {
          max_exp_avg_sqs[i] = new at::Tensor(at::zeros_like(p, at::MemoryFormat::Preserve));
        }
      }
      at::Tensor &exp_avg = T(exp_avgs[i]);
      at::Tensor &exp_avg_sq = T(exp_avg_sqs[i]);
      int64_t step = ++steps[i];
      at::Tensor grad = g;
      if (weight_decay != 0) grad = grad.add(p, weight_decay);
      exp_avg.mul_(beta1).add_(grad, 1 - beta1);
      exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
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
  });
}

char *csrc_adam_foreach_step(csrc_tensor *params, csrc_tensor *exp_avgs,
                             csrc_tensor *exp_avg_sqs, csrc_tensor *max_exp_avg_sqs,
                             int64_t *steps, csrc_tensor *step_tensors, int n,
                             double lr, double beta1, double beta2, double eps,
                             double weight_decay, int amsgrad, int capturable) {
  CSRC_TRY({
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> ps, grads, avgs, sqs, maxs, step_ts;
    std::vector<int> index;
    for (int i = 0; i < n; i++) {
      at::Tensor &p = T(params[i]);
      if (!p.grad().defined()) continue;
      if (exp_avgs[i] == nullptr) {
        exp_avgs[i] = new at::Tensor(at::zeros_like(p, at::MemoryFormat::Preserve));
        exp_avg_sqs[i] = new at::Tensor(at::zeros_like(p, at::MemoryFormat::Preserve));
        if (amsgrad) max_exp_avg_sqs[i] = new at::Tensor(at::zeros_like(p, at::MemoryFormat::Preserve));
      }
      if (capturable && step_tensors[i] == nullptr) {
        // PyTorch's capturable state: the step as a float32 scalar on the parameter's device.
        step_tensors[i] = new at::Tensor(at::full({}, double(steps[i]), p.options().dtype(at::kFloat)));
      }
      ps.push_back(p);
      grads.push_back(p.grad());
      avgs.push_back(T(exp_avgs[i]));
      sqs.push_back(T(exp_avg_sqs[i]));
      if (amsgrad) maxs.push_back(T(max_exp_avg_sqs[i]));
      if (capturable) step_ts.push_back(T(step_tensors[i]));
      index.push_back(i);
    }
    if (ps.empty()) return nullptr;

    for (int i : index) steps[i]++; // the host's count; a captured graph's replays do not advance it
    if (capturable) at::_foreach_add_(step_ts, 1);
    // PyTorch 1.13 adds the decay into the gradients in place; the parameter update is the same.
    if (weight_decay != 0) grads = at::_foreach_add(grads, ps, weight_decay);
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
  });
}

void csrc_tensor_free(csrc_tensor t) { delete static_cast<at::Tensor *>(t); }

} // extern "C"
