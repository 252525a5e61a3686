#pragma once
// The loop structure shared by every reduction kernel (compiled per ISA). A kernel describes its
// reduction as a reducer (below); the driver walks the iterator's dims and picks one of three
// layouts:
//   rows:    the innermost dim is reduced. Each output folds whole runs of it; contiguous runs go
//            through a vectorized loop with several independent accumulators ("lanes").
//   columns: the innermost dim is kept. A block of neighbouring outputs is updated together from
//            each reduced position (out[j] op= in[i, j]), which vectorizes across outputs.
//   any other stride pattern falls into the strided loops of the two layouts above.
// Threads split the outputs when there are enough of them; a few long reductions are instead
// split along the reduced range, each thread folding a partial that is combined in order.
//
// A reducer R provides:
//   using in_t, acc_t;
//   acc_t init(const char* out) const;                 // the identity (may read a shift from out)
//   void update(acc_t& a, in_t x, int64_t index) const; // index: position in the reduced range
//   void combine(acc_t& a, const acc_t& b) const;       // b covers positions after a's
//   void store(char* out, const acc_t& a, int64_t n) const;  // n: elements reduced per output
//   static constexpr bool kLanes;                       // true when the lane interface exists:
//   using lane_t, wide_t; static constexpr int64_t kBlock;  // lane updates between widenings
//   lane_t lane_init(const acc_t&) const;  void lane_update(lane_t&, in_t, const acc_t&) const;
//   wide_t wide_init(const acc_t&) const;  void widen(wide_t&, const lane_t&) const;
//   void fold(acc_t&, const wide_t&) const;
// Optionally, a reducer that declares kRowHook = true handles contiguous runs itself in
//   void row(acc_t&, const in_t* x, int64_t n, int64_t index) const;
// Lanes let a float32 sum add short blocks in float32 vector registers and carry the block sums
// in float64, which is both fast and accurate.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "cpu/isa/isa.h"
#include "cpu/isa/reduce_ops.h"
#include "cpu/parallel.h"
#include "iter/tensor_iter.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace reduce {

// Four registers' worth of independent accumulators hide the latency of the vector add.
template <typename L>
constexpr int lane_count() {
  return 4 * kVecBytes / static_cast<int>(sizeof(L)) > 4 ? 4 * kVecBytes / static_cast<int>(sizeof(L)) : 4;
}

// Below this many input elements a task is not worth a thread.
constexpr int64_t kGrain = 32768;

template <typename T>
inline T load(const char* p) {
  return *reinterpret_cast<const T*>(p);
}

// A multi-index over n dims (innermost first) that tracks byte offsets into two operands.
struct Walker {
  int n;
  const int64_t* size;
  const int64_t* s0;
  const int64_t* s1;
  int64_t idx[TensorIter::kMaxDims] = {};
  int64_t off0 = 0, off1 = 0;

  Walker(int n_, const int64_t* size_, const int64_t* s0_, const int64_t* s1_)
      : n(n_), size(size_), s0(s0_), s1(s1_) {}
  void seek(int64_t linear) {
    off0 = off1 = 0;
    for (int d = 0; d < n; ++d) {
      idx[d] = linear % size[d];
      linear /= size[d];
      off0 += idx[d] * s0[d];
      off1 += idx[d] * s1[d];
    }
  }
  void next() {
    for (int d = 0; d < n; ++d) {
      off0 += s0[d];
      off1 += s1[d];
      if (++idx[d] < size[d]) return;
      off0 -= s0[d] * size[d];
      off1 -= s1[d] * size[d];
      idx[d] = 0;
    }
  }
};

// The iterator's dims split into kept dims (one output per position) and reduced dims.
struct Geometry {
  int nk = 0, nr = 0;
  int64_t ksize[TensorIter::kMaxDims], kout[TensorIter::kMaxDims], kin[TensorIter::kMaxDims];
  int64_t rsize[TensorIter::kMaxDims], rin[TensorIter::kMaxDims];
  int64_t num_out = 1, num_red = 1;
  bool inner_reduced = false;
  char* out;
  const char* in;

  explicit Geometry(const TensorIter& it) : out(it.data(0)), in(it.data(1)) {
    for (int d = 0; d < it.ndim(); ++d) {
      if (it.stride(0, d) == 0) {  // the output does not move: a reduced dim
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
};

// R::kRowHook, or false when R does not declare it.
template <class R, class = void>
struct HasRowHook : std::false_type {};
template <class R>
struct HasRowHook<R, std::void_t<decltype(R::kRowHook)>> : std::bool_constant<R::kRowHook> {};

template <class R>
void lanes_row(const R& r, typename R::acc_t& acc, const typename R::in_t* x, int64_t n) {
  using Lt = typename R::lane_t;
  using Wt = typename R::wide_t;
  constexpr int L = lane_count<Lt>();
  static_assert(R::kBlock >= 1, "a lane block holds at least one update per lane");
  Wt wide[L];
  for (int k = 0; k < L; ++k) wide[k] = r.wide_init(acc);
  const int64_t full = n - n % L;
  int64_t i = 0;
  while (i < full) {
    const int64_t stop = std::min<int64_t>(full, i + R::kBlock * L);
    Lt lanes[L];
    for (int k = 0; k < L; ++k) lanes[k] = r.lane_init(acc);
    for (; i < stop; i += L)
      for (int k = 0; k < L; ++k) r.lane_update(lanes[k], x[i + k], acc);
    for (int k = 0; k < L; ++k) r.widen(wide[k], lanes[k]);
  }
  for (int k = 0; k < L; ++k) r.fold(acc, wide[k]);
  for (; i < n; ++i) r.update(acc, x[i], 0);
}

// Folds n elements at p (byte stride `stride`) into acc; `index` is the first one's position.
// Not inlined: the layouts call it from several places, and one copy per reducer keeps the
// library (and its compile time) small.
template <class R>
__attribute__((noinline)) void reduce_row(const R& r, typename R::acc_t& acc, const char* p, int64_t n, int64_t stride, int64_t index) {
  using T = typename R::in_t;
  if constexpr (HasRowHook<R>::value) {
    if (stride == static_cast<int64_t>(sizeof(T))) {
      r.row(acc, reinterpret_cast<const T*>(p), n, index);
      return;
    }
  } else if constexpr (R::kLanes) {
    if (stride == static_cast<int64_t>(sizeof(T)) && n >= 2 * lane_count<typename R::lane_t>()) {
      lanes_row(r, acc, reinterpret_cast<const T*>(p), n);
      return;
    }
  }
  if (stride == static_cast<int64_t>(sizeof(T))) {
    const T* x = reinterpret_cast<const T*>(p);
    for (int64_t i = 0; i < n; ++i) r.update(acc, x[i], index + i);
  } else {
    for (int64_t i = 0; i < n; ++i) r.update(acc, load<T>(p + i * stride), index + i);
  }
}

// Updates n neighbouring outputs' accumulators from one reduced position.
template <class R>
void update_columns(const R& r, typename R::acc_t* acc, const char* p, int64_t n, int64_t stride, int64_t index) {
  using T = typename R::in_t;
  if (stride == static_cast<int64_t>(sizeof(T))) {
    const T* x = reinterpret_cast<const T*>(p);
    for (int64_t j = 0; j < n; ++j) r.update(acc[j], x[j], index);
  } else {
    for (int64_t j = 0; j < n; ++j) r.update(acc[j], load<T>(p + j * stride), index);
  }
}

// Reduces the range [0, n) of positions for `width` outputs with `range(acc, begin, end)`, after
// `init(acc)`; split over threads into partials combined in order when n is long enough.
template <class R, class Init, class Range>
void split_reduce(const R& r, typename R::acc_t* acc, int64_t width, int64_t n, int64_t cost_per_pos,
                  const Init& init, const Range& range) {
  using A = typename R::acc_t;
  const int64_t chunks = std::min<int64_t>(get_num_threads(), (n * cost_per_pos + kGrain - 1) / kGrain);
  init(acc);
  if (chunks <= 1 || in_parallel_region() || n < 2) {
    range(acc, 0, n);
    return;
  }
  auto parts = std::make_unique<A[]>(static_cast<size_t>(chunks * width));  // A may be bool: no vector
  parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      A* part = parts.get() + c * width;
      init(part);
      range(part, n * c / chunks, n * (c + 1) / chunks);
    }
  });
  for (int64_t j = 0; j < width; ++j)
    for (int64_t c = 0; c < chunks; ++c) r.combine(acc[j], parts[c * width + j]);
}

// Layout "rows": the innermost iterator dim is reduced.
template <class R>
void reduce_rows(const R& r, const Geometry& g) {
  using A = typename R::acc_t;
  const int64_t n0 = g.rsize[0], rs0 = g.rin[0];
  // Folds the reduced positions [lb, le) (innermost fastest) of the input based at `in`.
  auto fold_range = [&](A& acc, const char* in, int64_t lb, int64_t le) {
    Walker w(g.nr - 1, g.rsize + 1, g.rin + 1, g.rin + 1);
    w.seek(lb / n0);
    int64_t i0 = lb % n0;
    for (int64_t l = lb; l < le; w.next()) {
      const int64_t len = std::min(n0 - i0, le - l);
      reduce_row(r, acc, in + w.off0 + i0 * rs0, len, rs0, l);
      l += len;
      i0 = 0;
    }
  };
  const int threads = get_num_threads();
  if (g.num_out >= 2 * threads || g.num_red < 2 * kGrain) {
    const int64_t grain = std::max<int64_t>(1, kGrain / g.num_red);
    parallel_for(0, g.num_out, grain, [&](int64_t ob, int64_t oe) {
      Walker kw(g.nk, g.ksize, g.kout, g.kin);
      kw.seek(ob);
      for (int64_t o = ob; o < oe; ++o, kw.next()) {
        char* out = g.out + kw.off0;
        A acc = r.init(out);
        fold_range(acc, g.in + kw.off1, 0, g.num_red);
        r.store(out, acc, g.num_red);
      }
    });
    return;
  }
  Walker kw(g.nk, g.ksize, g.kout, g.kin);
  for (int64_t o = 0; o < g.num_out; ++o, kw.next()) {
    char* out = g.out + kw.off0;
    const char* in = g.in + kw.off1;
    A acc;
    split_reduce(r, &acc, 1, g.num_red, 1, [&](A* a) { *a = r.init(out); },
                 [&](A* a, int64_t lb, int64_t le) { fold_range(*a, in, lb, le); });
    r.store(out, acc, g.num_red);
  }
}

// Outputs per block of the columns layout. The lanes, updated from every reduced position, stay
// in the L1 cache; the accumulators, touched once per lane block, may live in L2. Wide blocks
// let the input stream through memory in long runs (a whole row of a matrix, typically).
template <class R>
constexpr int64_t column_block() {
  constexpr int64_t acc = sizeof(typename R::acc_t);
  if constexpr (R::kLanes) {
    constexpr int64_t lane = sizeof(typename R::lane_t);
    return std::max<int64_t>(16, std::min<int64_t>(24576 / lane, 262144 / acc));
  } else {
    return std::max<int64_t>(16, 32768 / acc);
  }
}

// Folds the reduced positions [lb, le) into `width` neighbouring columns' accumulators. With
// lanes, each column accumulates up to kBlock positions in its lane (float32 for a float32 sum)
// before the lane is folded into the accumulator.
template <class R>
__attribute__((noinline)) void fold_columns(const R& r, typename R::acc_t* acc, const Geometry& g, const char* in, int64_t width,
                  int64_t lb, int64_t le) {
  using T = typename R::in_t;
  const int64_t is0 = g.kin[0];
  Walker w(g.nr, g.rsize, g.rin, g.rin);
  w.seek(lb);
  if constexpr (R::kLanes) {
    if (is0 == static_cast<int64_t>(sizeof(T))) {
      using Lt = typename R::lane_t;
      using Wt = typename R::wide_t;
      Lt small[256];
      std::unique_ptr<Lt[]> large;
      Lt* lanes = width <= 256 ? small : (large = std::make_unique<Lt[]>(static_cast<size_t>(width))).get();
      for (int64_t l = lb; l < le;) {
        const int64_t stop = std::min(le, l + R::kBlock);
        for (int64_t j = 0; j < width; ++j) lanes[j] = r.lane_init(acc[j]);
        for (; l < stop; ++l, w.next()) {
          const T* x = reinterpret_cast<const T*>(in + w.off0);
          for (int64_t j = 0; j < width; ++j) r.lane_update(lanes[j], x[j], acc[j]);
        }
        for (int64_t j = 0; j < width; ++j) {
          Wt wide = r.wide_init(acc[j]);
          r.widen(wide, lanes[j]);
          r.fold(acc[j], wide);
        }
      }
      return;
    }
  }
  for (int64_t l = lb; l < le; ++l, w.next()) update_columns(r, acc, in + w.off0, width, is0, l);
}

// Layout "columns": the innermost iterator dim is kept; blocks of it are reduced together.
template <class R>
void reduce_columns(const R& r, const Geometry& g) {
  using A = typename R::acc_t;
  constexpr int64_t kCols = column_block<R>();
  const int64_t k0 = g.ksize[0], os0 = g.kout[0], is0 = g.kin[0];
  const int64_t cols = std::min(k0, kCols);
  const int64_t blocks = (k0 + kCols - 1) / kCols;
  const int64_t units = g.num_out / k0 * blocks;
  // The outputs and input base of unit u: a block of up to kCols outputs along dim 0.
  auto locate = [&](int64_t u, char*& out, const char*& in, int64_t& width) {
    Walker kw(g.nk - 1, g.ksize + 1, g.kout + 1, g.kin + 1);
    kw.seek(u / blocks);
    const int64_t j0 = (u % blocks) * kCols;
    width = std::min(kCols, k0 - j0);
    out = g.out + kw.off0 + j0 * os0;
    in = g.in + kw.off1 + j0 * is0;
  };
  if (units >= get_num_threads() || g.num_red * cols < 2 * kGrain) {
    const int64_t grain = std::max<int64_t>(1, kGrain / (g.num_red * cols));
    parallel_for(0, units, grain, [&](int64_t ub, int64_t ue) {
      auto acc = std::make_unique<A[]>(static_cast<size_t>(cols));
      for (int64_t u = ub; u < ue; ++u) {
        char* out;
        const char* in;
        int64_t width;
        locate(u, out, in, width);
        for (int64_t j = 0; j < width; ++j) acc[j] = r.init(out + j * os0);
        fold_columns(r, acc.get(), g, in, width, 0, g.num_red);
        for (int64_t j = 0; j < width; ++j) r.store(out + j * os0, acc[j], g.num_red);
      }
    });
    return;
  }
  auto acc = std::make_unique<A[]>(static_cast<size_t>(cols));
  for (int64_t u = 0; u < units; ++u) {
    char* out;
    const char* in;
    int64_t width;
    locate(u, out, in, width);
    split_reduce(
        r, acc.get(), width, g.num_red, width,
        [&](A* a) {
          for (int64_t j = 0; j < width; ++j) a[j] = r.init(out + j * os0);
        },
        [&](A* a, int64_t lb, int64_t le) { fold_columns(r, a, g, in, width, lb, le); });
    for (int64_t j = 0; j < width; ++j) r.store(out + j * os0, acc[j], g.num_red);
  }
}

// Runs reducer r over a reduction iterator with at least one element.
template <class R>
void run(const TensorIter& iter, const R& r) {
  const Geometry g(iter);
  if (g.inner_reduced) reduce_rows(r, g);
  else reduce_columns(r, g);
}

}  // namespace reduce
EMBER_ISA_NAMESPACE_END
