// Elementwise plumbing shared by the binary and unary front-ends (output layout, the in-place
// protocol), and the ops with three operands: where and clamp.
#include "ops/elementwise.h"

#include <cstdlib>

#include "core/shape.h"
#include "dispatch/dispatch.h"
#include "ops/overlap.h"

namespace ember::elementwise {

Device common_device(const char* op, const std::vector<Tensor>& operands) {
  const Tensor* first = nullptr;  // the first operand that is not a 0-dim CPU tensor
  for (const Tensor& t : operands)
    if (!(t.dim() == 0 && t.device().is_cpu())) { first = &t; break; }
  if (first == nullptr) return operands.front().device();
  for (const Tensor& t : operands) {
    if (t.dim() == 0 && t.device().is_cpu()) continue;
    EMBER_CHECK(t.device() == first->device(), op, ": expected all tensors to be on the same device, but found ",
                "tensors on ", first->device().str(), " and ", t.device().str());
  }
  return first->device();
}

Tensor convert(const Tensor& t, DType dtype, Device device) {
  if (t.dtype() == dtype && t.device() == device) return t;
  // `x * 2`: skip the copy machinery. A CUDA op keeps the number on the CPU too: the kernel
  // takes its value as an argument (TensorIter::is_cpu_scalar), which costs no device copy.
  if (t.dim() == 0 && t.device().is_cpu()) {
    const Scalar v = t.item();
    Tensor out = empty({}, dtype);
    dispatch_all_and_complex(dtype, "convert", [&](auto tag) {
      using T = typename decltype(tag)::type;
      *static_cast<T*>(out.data_ptr()) = v.to<T>();
    });
    return out;
  }
  if (t.is_contiguous() || t.dim() < 2) return t.to(device).to(dtype);
  // Keep a permuted layout, so that the op's own loop stays dense.
  Tensor out = new_output(t.shape(), dtype, device, {t});
  out.copy_(t.to(device));
  return out;
}

Tensor new_output(const IntArray& shape, DType dtype, Device device, const std::vector<Tensor>& inputs) {
  const TensorOptions options = TensorOptions(dtype).device(device);
  const int64_t nd = static_cast<int64_t>(shape.size());
  bool all_contiguous = true;
  for (const Tensor& t : inputs) all_contiguous = all_contiguous && (t.dim() < 2 || t.is_contiguous());
  if (nd < 2 || all_contiguous) return empty(shape, options);
  // The stride of dim d of input k as broadcast to `shape`, 0 where it does not move.
  auto stride = [&](const Tensor& t, int64_t d) -> int64_t {
    const int64_t td = d - (nd - t.dim());
    if (td < 0 || t.shape()[td] == 1) return 0;
    return std::llabs(t.strides()[td]);
  };
  // Order dims outermost-first as TensorIter would: the first input whose strides tell two dims
  // apart decides; ties keep the natural order.
  std::vector<int64_t> order(nd);
  for (int64_t d = 0; d < nd; ++d) order[d] = d;
  auto outer_than = [&](int64_t a, int64_t b) {  // should dim a come before (outside) dim b?
    for (const Tensor& t : inputs) {
      const int64_t sa = stride(t, a), sb = stride(t, b);
      if (sa == 0 || sb == 0) continue;
      if (sa != sb) return sa > sb;
    }
    return a < b;
  };
  for (int64_t i = 1; i < nd; ++i)
    for (int64_t j = i; j > 0 && outer_than(order[j], order[j - 1]); --j) std::swap(order[j], order[j - 1]);
  bool natural = true;
  for (int64_t d = 0; d < nd; ++d) natural = natural && order[d] == d;
  if (natural) return empty(shape, options);
  IntArray strides(nd);
  int64_t s = 1;
  for (int64_t i = nd; i-- > 0;) {
    strides[order[i]] = s;
    s *= std::max<int64_t>(shape[order[i]], 1);
  }
  return empty_strided(shape, strides, options);
}

void check_out(const char* op, const Tensor& out, DType result, const IntArray& shape) {
  EMBER_CHECK(can_cast(result, out.dtype()), op, ": result type ", dtype_name(result),
              " can't be cast to the desired output type ", dtype_name(out.dtype()));
  EMBER_CHECK_SHAPE(out.shape() == shape, op, ": output with shape ", shape_str(out.shape()),
                    " doesn't match the broadcast shape ", shape_str(shape));
  check_writable(out, op);
}

void separate_inputs(const Tensor& out, std::vector<Tensor>& inputs) {
  for (Tensor& in : inputs) {
    // Reading and writing the very same elements is fine elementwise; any other overlap
    // (a.add_(a.t()), a.add_(a[0])) would read values already overwritten.
    const bool same = in.data_ptr() == out.data_ptr() && in.shape() == out.shape() && in.strides() == out.strides();
    if (!same && may_overlap(in, out)) in = in.clone();
  }
}

void write_back(const Tensor& out, const Tensor& result) {
  TensorIter iter = TensorIter::elementwise(out, {result});
  copy_kernel.get(out.device(), "copy_")(iter);
}

namespace {
using OptT = std::optional<Tensor>;

// Clamp of `t` by optional tensor bounds, into `out` when given.
Tensor clamp_impl(const Tensor& t, const OptT& lo, const OptT& hi, const Tensor* out) {
  const char* op = out ? "clamp_" : "clamp";
  EMBER_CHECK_VALUE(lo || hi, op, ": at least one of 'min' or 'max' must not be None");
  std::vector<Tensor> operands{t};
  if (lo) operands.push_back(*lo);
  if (hi) operands.push_back(*hi);
  const Device device = common_device(op, operands);
  const DType ct = result_type(operands);
  EMBER_CHECK_TYPE(ct != kBool, op, ": not implemented for bool tensors");
  IntArray shape = t.shape();
  for (size_t i = 1; i < operands.size(); ++i) shape = broadcast_shapes(shape, operands[i].shape(), op);
  for (Tensor& x : operands) x = convert(x, ct, device);
  const bool has_min = lo.has_value(), has_max = hi.has_value();
  return run(op, ct, shape, device, std::move(operands), out, false, [&](const TensorIter& iter) {
    clamp_kernel.get(device, op)(iter, has_min, has_max);
  });
}

OptT bound(const std::optional<Scalar>& s) {
  if (!s) return std::nullopt;
  return scalar_tensor(*s, std::nullopt, /*wrapped=*/true);
}
}  // namespace

}  // namespace ember::elementwise

namespace ember {

Tensor clamp(const Tensor& t, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  return elementwise::clamp_impl(t, elementwise::bound(min), elementwise::bound(max), nullptr);
}

Tensor clamp(const Tensor& t, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  return elementwise::clamp_impl(t, min, max, nullptr);
}

Tensor& clamp_(Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  elementwise::clamp_impl(self, elementwise::bound(min), elementwise::bound(max), &self);
  return self;
}

Tensor& clamp_(Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  elementwise::clamp_impl(self, min, max, &self);
  return self;
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  using namespace elementwise;
  EMBER_CHECK_TYPE(condition.dtype() == kBool, "where: expected condition to be a boolean tensor, but got a tensor ",
                   "with dtype ", dtype_name(condition.dtype()));
  const Device device = common_device("where", {condition, a, b});
  const DType ct = result_type({a, b});
  const IntArray shape = broadcast_shapes(broadcast_shapes(condition.shape(), a.shape(), "where"), b.shape(), "where");
  std::vector<Tensor> inputs{convert(condition, kBool, device), convert(a, ct, device), convert(b, ct, device)};
  return run("where", ct, shape, device, std::move(inputs), nullptr, false,
             [&](const TensorIter& iter) { where_kernel.get(device, "where")(iter); });
}

}  // namespace ember
