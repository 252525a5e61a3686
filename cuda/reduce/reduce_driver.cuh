#pragma once
// The launch structure shared by every reduction over TensorIter::reduction(out, in) (the
// output has stride 0 on reduced dims). A reducer R describes the reduction:
//   using acc_t;                                          // trivially copyable
//   acc_t init(const char* out) const;                    // the identity (may read a shift from out)
//   void update(acc_t& a, const char* x, int64_t index) const;  // x: the element; index: its position
//   void combine(acc_t& a, const acc_t& b) const;         // order-independent up to rounding
//   void store(char* out, const acc_t& a, int64_t n) const;     // n: elements per output
//   static constexpr int kElem;  // the input's element size when fixed at compile time, else 0;
//                                // contiguous rows of such reducers use 16-byte loads
// The host splits the iterator's dims into kept dims (one output each) and reduced dims, and
// picks one of two layouts:
//   rows:    the innermost dim is reduced. A team of lanes (1..32 lanes of a warp, or a whole
//            block for long reductions) folds each output's range; neighbouring lanes read
//            neighbouring positions (coalesced), then combine through warp shuffles (and shared
//            memory across warps).
//   columns: the innermost dim is kept. Each thread (x) owns an output, so a warp reads
//            neighbouring columns of one row; the y lanes of a block split the reduced range
//            and combine in shared memory.
// Either way, when the outputs are too few to fill the GPU the reduced range is split over
// blocks (grid y): each writes its partial accumulators to a workspace, and a second kernel
// combines them per output in split order and stores. No float atomics: results do not
// depend on scheduling. Other stride patterns run through the same kernels, with the
// positions' offsets computed from the reduced dims (the strided fallback).
#include <algorithm>
#include <cstdint>

#include "device/iter.cuh"
#include "iter/tensor_iter.h"
#include "reduce/common.cuh"
#include "runtime/check.h"
#include "runtime/runtime.h"

namespace ember::cuda::red {

constexpr int kMaxThreads = 512;

template <typename Index>
struct RedDesc {
  int nk = 0, nr = 0;
  Index ksize[TensorIter::kMaxDims], kout[TensorIter::kMaxDims], kin[TensorIter::kMaxDims];
  Index rsize[TensorIter::kMaxDims], rin[TensorIter::kMaxDims];
  Index num_out = 1, num_red = 1;
  char* out = nullptr;
  const char* in = nullptr;

  // Byte offsets of output o (kept dims, innermost fastest) in out and in.
  __device__ __forceinline__ void locate(Index o, Index& ooff, Index& ioff) const {
    ooff = 0;
    ioff = 0;
    for (int d = 0; d < nk; ++d) {
      const Index q = o / ksize[d];
      const Index i = o - q * ksize[d];
      o = q;
      ooff += i * kout[d];
      ioff += i * kin[d];
    }
  }
  // Byte offset in `in` of reduced position r (reduced dims, innermost fastest).
  __device__ __forceinline__ Index red_off(Index r) const {
    if (nr == 1) return r * rin[0];
    Index off = 0;
    for (int d = 0; d < nr; ++d) {
      const Index q = r / rsize[d];
      off += (r - q * rsize[d]) * rin[d];
      r = q;
    }
    return off;
  }
};

struct HostGeometry {
  int nk = 0, nr = 0;
  int64_t ksize[TensorIter::kMaxDims], kout[TensorIter::kMaxDims], kin[TensorIter::kMaxDims];
  int64_t rsize[TensorIter::kMaxDims], rin[TensorIter::kMaxDims];
  int64_t num_out = 1, num_red = 1;
  bool inner_reduced = false;

  explicit HostGeometry(const TensorIter& it) {
    for (int d = 0; d < it.ndim(); ++d) {
      if (it.stride(0, d) == 0) {
        rsize[nr] = it.size(d);
        rin[nr] = it.stride(1, d);
        num_red *= it.size(d);
        if (d == 0) inner_reduced = true;
        ++nr;
      } else {
        ksize[nk] = it.size(d);
        kout[nk] = it.stride(0, d);
        kin[nk] = it.stride(1, d);
        num_out *= it.size(d);
        ++nk;
      }
    }
    if (nr == 0) {  // only size-1 dims were reduced: each output takes one element
      rsize[0] = 1;
      rin[0] = 0;
      nr = 1;
    }
  }
  template <typename Index>
  RedDesc<Index> desc(const TensorIter& it) const {
    RedDesc<Index> d;
    d.nk = nk;
    d.nr = nr;
    for (int k = 0; k < nk; ++k) {
      d.ksize[k] = static_cast<Index>(ksize[k]);
      d.kout[k] = static_cast<Index>(kout[k]);
      d.kin[k] = static_cast<Index>(kin[k]);
    }
    for (int k = 0; k < nr; ++k) {
      d.rsize[k] = static_cast<Index>(rsize[k]);
      d.rin[k] = static_cast<Index>(rin[k]);
    }
    d.num_out = static_cast<Index>(num_out);
    d.num_red = static_cast<Index>(num_red);
    d.out = it.data(0);
    d.in = it.data(1);
    return d;
  }
};

template <class R, typename Index>
__global__ void __launch_bounds__(kMaxThreads)
    reduce_pass(const __grid_constant__ RedDesc<Index> d, const R r, const Index chunk, typename R::acc_t* partials,
                const bool columns, const bool vec) {
  using A = typename R::acc_t;
  __shared__ alignas(16) unsigned char smem_raw[kMaxThreads * sizeof(A)];
  A* smem = reinterpret_cast<A*>(smem_raw);
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int red_lane = columns ? ty : tx, red_lanes = columns ? blockDim.y : blockDim.x;
  const int out_lane = columns ? tx : ty, out_lanes = columns ? blockDim.x : blockDim.y;
  const Index lo = static_cast<Index>(blockIdx.y) * chunk;
  const Index hi = lo + chunk < d.num_red ? lo + chunk : d.num_red;
  auto comb = [&](A& a, const A& b) { r.combine(a, b); };
  for (Index ob = static_cast<Index>(blockIdx.x) * out_lanes; ob < d.num_out;
       ob += static_cast<Index>(gridDim.x) * out_lanes) {
    const Index o = ob + out_lane;
    const bool valid = o < d.num_out;
    Index ooff, ioff;
    d.locate(valid ? o : d.num_out - 1, ooff, ioff);
    A acc = r.init(d.out + ooff);
    const char* base = d.in + ioff;
    bool done = false;
    if constexpr (R::kElem > 0) {
      if (vec) {  // a contiguous run: 16-byte loads between a scalar head and tail
        constexpr int kE = R::kElem, kV = 16 / R::kElem;
        const char* row = base + lo * kE;
        const Index n = hi - lo;
        Index head = static_cast<Index>(((16 - reinterpret_cast<uintptr_t>(row) % 16) % 16) / kE);
        head = head < n ? head : n;
        for (Index i = red_lane; i < head; i += red_lanes) r.update(acc, row + i * kE, lo + i);
        const Index nv = (n - head) / kV;
        const uint4* vp = reinterpret_cast<const uint4*>(row + head * kE);
#pragma unroll 2
        for (Index v = red_lane; v < nv; v += red_lanes) {
          const uint4 q = vp[v];
          const char* qb = reinterpret_cast<const char*>(&q);
#pragma unroll
          for (int k = 0; k < kV; ++k) r.update(acc, qb + k * kE, lo + head + v * kV + k);
        }
        for (Index i = head + nv * kV + red_lane; i < n; i += red_lanes) r.update(acc, row + i * kE, lo + i);
        done = true;
      }
    }
    if (!done) {
#pragma unroll 4
      for (Index i = lo + red_lane; i < hi; i += red_lanes) r.update(acc, base + d.red_off(i), i);
    }
    if (!columns) {
      acc = warp_combine(acc, red_lanes < kWarp ? red_lanes : kWarp, comb);
      if (red_lanes > kWarp) {  // one output per block
        __syncthreads();
        if (tx % kWarp == 0) smem[tx / kWarp] = acc;
        __syncthreads();
        acc = smem[0];
        for (int k = 1; k < red_lanes / kWarp; ++k) r.combine(acc, smem[k]);
      }
    } else if (red_lanes > 1) {
      __syncthreads();
      smem[ty * out_lanes + tx] = acc;
      __syncthreads();
      if (ty == 0)
        for (int k = 1; k < red_lanes; ++k) r.combine(acc, smem[k * out_lanes + tx]);
    }
    if (red_lane == 0 && valid) {
      if (partials) partials[static_cast<int64_t>(blockIdx.y) * d.num_out + o] = acc;
      else r.store(d.out + ooff, acc, d.num_red);
    }
  }
}

// Combines the partials of `splits` blocks per output, in split order, and stores.
template <class R, typename Index>
__global__ void reduce_finish(const __grid_constant__ RedDesc<Index> d, const R r, const typename R::acc_t* partials,
                              const int splits) {
  using A = typename R::acc_t;
  for (Index o = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; o < d.num_out;
       o += static_cast<Index>(gridDim.x) * blockDim.x) {
    A acc = partials[o];
    for (int s = 1; s < splits; ++s) r.combine(acc, partials[static_cast<int64_t>(s) * d.num_out + o]);
    Index ooff, ioff;
    d.locate(o, ooff, ioff);
    r.store(d.out + ooff, acc, d.num_red);
  }
}

template <class R, typename Index>
void launch_typed(const TensorIter& iter, const HostGeometry& g, const R& r, const char* name) {
  using A = typename R::acc_t;
  const int dev = iter.device().index;
  cudaStream_t stream = stream_for(iter.device());
  const RedDesc<Index> d = g.template desc<Index>(iter);
  const bool columns = !g.inner_reduced && g.nk > 0;
  int bx, by, red_lanes, out_lanes;
  if (!columns) {
    // A block per output for long reductions, else a team of up to 32 lanes per output.
    bx = g.num_red >= 4096 ? kMaxThreads : pow2_at_least(g.num_red, kWarp);
    by = bx >= kWarp * 8 ? 1 : 256 / bx;
    red_lanes = bx;
    out_lanes = by;
  } else {
    bx = pow2_at_least(g.ksize[0], kWarp);
    by = std::min(kMaxThreads / bx, pow2_at_least(g.num_red, 16));
    out_lanes = bx;
    red_lanes = by;
  }
  const int64_t out_blocks = (g.num_out + out_lanes - 1) / out_lanes;
  const int64_t sms = sm_count(dev);
  const unsigned grid_x = static_cast<unsigned>(std::min<int64_t>(out_blocks, sms * 32));
  // Split the reduced range when the outputs alone leave the GPU mostly idle.
  int64_t splits = 1;
  if (out_blocks < 2 * sms) {
    const int64_t want = (4 * sms + out_blocks - 1) / out_blocks;
    const int64_t most = std::max<int64_t>(1, g.num_red / (static_cast<int64_t>(red_lanes) * 32));
    splits = std::max<int64_t>(1, std::min<int64_t>({want, most, 4096}));
  }
  const int64_t chunk = (g.num_red + splits - 1) / splits;
  const bool vec = R::kElem > 0 && !columns && g.nr == 1 && g.rin[0] == R::kElem && red_lanes >= kWarp;
  splits = (g.num_red + chunk - 1) / chunk;
  const dim3 block(bx, by);
  if (splits == 1) {
    reduce_pass<R, Index><<<dim3(grid_x, 1), block, 0, stream>>>(d, r, static_cast<Index>(chunk), nullptr, columns, vec);
    EMBER_CUDA_LAUNCH_CHECK(name);
    return;
  }
  Workspace ws(static_cast<size_t>(splits * g.num_out) * sizeof(A), dev);
  reduce_pass<R, Index><<<dim3(grid_x, static_cast<unsigned>(splits)), block, 0, stream>>>(
      d, r, static_cast<Index>(chunk), ws.as<A>(), columns, vec);
  EMBER_CUDA_LAUNCH_CHECK(name);
  reduce_finish<R, Index><<<grid_for(g.num_out, 256, dev), 256, 0, stream>>>(d, r, ws.as<A>(), static_cast<int>(splits));
  EMBER_CUDA_LAUNCH_CHECK(name);
}

// Runs reducer r over a reduction iterator (nothing to do when it has no elements: the
// front-ends fill empty reductions themselves).
template <class R>
void launch(const TensorIter& iter, const R& r, const char* name) {
  if (iter.numel() == 0) return;
  const HostGeometry g(iter);
  // The margin keeps the grid-stride loops' last increments from overflowing.
  if (fits_int32(iter) && iter.numel() < INT32_MAX - (1 << 24)) launch_typed<R, int32_t>(iter, g, r, name);
  else launch_typed<R, int64_t>(iter, g, r, name);
}

}  // namespace ember::cuda::red
