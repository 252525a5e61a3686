// The stable radix sort behind long sort rows (see radix.h).
#include <cub/device/device_radix_sort.cuh>

#include "runtime/runtime.h"
#include "sort/radix.h"

namespace ember::cuda {

void sort_radix_pairs_u64(const uint64_t* keys_in, uint64_t* keys_out, const int64_t* values_in, int64_t* values_out,
                      int64_t n, int end_bit, int device, cudaStream_t stream) {
  if (n <= 0) return;
  size_t bytes = 0;
  EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, keys_in, keys_out, values_in, values_out, n, 0,
                                                   end_bit, stream),
                   "sort");
  Workspace temp(bytes, device);
  EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.get(), bytes, keys_in, keys_out, values_in, values_out, n, 0,
                                                   end_bit, stream),
                   "sort");
}

}  // namespace ember::cuda
