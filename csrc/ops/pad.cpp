// torch.nn.functional.pad and its gradient.
//
// Forward: the output is allocated once and the input is copied into its centre; each padded
// dim then fills its two pad regions by a strided copy from the output itself: a reversed
// (negative-stride) view for reflect, an expanded edge slice for replicate, the opposite end
// for circular. The innermost dim, where those copies would be runs of a few elements, has a
// kernel that copies each input row and fills its pads in one pass. Dims are filled one after another, each over the full
// extent of the dims done before it and the centre of the dims after it, so corners come out
// right. Negative pads crop the input first.
//
// Backward runs the same steps in reverse: each pad region's gradient is added into the
// positions it was copied from (reversed for reflect, summed onto the edge for replicate), then
// the gradient is narrowed to the centre. Constant padding's gradient is the opposite padding.
#include <algorithm>

#include "core/shape.h"
#include "ember/ops.h"
#include "ops/strided_copy.h"

namespace ember {

namespace {
enum class PadMode { Constant, Reflect, Replicate, Circular };

struct DimPad {
  int64_t dim, left, right;
  int64_t crop_left() const { return std::max<int64_t>(0, -left); }
  int64_t crop_right() const { return std::max<int64_t>(0, -right); }
  int64_t pad_left() const { return std::max<int64_t>(0, left); }
  int64_t pad_right() const { return std::max<int64_t>(0, right); }
};

PadMode parse_mode(const std::string& mode) {
  if (mode == "constant") return PadMode::Constant;
  if (mode == "reflect") return PadMode::Reflect;
  if (mode == "replicate") return PadMode::Replicate;
  if (mode == "circular") return PadMode::Circular;
  EMBER_FAIL(ErrorKind::Value, "pad: unrecognised padding mode '", mode,
             "' (expected 'constant', 'reflect', 'replicate' or 'circular')");
}

// The padded dims, in the order of the pad list (last dim first), checked against the shape.
std::vector<DimPad> plan_pad(const IntArray& shape, const IntArray& pad, PadMode mode, const char* op) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  const int64_t npad = static_cast<int64_t>(pad.size());
  EMBER_CHECK_VALUE(npad % 2 == 0, op, ": padding length must be divisible by 2, got ", npad, " values ",
                    shape_str(pad));
  EMBER_CHECK_VALUE(npad / 2 <= nd, op, ": padding length should be less than or equal to two times the input ",
                    "dimension, but got padding length ", npad, " and input of shape ", shape_str(shape));
  std::vector<DimPad> dims;
  for (int64_t i = 0; i < npad / 2; ++i) dims.push_back({nd - 1 - i, pad[2 * i], pad[2 * i + 1]});
  if (mode == PadMode::Constant) {
    for (const DimPad& p : dims)
      EMBER_CHECK_SHAPE(shape[p.dim] + p.left + p.right >= 0, op, ": padding ", shape_str(pad),
                        " makes dimension ", p.dim, " of input ", shape_str(shape), " negative in size");
    return dims;
  }
  // reflect / replicate / circular pad the last 1, 2 or 3 dims of an input with one or two
  // leading (batch, channel) dims, as PyTorch does.
  const int64_t k = npad / 2;
  if (k < 1 || k > 3 || (nd != k + 1 && nd != k + 2))
    EMBER_FAIL(ErrorKind::NotImplemented, op, ": padding size ", npad, " is not supported for ", nd,
               "D input tensor (shape ", shape_str(shape), ") in a non-constant mode; supported: 2D or 3D input ",
               "with 2 values, 3D or 4D with 4, 4D or 5D with 6");
  for (int64_t d = nd == k + 2 ? 1 : 0; d < nd; ++d)
    EMBER_CHECK_SHAPE(shape[d] > 0, op, ": expected an input with possibly 0 batch size and other non-zero ",
                      "dimensions, but got shape ", shape_str(shape));
  for (const DimPad& p : dims) {
    const int64_t n = shape[p.dim] - p.crop_left() - p.crop_right();
    EMBER_CHECK_SHAPE(n > 0, op, ": negative padding ", shape_str(pad), " leaves dimension ", p.dim,
                      " of input ", shape_str(shape), " empty");
    if (mode == PadMode::Reflect)
      EMBER_CHECK_VALUE(p.pad_left() < n && p.pad_right() < n, op,
                        ": padding size should be less than the corresponding input dimension, but got padding (",
                        p.left, ", ", p.right, ") at dimension ", p.dim, " of input ", shape_str(shape));
    if (mode == PadMode::Circular)
      EMBER_CHECK_VALUE(p.pad_left() <= n && p.pad_right() <= n, op, ": padding (", p.left, ", ", p.right,
                        ") at dimension ", p.dim, " of input ", shape_str(shape), " wraps around more than once");
  }
  return dims;
}

IntArray padded_shape(IntArray shape, const std::vector<DimPad>& dims) {
  for (const DimPad& p : dims) shape[p.dim] += p.left + p.right;
  return shape;
}

// `t` narrowed to the centre (the copied input) along each dim of `dims` from `first` on.
Tensor centre(Tensor t, const std::vector<DimPad>& dims, size_t first, const IntArray& in_shape) {
  for (size_t j = first; j < dims.size(); ++j) {
    const DimPad& p = dims[j];
    const int64_t n = in_shape[p.dim] - p.crop_left() - p.crop_right();
    t = t.narrow(p.dim, p.pad_left(), n);
  }
  return t;
}

Tensor pad_constant(const Tensor& t, const std::vector<DimPad>& dims, const Scalar& value) {
  Tensor out = full(padded_shape(t.shape(), dims), value, TensorOptions(t.dtype()).device(t.device()));
  Tensor src = t, dst = out;
  for (const DimPad& p : dims) {
    const int64_t n = std::max<int64_t>(0, t.shape()[p.dim] - p.crop_left() - p.crop_right());
    src = src.narrow(p.dim, std::min(p.crop_left(), t.shape()[p.dim]), n);
    dst = dst.narrow(p.dim, std::min(p.pad_left(), out.shape()[p.dim]), n);
  }
  strided_copy(dst, src);
  return out;
}
}  // namespace

Tensor pad(const Tensor& t, const IntArray& pad, const std::string& mode_name, const Scalar& value) {
  const PadMode mode = parse_mode(mode_name);
  const std::vector<DimPad> dims = plan_pad(t.shape(), pad, mode, "pad");
  if (mode == PadMode::Constant) return pad_constant(t, dims, value);
  Tensor out = empty(padded_shape(t.shape(), dims), TensorOptions(t.dtype()).device(t.device()));
  Tensor src = t;
  for (const DimPad& p : dims) src = src.narrow(p.dim, p.crop_left(), t.shape()[p.dim] - p.crop_left() - p.crop_right());
  // The innermost dim (dims[0]) in one kernel pass: the input's rows into the centre of every
  // other dim, with their pads. The other dims then fill their pads by strided copies.
  const PadEdge edge = mode == PadMode::Reflect     ? PadEdge::Reflect
                       : mode == PadMode::Replicate ? PadEdge::Replicate
                                                    : PadEdge::Circular;
  pad_edge_kernel.get(t.device(), "pad")(centre(out, dims, 1, t.shape()), src, dims[0].pad_left(),
                                         dims[0].pad_right(), edge);
  for (size_t j = 1; j < dims.size(); ++j) {
    const DimPad& p = dims[j];
    const int64_t d = p.dim, l = p.pad_left(), r = p.pad_right();
    const int64_t n = src.shape()[d];
    const Tensor region = centre(out, dims, j + 1, t.shape());
    switch (mode) {
      case PadMode::Reflect:
        strided_copy(region.narrow(d, 0, l), reversed(region.narrow(d, l + 1, l), d));
        strided_copy(region.narrow(d, l + n, r), reversed(region.narrow(d, l + n - 1 - r, r), d));
        break;
      case PadMode::Replicate:
        strided_copy(region.narrow(d, 0, l), region.narrow(d, l, 1));
        strided_copy(region.narrow(d, l + n, r), region.narrow(d, l + n - 1, 1));
        break;
      case PadMode::Circular:
        strided_copy(region.narrow(d, 0, l), region.narrow(d, n, l));
        strided_copy(region.narrow(d, l + n, r), region.narrow(d, l, r));
        break;
      case PadMode::Constant: break;
    }
  }
  return out;
}

Tensor pad_backward(const Tensor& grad_output, const IntArray& input_shape, const IntArray& pad,
                    const std::string& mode_name) {
  const PadMode mode = parse_mode(mode_name);
  const std::vector<DimPad> dims = plan_pad(input_shape, pad, mode, "pad_backward");
  EMBER_CHECK_SHAPE(grad_output.shape() == padded_shape(input_shape, dims), "pad_backward: grad_output has shape ",
                    shape_str(grad_output.shape()), " but padding an input of shape ", shape_str(input_shape), " by ",
                    shape_str(pad), " gives shape ", shape_str(padded_shape(input_shape, dims)));
  IntArray undo(pad.size());
  for (size_t i = 0; i < pad.size(); ++i) undo[i] = -pad[i];
  if (mode == PadMode::Constant) return ember::pad(grad_output, undo, "constant", 0);

  Tensor g = grad_output.clone();
  for (size_t j = dims.size(); j-- > 0;) {
    const DimPad& p = dims[j];
    const int64_t d = p.dim, l = p.pad_left(), r = p.pad_right();
    const int64_t n = input_shape[d] - p.crop_left() - p.crop_right();
    // g is full along this dim and the ones before it, centred along the ones after it.
    Tensor to_left, to_right;  // where the left and right pad regions were copied from
    Tensor left = g.narrow(d, 0, l), right = g.narrow(d, l + n, r);
    switch (mode) {
      case PadMode::Reflect:
        to_left = g.narrow(d, l + 1, l), to_right = g.narrow(d, l + n - 1 - r, r);
        left = reversed(left, d), right = reversed(right, d);
        break;
      case PadMode::Replicate:
        to_left = g.narrow(d, l, 1), to_right = g.narrow(d, l + n - 1, 1);
        left = sum(left, IntArray{d}, true), right = sum(right, IntArray{d}, true);
        break;
      case PadMode::Circular:
        to_left = g.narrow(d, n, l), to_right = g.narrow(d, l, r);
        break;
      case PadMode::Constant: break;
    }
    if (l > 0) add_(to_left, left);
    if (r > 0) add_(to_right, right);
    g = g.narrow(d, l, n);
  }
  // Cropped positions (negative pads) get no gradient: pad them back with zeros.
  IntArray uncrop(pad.size());
  for (size_t i = 0; i < pad.size(); ++i) uncrop[i] = std::max<int64_t>(0, -pad[i]);
  return ember::pad(g, uncrop, "constant", 0);
}

}  // namespace ember
