// The reference CPU GEMM: cache-blocked and correct for every layout and dtype, parallel over
// blocks of output rows. Each block of A and B is first packed into contiguous buffers of the
// accumulation type (this absorbs any strides, transposes and 16-bit conversions), so the inner
// loop is a plain vectorizable axpy. The BLIS-style GEMM of cpu/isa/gemm.cpp replaces it for the
// floating dtypes; integers stay here (their wrapping uint64 accumulation has no vector FMA).
#include <algorithm>
#include <type_traits>
#include <vector>

#include "cpu/convert.h"
#include "cpu/gemm.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

namespace ember {

namespace {
constexpr int64_t kRowBlock = 64;   // rows of C per task
constexpr int64_t kColBlock = 256;  // columns of C per accumulator tile
constexpr int64_t kDepthBlock = 256;
constexpr int64_t kMinWorkPerThread = int64_t(1) << 18;  // multiply-adds

// Floats accumulate in float (16-bit types too) or double; integers in uint64, whose wrapping
// arithmetic gives the same low bits as PyTorch's wrapping integer matmul without signed
// overflow.
template <typename T> struct GemmAcc { using type = std::conditional_t<std::is_same_v<T, double>, double, float>; };
#define EMBER_INT_ACC(T) template <> struct GemmAcc<T> { using type = uint64_t; };
EMBER_INT_ACC(uint8_t)
EMBER_INT_ACC(int8_t)
EMBER_INT_ACC(int16_t)
EMBER_INT_ACC(int32_t)
EMBER_INT_ACC(int64_t)
#undef EMBER_INT_ACC

template <typename Acc, typename T> Acc to_acc(T v) {
  if constexpr (std::is_same_v<Acc, uint64_t>) return static_cast<uint64_t>(static_cast<int64_t>(v));
  else return convert<Acc>(v);
}
template <typename T, typename Acc> T from_acc(Acc v) {
  if constexpr (std::is_same_v<Acc, uint64_t>) return static_cast<T>(static_cast<int64_t>(v));
  else return convert<T>(v);
}
template <typename Acc> Acc scalar_acc(double v) {
  if constexpr (std::is_same_v<Acc, uint64_t>) return static_cast<uint64_t>(static_cast<int64_t>(v));
  else return static_cast<Acc>(v);
}

// C[0:m, 0:n] = alpha * A[0:m, 0:k] @ B[0:k, 0:n] + beta * C, for one block of at most
// kRowBlock rows, with caller-owned scratch buffers.
template <typename T, typename Acc>
void gemm_row_block(int64_t m, int64_t n, int64_t k, Acc alpha, const T* a, int64_t a_rs, int64_t a_cs,
                    const T* b, int64_t b_rs, int64_t b_cs, Acc beta, T* c, int64_t c_rs, int64_t c_cs,
                    std::vector<Acc>& a_pack, std::vector<Acc>& b_pack, std::vector<Acc>& acc) {
  for (int64_t j0 = 0; j0 < n; j0 += kColBlock) {
    const int64_t nb = std::min(kColBlock, n - j0);
    std::fill(acc.begin(), acc.begin() + m * nb, Acc(0));
    for (int64_t k0 = 0; k0 < k; k0 += kDepthBlock) {
      const int64_t kb = std::min(kDepthBlock, k - k0);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < kb; ++p) a_pack[i * kb + p] = to_acc<Acc>(a[i * a_rs + (k0 + p) * a_cs]);
      for (int64_t p = 0; p < kb; ++p)
        for (int64_t j = 0; j < nb; ++j) b_pack[p * nb + j] = to_acc<Acc>(b[(k0 + p) * b_rs + (j0 + j) * b_cs]);
      for (int64_t i = 0; i < m; ++i) {
        Acc* row = acc.data() + i * nb;
        for (int64_t p = 0; p < kb; ++p) {
          const Acc av = a_pack[i * kb + p];
          const Acc* brow = b_pack.data() + p * nb;
#pragma omp simd
          for (int64_t j = 0; j < nb; ++j) row[j] += av * brow[j];
        }
      }
    }
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < nb; ++j) {
        T& out = c[i * c_rs + (j0 + j) * c_cs];
        Acc v = alpha * acc[i * nb + j];
        if (beta != Acc(0)) v += beta * to_acc<Acc>(out);  // beta == 0: C is never read
        out = from_acc<T>(v);
      }
    }
  }
}

// The batched, strided GEMM for one dtype: one task per (batch entry, row block).
template <typename T>
void gemm(const GemmArgs& g) {
  using Acc = typename GemmAcc<T>::type;
  int64_t batch = 1;
  for (int d = 0; d < g.batch_ndim; ++d) batch *= g.batch_sizes[d];
  const int64_t row_blocks = (g.m + kRowBlock - 1) / kRowBlock;
  const int64_t tasks = batch * row_blocks;
  if (tasks == 0 || g.n == 0) return;
  const int64_t work_per_task = std::max<int64_t>(1, std::min(kRowBlock, g.m) * g.n * std::max<int64_t>(g.k, 1));
  const int64_t grain = std::max<int64_t>(1, kMinWorkPerThread / work_per_task);
  const Acc alpha = scalar_acc<Acc>(g.alpha), beta = scalar_acc<Acc>(g.beta);
  parallel_for(0, tasks, grain, [&](int64_t t0, int64_t t1) {
    std::vector<Acc> a_pack(kRowBlock * kDepthBlock), b_pack(kDepthBlock * kColBlock), acc(kRowBlock * kColBlock);
    for (int64_t task = t0; task < t1; ++task) {
      int64_t bi = task / row_blocks;
      const int64_t i0 = (task % row_blocks) * kRowBlock;
      int64_t a_off = i0 * g.a_rs, b_off = 0, c_off = i0 * g.c_rs;
      for (int d = g.batch_ndim - 1; d >= 0; --d) {  // batch index -> operand offsets
        const int64_t idx = bi % g.batch_sizes[d];
        bi /= g.batch_sizes[d];
        a_off += idx * g.a_bs[d];
        b_off += idx * g.b_bs[d];
        c_off += idx * g.c_bs[d];
      }
      gemm_row_block<T, Acc>(std::min(kRowBlock, g.m - i0), g.n, g.k, alpha, static_cast<const T*>(g.a) + a_off,
                             g.a_rs, g.a_cs, static_cast<const T*>(g.b) + b_off, g.b_rs, g.b_cs, beta,
                             static_cast<T*>(g.c) + c_off, g.c_rs, g.c_cs, a_pack, b_pack, acc);
    }
  });
}

}  // namespace

void gemm_reference(const GemmArgs& args) {
  dispatch_numeric(args.dtype, "matmul", [&](auto tag) { gemm<typename decltype(tag)::type>(args); });
}

// The per-ISA registration (cpu/register_cpu.cpp) then replaces it with the fast GEMM.
void register_cpu_gemm_kernels() { gemm_kernel.set(DeviceType::CPU, gemm_reference); }

}  // namespace ember
