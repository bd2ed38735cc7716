#include "ops.h"
#include "try.h"

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <torch/csrc/autograd/function.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

c10::IValue to_ivalue(const csrc_ivalue &a) {
  switch (a.kind) {
  case CSRC_IV_NONE:
    return c10::IValue();
  case CSRC_IV_TENSOR:
    return c10::IValue(*static_cast<at::Tensor *>(a.p));
  case CSRC_IV_INT:
    return c10::IValue(a.i);
  case CSRC_IV_DOUBLE:
    return c10::IValue(a.d);
  case CSRC_IV_BOOL:
    return c10::IValue(a.i != 0);
  case CSRC_IV_INTS: {
    auto *v = static_cast<const int64_t *>(a.p);
    return c10::IValue(std::vector<int64_t>(v, v + a.len));
  }
  case CSRC_IV_DOUBLES: {
    auto *v = static_cast<const double *>(a.p);
    return c10::IValue(std::vector<double>(v, v + a.len));
  }
  case CSRC_IV_TENSORS: {
    auto **v = static_cast<at::Tensor **>(a.p);
    c10::List<at::Tensor> l;
    for (int k = 0; k < a.len; k++) l.push_back(*v[k]);
    return c10::IValue(l);
  }
  case CSRC_IV_OPT_TENSORS: {
    auto **v = static_cast<at::Tensor **>(a.p);
    c10::List<c10::optional<at::Tensor>> l;
    for (int k = 0; k < a.len; k++) l.push_back(v[k] ? c10::optional<at::Tensor>(*v[k]) : c10::nullopt);
    return c10::IValue(l);
  }
  case CSRC_IV_STRING:
    return c10::IValue(std::string(static_cast<const char *>(a.p), a.len));
  case CSRC_IV_SCALAR_INT:
    return c10::IValue(at::Scalar(a.i));
  case CSRC_IV_SCALAR_DOUBLE:
    return c10::IValue(at::Scalar(a.d));
  case CSRC_IV_SCALAR_BOOL:
    return c10::IValue(at::Scalar(a.i != 0));
  case CSRC_IV_DTYPE:
    return c10::IValue(static_cast<c10::ScalarType>(a.i));
  case CSRC_IV_LAYOUT:
    return c10::IValue(static_cast<c10::Layout>(a.i));
  case CSRC_IV_DEVICE:
    return c10::IValue(a.i < 0 ? c10::Device(c10::kCPU) : c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(a.i)));
  case CSRC_IV_MEMORY_FORMAT:
    return c10::IValue(static_cast<c10::MemoryFormat>(a.i));
  }
  throw std::runtime_error("csrc_call_op: unknown argument kind " + std::to_string(a.kind));
}

void from_ivalue(const c10::IValue &v, csrc_ivalue *r) {
  *r = csrc_ivalue{};
  if (v.isTensor()) {
    r->kind = CSRC_IV_TENSOR;
    r->p = new at::Tensor(v.toTensor());
  } else if (v.isTensorList()) {
    auto l = v.toTensorVector();
    auto **out = static_cast<at::Tensor **>(malloc(sizeof(at::Tensor *) * (l.size() + 1)));
    for (size_t k = 0; k < l.size(); k++) out[k] = new at::Tensor(l[k]);
    out[l.size()] = nullptr;
    r->kind = CSRC_IV_TENSORS;
    r->len = static_cast<int32_t>(l.size());
    r->p = out;
  } else if (v.isBool()) {
    r->kind = CSRC_IV_BOOL;
    r->i = v.toBool();
  } else if (v.isInt()) {
    r->kind = CSRC_IV_INT;
    r->i = v.toInt();
  } else if (v.isDouble()) {
    r->kind = CSRC_IV_DOUBLE;
    r->d = v.toDouble();
  } else if (!v.isNone()) {
    throw std::runtime_error(std::string("csrc_call_op: unsupported result type ") + v.tagKind());
  }
}

} // namespace

extern "C" {

char *csrc_call_op(const char *name, const char *overload, const csrc_ivalue *args, int nargs, csrc_ivalue *rets,
                   int maxrets, int *nrets) {
  CSRC_TRY({
    *nrets = 0;
    auto op = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload);
    const auto &schema = op.schema();
    const auto &params = schema.arguments();
    torch::jit::Stack stack(params.size());
    std::vector<bool> given(params.size(), false);
    for (int k = 0; k < nargs; k++) {
      size_t j = 0;
      while (j < params.size() && params[j].name() != args[k].name) j++;
      if (j == params.size()) {
        if (args[k].kind == CSRC_IV_NONE) continue; // an argument of a newer schema, left at its default
        throw std::runtime_error(std::string(name) + ": this libtorch's schema has no argument " + args[k].name);
      }
      stack[j] = to_ivalue(args[k]);
      given[j] = true;
    }
    for (size_t j = 0; j < params.size(); j++) {
      if (given[j]) continue;
      if (params[j].default_value()) {
        stack[j] = *params[j].default_value();
      } else if (params[j].type()->kind() != c10::TypeKind::OptionalType) {
        throw std::runtime_error(std::string(name) + ": argument " + params[j].name() + " is required");
      }
    }
    op.callBoxed(&stack);
    if (static_cast<int>(stack.size()) > maxrets)
      throw std::runtime_error("csrc_call_op: " + std::string(name) + " returned " + std::to_string(stack.size()) +
                               " values, expected at most " + std::to_string(maxrets));
    for (size_t k = 0; k < stack.size(); k++) from_ivalue(stack[k], &rets[k]);
    *nrets = static_cast<int>(stack.size());
  });
}

void *csrc_scalar_bool(int v) { return new at::Scalar(v != 0); }

char *csrc_grad_fn_name(void *t, char *buf, int len) {
  CSRC_TRY({
    buf[0] = 0;
    auto fn = static_cast<at::Tensor *>(t)->grad_fn();
    if (fn) {
      // Node::name() is the demangled C++ class, torch::autograd::generated::AddBackward0;
      // Python prints the class name alone.
      std::string n = fn->name();
      auto k = n.rfind("::");
      if (k != std::string::npos) n = n.substr(k + 2);
      strncpy(buf, n.c_str(), len - 1);
      buf[len - 1] = 0;
    }
  });
}

} // extern "C"
