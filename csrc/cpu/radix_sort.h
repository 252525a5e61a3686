#pragma once
// A stable LSD radix sort of (key, position) entries, for long rows: each value becomes an
// unsigned key with the same order as the comparison sort (NaN largest and all NaNs equal, -0.0
// equal to 0.0), and only the bytes in which keys differ get a pass. Being stable, it gives
// exactly the result of the (value, position) comparison sort.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/half.h"
#include "ember/ops.h"

namespace ember::sort_detail {

template <typename T> struct RadixKey {
  // bool, and integers: unsigned of the same width with the sign bit flipped for signed types.
  using U = std::make_unsigned_t<std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>>;
  static U get(T v) {
    if constexpr (std::is_same_v<T, bool> || std::is_unsigned_v<T>) return static_cast<U>(v);
    else return static_cast<U>(static_cast<U>(v) ^ (U(1) << (sizeof(U) * 8 - 1)));
  }
};

template <typename F, typename UInt> struct FloatRadixKey {
  using U = UInt;
  static U get(F v) {
    if (v != v) return std::numeric_limits<U>::max();  // every NaN, after +inf
    if (v == F(0)) v = F(0);                           // -0.0 sorts with 0.0
    U bits;
    std::memcpy(&bits, &v, sizeof(bits));
    constexpr U sign = U(1) << (sizeof(U) * 8 - 1);
    return (bits & sign) ? static_cast<U>(~bits) : static_cast<U>(bits | sign);
  }
};
template <> struct RadixKey<float> : FloatRadixKey<float, uint32_t> {};
template <> struct RadixKey<double> : FloatRadixKey<double, uint64_t> {};
// The 16-bit floats go through float; the low bytes are then all zero and their passes skipped.
template <> struct RadixKey<Half> {
  using U = uint32_t;
  static U get(Half v) { return RadixKey<float>::get(static_cast<float>(v)); }
};
template <> struct RadixKey<BFloat16> {
  using U = uint32_t;
  static U get(BFloat16 v) { return RadixKey<float>::get(static_cast<float>(v)); }
};

template <typename U> struct RadixEntry {
  U key;
  int64_t i;
};

// Scratch memory for radix_argsort and its output order, from the CPU caching allocator.
template <typename U> struct RadixScratch {
  Tensor buffer;
  RadixEntry<U> *a = nullptr, *b = nullptr;
  int64_t* order = nullptr;
  explicit RadixScratch(int64_t n) {
    if (n == 0) return;
    const int64_t entries = n * static_cast<int64_t>(sizeof(RadixEntry<U>));
    buffer = empty({2 * entries + n * 8}, kUInt8);
    char* p = static_cast<char*>(buffer.data_ptr());
    a = reinterpret_cast<RadixEntry<U>*>(p);
    b = reinterpret_cast<RadixEntry<U>*>(p + entries);
    order = reinterpret_cast<int64_t*>(p + 2 * entries);
  }
};

// Sorts the n values at src[j * stride] and writes the positions in order into `order`
// (ascending, or descending when `descending`; ties by position). `a` and `b` are scratch of
// n entries each: callers take them from the caching allocator, because fresh pages for big
// buffers cost more than the sort.
template <typename T>
void radix_argsort(const T* src, int64_t stride, int64_t n, bool descending, RadixEntry<typename RadixKey<T>::U>* a,
                   RadixEntry<typename RadixKey<T>::U>* b, int64_t* order) {
  using U = typename RadixKey<T>::U;
  constexpr int kBytes = sizeof(U);
  U varying = 0;  // the bits in which some key differs from the first
  for (int64_t j = 0; j < n; ++j) {
    U key = RadixKey<T>::get(src[j * stride]);
    if (descending) key = static_cast<U>(~key);  // reversed order, ties still by position
    a[j] = {key, j};
    varying |= static_cast<U>(key ^ a[0].key);
  }
  int bytes[kBytes], nbytes = 0;  // only bytes that vary need a pass
  for (int byte = 0; byte < kBytes; ++byte)
    if ((varying >> (8 * byte)) & 0xff) bytes[nbytes++] = byte;
  std::vector<int64_t> hist(static_cast<size_t>(nbytes) * 256, 0);
  for (int64_t j = 0; j < n; ++j)
    for (int q = 0; q < nbytes; ++q) ++hist[q * 256 + ((a[j].key >> (8 * bytes[q])) & 0xff)];
  for (int q = 0; q < nbytes; ++q) {
    int64_t* h = &hist[q * 256];
    const int shift = 8 * bytes[q];
    int64_t sum = 0;
    for (int d = 0; d < 256; ++d) {
      const int64_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    for (int64_t j = 0; j < n; ++j) b[h[(a[j].key >> shift) & 0xff]++] = a[j];
    std::swap(a, b);
  }
  for (int64_t j = 0; j < n; ++j) order[j] = a[j].i;
}

}  // namespace ember::sort_detail
