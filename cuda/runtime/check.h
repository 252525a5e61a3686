#pragma once
// Every CUDA runtime call and kernel launch is checked: a failure becomes an ember::Error
// (RuntimeError in Python) naming the op and CUDA's own message, never a silent wrong result.
#include <cuda_runtime.h>

#include "ember/error.h"

namespace ember::cuda {

// Throws for `err` (a RuntimeError; out-of-memory errors say so). `what` names the op or call.
[[noreturn]] void throw_cuda_error(cudaError_t err, const char* what, const char* file, int line);

}  // namespace ember::cuda

#define EMBER_CUDA_CHECK(expr, what)                                            \
  do {                                                                          \
    const cudaError_t ember_cuda_err_ = (expr);                                 \
    if (ember_cuda_err_ != cudaSuccess)                                         \
      ::ember::cuda::throw_cuda_error(ember_cuda_err_, what, __FILE__, __LINE__); \
  } while (0)

// After a <<<...>>> launch: a bad configuration or a fault of an earlier kernel shows up here.
#define EMBER_CUDA_LAUNCH_CHECK(what) EMBER_CUDA_CHECK(cudaGetLastError(), what)
