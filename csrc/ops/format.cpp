// Printing tensors like PyTorch: tensor([[0.1000, 2.0000], ...], dtype=ember.float16)
#include <sstream>

#include "core/shape.h"
#include "dispatch/dispatch.h"
#include "ember/ops.h"

namespace ember {

std::string Tensor::repr() const {
  std::ostringstream os;
  const Tensor host = contiguous().to(kFloat64);
  os << "tensor(";
  const double* p = static_cast<const double*>(host.data_ptr());
  for (int64_t i = 0; i < numel(); ++i) os << (i ? ", " : "") << p[i];
  os << ", shape=" << shape_str(shape()) << ", dtype=ember." << dtype_name(dtype()) << ")";
  return os.str();
}

}  // namespace ember
