#pragma once
// One stable device-wide radix sort of (uint64 key, int64 value) pairs over bits [0, end_bit),
// on `stream` (cuda/sort/radix.cu; CUB's DeviceRadixSort, kept in its own file for build time).
#include <cuda_runtime.h>

#include <cstdint>

namespace ember::cuda {
void sort_radix_pairs_u64(const uint64_t* keys_in, uint64_t* keys_out, const int64_t* values_in, int64_t* values_out,
                      int64_t n, int end_bit, int device, cudaStream_t stream);
}  // namespace ember::cuda
