#pragma once
// Argument checking and geometry for the convolution front-ends (ops/conv.cpp,
// ops/conv_transpose.cpp). Every convolution, 1-D, 2-D or 3-D, plain or transposed, runs as a
// 2-D NCHW or 3-D NCDHW convolution: a 1-D one gets H = 1, and a transposed one is the input
// gradient of the plain convolution whose input is the transposed one's output.
#include <string>

#include "dispatch/kernels.h"
#include "ember/tensor.h"

namespace ember::conv_detail {

// padding as numbers, or as "valid" / "same" (mode non-empty).
struct Padding {
  IntArray values;
  std::string mode;
};

// What a call asks for, before looking at shapes.
struct ConvRequest {
  const char* op;  // the public name, for messages
  int nd;          // spatial dims: 1, 2 or 3
  bool transposed;
  IntArray stride;
  Padding padding;
  IntArray dilation;
  int64_t groups;
  IntArray output_padding;  // transposed only
};

// A checked call: the geometry of the underlying plain 2-D convolution and the shapes the
// caller sees.
struct ConvSpec {
  ConvGeometry geom;
  int nd = 2;
  bool batched = true;   // the input had a batch dim
  IntArray input_shape;  // as given (batched or not)
  IntArray output_shape;
  IntArray weight_shape;
  // The shapes the kernels see (4-D; 5-D for a 3-D convolution): the plain convolution's
  // input and output.
  IntArray conv_input4() const {
    if (nd == 3) return {geom.batch, geom.in_channels, geom.in_d, geom.in_h, geom.in_w};
    return {geom.batch, geom.in_channels, geom.in_h, geom.in_w};
  }
  IntArray conv_output4() const {
    if (nd == 3) return {geom.batch, geom.out_channels, geom.out_d, geom.out_h, geom.out_w};
    return {geom.batch, geom.out_channels, geom.out_h, geom.out_w};
  }
  IntArray weight4() const;
};

// Checks shapes and parameters as PyTorch does (errors name the op and the shapes) and
// resolves padding. `bias_shape` may be null.
ConvSpec check_conv(const ConvRequest& r, const IntArray& input_shape, const IntArray& weight_shape,
                    const IntArray* bias_shape);

// Floating dtypes, one for all operands, one device. `grad_output` and `bias` may be null.
void check_dtypes(const char* op, const Tensor& input, const Tensor& weight, const Tensor* bias,
                  const Tensor* grad_output);
void check_dtype_pair(const char* op, const char* what, const Tensor& a, const char* other, const Tensor& b);

// The dtype kernels compute in: float64 stays, every other floating dtype runs in float32.
inline DType compute_dtype(DType t) { return t == kFloat64 ? kFloat64 : kFloat32; }
// `t` as the kernels read it: compute dtype, contiguous, of `shape` (same element count).
Tensor kernel_operand(const Tensor& t, const IntArray& shape);

// The three kernels on 4-D (5-D) operands in the compute dtype (see ConvSpec); results are fresh
// tensors of the compute dtype in the plain convolution's shapes.
Tensor run_forward(const ConvSpec& s, const Tensor& input4, const Tensor& weight4, const Tensor* bias);
Tensor run_backward_input(const ConvSpec& s, const Tensor& grad_output4, const Tensor& weight4);
Tensor run_backward_weight(const ConvSpec& s, const Tensor& grad_output4, const Tensor& input4);
// Sum of grad_output4 over batch and space: the bias gradient.
Tensor bias_grad(const Tensor& grad_output4);

}  // namespace ember::conv_detail
