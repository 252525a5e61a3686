// The CUDA copy kernel: out <- in between any two dtypes, strided, with broadcast inputs, and
// fill_ (a 0-dim CPU source). Copies that keep the dtype move bits, one kernel per element
// size (a dense one is a cudaMemcpyAsync); conversions run one small kernel per dtype pair
// through convert() (cpu/convert.h), the CPU's own conversion (the 16-bit floats through
// float, as there). A CPU source value is converted
// on the host once and written as bits.
#include <cstring>

#include "cpu/convert.h"
#include "elementwise/kernels.h"
#include "elementwise/loops.cuh"

namespace ember::cuda::ew {

namespace {
template <typename T> constexpr bool k16Bit = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
// convert<To>(v), with the 16-bit floats through float by the hardware (loops.cuh: get, put).
template <typename To, typename From> struct Convert {
  __device__ __forceinline__ To operator()(From v) const {
    if constexpr (k16Bit<From>) return Convert<To, float>{}(get(v));
    else if constexpr (k16Bit<To>) return put<To>(::ember::convert<float>(v));
    else return ::ember::convert<To>(v);
  }
};
template <typename U> struct Identity {
  __device__ __forceinline__ U operator()(U v) const { return v; }
};

bool dense_1d(const Geometry<2>& g, int k) {
  return g.data[k] != nullptr && g.ndim == 1 && (g.sizes[0] == 1 || g.strides[0][k] == g.elem_size[k]);
}
}  // namespace

void copy_bits(const Geometry<2>& g, int size) {
  switch (size) {
    case 1: return launch<uint8_t, uint8_t, uint8_t, 1>(g, Identity<uint8_t>{}, "copy_");
    case 2: return launch<uint16_t, uint16_t, uint16_t, 1>(g, Identity<uint16_t>{}, "copy_");
    case 4: return launch<uint32_t, uint32_t, uint32_t, 1>(g, Identity<uint32_t>{}, "copy_");
    default: return launch<uint64_t, uint64_t, uint64_t, 1>(g, Identity<uint64_t>{}, "copy_");
  }
}

void copy_cuda(const TensorIter& iter) {
  if (iter.numel() == 0) return;
  const DType to = iter.dtype(0), from = iter.dtype(1);
  Geometry<2> g = make_geometry<2>(iter);
  const int size = g.elem_size[0];
  if (iter.is_cpu_scalar(1)) {  // fill_: convert the value here, then write its bits
    alignas(8) unsigned char bits[8] = {};
    dispatch_all(to, "fill_", [&](auto to_tag) {
      using To = typename decltype(to_tag)::type;
      dispatch_all(from, "fill_", [&](auto from_tag) {
        using From = typename decltype(from_tag)::type;
        From v;
        std::memcpy(&v, iter.data(1), sizeof(From));
        const To r = ::ember::convert<To>(v);
        std::memcpy(bits, &r, sizeof(To));
      });
    });
    g.set_scalar(1, bits, size);
    return copy_bits(g, size);
  }
  if (to == from) {
    if (dense_1d(g, 0) && dense_1d(g, 1)) {
      EMBER_CUDA_CHECK(cudaMemcpyAsync(g.data[0], g.data[1], static_cast<size_t>(g.numel()) * size,
                                       cudaMemcpyDeviceToDevice, stream_for(g.device)),
                       "copy_");
      return;
    }
    return copy_bits(g, size);
  }
  dispatch_all(to, "copy_", [&](auto to_tag) {
    using To = typename decltype(to_tag)::type;
    dispatch_all(from, "copy_", [&](auto from_tag) {
      using From = typename decltype(from_tag)::type;
      if constexpr (!std::is_same_v<To, From>) launch<To, From, From, 1>(g, Convert<To, From>{}, "copy_");
    });
  });
}

}  // namespace ember::cuda::ew
