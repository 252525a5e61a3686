// Copies and conversions: copy_, contiguous, clone, to(dtype), to(device), fill_, item.
#include <cstring>

#include "core/device_copy.h"
#include "core/shape.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"
#include "ops/overlap.h"

namespace ember {

namespace {
// True when a write through `t` could hit one memory location twice (an expanded view).
bool has_internal_overlap(const Tensor& t) {
  for (int64_t i = 0; i < t.dim(); ++i)
    if (t.strides()[i] == 0 && t.shape()[i] > 1) return true;
  return false;
}
}  // namespace

bool may_overlap(const Tensor& a, const Tensor& b) {
  if (a.storage() != b.storage() || a.numel() == 0 || b.numel() == 0) return false;
  auto range = [](const Tensor& t) {
    int64_t lo = t.storage_offset(), hi = lo;
    for (int64_t i = 0; i < t.dim(); ++i) {
      const int64_t reach = (t.shape()[i] - 1) * t.strides()[i];
      (reach < 0 ? lo : hi) += reach;
    }
    const int64_t es = static_cast<int64_t>(t.element_size());
    return std::make_pair(lo * es, (hi + 1) * es);
  };
  auto [alo, ahi] = range(a);
  auto [blo, bhi] = range(b);
  return alo < bhi && blo < ahi;
}

void check_writable(const Tensor& out, const char* op) {
  EMBER_CHECK(!has_internal_overlap(out), op, ": unsupported operation: more than one element of the written-to ",
              "tensor (shape ", shape_str(out.shape()), ", strides ", shape_str(out.strides()),
              ") refers to a single memory location; call .clone() before writing to it");
}

Tensor& Tensor::copy_(const Tensor& src) { return copy_(src, false); }

Tensor& Tensor::copy_(const Tensor& src, bool non_blocking) {
  EMBER_CHECK_SHAPE(src.dim() <= dim() && broadcast_shapes(shape(), src.shape(), "copy_") == shape(),
                    "copy_: source of shape ", shape_str(src.shape()), " cannot be broadcast to the destination's shape ",
                    shape_str(shape()));
  check_writable(*this, "copy_");
  bump_version();
  if (numel() == 0) return *this;
  // A 0-dim CPU source of a CUDA copy (fill_, `t[i] = 2`) goes through the kernel by value.
  const bool cpu_scalar = src.device().is_cpu() && src.dim() == 0 && device().is_cuda();
  if (src.device() != device() && !cpu_scalar) {
    copy_across_devices(*this, src, non_blocking);
    return *this;
  }
  // Overlapping source and destination in one storage: copy through a temporary.
  const Tensor source = may_overlap(*this, src) ? src.clone() : src;
  TensorIter iter = TensorIter::elementwise(*this, {source});
  copy_kernel.get(device(), "copy_")(iter);
  return *this;
}

Tensor& Tensor::fill_(const Scalar& value) {
  check_writable(*this, "fill_");
  alignas(16) unsigned char buffer[16] = {};
  dispatch_all_and_complex(dtype(), "fill_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = value.to<T>();
    std::memcpy(buffer, &v, sizeof(T));
  });
  bump_version();
  if (numel() == 0) return *this;
  const Tensor src = from_blob(buffer, {}, dtype());
  TensorIter iter = TensorIter::elementwise(*this, {src});
  copy_kernel.get(device(), "fill_")(iter);
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0); }

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), TensorOptions(dtype()).device(device()));
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = empty(shape(), TensorOptions(target).device(device()));
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(Device target) const { return to(target, false); }

Tensor Tensor::to(Device target, bool non_blocking) const {
  if (target == device()) return *this;
  // Without the CUDA backend the allocation throws "not built with CUDA".
  Tensor out = empty(shape(), TensorOptions(dtype()).device(target));
  out.copy_(*this, non_blocking);
  return out;
}

Tensor Tensor::pin_memory() const {
  EMBER_CHECK(device().is_cpu(), "pin_memory: cannot pin a tensor on ", device().str(), ": only CPU memory can be pinned");
  if (is_pinned()) return *this;
  const Tensor src = contiguous();
  const size_t nbytes = static_cast<size_t>(src.numel()) * src.element_size();
  Tensor out = Tensor::make(pinned_storage(nbytes), 0, src.shape(), src.strides(), dtype());
  if (nbytes > 0) std::memcpy(out.data_ptr(), src.data_ptr(), nbytes);
  return out;
}

bool Tensor::is_pinned() const { return device().is_cpu() && cuda::is_built() && is_pinned_pointer(data_ptr()); }

Scalar Tensor::item() const {
  EMBER_CHECK_VALUE(numel() == 1, "item: a Tensor with ", numel(), " elements cannot be converted to a Python number",
                    " (shape ", shape_str(shape()), ")");
  const Tensor host = device().is_cpu() ? *this : to(Device(DeviceType::CPU));
  return dispatch_all_and_complex(dtype(), "item", [&](auto tag) -> Scalar {
    using T = typename decltype(tag)::type;
    const T v = *static_cast<const T*>(host.data_ptr());
    if constexpr (std::is_same_v<T, bool>) return Scalar(v);
    else if constexpr (is_complex_v<T>) return Scalar(std::complex<double>(v));
    else if constexpr (std::is_integral_v<T>) return Scalar(static_cast<int64_t>(v));
    else return Scalar(static_cast<double>(v));
  });
}

}  // namespace ember
