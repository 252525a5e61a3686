// Tensor metadata: construction with bounds checks, sizes, strides, contiguity.
#include "ember/tensor.h"

#include "core/shape.h"

namespace ember {

Tensor Tensor::make(std::shared_ptr<Storage> storage, int64_t offset, IntArray shape,
                    IntArray strides, DType dtype) {
  EMBER_CHECK(shape.size() == strides.size(), "tensor: shape ", shape_str(shape), " and strides ",
              shape_str(strides), " differ in length");
  int64_t lo = offset, hi = offset, n = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    EMBER_CHECK_VALUE(shape[i] >= 0, "tensor: negative dimension ", shape[i], " in shape ", shape_str(shape));
    n *= shape[i];
    if (shape[i] == 0) continue;
    const int64_t reach = (shape[i] - 1) * strides[i];
    (reach < 0 ? lo : hi) += reach;
  }
  if (n > 0) {
    const int64_t capacity = static_cast<int64_t>(storage->nbytes() / dtype_size(dtype));
    EMBER_CHECK_VALUE(lo >= 0 && hi < capacity, "tensor: a view of shape ", shape_str(shape), ", strides ",
                      shape_str(strides), " and offset ", offset, " reaches elements [", lo, ", ", hi,
                      "] outside a storage of ", capacity, " elements");
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->offset = offset;
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

int64_t Tensor::size(int64_t d) const { return impl_->shape[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return impl_->strides[wrap_dim(d, dim(), "stride")]; }
int64_t Tensor::numel() const { return numel_of(impl_->shape); }
bool Tensor::is_contiguous() const { return is_contiguous_layout(impl_->shape, impl_->strides); }

void* Tensor::data_ptr() const {
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * static_cast<int64_t>(element_size());
}

}  // namespace ember
