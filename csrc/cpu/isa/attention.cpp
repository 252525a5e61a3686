// Fused scaled dot-product attention on the CPU (dispatch/kernels_attention.h), compiled once
// per ISA, FlashAttention-style: the L x S scores exist one (query block x key block) tile at a
// time, never for a whole head.
//
// Forward: one task per (batch-head, query block). Each key block gives a tile of scores; an
// online max and sum per query row rescale the output accumulated so far, so one pass over the
// keys gives the output and the row's logsumexp. Causal calls stop at the block holding the
// diagonal (keys after the block's last query are all masked).
//
// Backward: one task per key/value head, which owns the gradients of its keys and values and of
// the queries of every head that reads it (grouped-query heads), so no two tasks write one
// gradient and nothing needs atomics. From the logsumexp each tile's probabilities come back as
// P = exp(s - lse); with D = rowsum(dO * O): dS = P * (dP - D), dP = dO V^T.
//
// The inner products vectorize over a fixed-width run of keys (scores: q against a transposed,
// zero-padded K block) or of head-dim lanes (P V, dS K, ...: rows zero-padded to a multiple of
// kLanes), so head dims 16..128 keep whole accumulators in registers.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "cpu/isa/isa.h"
#include "cpu/isa/reduce_ops.h"
#include "cpu/parallel.h"
#include "dispatch/kernels_attention.h"

// The generic vectors below never cross a non-inline call; their calling convention is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

EMBER_ISA_NAMESPACE_BEGIN

namespace {

constexpr int64_t kBlockQ = 32;  // query rows per tile
constexpr int64_t kBlockK = 64;  // keys per tile (the width of the score loops)
constexpr int64_t kLanes = 16;   // head-dim chunk of the row updates

int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

template <typename T>
constexpr T kNegInf = -std::numeric_limits<T>::infinity();

// kLanes elements as one value of the compiler's generic vectors (a register or a few on each
// ISA), so the accumulators below stay in registers rather than in arrays on the stack.
typedef float LanesF32 __attribute__((vector_size(kLanes * sizeof(float))));
typedef double LanesF64 __attribute__((vector_size(kLanes * sizeof(double))));
template <typename T>
using Lanes = std::conditional_t<std::is_same_v<T, float>, LanesF32, LanesF64>;
template <typename T>
inline Lanes<T> load(const T* p) {
  Lanes<T> v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
template <typename T>
inline void store(T* p, Lanes<T> v) { std::memcpy(p, &v, sizeof(v)); }

// s[r * ls + w] = sum_e a[r * la + e] * bt[e * ld + w] for kRows rows r and the first
// kVecs * kLanes keys w of a transposed block. Two rows share each load of bt and double the
// independent multiply-add chains.
template <typename T, int kVecs, int kRows>
inline void scores_rows_of(T* __restrict s, int64_t ls, const T* __restrict a, int64_t la, int64_t n,
                           const T* __restrict bt, int64_t ld) {
  Lanes<T> acc[kRows][kVecs] = {};
  for (int64_t e = 0; e < n; ++e) {
    const T* b = bt + e * ld;
    for (int c = 0; c < kVecs; ++c) {
      const Lanes<T> bc = load(b + c * kLanes);
      for (int r = 0; r < kRows; ++r) acc[r][c] += a[r * la + e] * bc;
    }
  }
  for (int r = 0; r < kRows; ++r)
    for (int c = 0; c < kVecs; ++c) store(s + r * ls + c * kLanes, acc[r][c]);
}
template <typename T, int kVecs>
inline void scores_tile_of(T* s, int64_t ls, const T* a, int64_t la, int64_t rows, int64_t n, const T* bt,
                           int64_t ld) {
  int64_t r = 0;
  for (; r + 2 <= rows; r += 2) scores_rows_of<T, kVecs, 2>(s + r * ls, ls, a + r * la, la, n, bt, ld);
  if (r < rows) scores_rows_of<T, kVecs, 1>(s + r * ls, ls, a + r * la, la, n, bt, ld);
}
// The scores of `rows` rows of a (rows la apart) against `width` keys (a multiple of kLanes, at
// most kBlockK): short sequences and the causal diagonal's first blocks compute only the keys
// they have.
template <typename T>
inline void scores_tile(T* s, int64_t ls, const T* a, int64_t la, int64_t rows, int64_t n, const T* bt, int64_t ld,
                        int64_t width) {
  static_assert(kBlockK == 4 * kLanes, "a key block is at most four accumulators wide");
  switch (width / kLanes) {
    case 1: return scores_tile_of<T, 1>(s, ls, a, la, rows, n, bt, ld);
    case 2: return scores_tile_of<T, 2>(s, ls, a, la, rows, n, bt, ld);
    case 3: return scores_tile_of<T, 3>(s, ls, a, la, rows, n, bt, ld);
    default: return scores_tile_of<T, 4>(s, ls, a, la, rows, n, bt, ld);
  }
}

// out[c] += sum_r coef[r * cs] * rows[r * rs + c] for c < width (a multiple of kLanes). Four
// partial sums over the rows keep four multiply-add chains in flight.
template <typename T>
inline void accumulate_rows(T* __restrict out, int64_t width, const T* __restrict coef, int64_t cs,
                            const T* __restrict rows, int64_t rs, int64_t n) {
  for (int64_t c0 = 0; c0 < width; c0 += kLanes) {
    Lanes<T> a0 = {}, a1 = {}, a2 = {}, a3 = {};
    const T* x = rows + c0;
    int64_t r = 0;
    for (; r + 4 <= n; r += 4) {
      a0 += coef[r * cs] * load(x + r * rs);
      a1 += coef[(r + 1) * cs] * load(x + (r + 1) * rs);
      a2 += coef[(r + 2) * cs] * load(x + (r + 2) * rs);
      a3 += coef[(r + 3) * cs] * load(x + (r + 3) * rs);
    }
    for (; r < n; ++r) a0 += coef[r * cs] * load(x + r * rs);
    store(out + c0, load(out + c0) + ((a0 + a1) + (a2 + a3)));
  }
}

// A (B, heads, rows, cols) operand read in place, with any strides: every operand is copied
// into the tiles anyway, so transposed views (the heads of a (B, T, H, D) activation) need no
// contiguous copy first.
template <typename T>
struct Operand {
  const T* data;
  int64_t sb, sh, rs, cs;  // batch, head, row and column strides
  explicit Operand(const Tensor& t)
      : data(t.data_ptr<T>()), sb(t.stride(0)), sh(t.stride(1)), rs(t.stride(2)), cs(t.stride(3)) {}
  const T* head(int64_t b, int64_t h) const { return data + b * sb + h * sh; }
};

// out[k * width + c] += sum_r coef[r * cs + k * ks] * rows[r * rs + c] for four consecutive
// output rows k (width apart, width a multiple of kLanes): each load of a row feeds four
// multiply-adds.
template <typename T>
inline void accumulate_rows_x4(T* __restrict out, int64_t width, const T* __restrict coef, int64_t cs, int64_t ks,
                               const T* __restrict rows, int64_t rs, int64_t n) {
  for (int64_t c0 = 0; c0 < width; c0 += kLanes) {
    Lanes<T> a0 = {}, a1 = {}, a2 = {}, a3 = {};
    for (int64_t r = 0; r < n; ++r) {
      const Lanes<T> x = load(rows + r * rs + c0);
      const T* cr = coef + r * cs;
      a0 += cr[0] * x;
      a1 += cr[ks] * x;
      a2 += cr[2 * ks] * x;
      a3 += cr[3 * ks] * x;
    }
    store(out + c0, load(out + c0) + a0);
    store(out + width + c0, load(out + width + c0) + a1);
    store(out + 2 * width + c0, load(out + 2 * width + c0) + a2);
    store(out + 3 * width + c0, load(out + 3 * width + c0) + a3);
  }
}

// The operands of one call.
template <typename T>
struct Problem {
  int64_t B, H, Hk, L, S, E, Ev, rep;
  int64_t Ep, Evp;  // E and Ev rounded up to kLanes
  T scale;
  bool causal;
  Operand<T> q, k, v;
  // The mask, a (B, H, L, S) strided view: bool keeps, T is added.
  const bool* mask_keep = nullptr;
  const T* mask_add = nullptr;
  int64_t ms[4] = {};

  Problem(const Tensor& q_, const Tensor& k_, const Tensor& v_, const AttentionArgs& args)
      : B(q_.size(0)), H(q_.size(1)), Hk(k_.size(1)), L(q_.size(2)), S(k_.size(2)), E(q_.size(3)),
        Ev(v_.size(3)), rep(H / Hk), Ep(round_up(E, kLanes)), Evp(round_up(Ev, kLanes)),
        scale(static_cast<T>(args.scale)), causal(args.is_causal), q(q_), k(k_), v(v_) {
    if (args.mask.defined()) {
      if (args.mask.dtype() == kBool) mask_keep = args.mask.data_ptr<bool>();
      else mask_add = args.mask.data_ptr<T>();
      for (int d = 0; d < 4; ++d) ms[d] = args.mask.stride(d);
    }
  }
  bool has_mask() const { return mask_keep || mask_add; }
  // Keys [0, key_end) can be kept for queries [i0, i1).
  int64_t key_end(int64_t i1) const { return causal ? std::min(S, i1) : S; }

  // Masks the scores s[0, width) of query i against keys j0 + w: -inf past the nk real keys,
  // past the diagonal, or where a bool mask is false; a float mask is added.
  void mask_scores(T* s, int64_t width, int64_t b, int64_t h, int64_t i, int64_t j0, int64_t nk) const {
    int64_t keep = nk;
    if (causal) keep = std::max<int64_t>(0, std::min(nk, i - j0 + 1));
#pragma omp simd
    for (int64_t w = 0; w < width; ++w) s[w] = w < keep ? s[w] : kNegInf<T>;
    if (mask_keep) {
      const bool* m = mask_keep + b * ms[0] + h * ms[1] + i * ms[2] + j0 * ms[3];
      for (int64_t w = 0; w < keep; ++w)
        if (!m[w * ms[3]]) s[w] = kNegInf<T>;
    } else if (mask_add) {
      const T* m = mask_add + b * ms[0] + h * ms[1] + i * ms[2] + j0 * ms[3];
      for (int64_t w = 0; w < keep; ++w) s[w] += m[w * ms[3]];
    }
  }
};

// The transposed keys (or values) of one head, one contiguous e x kBlockK tile per key block:
// key j, dim d at tile(j / kBlockK)[d * kBlockK + j % kBlockK]. (One e x S matrix would put the
// rows a score loop reads S elements apart, a multiple of 4 KiB for long sequences: the same
// L1 sets.)
template <typename T>
inline const T* key_tile(const T* kt, int64_t j0, int64_t e) { return kt + (j0 / kBlockK) * e * kBlockK; }

// Keys [j0, j1) of kt <- rows [j0, j1) of x (e columns; strides rs, cs); zeros after them up to
// the next multiple of kLanes (the score loops read whole lanes).
template <typename T>
void transpose_rows(T* kt, const T* x, int64_t rs, int64_t cs, int64_t j0, int64_t j1, int64_t e) {
  for (int64_t b0 = j0; b0 < j1; b0 = (b0 / kBlockK + 1) * kBlockK) {
    const int64_t b1 = std::min(j1, (b0 / kBlockK + 1) * kBlockK), pad_end = round_up(b1, kLanes);
    T* tile = kt + (b0 / kBlockK) * e * kBlockK;
    for (int64_t d = 0; d < e; ++d) {
      T* out = tile + d * kBlockK - (b0 / kBlockK) * kBlockK;
      for (int64_t j = b0; j < b1; ++j) out[j] = x[j * rs + d * cs];
      for (int64_t j = b1; j < pad_end; ++j) out[j] = 0;
    }
  }
}
// Rows [j0, j1) of out (rows of width) <- those of x (e columns; strides rs, cs) times a,
// zero-padded.
template <typename T>
void pad_rows(T* out, int64_t width, const T* x, int64_t rs, int64_t cs, int64_t j0, int64_t j1, int64_t e,
              T a = T(1)) {
  for (int64_t j = j0; j < j1; ++j) {
    T* o = out + j * width;
    const T* xr = x + j * rs;
    if (cs == 1) {
      for (int64_t d = 0; d < e; ++d) o[d] = xr[d] * a;
    } else {
      for (int64_t d = 0; d < e; ++d) o[d] = xr[d * cs] * a;
    }
    for (int64_t d = e; d < width; ++d) o[d] = 0;
  }
}

template <typename T>
void forward(const Tensor& out_t, const Tensor& lse_t, const Tensor& q_t, const Tensor& k_t, const Tensor& v_t,
             const AttentionArgs& args) {
  const Problem<T> p(q_t, k_t, v_t, args);
  T* out = out_t.data_ptr<T>();
  T* lse = lse_t.data_ptr<T>();
  const int64_t n_qblocks = (p.L + kBlockQ - 1) / kBlockQ;
  const int64_t Sp = round_up(p.S, kBlockK);
  // A task's cost grows with its keys: roughly (keys x head dims) multiply-adds per query row.
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, kBlockQ * p.S * (p.E + p.Ev)));
  parallel_for(0, p.B * p.H * n_qblocks, grain, [&](int64_t t0, int64_t t1) {
    std::vector<T> kt(p.Ep * Sp), vp(Sp * p.Evp), qs(kBlockQ * p.E), acc(kBlockQ * p.Evp), tile(kBlockQ * kBlockK);
    std::vector<T> row_max(kBlockQ), row_sum(kBlockQ);
    int64_t loaded_head = -1, loaded_keys = 0;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t bh = t / n_qblocks, i0 = (t % n_qblocks) * kBlockQ, i1 = std::min(p.L, i0 + kBlockQ);
      const int64_t b = bh / p.H, h = bh % p.H, hk = b * p.Hk + h / p.rep;
      const int64_t key_end = p.key_end(i1);
      // Consecutive tasks of one head reuse its transposed keys, loading only the keys a later
      // (causal) query block adds.
      if (hk != loaded_head) loaded_keys = 0;
      if (key_end > loaded_keys) {
        transpose_rows(kt.data(), p.k.head(b, h / p.rep), p.k.rs, p.k.cs, loaded_keys, key_end, p.E);
        pad_rows(vp.data(), p.Evp, p.v.head(b, h / p.rep), p.v.rs, p.v.cs, loaded_keys, key_end, p.Ev);
        loaded_head = hk;
        loaded_keys = key_end;
      }
      const int64_t nq = i1 - i0;
      pad_rows(qs.data(), p.E, p.q.head(b, h) + i0 * p.q.rs, p.q.rs, p.q.cs, 0, nq, p.E, p.scale);
      std::fill(acc.begin(), acc.end(), T(0));
      std::fill(row_max.begin(), row_max.end(), kNegInf<T>);
      std::fill(row_sum.begin(), row_sum.end(), T(0));
      for (int64_t j0 = 0; j0 < key_end; j0 += kBlockK) {
        const int64_t nk = std::min(kBlockK, key_end - j0), width = round_up(nk, kLanes);
        // Causal: the rows before j0 keep no key of this block.
        const int64_t r0 = p.causal ? std::max<int64_t>(0, j0 - i0) : 0;
        scores_tile(tile.data() + r0 * kBlockK, kBlockK, qs.data() + r0 * p.E, p.E, nq - r0, p.E,
                    key_tile(kt.data(), j0, p.E), kBlockK, width);
        for (int64_t r = r0; r < nq; ++r) {
          const int64_t i = i0 + r;
          T* s = tile.data() + r * kBlockK;
          p.mask_scores(s, width, b, h, i, j0, nk);
          T m = row_max[r];  // (the scores past the nk keys are -inf)
#pragma omp simd reduction(max : m)
          for (int64_t w = 0; w < width; ++w) m = s[w] > m ? s[w] : m;
          if (m == kNegInf<T>) {  // nothing kept yet: the row adds nothing to its output
            std::fill(s, s + width, T(0));
            continue;
          }
          // (A row's first kept block has nothing to rescale.)
          const T correction = row_max[r] == kNegInf<T> ? T(0) : reduce::fast_exp<T>(row_max[r] - m);
          T sum = 0;
#pragma omp simd reduction(+ : sum)
          for (int64_t w = 0; w < width; ++w) {
            s[w] = reduce::fast_exp<T>(s[w] - m);
            sum += s[w];
          }
          row_sum[r] = row_sum[r] * correction + sum;
          row_max[r] = m;
          T* o = acc.data() + r * p.Evp;
          if (correction != T(1))
            for (int64_t c = 0; c < p.Evp; ++c) o[c] *= correction;
        }
        // out += P V, four query rows sharing each row of V.
        const T* vb = vp.data() + j0 * p.Evp;
        int64_t r = r0;
        for (; r + 4 <= nq; r += 4)
          accumulate_rows_x4(acc.data() + r * p.Evp, p.Evp, tile.data() + r * kBlockK, 1, kBlockK, vb, p.Evp, nk);
        for (; r < nq; ++r) accumulate_rows(acc.data() + r * p.Evp, p.Evp, tile.data() + r * kBlockK, 1, vb, p.Evp, nk);
      }
      for (int64_t r = 0; r < nq; ++r) {
        T* o = out + (bh * p.L + i0 + r) * p.Ev;
        const T* a = acc.data() + r * p.Evp;
        if (row_max[r] == kNegInf<T>) {
          // Every key masked: zero weights with a mask (as the composite), NaN without one.
          const T fill = p.has_mask() ? T(0) : std::numeric_limits<T>::quiet_NaN();
          for (int64_t c = 0; c < p.Ev; ++c) o[c] = fill;
          lse[bh * p.L + i0 + r] = kNegInf<T>;
          continue;
        }
        const T inv = T(1) / row_sum[r];
        for (int64_t c = 0; c < p.Ev; ++c) o[c] = a[c] * inv;
        lse[bh * p.L + i0 + r] = row_max[r] + std::log(row_sum[r]);
      }
    }
  });
}

template <typename T>
void backward(const Tensor& dq_t, const Tensor& dk_t, const Tensor& dv_t, const Tensor& go_t, const Tensor& q_t,
              const Tensor& k_t, const Tensor& v_t, const Tensor& o_t, const Tensor& lse_t,
              const AttentionArgs& args) {
  const Problem<T> p(q_t, k_t, v_t, args);
  T* dq_out = dq_t.data_ptr<T>();
  T* dk_out = dk_t.data_ptr<T>();
  T* dv_out = dv_t.data_ptr<T>();
  const Operand<T> go(go_t), o(o_t);
  const T* lse = lse_t.data_ptr<T>();
  const int64_t Sp = round_up(p.S, kBlockK);
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, p.rep * p.L * p.S * (p.E + p.Ev)));
  parallel_for(0, p.B * p.Hk, grain, [&](int64_t t0, int64_t t1) {
    std::vector<T> kt(p.Ep * Sp), vt(p.Evp * Sp), kp(Sp * p.Ep), dk(Sp * p.Ep), dv(Sp * p.Evp);
    std::vector<T> qs(kBlockQ * p.Ep), gp(kBlockQ * p.Evp), dq(kBlockQ * p.Ep), P(kBlockQ * kBlockK),
        dS(kBlockQ * kBlockK), D(kBlockQ);
    for (int64_t hk = t0; hk < t1; ++hk) {
      const int64_t b = hk / p.Hk;
      const T* kh = p.k.head(b, hk % p.Hk);
      const T* vh = p.v.head(b, hk % p.Hk);
      transpose_rows(kt.data(), kh, p.k.rs, p.k.cs, 0, p.S, p.E);
      transpose_rows(vt.data(), vh, p.v.rs, p.v.cs, 0, p.S, p.Ev);
      pad_rows(kp.data(), p.Ep, kh, p.k.rs, p.k.cs, 0, p.S, p.E);
      std::fill(dk.begin(), dk.end(), T(0));
      std::fill(dv.begin(), dv.end(), T(0));
      for (int64_t h = (hk % p.Hk) * p.rep; h < (hk % p.Hk + 1) * p.rep; ++h) {
        const int64_t bh = b * p.H + h;
        for (int64_t i0 = 0; i0 < p.L; i0 += kBlockQ) {
          const int64_t nq = std::min(kBlockQ, p.L - i0), key_end = p.key_end(i0 + nq);
          pad_rows(qs.data(), p.Ep, p.q.head(b, h) + i0 * p.q.rs, p.q.rs, p.q.cs, 0, nq, p.E, p.scale);
          pad_rows(gp.data(), p.Evp, go.head(b, h) + i0 * go.rs, go.rs, go.cs, 0, nq, p.Ev);
          for (int64_t r = 0; r < nq; ++r) {
            const T* orow = o.head(b, h) + (i0 + r) * o.rs;
            T d = 0;
            for (int64_t c = 0; c < p.Ev; ++c) d += gp[r * p.Evp + c] * orow[c * o.cs];
            D[r] = d;
          }
          std::fill(dq.begin(), dq.end(), T(0));
          for (int64_t j0 = 0; j0 < key_end; j0 += kBlockK) {
            const int64_t nk = std::min(kBlockK, key_end - j0), width = round_up(nk, kLanes);
            int64_t rows = nq;  // the rows that keep a key of this block (causal: from j0 on)
            if (p.causal) rows = std::max<int64_t>(0, std::min(nq, nq - (j0 - i0)));
            const int64_t r0 = nq - rows;
            if (rows == 0) continue;
            // The scores into P, dP = dO V^T into dS; then P = exp(s - lse), dS = P (dP - D).
            scores_tile(P.data() + r0 * kBlockK, kBlockK, qs.data() + r0 * p.Ep, p.Ep, rows, p.E,
                        key_tile(kt.data(), j0, p.E), kBlockK, width);
            scores_tile(dS.data() + r0 * kBlockK, kBlockK, gp.data() + r0 * p.Evp, p.Evp, rows, p.Ev,
                        key_tile(vt.data(), j0, p.Ev), kBlockK, width);
            for (int64_t r = r0; r < nq; ++r) {
              const int64_t i = i0 + r;
              T* pr = P.data() + r * kBlockK;
              T* dsr = dS.data() + r * kBlockK;
              p.mask_scores(pr, width, b, h, i, j0, nk);
              const T l = lse[bh * p.L + i];
              const T dr = D[r];
#pragma omp simd
              for (int64_t w = 0; w < width; ++w) {
                // Masked scores (-inf) give exactly 0, also in a row whose keys are all masked.
                const T pw = pr[w] == kNegInf<T> ? T(0) : reduce::fast_exp<T>(pr[w] - l);
                pr[w] = pw;
                dsr[w] = pw * (dsr[w] - dr);
              }
              accumulate_rows(dq.data() + r * p.Ep, p.Ep, dsr, 1, kp.data() + j0 * p.Ep, p.Ep, nk);
            }
            // dV += P^T dO, dK += dS^T (scale q): four keys share each row of dO or q.
            int64_t w = 0;
            for (; w + 4 <= nk; w += 4) {
              const int64_t j = j0 + w;
              accumulate_rows_x4(dv.data() + j * p.Evp, p.Evp, P.data() + r0 * kBlockK + w, kBlockK, 1,
                                 gp.data() + r0 * p.Evp, p.Evp, rows);
              accumulate_rows_x4(dk.data() + j * p.Ep, p.Ep, dS.data() + r0 * kBlockK + w, kBlockK, 1,
                                 qs.data() + r0 * p.Ep, p.Ep, rows);
            }
            for (; w < nk; ++w) {
              const int64_t j = j0 + w;
              accumulate_rows(dv.data() + j * p.Evp, p.Evp, P.data() + r0 * kBlockK + w, kBlockK,
                              gp.data() + r0 * p.Evp, p.Evp, rows);
              accumulate_rows(dk.data() + j * p.Ep, p.Ep, dS.data() + r0 * kBlockK + w, kBlockK,
                              qs.data() + r0 * p.Ep, p.Ep, rows);
            }
          }
          T* dqb = dq_out + (bh * p.L + i0) * p.E;
          for (int64_t r = 0; r < nq; ++r)
            for (int64_t c = 0; c < p.E; ++c) dqb[r * p.E + c] = dq[r * p.Ep + c] * p.scale;
        }
      }
      // dk = dS^T (scale q): qs already holds the scaled queries.
      T* dkh = dk_out + hk * p.S * p.E;
      T* dvh = dv_out + hk * p.S * p.Ev;
      for (int64_t j = 0; j < p.S; ++j) {
        for (int64_t c = 0; c < p.E; ++c) dkh[j * p.E + c] = dk[j * p.Ep + c];
        for (int64_t c = 0; c < p.Ev; ++c) dvh[j * p.Ev + c] = dv[j * p.Evp + c];
      }
    }
  });
}

const char* kOp = "scaled_dot_product_attention";

void check_dtype(DType t) {
  EMBER_CHECK_TYPE(t == kFloat32 || t == kFloat64, kOp, ": the fused CPU kernel takes float32 or float64, got ",
                   dtype_name(t));
}

void cpu_attention_forward(const Tensor& out, const Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                           const AttentionArgs& args) {
  check_dtype(q.dtype());
  if (q.dtype() == kFloat64) forward<double>(out, lse, q, k, v, args);
  else forward<float>(out, lse, q, k, v, args);
}

void cpu_attention_backward(const Tensor& dq, const Tensor& dk, const Tensor& dv, const Tensor& go, const Tensor& q,
                            const Tensor& k, const Tensor& v, const Tensor& o, const Tensor& lse,
                            const AttentionArgs& args) {
  check_dtype(q.dtype());
  if (q.dtype() == kFloat64) backward<double>(dq, dk, dv, go, q, k, v, o, lse, args);
  else backward<float>(dq, dk, dv, go, q, k, v, o, lse, args);
}

}  // namespace

void register_attention_kernels() {
  attention_forward_kernel.set(DeviceType::CPU, cpu_attention_forward);
  attention_backward_kernel.set(DeviceType::CPU, cpu_attention_backward);
}

EMBER_ISA_NAMESPACE_END
