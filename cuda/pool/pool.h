#pragma once
// Shared pieces of the pooling family (pool/pool.cu, pool/interpolate.cu).
#include <cstdint>

#include "dispatch/kernels.h"

namespace ember::cuda {

// Resampling (pool/interpolate.cu); registered by register_pool_kernels.
void upsample(const Tensor& out, const Tensor& in, const UpsampleParams& p);
void upsample_backward(const Tensor& grad_in, const Tensor& grad_out, const UpsampleParams& p);

// True when every element index of the (planes, H, W) buffers in and out fits an int32.
inline bool pool_fits_int32(int64_t planes, int64_t in_plane, int64_t out_plane) {
  // Half the range, so that a grid-stride index cannot overflow past the end.
  constexpr int64_t kMax = INT32_MAX / 2;
  const int64_t m = in_plane > out_plane ? in_plane : out_plane;
  return m == 0 || planes <= kMax / m;
}

}  // namespace ember::cuda
