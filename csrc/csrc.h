// The C API of the C++ this project owns. Every entry point catches C++ exceptions and returns the
// error message as a malloc'd string (NULL on success) that the caller frees with csrc_free: an error
// always reaches the goroutine whose call failed, with no thread-local state in between.
//
// Tensors cross this boundary as `at::Tensor *`, the same handles gotch's libtch uses, so tensors made
// by either side can be passed to the other.
#ifndef AECIFAR_CSRC_H
#define AECIFAR_CSRC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void *csrc_tensor; // at::Tensor *

void csrc_free(void *p);

// Writes libtorch's version ("1.13.0") into buf (NUL-terminated, truncated to len).
void csrc_torch_version(char *buf, int len);
char *csrc_cuda_device_count(int *count);

// Seeds every generator: the CPU one and, when CUDA is present, each device's.
char *csrc_manual_seed(uint64_t seed);
char *csrc_set_num_threads(int n);
int csrc_get_num_threads(void);
// Applies the last csrc_set_num_threads to the calling OS thread if it has not yet (libtorch's
// count is per thread). Every csrc function does it first; call it before other libtorch calls.
void csrc_sync_num_threads(void);
// The calling OS thread's count as libtorch has it now, without csrc_sync_num_threads (for tests).
int csrc_thread_num_threads(void);

// Keeps host memory that is freed in the process heap instead of returning it to the OS (glibc's
// mallopt); returns 0 where the C library refuses.
int csrc_cache_host_memory(void);

// The CPU generator's state, like torch.get_rng_state() (a uint8 tensor), and its restoration.
char *csrc_get_rng_state(csrc_tensor *out);
char *csrc_set_rng_state(csrc_tensor state);

// A new tensor of the given shape and ScalarType code in page-locked ("pinned") host memory, filled
// with nbytes copied from data: the source of a copy to CUDA that does not block the host
// (torch.empty(..., pin_memory=True)). Fails without CUDA.
char *csrc_pinned_from(const void *data, int64_t nbytes, const int64_t *shape, int ndim, int scalar_type,
                       csrc_tensor *out);

// Frees a tensor handle that csrc allocated (the same as gotch's at_free).
void csrc_tensor_free(csrc_tensor t);

// torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
// (autograd.cpp): results[i] receives the gradient of inputs[i], NULL for an unused input when
// allow_unused. grad_outputs may be NULL, or hold NULL entries (PyTorch's None).
char *csrc_autograd_grad(csrc_tensor *outputs, csrc_tensor *grad_outputs, int n_outputs, csrc_tensor *inputs,
                         int n_inputs, csrc_tensor *results, int retain_graph, int create_graph,
                         int allow_unused);

// tensor.grad = grad (NULL: None), with the checks of Python's setter: same dtype, device and size.
char *csrc_set_grad(csrc_tensor t, csrc_tensor grad);

// optimizer.zero_grad(set_to_none): each parameter's gradient is set to none, or zeroed in place.
char *csrc_zero_grad(csrc_tensor *params, int n, int set_to_none);

// Optimizer steps (optim.cpp): each updates the n parameters of one group with PyTorch 1.13's
// arithmetic, skipping parameters without a gradient, as torch.optim does. State handles start NULL
// and are allocated on a parameter's first step (Adagrad's sums by csrc_adagrad_init, or on the first
// step of a parameter that has none); steps[i] counts parameter i's steps. maximize negates the
// gradient; foreach selects the multi-tensor implementation (one _foreach_ op per stage over all
// parameters) instead of the single-tensor for-loop.

// SGD: bufs[i] is parameter i's momentum buffer, allocated only when momentum != 0.
char *csrc_sgd_step(csrc_tensor *params, csrc_tensor *bufs, int n, double lr, double momentum,
                    double dampening, double weight_decay, int nesterov, int maximize, int foreach,
                    int differentiable);

// Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay), single-tensor.
// With capturable or differentiable, step_tensors[i] is parameter i's step as a float32 scalar
// (allocated on its first step from steps[i]; on its device when capturable, else on the CPU) and
// the bias corrections are tensor arithmetic; differentiable runs the step with grad mode on, so
// that autograd records it (the parameters must then not be leaves that require grad).
char *csrc_adam_step(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                     csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors, int n, double lr,
                     double beta1, double beta2, double eps, double weight_decay, int amsgrad, int maximize,
                     int capturable, int differentiable);
char *csrc_adamw_step(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                      csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors, int n, double lr,
                      double beta1, double beta2, double eps, double weight_decay, int amsgrad, int maximize,
                      int capturable);

// Adam, fused: one _fused_adam_ kernel per device and dtype; step_tensors[i] is parameter i's step
// as a float32 scalar on its device.
char *csrc_adam_fused_step(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                           csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors, int n,
                           double lr, double beta1, double beta2, double eps, double weight_decay, int amsgrad,
                           int maximize);

// Adam and AdamW, multi-tensor. With capturable, each parameter's step also lives on its device as
// a float32 scalar (step_tensors[i], allocated on its first step from steps[i]) and the bias
// corrections are computed there, so that the step can be captured in a CUDA graph and replayed;
// steps[i] still counts the calls made from the host.
char *csrc_adam_foreach_step(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                             csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors,
                             int n, double lr, double beta1, double beta2, double eps,
                             double weight_decay, int amsgrad, int maximize, int capturable);
char *csrc_adamw_foreach_step(csrc_tensor *params, csrc_tensor *exp_avgs, csrc_tensor *exp_avg_sqs,
                              csrc_tensor *max_exp_avg_sqs, int64_t *steps, csrc_tensor *step_tensors,
                              int n, double lr, double beta1, double beta2, double eps,
                              double weight_decay, int amsgrad, int maximize, int capturable);

// RMSprop: momentum_bufs[i] is allocated when momentum > 0, grad_avgs[i] when centered.
char *csrc_rmsprop_step(csrc_tensor *params, csrc_tensor *square_avgs, csrc_tensor *momentum_bufs,
                        csrc_tensor *grad_avgs, int64_t *steps, int n, double lr, double alpha,
                        double eps, double weight_decay, double momentum, int centered, int maximize,
                        int foreach, int differentiable);

// Adagrad: csrc_adagrad_init fills each NULL sums[i] with initial_accumulator_value, as
// torch.optim.Adagrad's constructor does.
char *csrc_adagrad_init(csrc_tensor *params, csrc_tensor *sums, int n, double initial_accumulator_value);
char *csrc_adagrad_step(csrc_tensor *params, csrc_tensor *sums, int64_t *steps, int n, double lr,
                        double lr_decay, double weight_decay, double eps, double initial_accumulator_value,
                        int maximize, int foreach);

// Adadelta.
char *csrc_adadelta_step(csrc_tensor *params, csrc_tensor *square_avgs, csrc_tensor *acc_deltas,
                         int64_t *steps, int n, double lr, double rho, double eps, double weight_decay,
                         int maximize, int foreach);

#ifdef __cplusplus
}
#endif
#endif
