// CSRC_TRY, shared by csrc's C++ files: it brings the calling thread's intra-op thread count up to
// date, runs its argument (variadic, so that commas in braces need no parentheses) and turns any
// exception into the error string the function returns (NULL on success), as csrc.h promises.
#ifndef AECIFAR_CSRC_TRY_H
#define AECIFAR_CSRC_TRY_H

#include <cstdlib>
#include <cstring>
#include <exception>

// Applies the last csrc_set_num_threads to the calling OS thread if it has not yet (csrc.cpp).
extern "C" void csrc_sync_num_threads(void);

#define CSRC_TRY(...)                                                          \
  try {                                                                        \
    csrc_sync_num_threads();                                                   \
    __VA_ARGS__;                                                               \
    return nullptr;                                                            \
  } catch (const std::exception &e) {                                          \
    return strdup(e.what());                                                   \
  } catch (...) {                                                              \
    return strdup("unknown C++ exception");                                    \
  }

#endif
