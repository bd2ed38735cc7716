// CSRC_TRY, shared by csrc's C++ files: it brings the calling thread's intra-op thread count up to
// date, runs its argument (variadic, so that commas in braces need no parentheses) and turns any
// exception into the error string the function returns (NULL on success), as csrc.h promises.
#ifndef AECIFAR_CSRC_TRY_H
#define AECIFAR_CSRC_TRY_H

#include "threads.h"

#include <cstdlib>
#include <cstring>
#include <exception>

#define CSRC_TRY(...)                                                          \
  try {                                                                        \
    csrc_threads::sync();                                                      \
    __VA_ARGS__;                                                               \
    return nullptr;                                                            \
  } catch (const std::exception &e) {                                          \
    return strdup(e.what());                                                   \
  } catch (...) {                                                              \
    return strdup("unknown C++ exception");                                    \
  }

#endif
