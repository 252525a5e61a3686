#pragma once
// The one primitive the joining and rearranging ops are built from: copy `src` (broadcast to
// `dst`'s shape, any strides, negative and zero included) into `dst`, converting the dtype, by
// the copy kernel. `dst` is a view of an output the op allocated, so the checks of copy_
// (overlap, version) do not apply; regions of one output may be copied into each other as long
// as they do not overlap element-wise (pad does this).
#include "dispatch/kernels.h"

namespace ember {

inline void strided_copy(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  TensorIter iter = TensorIter::elementwise(dst, {src});
  copy_kernel.get(dst.device(), "copy")(iter);
}

// A view of `t` reversed along `dim` (a negative stride); no data moves.
inline Tensor reversed(const Tensor& t, int64_t dim) {
  return t.slice(dim, std::nullopt, std::nullopt, -1);
}

}  // namespace ember
