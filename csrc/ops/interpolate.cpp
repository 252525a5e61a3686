// Resampling front-ends (torch.nn.functional.interpolate's kernels): check sizes, view the input
// as contiguous (planes, H, W) with H = 1 for 1-D resampling, call the kernel tables.
#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember {

namespace {

// Geometry of one call: input (N, C, W) or (N, C, H, W), output size per spatial dim.
UpsampleParams upsample_params(const IntArray& input_size, const IntArray& output_size,
                               const std::vector<double>& scales, UpsampleMode mode, const char* op) {
  const int64_t r = static_cast<int64_t>(input_size.size());
  EMBER_CHECK_SHAPE(r == 3 || r == 4, op, ": expected a 3-D (N, C, W) or 4-D (N, C, H, W) input, got shape ",
                    shape_str(input_size));
  const int64_t spatial = r - 2;
  EMBER_CHECK_VALUE(static_cast<int64_t>(output_size.size()) == spatial, op, ": expected output_size of ", spatial,
                    " entries for an input of shape ", shape_str(input_size), ", got ", shape_str(output_size));
  EMBER_CHECK_VALUE(scales.empty() || static_cast<int64_t>(scales.size()) == spatial, op, ": expected ", spatial,
                    " scale factors, got ", scales.size());
  for (int64_t i = 0; i < spatial; ++i) {
    EMBER_CHECK_VALUE(input_size[2 + i] > 0 && output_size[i] > 0, op,
                      ": input and output sizes should be greater than 0, but got input ", shape_str(input_size),
                      " and output_size ", shape_str(output_size));
    if (!scales.empty())
      EMBER_CHECK_VALUE(scales[i] >= 0, op, ": scale factors must be non-negative, got ", scales[i]);
  }
  UpsampleParams p;
  p.mode = mode;
  p.planes = input_size[0] * input_size[1];
  p.in_w = input_size.back();
  p.out_w = output_size.back();
  p.in_h = spatial == 2 ? input_size[2] : 1;
  p.out_h = spatial == 2 ? output_size[0] : 1;
  if (!scales.empty()) {
    p.scale_w = scales.back();
    if (spatial == 2) p.scale_h = scales[0];
  }
  return p;
}

IntArray output_shape(const IntArray& input_size, const IntArray& output_size) {
  IntArray s{input_size[0], input_size[1]};
  s.insert(s.end(), output_size.begin(), output_size.end());
  return s;
}

Tensor upsample(const Tensor& input, const UpsampleParams& p, const IntArray& output_size, const char* op) {
  // Nearest modes take uint8 images too, as PyTorch's do.
  const bool uint8_ok = p.mode != UpsampleMode::Linear && input.dtype() == kUInt8;
  EMBER_CHECK_TYPE(is_floating(input.dtype()) || uint8_ok, op, ": expected a floating-point",
                   p.mode == UpsampleMode::Linear ? "" : " or uint8", " input, got ", dtype_name(input.dtype()));
  Tensor out = empty(output_shape(input.shape(), output_size), TensorOptions(input.dtype()).device(input.device()));
  if (out.numel() > 0) upsample_kernel.get(input.device(), op)(out, input.contiguous(), p);
  return out;
}

Tensor upsample_backward(const Tensor& grad_output, const IntArray& input_size, const UpsampleParams& p,
                         const char* op) {
  EMBER_CHECK_TYPE(is_floating(grad_output.dtype()), op, ": expected a floating-point grad_output, got ",
                   dtype_name(grad_output.dtype()));
  Tensor grad_in = empty(input_size, TensorOptions(grad_output.dtype()).device(grad_output.device()));
  if (grad_in.numel() > 0) upsample_backward_kernel.get(grad_in.device(), op)(grad_in, grad_output.contiguous(), p);
  return grad_in;
}

// The output size a backward call implies: grad_output's spatial dims, with its leading dims
// checked against input_size.
IntArray grad_output_size(const Tensor& grad_output, const IntArray& input_size, const char* op) {
  EMBER_CHECK_SHAPE(grad_output.dim() == static_cast<int64_t>(input_size.size()) && grad_output.dim() >= 3 &&
                        grad_output.size(0) == input_size[0] && grad_output.size(1) == input_size[1],
                    op, ": grad_output of shape ", shape_str(grad_output.shape()), " does not match input_size ",
                    shape_str(input_size));
  return IntArray(grad_output.shape().begin() + 2, grad_output.shape().end());
}

}  // namespace

Tensor upsample_nearest(const Tensor& input, const IntArray& output_size, const std::vector<double>& scales,
                        bool exact) {
  const char* op = exact ? "upsample_nearest_exact" : "upsample_nearest";
  const UpsampleParams p = upsample_params(input.shape(), output_size, scales,
                                           exact ? UpsampleMode::NearestExact : UpsampleMode::Nearest, op);
  return upsample(input, p, output_size, op);
}

Tensor upsample_nearest_backward(const Tensor& grad_output, const IntArray& input_size,
                                 const std::vector<double>& scales, bool exact) {
  const char* op = exact ? "upsample_nearest_exact_backward" : "upsample_nearest_backward";
  const IntArray out_size = grad_output_size(grad_output, input_size, op);
  const UpsampleParams p = upsample_params(input_size, out_size, scales,
                                           exact ? UpsampleMode::NearestExact : UpsampleMode::Nearest, op);
  return upsample_backward(grad_output, input_size, p, op);
}

Tensor upsample_linear(const Tensor& input, const IntArray& output_size, bool align_corners,
                       const std::vector<double>& scales) {
  const char* op = "upsample_linear";
  UpsampleParams p = upsample_params(input.shape(), output_size, scales, UpsampleMode::Linear, op);
  p.align_corners = align_corners;
  return upsample(input, p, output_size, op);
}

Tensor upsample_linear_backward(const Tensor& grad_output, const IntArray& input_size, bool align_corners,
                                const std::vector<double>& scales) {
  const char* op = "upsample_linear_backward";
  const IntArray out_size = grad_output_size(grad_output, input_size, op);
  UpsampleParams p = upsample_params(input_size, out_size, scales, UpsampleMode::Linear, op);
  p.align_corners = align_corners;
  return upsample_backward(grad_output, input_size, p, op);
}

}  // namespace ember
