#pragma once
// FFT plans over raw interleaved complex memory (re, im pairs: the std::complex<T> layout),
// T = float or double. Self-contained: no Tensor or dtype types, so any layer can drive it.
//
// A plan is built once per (length, kind, direction) and cached; plans are immutable, so one
// plan serves many threads at once, each with its own scratch.
#include <cstdint>
#include <memory>
#include <vector>

#include "cpu/fft/fft_complex.h"
#include "cpu/fft/fft_passes.h"

namespace ember::fft {

// One complex-to-complex transform of length n, unnormalized:
//   out[k] = sum_j in[j] * exp(-+2 pi i jk/n)   (- forward, + backward).
// Lengths whose prime factors are all small (<= kMaxGenericRadix, and cheap enough) run as a
// chain of Stockham passes (mixed radix 4/2/3/5/7/11/13/generic odd); others go through
// Bluestein's chirp-z, a convolution computed by three FFTs of a smooth length m >= 2n-1.
template <typename T>
class ComplexPlan {
 public:
  static std::shared_ptr<const ComplexPlan> get(int64_t n, bool forward);
  ComplexPlan(int64_t n, bool forward);

  int64_t size() const { return n_; }
  bool forward() const { return forward_; }
  bool uses_bluestein() const { return inner_ != nullptr; }
  // The complex elements of scratch execute() needs.
  int64_t scratch_size() const;
  // out = DFT(in). in (n elements) is only read; out must not overlap in or scratch.
  // threaded: split each pass across ember's threads (for one large transform; callers that
  // already run transforms in parallel pass false).
  void execute(const cpx<T>* in, cpx<T>* out, cpx<T>* scratch, bool threaded) const;
  // `width` transforms at once, interleaved: element j of transform b at [j*width + b]. Each
  // pass then runs at stride s*width, so even the first passes have long contiguous inner
  // loops to vectorize. Stockham plans only (not Bluestein); scratch holds n*width elements.
  bool can_bundle() const { return inner_ == nullptr; }
  void execute_bundle(const cpx<T>* in, cpx<T>* out, cpx<T>* scratch, int64_t width) const;

 private:
  struct Pass {
    int radix;
    int64_t m, s;
    PassFn<T> fn;
    int64_t tw_offset, trig_offset;
  };
  void build_passes(const std::vector<int>& radices);
  void build_bluestein();
  void run_passes(const cpx<T>* in, cpx<T>* out, cpx<T>* scratch, bool threaded, int64_t width) const;
  void run_bluestein(const cpx<T>* in, cpx<T>* out, cpx<T>* scratch, bool threaded) const;

  int64_t n_;
  bool forward_;
  std::vector<Pass> passes_;
  std::vector<cpx<T>> twiddles_;
  std::vector<T> trig_;
  // Bluestein: chirp c_j = exp(-+i pi j^2 / n), and FFT_m of the conjugate chirp over 1/m.
  std::shared_ptr<const ComplexPlan> inner_;
  int64_t m_ = 0;
  std::vector<cpx<T>> chirp_, kernel_spectrum_;
};

// Real transforms of length n. Forward (r2c): n reals -> the n/2+1 non-redundant outputs of
// the forward DFT. Backward (c2r): n/2+1 complex (a Hermitian half spectrum; the imaginary
// parts of X_0 and, for even n, X_{n/2} are ignored, as numpy does) -> n reals, unnormalized.
// Even n computes one complex FFT of length n/2 on the reals taken in pairs, plus an O(n)
// pass that splits (r2c) or merges (c2r) the even and odd halves; odd n goes through the
// complex plan of length n.
template <typename T>
class RealPlan {
 public:
  static std::shared_ptr<const RealPlan> get(int64_t n, bool forward);
  RealPlan(int64_t n, bool forward);

  int64_t size() const { return n_; }
  int64_t scratch_size() const;
  // in: n contiguous reals; out: n/2+1 contiguous complex. out must not overlap in.
  void r2c(const T* in, cpx<T>* out, cpx<T>* scratch, bool threaded) const;
  // in: n/2+1 contiguous complex (only read); out: n contiguous reals.
  void c2r(const cpx<T>* in, T* out, cpx<T>* scratch, bool threaded) const;

 private:
  int64_t n_;
  bool forward_;
  std::shared_ptr<const ComplexPlan<T>> half_;  // even n: length n/2
  std::shared_ptr<const ComplexPlan<T>> full_;  // odd n: length n
  std::vector<cpx<T>> split_twiddles_;          // exp(-+2 pi i k/n), k = 0..n/2
};

// Transforms at or above this many complex elements split their passes across threads.
constexpr int64_t kThreadedPassMinSize = int64_t(1) << 15;

}  // namespace ember::fft
