#include "runtime/check.h"

namespace ember::cuda {

void throw_cuda_error(cudaError_t err, const char* what, const char* file, int line) {
  (void)cudaGetLastError();  // clear a sticky-free error so the next call starts clean
  const char* base = file;
  for (const char* p = file; *p; ++p)
    if (*p == '/') base = p + 1;
  EMBER_FAIL(ErrorKind::Runtime, what, ": CUDA error: ", cudaGetErrorString(err), " (", cudaGetErrorName(err),
             " at ", base, ":", line, ")");
}

}  // namespace ember::cuda
