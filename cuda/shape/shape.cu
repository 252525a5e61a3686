// CUDA kernels of tril/triu and of the pad regions of reflect/replicate/circular padding: one
// thread per output element, moving raw elements of their width (a zero of every dtype is
// all-zero bits), so one kernel per element width serves every dtype.
#include <cstdint>

#include "dispatch/kernels.h"
#include "runtime/runtime.h"
#include "sort/rows.cuh"

namespace ember::cuda {

namespace {
using namespace rows;

template <int Size> struct Bits;
template <> struct Bits<1> { using type = uint8_t; };
template <> struct Bits<2> { using type = uint16_t; };
template <> struct Bits<4> { using type = uint32_t; };
template <> struct Bits<8> { using type = uint64_t; };

template <typename F> void dispatch_size(size_t size, const char* op, const F& f) {
  switch (size) {
    case 1: return f(Bits<1>::type{});
    case 2: return f(Bits<2>::type{});
    case 4: return f(Bits<4>::type{});
    case 8: return f(Bits<8>::type{});
    default: EMBER_FAIL(ErrorKind::Type, op, ": unsupported element size ", size);
  }
}

constexpr int kThreads = 256;

// ---- tril / triu --------------------------------------------------------------------------------
struct TriArgs {
  int64_t rows, cols, diagonal;
  int64_t o_rs, o_cs, i_rs, i_cs;
  bool upper;
};

template <typename E, typename Index>
__global__ void triangular_kernel_(E* out, const E* in, const __grid_constant__ BatchMap<2> batch, const TriArgs a,
                                   Index total) {
  for (Index lin = blockIdx.x * static_cast<Index>(blockDim.x) + threadIdx.x; lin < total;
       lin += static_cast<Index>(gridDim.x) * blockDim.x) {
    const Index cols = static_cast<Index>(a.cols), rows = static_cast<Index>(a.rows);
    const Index t = lin / cols, j = lin - t * cols;
    const Index b = t / rows, i = t - b * rows;
    int64_t off[2];
    batch.offsets(static_cast<int64_t>(b), off);
    const int64_t o = off[0] + static_cast<int64_t>(i) * a.o_rs + static_cast<int64_t>(j) * a.o_cs;
    const int64_t d = static_cast<int64_t>(j) - static_cast<int64_t>(i);
    const bool keep = a.upper ? d >= a.diagonal : d <= a.diagonal;
    if (!keep) {
      out[o] = E(0);
    } else {
      const int64_t s = off[1] + static_cast<int64_t>(i) * a.i_rs + static_cast<int64_t>(j) * a.i_cs;
      if (out + o != in + s) out[o] = in[s];
    }
  }
}

void cuda_triangular(const Tensor& out, const Tensor& in, int64_t diagonal, bool upper) {
  const char* op = upper ? "triu" : "tril";
  if (out.numel() == 0) return;
  const int64_t nd = out.dim();
  EMBER_CHECK(nd >= 2, op, ": expected a tensor of at least 2 dims");
  const Tensor* ts[2] = {&out, &in};
  const BatchMap<2> batch = make_batch_map<2>(ts, -1, 2, op);
  const TriArgs a{out.size(nd - 2), out.size(nd - 1), diagonal, out.stride(nd - 2), out.stride(nd - 1),
                  in.stride(nd - 2), in.stride(nd - 1), upper};
  const int device = out.device().index;
  cudaStream_t s = stream_for(out.device());
  const int64_t total = out.numel();
  const unsigned grid = grid_for(total, kThreads, device);
  dispatch_size(out.element_size(), op, [&](auto tag) {
    using E = decltype(tag);
    E* o = static_cast<E*>(out.data_ptr());
    const E* i = static_cast<const E*>(in.data_ptr());
    if (total <= INT32_MAX) triangular_kernel_<E, uint32_t><<<grid, kThreads, 0, s>>>(o, i, batch, a, static_cast<uint32_t>(total));
    else triangular_kernel_<E, int64_t><<<grid, kThreads, 0, s>>>(o, i, batch, a, total);
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

// ---- pad edges --------------------------------------------------------------------------------
struct PadArgs {
  int64_t width, n, left, cs, in_cs;
  PadEdge mode;
};

template <typename E, typename Index>
__global__ void pad_edge_kernel_(E* out, const E* in, const __grid_constant__ BatchMap<2> batch, const PadArgs a,
                                 Index total) {
  for (Index lin = blockIdx.x * static_cast<Index>(blockDim.x) + threadIdx.x; lin < total;
       lin += static_cast<Index>(gridDim.x) * blockDim.x) {
    const Index width = static_cast<Index>(a.width);
    const Index row = lin / width;
    const int64_t j = static_cast<int64_t>(lin - row * width);
    int64_t off[2];
    batch.offsets(static_cast<int64_t>(row), off);
    // The input element this output element takes (cpu/pad.cpp reads the same ones back from
    // the copied middle of the row).
    const int64_t n = a.n, left = a.left;
    int64_t src;
    if (j < left) {
      src = a.mode == PadEdge::Reflect ? left - j : a.mode == PadEdge::Replicate ? 0 : j + n - left;
    } else if (j < left + n) {
      src = j - left;
    } else {
      const int64_t r = j - left - n;
      src = a.mode == PadEdge::Reflect ? n - 2 - r : a.mode == PadEdge::Replicate ? n - 1 : r;
    }
    out[off[0] + j * a.cs] = in[off[1] + src * a.in_cs];
  }
}

void cuda_pad_edge(const Tensor& t, const Tensor& in, int64_t left, int64_t right, PadEdge mode) {
  const char* op = "pad";
  if (t.numel() == 0) return;
  const int64_t nd = t.dim();
  const Tensor* ts[2] = {&t, &in};
  const BatchMap<2> batch = make_batch_map<2>(ts, -1, 1, op);
  const int64_t width = t.size(nd - 1);
  const PadArgs a{width, width - left - right, left, t.stride(nd - 1), in.stride(nd - 1), mode};
  const int device = t.device().index;
  cudaStream_t s = stream_for(t.device());
  const int64_t total = t.numel();
  const unsigned grid = grid_for(total, kThreads, device);
  dispatch_size(t.element_size(), op, [&](auto tag) {
    using E = decltype(tag);
    E* o = static_cast<E*>(t.data_ptr());
    const E* i = static_cast<const E*>(in.data_ptr());
    if (total <= INT32_MAX) pad_edge_kernel_<E, uint32_t><<<grid, kThreads, 0, s>>>(o, i, batch, a, static_cast<uint32_t>(total));
    else pad_edge_kernel_<E, int64_t><<<grid, kThreads, 0, s>>>(o, i, batch, a, total);
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

}  // namespace

void register_shape_kernels() {
  triangular_kernel.set(DeviceType::CUDA, cuda_triangular);
  pad_edge_kernel.set(DeviceType::CUDA, cuda_pad_edge);
}

}  // namespace ember::cuda
