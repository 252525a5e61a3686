// Pooling front-ends: check the window arguments as PyTorch does, view the input as contiguous
// (planes, H, W) (1-D ops get H = 1, unbatched inputs one batch), and call the kernel tables.
#include <algorithm>

#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember {

namespace {

// A window argument: one entry for every spatial dim, or one per dim; `fallback` when empty.
IntArray per_dim(const IntArray& v, int spatial, const IntArray& fallback, const char* op, const char* name) {
  if (v.empty() && !fallback.empty()) return fallback;
  EMBER_CHECK_VALUE(v.size() == 1 || static_cast<int>(v.size()) == spatial, op, ": ", name,
                    " must be a single int or a tuple of ", spatial, " ints, got ", shape_str(v));
  return v.size() == 1 ? IntArray(spatial, v[0]) : v;
}

// The input's dims as (N, C, H, W): 1-D ops get H = 1 and unbatched inputs N = 1.
struct Layout {
  int spatial = 2;
  IntArray lead;  // the input's dims before the spatial ones
  int64_t planes = 0, h = 1, w = 1;
  IntArray shape(int64_t oh, int64_t ow) const {
    IntArray s = lead;
    if (spatial == 2) s.push_back(oh);
    s.push_back(ow);
    return s;
  }
};

Layout layout_of(const IntArray& shape, int spatial, const char* op, const char* what) {
  const int64_t r = static_cast<int64_t>(shape.size());
  EMBER_CHECK_SHAPE(r == spatial + 1 || r == spatial + 2, op, ": expected a ", spatial + 1, "-D or ",
                    spatial + 2, "-D (batched) ", what, ", got shape ", shape_str(shape));
  for (int64_t d = r - spatial - 1; d < r; ++d)
    EMBER_CHECK_SHAPE(shape[d] > 0, op, ": expected a ", what, " with non-zero sizes except the batch dim, got shape ",
                      shape_str(shape));
  Layout l;
  l.spatial = spatial;
  l.lead.assign(shape.begin(), shape.end() - spatial);
  l.planes = numel_of(l.lead);
  l.w = shape.back();
  if (spatial == 2) l.h = shape[r - 2];
  return l;
}

void check_floating(const Tensor& t, const char* op) {
  EMBER_CHECK_TYPE(is_floating(t.dtype()), op, ": expected a floating-point tensor, got ", dtype_name(t.dtype()));
}

// PyTorch's pooling output size: floor (or ceil) of the window count, and with ceil_mode the
// last window dropped when it would start past the input and its left padding.
int64_t pool_out(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation, bool ceil_mode) {
  const char* op = "pool";  // huge padding, dilation or kernel sizes must not wrap the output size
  const int64_t reach = checked_add(checked_mul(dilation, k - 1, op, "dilated window"), 1, op, "dilated window");
  const int64_t padded = checked_add(in, checked_mul(2, pad, op, "padding"), op, "padded size");
  const int64_t span = checked_add(padded - reach, ceil_mode ? stride - 1 : 0, op, "output size");
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Fills the window part of Pool2dParams from the user's arguments (for H, W; 1-D ops map
// their single dim to W and use a 1x1 window along H) and the output size.
Pool2dParams window_params(const Layout& l, const IntArray& kernel_size, const IntArray& stride,
                           const IntArray& padding, const IntArray& dilation, bool ceil_mode, const char* op) {
  const int s = l.spatial;
  const IntArray k = per_dim(kernel_size, s, {}, op, "kernel_size");
  const IntArray st = per_dim(stride, s, k, op, "stride");
  const IntArray pd = per_dim(padding, s, {}, op, "padding");
  const IntArray dl = per_dim(dilation, s, {}, op, "dilation");
  for (int i = 0; i < s; ++i) {
    EMBER_CHECK_VALUE(k[i] > 0, op, ": kernel_size should be greater than zero, got ", shape_str(k));
    EMBER_CHECK_VALUE(st[i] > 0, op, ": stride should be greater than zero, got ", shape_str(st));
    EMBER_CHECK_VALUE(dl[i] > 0, op, ": dilation should be greater than zero, got ", shape_str(dl));
    EMBER_CHECK_VALUE(pd[i] >= 0, op, ": padding must be non-negative, got ", shape_str(pd));
    EMBER_CHECK_VALUE(pd[i] <= k[i] / 2, op, ": pad should be at most half of kernel size, got padding ",
                      shape_str(pd), " and kernel_size ", shape_str(k));
  }
  Pool2dParams p;
  p.planes = l.planes;
  p.in_h = l.h;
  p.in_w = l.w;
  if (s == 2) {
    p.kh = k[0], p.sh = st[0], p.ph = pd[0], p.dh = dl[0];
    p.out_h = pool_out(l.h, k[0], pd[0], st[0], dl[0], ceil_mode);
  } else {
    p.out_h = 1;
  }
  p.kw = k[s - 1], p.sw = st[s - 1], p.pw = pd[s - 1], p.dw = dl[s - 1];
  p.out_w = pool_out(l.w, p.kw, p.pw, p.sw, p.dw, ceil_mode);
  EMBER_CHECK_VALUE(p.out_h > 0 && p.out_w > 0, op, ": input of shape ", shape_str(l.shape(l.h, l.w)),
                    " gives output size ", shape_str(s == 2 ? IntArray{p.out_h, p.out_w} : IntArray{p.out_w}),
                    ", which is too small (kernel_size ", shape_str(k), ", padding ", shape_str(pd),
                    ", dilation ", shape_str(dl), ")");
  return p;
}

std::tuple<Tensor, Tensor> max_pool(const Tensor& input, int spatial, const IntArray& kernel_size,
                                    const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                    bool ceil_mode, const char* op) {
  // Max pools take integers too, as PyTorch's CPU kernels do.
  EMBER_CHECK_TYPE(input.dtype() != kBool, op, ": not implemented for dtype bool");
  const Layout l = layout_of(input.shape(), spatial, op, "input");
  const Pool2dParams p = window_params(l, kernel_size, stride, padding, dilation, ceil_mode, op);
  const Tensor in = input.contiguous();
  Tensor out = empty(l.shape(p.out_h, p.out_w), TensorOptions(input.dtype()).device(input.device()));
  Tensor idx = empty(out.shape(), TensorOptions(kInt64).device(input.device()));
  if (out.numel() > 0) max_pool2d_kernel.get(input.device(), op)(out, idx, in, p);
  return {out, idx};
}

// grad_output must have the forward output's shape.
void check_grad(const Tensor& grad, const Layout& l, int64_t oh, int64_t ow, const char* op) {
  const IntArray want = l.shape(oh, ow);
  EMBER_CHECK_SHAPE(grad.shape() == want, op, ": expected grad_output of shape ", shape_str(want), ", got ",
                    shape_str(grad.shape()));
  check_floating(grad, op);
}

Tensor avg_pool(const Tensor& input, int spatial, const IntArray& kernel_size, const IntArray& stride,
                const IntArray& padding, bool ceil_mode, bool count_include_pad,
                std::optional<int64_t> divisor_override, const char* op) {
  check_floating(input, op);
  const Layout l = layout_of(input.shape(), spatial, op, "input");
  Pool2dParams p = window_params(l, kernel_size, stride, padding, {1}, ceil_mode, op);
  EMBER_CHECK_VALUE(!divisor_override || *divisor_override != 0, op, ": divisor must be not zero");
  p.count_include_pad = count_include_pad;
  p.divisor = divisor_override.value_or(0);
  const Tensor in = input.contiguous();
  Tensor out = empty(l.shape(p.out_h, p.out_w), TensorOptions(input.dtype()).device(input.device()));
  if (out.numel() > 0) avg_pool2d_kernel.get(input.device(), op)(out, in, p);
  return out;
}

Tensor avg_pool_backward(const Tensor& grad_output, const IntArray& input_size, int spatial,
                         const IntArray& kernel_size, const IntArray& stride, const IntArray& padding,
                         bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override,
                         const char* op) {
  const Layout l = layout_of(input_size, spatial, op, "input_size");
  Pool2dParams p = window_params(l, kernel_size, stride, padding, {1}, ceil_mode, op);
  EMBER_CHECK_VALUE(!divisor_override || *divisor_override != 0, op, ": divisor must be not zero");
  p.count_include_pad = count_include_pad;
  p.divisor = divisor_override.value_or(0);
  check_grad(grad_output, l, p.out_h, p.out_w, op);
  Tensor grad_in = empty(input_size, TensorOptions(grad_output.dtype()).device(grad_output.device()));
  if (grad_in.numel() > 0) avg_pool2d_backward_kernel.get(grad_in.device(), op)(grad_in, grad_output.contiguous(), p);
  return grad_in;
}

// Adaptive pools: the output size per spatial dim (-1 keeps the input's).
Pool2dParams adaptive_params(const Layout& l, const IntArray& output_size, const char* op) {
  const int s = l.spatial;
  EMBER_CHECK_VALUE(static_cast<int>(output_size.size()) == s || output_size.size() == 1, op,
                    ": output_size must be a single int or a tuple of ", s, " ints, got ", shape_str(output_size));
  IntArray o = output_size.size() == 1 ? IntArray(s, output_size[0]) : output_size;
  const IntArray in = s == 2 ? IntArray{l.h, l.w} : IntArray{l.w};
  for (int i = 0; i < s; ++i) {
    if (o[i] == -1) o[i] = in[i];
    EMBER_CHECK_VALUE(o[i] >= 0, op, ": output_size must be non-negative, got ", shape_str(output_size));
  }
  Pool2dParams p;
  p.planes = l.planes;
  p.in_h = l.h;
  p.in_w = l.w;
  p.out_h = s == 2 ? o[0] : 1;
  p.out_w = o[s - 1];
  return p;
}

Tensor adaptive_avg(const Tensor& input, const IntArray& output_size, int spatial, const char* op) {
  check_floating(input, op);
  const Layout l = layout_of(input.shape(), spatial, op, "input");
  const Pool2dParams p = adaptive_params(l, output_size, op);
  Tensor out = empty(l.shape(p.out_h, p.out_w), TensorOptions(input.dtype()).device(input.device()));
  if (out.numel() > 0) adaptive_avg_pool2d_kernel.get(input.device(), op)(out, input.contiguous(), p);
  return out;
}

std::tuple<Tensor, Tensor> adaptive_max(const Tensor& input, const IntArray& output_size, int spatial, const char* op) {
  check_floating(input, op);
  const Layout l = layout_of(input.shape(), spatial, op, "input");
  const Pool2dParams p = adaptive_params(l, output_size, op);
  Tensor out = empty(l.shape(p.out_h, p.out_w), TensorOptions(input.dtype()).device(input.device()));
  Tensor idx = empty(out.shape(), TensorOptions(kInt64).device(input.device()));
  if (out.numel() > 0) adaptive_max_pool2d_kernel.get(input.device(), op)(out, idx, input.contiguous(), p);
  return {out, idx};
}

// The (N, C, H, W) geometry of a backward kernel from input_size and grad_output's shape.
Pool2dParams backward_params(const Tensor& grad_output, const IntArray& input_size, int spatial, const char* op) {
  const Layout l = layout_of(input_size, spatial, op, "input_size");
  check_floating(grad_output, op);
  const bool same_lead = grad_output.dim() == static_cast<int64_t>(input_size.size()) &&
                         IntArray(grad_output.shape().begin(), grad_output.shape().end() - spatial) == l.lead;
  EMBER_CHECK_SHAPE(same_lead, op, ": grad_output of shape ", shape_str(grad_output.shape()),
                    " does not match input_size ", shape_str(input_size));
  Pool2dParams p;
  p.planes = l.planes;
  p.in_h = l.h;
  p.in_w = l.w;
  p.out_h = spatial == 2 ? grad_output.size(-2) : 1;
  p.out_w = grad_output.size(-1);
  return p;
}

Tensor max_pool_backward(const Tensor& grad_output, const IntArray& input_size, const Tensor& indices, int spatial,
                         const char* op) {
  const Pool2dParams p = backward_params(grad_output, input_size, spatial, op);
  EMBER_CHECK_TYPE(indices.dtype() == kInt64, op, ": expected int64 indices, got ", dtype_name(indices.dtype()));
  EMBER_CHECK_SHAPE(indices.shape() == grad_output.shape(), op, ": indices of shape ", shape_str(indices.shape()),
                    " do not match grad_output of shape ", shape_str(grad_output.shape()));
  Tensor grad_in = empty(input_size, TensorOptions(grad_output.dtype()).device(grad_output.device()));
  if (grad_in.numel() > 0)
    index_scatter2d_kernel.get(grad_in.device(), op)(grad_in, grad_output.contiguous(), indices.contiguous(), p);
  return grad_in;
}

Tensor adaptive_avg_backward(const Tensor& grad_output, const IntArray& input_size, int spatial, const char* op) {
  const Pool2dParams p = backward_params(grad_output, input_size, spatial, op);
  Tensor grad_in = empty(input_size, TensorOptions(grad_output.dtype()).device(grad_output.device()));
  if (grad_in.numel() > 0)
    adaptive_avg_pool2d_backward_kernel.get(grad_in.device(), op)(grad_in, grad_output.contiguous(), p);
  return grad_in;
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const IntArray& kernel_size,
                                                   const IntArray& stride, const IntArray& padding,
                                                   const IntArray& dilation, bool ceil_mode) {
  return max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d");
}
Tensor max_pool2d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride,
                  const IntArray& padding, const IntArray& dilation, bool ceil_mode) {
  return std::get<0>(max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d"));
}
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const IntArray& kernel_size,
                                                   const IntArray& stride, const IntArray& padding,
                                                   const IntArray& dilation, bool ceil_mode) {
  return max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, "max_pool1d");
}
Tensor max_pool1d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride,
                  const IntArray& padding, const IntArray& dilation, bool ceil_mode) {
  return std::get<0>(max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, "max_pool1d"));
}

Tensor max_pool2d_backward(const Tensor& grad_output, const IntArray& input_size, const Tensor& indices) {
  return max_pool_backward(grad_output, input_size, indices, 2, "max_pool2d_backward");
}
Tensor max_pool1d_backward(const Tensor& grad_output, const IntArray& input_size, const Tensor& indices) {
  return max_pool_backward(grad_output, input_size, indices, 1, "max_pool1d_backward");
}

Tensor avg_pool2d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride, const IntArray& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool2d");
}
Tensor avg_pool1d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride, const IntArray& padding,
                  bool ceil_mode, bool count_include_pad) {
  return avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, std::nullopt, "avg_pool1d");
}
Tensor avg_pool2d_backward(const Tensor& grad_output, const IntArray& input_size, const IntArray& kernel_size,
                           const IntArray& stride, const IntArray& padding, bool ceil_mode, bool count_include_pad,
                           std::optional<int64_t> divisor_override) {
  return avg_pool_backward(grad_output, input_size, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                           divisor_override, "avg_pool2d_backward");
}
Tensor avg_pool1d_backward(const Tensor& grad_output, const IntArray& input_size, const IntArray& kernel_size,
                           const IntArray& stride, const IntArray& padding, bool ceil_mode, bool count_include_pad) {
  return avg_pool_backward(grad_output, input_size, 1, kernel_size, stride, padding, ceil_mode, count_include_pad,
                           std::nullopt, "avg_pool1d_backward");
}

Tensor adaptive_avg_pool2d(const Tensor& input, const IntArray& output_size) {
  return adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d");
}
Tensor adaptive_avg_pool1d(const Tensor& input, const IntArray& output_size) {
  return adaptive_avg(input, output_size, 1, "adaptive_avg_pool1d");
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const IntArray& output_size) {
  return adaptive_max(input, output_size, 2, "adaptive_max_pool2d");
}
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, const IntArray& output_size) {
  return adaptive_max(input, output_size, 1, "adaptive_max_pool1d");
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output, const IntArray& input_size) {
  return adaptive_avg_backward(grad_output, input_size, 2, "adaptive_avg_pool2d_backward");
}
Tensor adaptive_avg_pool1d_backward(const Tensor& grad_output, const IntArray& input_size) {
  return adaptive_avg_backward(grad_output, input_size, 1, "adaptive_avg_pool1d_backward");
}

}  // namespace ember
