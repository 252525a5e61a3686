#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/api.h"
#include "ember/device.h"
#include "ember/dtype.h"
#include "ember/error.h"
#include "ember/scalar.h"

namespace ember {

using IntArray = std::vector<int64_t>;
using OptDims = std::optional<IntArray>;  // dims of a reduction; nullopt: all dims

// A reference-counted byte buffer on one device. Views share it. The version counter is bumped
// by every in-place op; autograd compares it against the version a saved tensor had. The serial
// number orders storages by creation, so a tool can tell buffers made before a point in time
// from those made after (ONNX tracing does, to find tensors computed outside ember's ops).
class EMBER_API Storage {
 public:
  using Deleter = std::function<void(void*)>;
  // Fresh memory from the device's allocator (64-byte aligned on the CPU).
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
  // External memory, released by `deleter` (which may just drop an owner) when the storage dies.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, Device device, Deleter deleter);
  Storage(void* data, size_t nbytes, Device device, Deleter deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }
  uint64_t serial() const { return serial_; }
  // The serial number the next storage created will have.
  static uint64_t next_serial();

 private:
  void* data_;
  size_t nbytes_;
  Device device_;
  Deleter deleter_;
  uint64_t version_ = 0;
  uint64_t serial_;
};

// What creation functions take: ember::zeros({2, 3}, ember::kFloat64) or
// ember::zeros({2, 3}, TensorOptions().dtype(kInt32).device(Device("cuda"))).
struct TensorOptions {
  std::optional<DType> dtype_;  // unset: the op's default (float32 for most)
  Device device_{};
  TensorOptions() = default;
  TensorOptions(DType t) : dtype_(t) {}  // NOLINT: implicit, so a dtype reads as options
  TensorOptions(Device d) : device_(d) {}  // NOLINT
  TensorOptions(DeviceType d) : device_(d) {}  // NOLINT
  TensorOptions dtype(DType t) const { auto o = *this; o.dtype_ = t; return o; }
  TensorOptions device(Device d) const { auto o = *this; o.device_ = d; return o; }
  DType dtype_or(DType fallback) const { return dtype_.value_or(fallback); }
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  IntArray shape;
  IntArray strides;  // in elements; may be zero (broadcast) or negative (reversed slices)
  DType dtype = kFloat32;
  // A 0-dim tensor made from a Python number: it takes part in type promotion like a scalar.
  bool wrapped_number = false;
};

// A strided view of a storage. Copying a Tensor copies the handle: both name the same data.
class EMBER_API Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // A tensor over `storage` with the given geometry; checks that it stays inside the storage.
  static Tensor make(std::shared_ptr<Storage> storage, int64_t offset, IntArray shape,
                     IntArray strides, DType dtype);

  bool defined() const { return impl_ != nullptr; }
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

  // ---- metadata ----
  int64_t dim() const { return static_cast<int64_t>(impl_->shape.size()); }
  const IntArray& shape() const { return impl_->shape; }
  const IntArray& sizes() const { return impl_->shape; }
  int64_t size(int64_t d) const;    // negative d counts from the end
  const IntArray& strides() const { return impl_->strides; }
  const IntArray& stride() const { return impl_->strides; }
  int64_t stride(int64_t d) const;
  int64_t numel() const;
  DType dtype() const { return impl_->dtype; }
  size_t element_size() const { return dtype_size(impl_->dtype); }
  Device device() const { return impl_->storage->device(); }
  int64_t storage_offset() const { return impl_->offset; }
  const std::shared_ptr<Storage>& storage() const { return impl_->storage; }
  bool is_contiguous() const;
  bool is_wrapped_number() const { return impl_->wrapped_number; }
  uint64_t version() const { return impl_->storage->version(); }
  void bump_version() const { impl_->storage->bump_version(); }
  // Address of the first element (storage data + offset).
  void* data_ptr() const;
  template <typename T> T* data_ptr() const {
    EMBER_CHECK_TYPE(DTypeOf<T>::value == dtype(), "data_ptr<T>: tensor has dtype ",
                     dtype_name(dtype()), ", not ", dtype_name(DTypeOf<T>::value));
    return static_cast<T*>(data_ptr());
  }
  // The value of a one-element tensor.
  Scalar item() const;
  template <typename T> T item() const { return item().to<T>(); }
  std::string repr() const;  // like PyTorch's print

  // ---- views (share storage, copy nothing) ----
  Tensor view(const IntArray& shape) const;
  Tensor reshape(const IntArray& shape) const;  // a view when possible, else a copy
  Tensor permute(const IntArray& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;                             // transpose of a tensor of at most 2 dims
  Tensor expand(const IntArray& shape) const;  // -1 keeps a size
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, const IntArray& sizes) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  // Python slice semantics (clamped bounds) with any non-zero step, negative too.
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
               int64_t step = 1) const;
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  Tensor as_strided(const IntArray& shape, const IntArray& strides,
                    std::optional<int64_t> storage_offset = std::nullopt) const;
  Tensor unfold(int64_t dim, int64_t size, int64_t step) const;
  Tensor alias() const;  // a new handle on the same view

  // ---- copies and conversion ----
  Tensor contiguous() const;  // this tensor when already contiguous
  Tensor clone() const;
  Tensor to(DType dtype) const;  // this tensor when the dtype already matches
  Tensor to(Device device) const;
  // non_blocking: a copy between pinned host memory and a GPU returns before it completes.
  Tensor to(Device device, bool non_blocking) const;
  Tensor& copy_(const Tensor& src);  // broadcasts and converts src, across devices too
  Tensor& copy_(const Tensor& src, bool non_blocking);
  // A copy in page-locked host memory (fast, asynchronous copies to a GPU); needs CUDA.
  Tensor pin_memory() const;
  bool is_pinned() const;
  Tensor& fill_(const Scalar& value);
  Tensor& zero_();

  // ---- a few ops as methods (every op is a free function in ops.h) ----
  Tensor sum() const;
  Tensor sum(int64_t dim, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int64_t dim, bool keepdim = false) const;
  Tensor matmul(const Tensor& other) const;
  Tensor exp() const;
  Tensor abs() const;
  Tensor neg() const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Arithmetic operators follow ember::add / sub / mul / div (promotion and broadcasting).
EMBER_API Tensor operator+(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator-(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator*(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator/(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator+(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator-(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator*(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator/(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator+(const Scalar& a, const Tensor& b);
EMBER_API Tensor operator-(const Scalar& a, const Tensor& b);
EMBER_API Tensor operator*(const Scalar& a, const Tensor& b);
EMBER_API Tensor operator/(const Scalar& a, const Tensor& b);
EMBER_API Tensor operator-(const Tensor& a);

// Formats a shape as PyTorch does in messages: [2, 3]
EMBER_API std::string shape_str(const IntArray& shape);

}  // namespace ember
