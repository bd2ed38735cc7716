// The C API of csrc/ops.cpp: ATen operators called through the dispatcher, by schema, with every
// argument. Package torch uses it for the calls gotch's generated C functions cannot make: an
// argument gotch's generator dropped (a Scalar with a default, a memory format, the dtype of a
// *_like op) set to another value, or an optional Scalar, string, bool or float list passed as None.
#ifndef AECIFAR_CSRC_OPS_H
#define AECIFAR_CSRC_OPS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// The kinds of csrc_ivalue (a subset of c10::IValue's).
enum {
  CSRC_IV_NONE = 0,
  CSRC_IV_TENSOR,        // p: at::Tensor *
  CSRC_IV_INT,           // i
  CSRC_IV_DOUBLE,        // d
  CSRC_IV_BOOL,          // i (0 or 1)
  CSRC_IV_INTS,          // p: int64_t[len]
  CSRC_IV_DOUBLES,       // p: double[len]
  CSRC_IV_TENSORS,       // p: at::Tensor *[len]
  CSRC_IV_OPT_TENSORS,   // p: at::Tensor *[len], NULL entries are None
  CSRC_IV_STRING,        // p: char[len]
  CSRC_IV_SCALAR_INT,    // i
  CSRC_IV_SCALAR_DOUBLE, // d
  CSRC_IV_SCALAR_BOOL,   // i
  CSRC_IV_DTYPE,         // i: c10::ScalarType
  CSRC_IV_LAYOUT,        // i: c10::Layout
  CSRC_IV_DEVICE,        // i: -1 for the CPU, else the CUDA index
  CSRC_IV_MEMORY_FORMAT, // i: c10::MemoryFormat
};

// One argument or result of csrc_call_op. An argument carries its schema name.
typedef struct {
  const char *name;
  int32_t kind;
  int32_t len;
  int64_t i;
  double d;
  void *p;
} csrc_ivalue;

// Calls operator name (with its namespace: "aten::leaky_relu") of the given overload ("" for none)
// with nargs arguments, placed by name in the schema of the libtorch that runs (so that arguments
// added or moved between versions find their place); arguments not given take the schema's
// defaults, and a given argument the schema lacks is an error unless it is None. Up to maxrets results are written to rets: a tensor as a new
// at::Tensor * in p, a tensor list as a malloc'd array of new at::Tensor * in p (len entries), a
// bool, int or double in i or d; *nrets is the number of results. The error, if any, is returned.
char *csrc_call_op(const char *name, const char *overload, const csrc_ivalue *args, int nargs, csrc_ivalue *rets,
                   int maxrets, int *nrets);

// Writes the name of the tensor's grad_fn ("AddBackward0", as Python prints it) into buf, or "" when
// it has none.
char *csrc_grad_fn_name(void *tensor, char *buf, int len);

// A libtorch Scalar holding a bool (torch::Scalar *, freed with gotch's ats_free).
void *csrc_scalar_bool(int v);

#ifdef __cplusplus
}
#endif
#endif
