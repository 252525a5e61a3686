// Tensor metadata: construction with bounds checks, sizes, strides, contiguity.
#include "ember/tensor.h"

#include "core/shape.h"

namespace ember {

Tensor Tensor::make(std::shared_ptr<Storage> storage, int64_t offset, IntArray shape,
                    IntArray strides, DType dtype) {
  EMBER_CHECK(shape.size() == strides.size(), "tensor: shape ", shape_str(shape), " and strides ",
              shape_str(strides), " differ in length");
  int64_t lo = offset, hi = offset;
  bool empty = false, overflow = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    EMBER_CHECK_VALUE(shape[i] >= 0, "tensor: negative dimension ", shape[i], " in shape ", shape_str(shape));
    empty |= shape[i] == 0;
  }
  const int64_t n = empty ? 0 : checked_numel(shape, "tensor");
  for (size_t i = 0; i < shape.size() && !empty; ++i) {
    // the farthest elements the view reaches, in int64 (a wrapped reach could pass the bounds check)
    int64_t reach;
    overflow |= __builtin_mul_overflow(shape[i] - 1, strides[i], &reach);
    overflow |= __builtin_add_overflow(reach < 0 ? lo : hi, reach, reach < 0 ? &lo : &hi);
  }
  EMBER_CHECK_VALUE(!overflow, "tensor: a view of shape ", shape_str(shape), ", strides ", shape_str(strides),
                    " and offset ", offset, " reaches past int64 elements");
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
