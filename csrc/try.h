// CSRC_TRY, shared by csrc's C++ files: it runs body and turns any exception into the error string
// the function returns (NULL on success), as csrc.h promises.
#ifndef AECIFAR_CSRC_TRY_H
#define AECIFAR_CSRC_TRY_H

#include <cstdlib>
#include <cstring>
#include <exception>

#define CSRC_TRY(body)                                                         \
  try {                                                                        \
    body;                                                                      \
    return nullptr;                                                            \
  } catch (const std::exception &e) {                                          \
    return strdup(e.what());                                                   \
  } catch (...) {                                                              \
    return strdup("unknown C++ exception");                                    \
  }

#endif
