// CPU kernel of nonzero: counts per chunk, then each chunk writes its coordinates at its prefix.
#include <vector>

#include "cpu/convert.h"
#include "cpu/index_kernels.h"
#include "ember/ops.h"

namespace ember::cpu_index {

Tensor nonzero(const Tensor& input) {
  const Tensor t = input.contiguous();
  const int64_t numel = t.numel(), ndim = t.dim();
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), numel / kGrain));
  auto bounds = [&](int64_t c) { return numel * c / chunks; };
  std::vector<int64_t> counts(chunks + 1, 0);
  Tensor out;
  dispatch_all(t.dtype(), "nonzero", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* data = static_cast<const T*>(t.data_ptr());
    parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        int64_t n = 0;
        for (int64_t i = bounds(c); i < bounds(c + 1); ++i) n += convert<bool>(data[i]) ? 1 : 0;
        counts[c + 1] = n;
      }
    });
    for (int64_t c = 0; c < chunks; ++c) counts[c + 1] += counts[c];
    out = empty({counts[chunks], ndim}, TensorOptions(kInt64).device(t.device()));
    int64_t* coords = static_cast<int64_t*>(out.data_ptr());
    const IntArray& shape = t.shape();
    parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      std::vector<int64_t> idx(ndim);
      for (int64_t c = c0; c < c1; ++c) {
        const int64_t begin = bounds(c);
        int64_t rem = begin;  // the multi-index of `begin`, row-major
        for (int64_t d = ndim - 1; d >= 0; --d) {
          idx[d] = shape[d] == 0 ? 0 : rem % shape[d];
          rem = shape[d] == 0 ? 0 : rem / shape[d];
        }
        int64_t* row = coords + counts[c] * ndim;
        for (int64_t i = begin; i < bounds(c + 1); ++i) {
          if (convert<bool>(data[i])) {
            for (int64_t d = 0; d < ndim; ++d) row[d] = idx[d];
            row += ndim;
          }
          for (int64_t d = ndim - 1; d >= 0 && ++idx[d] == shape[d]; --d) idx[d] = 0;
        }
      }
    });
  });
  return out;
}

}  // namespace ember::cpu_index
