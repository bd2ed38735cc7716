// Autograd entry points that gotch's C layer lacks: torch.autograd.grad with create_graph and
// allow_unused, and tensor.grad's setter with the checks Python's setter makes.
#include "csrc.h"
#include "try.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <stdexcept>
#include <vector>

static at::Tensor &T(csrc_tensor p) { return *static_cast<at::Tensor *>(p); }

extern "C" {

char *csrc_autograd_grad(csrc_tensor *outputs, csrc_tensor *grad_outputs, int n_outputs, csrc_tensor *inputs,
                         int n_inputs, csrc_tensor *results, int retain_graph, int create_graph,
                         int allow_unused) {
  CSRC_TRY({
    std::vector<at::Tensor> outs, grad_outs, ins;
    for (int i = 0; i < n_outputs; i++) {
      outs.push_back(T(outputs[i]));
      grad_outs.push_back(grad_outputs != nullptr && grad_outputs[i] != nullptr ? T(grad_outputs[i]) : at::Tensor());
    }
    for (int i = 0; i < n_inputs; i++) ins.push_back(T(inputs[i]));
    std::vector<at::Tensor> gs =
        torch::autograd::grad(outs, ins, grad_outs, retain_graph != 0, create_graph != 0, allow_unused != 0);
    for (int i = 0; i < n_inputs; i++) results[i] = gs[i].defined() ? new at::Tensor(gs[i]) : nullptr;
  });
}

char *csrc_set_grad(csrc_tensor t, csrc_tensor grad) {
  CSRC_TRY({
    at::Tensor &self = T(t);
    if (grad == nullptr) {
      self.mutable_grad().reset();
      return nullptr;
    }
    const at::Tensor &g = T(grad);
    // Python's tensor.grad setter (THPVariable_set_grad) refuses these; C++'s mutable_grad() does not.
    if (g.is_same(self)) throw std::invalid_argument("can't assign Variable as its own grad");
    if (g.dtype() != self.dtype()) throw std::invalid_argument("assigned grad has data of a different type");
    if (g.device() != self.device()) {
      throw std::invalid_argument("assigned grad has data located on a different device");
    }
    if (!g.sizes().equals(self.sizes())) throw std::invalid_argument("assigned grad has data of a different size");
    self.mutable_grad() = g;
  });
}

} // extern "C"
