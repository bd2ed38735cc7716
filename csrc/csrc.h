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

#ifdef __cplusplus
}
#endif
#endif
