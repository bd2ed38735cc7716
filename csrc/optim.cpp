// Optimizer steps in C++: one cgo call updates every parameter, with the arithmetic of PyTorch 1.13's
// single-tensor ("for-loop") SGD and Adam, op for op, so that results match PyTorch bit for bit.
#include "csrc.h"
#include "try.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstring>


static at::Tensor &T(csrc_tensor p) { return *static_cast<at::Tensor *>(p); }

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

void csrc_tensor_free(csrc_tensor t) { delete static_cast<at::Tensor *>(t); }

} // extern "C"
