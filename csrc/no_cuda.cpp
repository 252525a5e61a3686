// What a build without the CUDA backend links: CUDA is "not built", and asking for a CUDA
// tensor says so.
#include "core/allocator.h"
#include "ember/device.h"
#include "ember/error.h"

namespace ember {
namespace cuda {
bool is_built() { return false; }
bool is_available() { return false; }
int device_count() { return 0; }
}  // namespace cuda

Allocator& cuda_allocator() {
  EMBER_FAIL(ErrorKind::Runtime,
             "ember was not built with CUDA: CUDA tensors are not available in this build "
             "(rebuild with nvcc present and -DEMBER_CUDA=ON)");
}
}  // namespace ember

namespace ember {
void register_cuda_kernels() {}  // nothing to register without the backend
}  // namespace ember
