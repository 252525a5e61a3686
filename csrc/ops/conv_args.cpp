// Convolution arguments: PyTorch's checks and messages, padding modes, and the runs of the
// kernel table shared by every convolution front-end.
#include "ops/conv_args.h"

#include <algorithm>

#include "core/shape.h"
#include "ember/ops.h"

namespace ember::conv_detail {

namespace {

// One value per spatial dim, from a list of one (repeated) or nd values.
IntArray expand_param(const char* op, const char* what, const IntArray& v, int nd) {
  EMBER_CHECK_VALUE(v.size() == 1 || static_cast<int>(v.size()) == nd, op, ": expected ", what,
                    " to be a single integer value or a list of ", nd,
                    " values to match the convolution dimensions, but got ", what, "=", shape_str(v));
  return v.size() == 1 ? IntArray(nd, v[0]) : v;
}

// "(2 x 3)": sizes in PyTorch's per-channel format.
std::string sizes_str(const IntArray& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " x " : "") + std::to_string(v[i]);
  return s + ")";
}

IntArray prepend(int64_t first, const IntArray& rest) {
  IntArray out{first};
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

}  // namespace

IntArray ConvSpec::weight4() const {
  if (weight_shape.size() >= 4) return weight_shape;
  return {weight_shape[0], weight_shape[1], 1, weight_shape[2]};
}

ConvSpec check_conv(const ConvRequest& r, const IntArray& input_shape, const IntArray& weight_shape,
                    const IntArray* bias_shape) {
  const char* op = r.op;
  const int nd = r.nd;
  const int64_t in_rank = static_cast<int64_t>(input_shape.size());
  const char* spatial_layout = nd == 3 ? "kD, kH, kW)" : nd == 2 ? "kH, kW)" : "kW)";
  const std::string weight_layout =
      std::string(r.transposed ? "(in_channels, out_channels / groups, " : "(out_channels, in_channels / groups, ") +
      spatial_layout;
  EMBER_CHECK_SHAPE(static_cast<int>(weight_shape.size()) == nd + 2, op, ": expected a ", nd + 2, "-D weight ",
                    weight_layout, ", but got weight of size ", shape_str(weight_shape));
  EMBER_CHECK_SHAPE(in_rank == nd + 1 || in_rank == nd + 2, op, ": expected ", nd + 1, "-D (unbatched) or ", nd + 2,
                    "-D (batched) input, but got input of size ", shape_str(input_shape));

  // Parameters.
  const IntArray stride = expand_param(op, "stride", r.stride, nd);
  const IntArray dilation = expand_param(op, "dilation", r.dilation, nd);
  for (int64_t s : stride)
    EMBER_CHECK_VALUE(s > 0, op, ": non-positive stride is not supported, got stride=", shape_str(stride));
  for (int64_t d : dilation)
    EMBER_CHECK_VALUE(d > 0, op, ": non-positive dilation is not supported, got dilation=", shape_str(dilation));
  EMBER_CHECK_VALUE(r.groups > 0, op, ": non-positive groups is not supported, got groups=", r.groups);
  IntArray pad_lo(nd, 0), pad_hi(nd, 0);
  const IntArray kernel(weight_shape.begin() + 2, weight_shape.end());
  if (r.padding.mode.empty()) {
    pad_lo = pad_hi = expand_param(op, "padding", r.padding.values, nd);
    for (int64_t p : pad_lo)
      EMBER_CHECK_VALUE(p >= 0, op, ": negative padding is not supported, got padding=", shape_str(pad_lo));
  } else {
    EMBER_CHECK_VALUE(!r.transposed, op, ": padding must be a number or a list of numbers, not '", r.padding.mode, "'");
    EMBER_CHECK_VALUE(r.padding.mode == "valid" || r.padding.mode == "same", op, ": invalid padding string '",
                      r.padding.mode, "' (expected 'valid' or 'same')");
    if (r.padding.mode == "same") {
      for (int64_t s : stride)
        EMBER_CHECK_VALUE(s == 1, op, ": padding='same' is not supported for strided convolutions, got stride=",
                          shape_str(stride));
      for (int d = 0; d < nd; ++d) {  // PyTorch puts an odd total's extra element at the end
        const int64_t total = dilation[d] * (kernel[d] - 1);
        pad_lo[d] = total / 2;
        pad_hi[d] = total - pad_lo[d];
      }
    }
  }
  IntArray output_padding(nd, 0);
  if (r.transposed) {
    output_padding = expand_param(op, "output_padding", r.output_padding, nd);
    for (int d = 0; d < nd; ++d) {
      EMBER_CHECK_VALUE(output_padding[d] >= 0, op, ": negative output_padding is not supported, got output_padding=",
                        shape_str(output_padding));
      EMBER_CHECK_VALUE(output_padding[d] < stride[d] || output_padding[d] < dilation[d], op,
                        ": output padding must be smaller than either stride or dilation, but got output_padding=",
                        shape_str(output_padding), ", stride=", shape_str(stride), ", dilation=", shape_str(dilation));
    }
  }

  // Channels.
  ConvSpec s;
  s.batched = in_rank == nd + 2;
  s.input_shape = input_shape;
  s.weight_shape = weight_shape;
  const IntArray in = s.batched ? input_shape : prepend(1, input_shape);
  const int64_t batch = in[0], channels = in[1];
  const auto shapes = [&] {
    return detail::str_cat("input of size ", shape_str(input_shape), " and weight of size ", shape_str(weight_shape));
  };
  EMBER_CHECK_SHAPE(weight_shape[0] >= 1 && weight_shape[0] % r.groups == 0, op, ": given groups=", r.groups,
                    ", expected weight to be a positive multiple of ", r.groups, " at dimension 0, but got ", shapes());
  int64_t out_channels;
  if (!r.transposed) {
    EMBER_CHECK_SHAPE(channels == weight_shape[1] * r.groups, op, ": given groups=", r.groups, ", weight of size ",
                      shape_str(weight_shape), " expects the input to have ", weight_shape[1] * r.groups,
                      " channels, but got input of size ", shape_str(input_shape), " with ", channels, " channels");
    out_channels = weight_shape[0];
  } else {
    EMBER_CHECK_SHAPE(channels == weight_shape[0], op, ": given weight of size ", shape_str(weight_shape),
                      ", expected the input to have ", weight_shape[0], " channels, but got input of size ",
                      shape_str(input_shape), " with ", channels, " channels");
    out_channels = weight_shape[1] * r.groups;
  }
  if (bias_shape)
    EMBER_CHECK_SHAPE(bias_shape->size() == 1 && (*bias_shape)[0] == out_channels, op,
                      ": expected bias to be 1-D with ", out_channels, " elements (the output channels) for ",
                      shapes(), ", but got bias of size ", shape_str(*bias_shape));

  // Spatial sizes.
  const IntArray spatial(in.begin() + 2, in.end());
  for (int64_t v : spatial)
    EMBER_CHECK_SHAPE(v > 0, op, ": only the batch and channel dims may be empty, but got ", shapes());
  IntArray out_spatial(nd), padded(nd), dilated(nd);
  for (int d = 0; d < nd; ++d) {
    // in int64 with overflow checks: huge padding, dilation or stride must not wrap the sizes
    dilated[d] = checked_add(checked_mul(dilation[d], kernel[d] - 1, op, "dilated kernel size"), 1, op,
                             "dilated kernel size");
    padded[d] = checked_add(checked_add(spatial[d], pad_lo[d], op, "padded size"), pad_hi[d], op, "padded size");
    if (r.transposed) {
      const int64_t grown = checked_mul(spatial[d] - 1, stride[d], op, "output size");
      const int64_t trimmed = checked_add(grown, -checked_add(pad_lo[d], pad_hi[d], op, "padding"), op, "output size");
      out_spatial[d] = checked_add(checked_add(trimmed, dilated[d], op, "output size"), output_padding[d], op,
                                   "output size");
    } else {
      out_spatial[d] = (padded[d] - dilated[d]) / stride[d] + 1;
    }
  }
  for (int d = 0; d < nd && !r.transposed; ++d)
    EMBER_CHECK_SHAPE(padded[d] >= dilated[d], op, ": padded input size per channel ", sizes_str(padded),
                      " is smaller than the dilated kernel size ", sizes_str(dilated), " for ", shapes());
  for (int d = 0; d < nd && r.transposed; ++d)
    EMBER_CHECK_SHAPE(out_spatial[d] > 0, op, ": the output size ", sizes_str(out_spatial),
                      " is too small (padding ", shape_str(pad_lo), ") for ", shapes());

  s.output_shape = {out_channels};
  s.output_shape.insert(s.output_shape.end(), out_spatial.begin(), out_spatial.end());
  if (s.batched) s.output_shape.insert(s.output_shape.begin(), batch);

  // The plain convolution: for a transposed one, its input is our output and vice versa.
  const IntArray& conv_in = r.transposed ? out_spatial : spatial;
  const IntArray& conv_out = r.transposed ? spatial : out_spatial;
  s.nd = nd;
  ConvGeometry& g = s.geom;
  g.batch = batch;
  g.in_channels = r.transposed ? out_channels : channels;
  g.out_channels = r.transposed ? channels : out_channels;
  const int h = nd - 2, w = nd - 1;  // index of H (none for 1-D) and W
  if (nd == 3) {  // and of D
    g.in_d = conv_in[0];
    g.out_d = conv_out[0];
    g.kernel_d = kernel[0];
    g.stride_d = stride[0];
    g.pad_d = pad_lo[0];
    g.dilation_d = dilation[0];
  }
  g.in_h = h < 0 ? 1 : conv_in[h];
  g.in_w = conv_in[w];
  g.out_h = h < 0 ? 1 : conv_out[h];
  g.out_w = conv_out[w];
  g.kernel_h = h < 0 ? 1 : kernel[h];
  g.kernel_w = kernel[w];
  g.stride_h = h < 0 ? 1 : stride[h];
  g.stride_w = stride[w];
  g.pad_h = h < 0 ? 0 : pad_lo[h];
  g.pad_w = pad_lo[w];
  g.dilation_h = h < 0 ? 1 : dilation[h];
  g.dilation_w = dilation[w];
  g.groups = r.groups;
  return s;
}

void check_dtype_pair(const char* op, const char* what, const Tensor& a, const char* other, const Tensor& b) {
  EMBER_CHECK(a.device() == b.device(), op, ": expected ", what, " and ", other, " on one device, but got ",
              a.device().str(), " and ", b.device().str());
  EMBER_CHECK_TYPE(a.dtype() == b.dtype(), op, ": expected ", what, " and ", other, " to have the same dtype, but got ",
                   dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
}

void check_dtypes(const char* op, const Tensor& input, const Tensor& weight, const Tensor* bias,
                  const Tensor* grad_output) {
  EMBER_CHECK_TYPE(is_floating(input.dtype()), op, ": expected a floating input (float32, float64, float16 or ",
                   "bfloat16), but got ", dtype_name(input.dtype()));
  check_dtype_pair(op, "input", input, "weight", weight);
  if (bias) check_dtype_pair(op, "input", input, "bias", *bias);
  if (grad_output) check_dtype_pair(op, "input", input, "grad_output", *grad_output);
}

Tensor kernel_operand(const Tensor& t, const IntArray& shape) {
  return t.to(compute_dtype(t.dtype())).contiguous().view(shape);
}

Tensor run_forward(const ConvSpec& s, const Tensor& input4, const Tensor& weight4, const Tensor* bias) {
  Tensor out = empty(s.conv_output4(), TensorOptions(input4.dtype()).device(input4.device()));
  if (out.numel() > 0) conv2d_kernel.get(input4.device(), "conv2d")(s.geom, out, input4, weight4, bias);
  return out;
}

Tensor run_backward_input(const ConvSpec& s, const Tensor& grad_output4, const Tensor& weight4) {
  Tensor grad_input = empty(s.conv_input4(), TensorOptions(grad_output4.dtype()).device(grad_output4.device()));
  if (grad_input.numel() > 0)
    conv2d_backward_input_kernel.get(grad_output4.device(), "conv2d_backward_input")(s.geom, grad_input, grad_output4,
                                                                                     weight4);
  return grad_input;
}

Tensor run_backward_weight(const ConvSpec& s, const Tensor& grad_output4, const Tensor& input4) {
  Tensor grad_weight = empty(s.weight4(), TensorOptions(grad_output4.dtype()).device(grad_output4.device()));
  if (grad_weight.numel() > 0)
    conv2d_backward_weight_kernel.get(grad_output4.device(), "conv2d_backward_weight")(s.geom, grad_weight,
                                                                                       grad_output4, input4);
  return grad_weight;
}

Tensor bias_grad(const Tensor& grad_output4) {
  IntArray dims{0};
  for (int64_t d = 2; d < grad_output4.dim(); ++d) dims.push_back(d);
  return sum(grad_output4, dims);
}

}  // namespace ember::conv_detail
