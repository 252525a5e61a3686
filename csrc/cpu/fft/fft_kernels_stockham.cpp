// The Stockham passes (see fft_passes.h for the index scheme). Each radix is a small DFT
// written on an array of r complex values; one driver runs it over the pass, loading the
// inputs, applying the DFT and the twiddles, and storing. The driver's inner loop runs over q,
// the stride of earlier passes, which is contiguous in memory, so the compiler vectorizes it
// once the passes are past the first few; the first pass (s == 1) loops over p instead.
#include <cmath>

#include "cpu/fft/fft_passes.h"

namespace ember::fft {

namespace {

// ---- the small DFTs, in place on a[0..R) ---------------------------------------------------

template <typename T, bool Fwd>
struct Dft2 {
  static constexpr int R = 2;
  void operator()(cpx<T>* a) const {
    const cpx<T> a0 = a[0], a1 = a[1];
    a[0] = a0 + a1;
    a[1] = a0 - a1;
  }
};

template <bool Fwd, typename T>
inline void dft4(cpx<T> a0, cpx<T> a1, cpx<T> a2, cpx<T> a3, cpx<T>& b0, cpx<T>& b1, cpx<T>& b2,
                 cpx<T>& b3) {
  const cpx<T> t0 = a0 + a2, t1 = a0 - a2, t2 = a1 + a3, t3 = quarter_turn<Fwd>(a1 - a3);
  b0 = t0 + t2;
  b2 = t0 - t2;
  b1 = t1 + t3;
  b3 = t1 - t3;
}

template <typename T, bool Fwd>
struct Dft4 {
  static constexpr int R = 4;
  void operator()(cpx<T>* a) const { dft4<Fwd>(a[0], a[1], a[2], a[3], a[0], a[1], a[2], a[3]); }
};

// An odd radix R by the symmetric-pair scheme: with P_k = a_k + a_{R-k}, M_k = a_k - a_{R-k},
//   b_j, b_{R-j} = a_0 + sum_k cos(2 pi jk/R) P_k  -+ i * sum_k sin(2 pi jk/R) M_k,
// about half the multiplies of the direct sum. R is a compile-time constant, so the loops
// unroll and the (j*k) mod R indices are constants.
template <typename T, bool Fwd, int Radix>
struct DftOdd {
  static constexpr int R = Radix;
  T c[R], s[R];
  explicit DftOdd(const T* trig) {
    for (int t = 0; t < R; ++t) {
      c[t] = trig[2 * t];
      s[t] = trig[2 * t + 1];
    }
  }
  void operator()(cpx<T>* a) const {
    constexpr int h = (R - 1) / 2;
    cpx<T> P[h], M[h];
    cpx<T> sum = a[0];
    for (int k = 1; k <= h; ++k) {
      P[k - 1] = a[k] + a[R - k];
      M[k - 1] = a[k] - a[R - k];
      sum = sum + P[k - 1];
    }
    const cpx<T> a0 = a[0];
    a[0] = sum;
    for (int j = 1; j <= h; ++j) {
      cpx<T> rp = a0, ip = {T(0), T(0)};
      for (int k = 1; k <= h; ++k) {
        const int t = (j * k) % R;
        rp.re += c[t] * P[k - 1].re;
        rp.im += c[t] * P[k - 1].im;
        ip.re += s[t] * M[k - 1].re;
        ip.im += s[t] * M[k - 1].im;
      }
      const cpx<T> lo = {rp.re + ip.im, rp.im - ip.re}, hi = {rp.re - ip.im, rp.im + ip.re};
      a[j] = Fwd ? lo : hi;
      a[R - j] = Fwd ? hi : lo;
    }
  }
};

// ---- the driver ------------------------------------------------------------------------------

// Twiddled is false for the last pass (m == 1), whose twiddles are all 1.
template <typename T, bool Twiddled, typename Dft>
inline void drive(const PassArgs<T>& A, const Dft& dft) {
  constexpr int R = Dft::R;
  const int64_t m = A.m, s = A.s, sm = s * m;
  const cpx<T>* __restrict in = A.in;
  cpx<T>* __restrict out = A.out;
  const cpx<T>* __restrict tw = A.tw;
  if (s == 1) {
    for (int64_t p = A.p0; p < A.p1; ++p) {
      cpx<T> a[R];
      for (int k = 0; k < R; ++k) a[k] = in[p + k * m];
      dft(a);
      out[R * p] = a[0];
      for (int j = 1; j < R; ++j) out[R * p + j] = Twiddled ? a[j] * tw[(j - 1) * m + p] : a[j];
    }
    return;
  }
  for (int64_t p = A.p0; p < A.p1; ++p) {
    cpx<T> w[R];
    for (int j = 1; j < R; ++j) w[j] = Twiddled ? tw[(j - 1) * m + p] : cpx<T>{T(1), T(0)};
    const cpx<T>* __restrict x = in + s * p;
    cpx<T>* __restrict y = out + R * s * p;
    for (int64_t q = A.q0; q < A.q1; ++q) {
      cpx<T> a[R];
      for (int k = 0; k < R; ++k) a[k] = x[q + k * sm];
      dft(a);
      y[q] = a[0];
      for (int j = 1; j < R; ++j) y[q + j * s] = Twiddled ? a[j] * w[j] : a[j];
    }
  }
}

template <typename T, typename Dft>
void run_fixed(const PassArgs<T>& A, const Dft& dft) {
  if (A.m == 1)
    drive<T, false>(A, dft);
  else
    drive<T, true>(A, dft);
}

template <typename T, bool Fwd>
void pass2(const PassArgs<T>& A) { run_fixed(A, Dft2<T, Fwd>{}); }
template <typename T, bool Fwd>
void pass4(const PassArgs<T>& A) { run_fixed(A, Dft4<T, Fwd>{}); }
template <typename T, bool Fwd, int R>
void pass_odd(const PassArgs<T>& A) { run_fixed(A, DftOdd<T, Fwd, R>(A.trig)); }

// Any odd radix up to kMaxGenericRadix, the radix known only at run time: the same
// symmetric-pair sums as DftOdd, over arrays on the stack.
template <typename T, bool Fwd>
void pass_generic(const PassArgs<T>& A) {
  const int r = A.radix, h = (r - 1) / 2;
  const int64_t m = A.m, s = A.s, sm = s * m;
  const T* trig = A.trig;
  cpx<T> a[kMaxGenericRadix], P[kMaxGenericRadix / 2], M[kMaxGenericRadix / 2];
  for (int64_t p = A.p0; p < A.p1; ++p) {
    const cpx<T>* x = A.in + s * p;
    cpx<T>* y = A.out + r * s * p;
    for (int64_t q = A.q0; q < A.q1; ++q) {
      for (int k = 0; k < r; ++k) a[k] = x[q + k * sm];
      cpx<T> sum = a[0];
      for (int k = 1; k <= h; ++k) {
        P[k - 1] = a[k] + a[r - k];
        M[k - 1] = a[k] - a[r - k];
        sum = sum + P[k - 1];
      }
      y[q] = sum;
      for (int j = 1; j <= h; ++j) {
        cpx<T> rp = a[0], ip = {T(0), T(0)};
        int t = 0;
        for (int k = 1; k <= h; ++k) {
          t += j;
          if (t >= r) t -= r;
          const T c = trig[2 * t], sn = trig[2 * t + 1];
          rp.re += c * P[k - 1].re;
          rp.im += c * P[k - 1].im;
          ip.re += sn * M[k - 1].re;
          ip.im += sn * M[k - 1].im;
        }
        const cpx<T> lo = {rp.re + ip.im, rp.im - ip.re}, hi = {rp.re - ip.im, rp.im + ip.re};
        cpx<T> bj = Fwd ? lo : hi, bk = Fwd ? hi : lo;
        if (m > 1) {
          bj = bj * A.tw[(j - 1) * m + p];
          bk = bk * A.tw[(r - j - 1) * m + p];
        }
        y[q + j * s] = bj;
        y[q + (r - j) * s] = bk;
      }
    }
  }
}

template <typename T, bool Fwd>
PassFn<T> pass_kernel_dir(int radix) {
  switch (radix) {
    case 2: return &pass2<T, Fwd>;
    case 3: return &pass_odd<T, Fwd, 3>;
    case 4: return &pass4<T, Fwd>;
    case 5: return &pass_odd<T, Fwd, 5>;
    case 7: return &pass_odd<T, Fwd, 7>;
    case 11: return &pass_odd<T, Fwd, 11>;
    case 13: return &pass_odd<T, Fwd, 13>;
    default: return (radix % 2 == 1 && radix <= kMaxGenericRadix) ? &pass_generic<T, Fwd> : nullptr;
  }
}

}  // namespace

template <typename T>
PassFn<T> pass_kernel(int radix, bool forward) {
  return forward ? pass_kernel_dir<T, true>(radix) : pass_kernel_dir<T, false>(radix);
}

template PassFn<float> pass_kernel<float>(int, bool);
template PassFn<double> pass_kernel<double>(int, bool);

}  // namespace ember::fft
