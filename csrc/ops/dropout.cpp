// Dropout: a bool keep-mask drawn from the Philox stream (bernoulli with 1 - p), then
// input * mask * 1 / (1 - p). The mask is returned so a backward pass reuses it.
#include "core/shape.h"
#include "ember/ops.h"
#include "ember/random.h"

namespace ember {

namespace {
void check_p(double p, const char* op) {
  EMBER_CHECK_VALUE(p >= 0 && p <= 1, op, ": dropout probability has to be between 0 and 1, but got ", p);
}
}  // namespace

std::tuple<Tensor, Tensor> native_dropout(const Tensor& input, double p, Generator* generator,
                                          const IntArray& mask_shape) {
  const char* op = "dropout";
  check_p(p, op);
  EMBER_CHECK_TYPE(is_floating(input.dtype()), op, ": expected a floating-point input, got ",
                   dtype_name(input.dtype()));
  const IntArray shape = mask_shape.empty() ? input.shape() : mask_shape;
  EMBER_CHECK_SHAPE(shape.size() == input.shape().size() && broadcast_shapes(shape, input.shape(), op) == input.shape(),
                    op, ": mask shape ", shape_str(shape), " does not broadcast to the input's shape ",
                    shape_str(input.shape()));
  Tensor mask = empty(shape, TensorOptions(kBool).device(input.device()));
  bernoulli_(mask, 1 - p, generator);
  if (p == 1) return {zeros_like(input), mask};
  return {mul(mul(input, mask), Scalar(1 / (1 - p))), mask};
}

Tensor dropout_backward(const Tensor& grad_output, const Tensor& mask, double scale) {
  const char* op = "dropout_backward";
  EMBER_CHECK_TYPE(mask.dtype() == kBool, op, ": expected a bool mask, got ", dtype_name(mask.dtype()));
  EMBER_CHECK_TYPE(is_floating(grad_output.dtype()), op, ": expected a floating-point grad_output, got ",
                   dtype_name(grad_output.dtype()));
  EMBER_CHECK_SHAPE(broadcast_shapes(mask.shape(), grad_output.shape(), op) == grad_output.shape(), op,
                    ": mask of shape ", shape_str(mask.shape()), " does not broadcast to grad_output of shape ",
                    shape_str(grad_output.shape()));
  return mul(mul(grad_output, mask), Scalar(scale));
}

Tensor dropout(const Tensor& input, double p, bool train, Generator* generator) {
  check_p(p, "dropout");
  if (!train || p == 0 || input.numel() == 0) return input;
  return std::get<0>(native_dropout(input, p, generator));
}

}  // namespace ember
