// Eigenvalues and eigenvectors of one general row-major complex n x n matrix (linalg.eig; real
// inputs arrive as complex). Four stages:
//   0. Balancing, as LAPACK's geev does (the scaling half of gebal): a diagonal similarity
//      D^-1 A D by powers of 2 (exact) that evens out the norms of each row and column, since
//      the QR iteration's errors are relative to the norm of the matrix it works on.
//   1. Householder reflections reduce A to upper Hessenberg form H = Q^H A Q.
//   2. The shifted complex QR algorithm, in its implicit single-shift form (a bulge chased down
//      the subdiagonal by Givens rotations), drives H to the upper triangular Schur form
//      T = Q^H A Q. Wilkinson shifts; a subdiagonal entry negligible against its diagonal
//      neighbours is set to zero, deflating the problem; every 10th iteration without a
//      deflation takes an exceptional shift to break cycles. The eigenvalues are T's diagonal.
//   3. Eigenvectors of T by back substitution, taken back to A's basis by D Q and normalized to
//      unit 2-norm with their largest component real and positive, as LAPACK's geev does.
// Without eigenvectors, the rotations touch only the active window, and Q is not formed.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

#include "cpu/linalg.h"
#include "cpu/linalg_complex_math.h"

namespace ember::cpu::linalg {
namespace {

// The QR iteration gives up after this many iterations per order of the matrix (LAPACK's
// zlahqr allows 30 per eigenvalue; 30 n in all leaves room, as nearly every eigenvalue
// converges in 2 to 4).
constexpr int64_t kIterationsPerOrder = 30;
constexpr int kExceptionalEvery = 10;

// a <- D^-1 a D with D = diag(scale), powers of 2 chosen so that row i's and column i's
// off-diagonal 1-norms (|re| + |im|) are within a factor of 2 of each other (Parlett and
// Reinsch's iteration).
void balance(cdouble* a, int64_t n, std::vector<double>& scale) {
  scale.assign(static_cast<size_t>(n), 1.0);
  auto abs1 = [](const cdouble& z) { return std::abs(z.real()) + std::abs(z.imag()); };
  constexpr int kMaxSweeps = 100;  // a NaN or infinite entry must not loop forever
  bool done = false;
  for (int sweep = 0; sweep < kMaxSweeps && !done; ++sweep) {
    done = true;
    for (int64_t i = 0; i < n; ++i) {
      double c = 0, r = 0;
      for (int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        c += abs1(a[j * n + i]);
        r += abs1(a[i * n + j]);
      }
      if (c == 0 || r == 0 || !std::isfinite(c + r)) continue;
      const double total = c + r;
      double f = 1;
      while (c < r / 2 && f < 1e300) f *= 2, c *= 4;
      while (c > r * 2 && f > 1e-300) f /= 2, c /= 4;
      if ((c + r) / f >= 0.95 * total) continue;
      done = false;
      scale[i] *= f;
      for (int64_t j = 0; j < n; ++j) a[i * n + j] /= f;
      for (int64_t j = 0; j < n; ++j) a[j * n + i] *= f;
    }
  }
}

// Reduces a to upper Hessenberg form in place; q (when not null) <- q H_0 H_1 ... (q starts as
// the identity), so that A = Q H Q^H.
void hessenberg(cdouble* a, int64_t n, cdouble* q) {
  std::vector<cdouble> v(static_cast<size_t>(n)), dots(static_cast<size_t>(n));
  for (int64_t k = 0; k + 2 < n; ++k) {
    // x = a[k+1:, k]; H = I - 2 v v^H / (v^H v) with v = x - alpha e1 maps x to alpha e1.
    const int64_t len = n - k - 1;
    double below = 0;
    for (int64_t i = 1; i < len; ++i) below += std::norm(a[(k + 1 + i) * n + k]);
    if (below == 0) continue;  // already Hessenberg in this column
    const cdouble x0 = a[(k + 1) * n + k];
    const double xnorm = std::sqrt(below + std::norm(x0));
    // alpha = -e^{i arg x0} |x|: v0 = x0 - alpha adds moduli, with no cancellation.
    const double ax0 = std::abs(x0);
    const cdouble phase = ax0 == 0 ? cdouble(1) : x0 / ax0;
    const cdouble alpha = -phase * xnorm;
    for (int64_t i = 0; i < len; ++i) v[i] = a[(k + 1 + i) * n + k];
    v[0] -= alpha;
    double vnorm2 = 0;
    for (int64_t i = 0; i < len; ++i) vnorm2 += std::norm(v[i]);
    const double tau = 2 / vnorm2;
    // a <- H a on rows [k+1, n), columns [k+1, n) (column k becomes alpha e1 below).
    std::fill(dots.begin(), dots.begin() + n, cdouble(0));
    for (int64_t i = 0; i < len; ++i) {
      const cdouble* row = a + (k + 1 + i) * n;
      for (int64_t j = k + 1; j < n; ++j) dots[j] += conj_product(v[i], row[j]);
    }
    for (int64_t i = 0; i < len; ++i) {
      cdouble* row = a + (k + 1 + i) * n;
      const cdouble tv = tau * v[i];
      for (int64_t j = k + 1; j < n; ++j) sub_product(row[j], tv, dots[j]);
    }
    a[(k + 1) * n + k] = alpha;
    for (int64_t i = 1; i < len; ++i) a[(k + 1 + i) * n + k] = 0;
    // a <- a H and q <- q H on columns [k+1, n), every row.
    auto right = [&](cdouble* m) {
      for (int64_t r = 0; r < n; ++r) {
        cdouble* row = m + r * n + k + 1;
        cdouble s = 0;
        for (int64_t i = 0; i < len; ++i) s += product(row[i], v[i]);
        s *= tau;
        for (int64_t i = 0; i < len; ++i) row[i] -= product(s, std::conj(v[i]));
      }
    };
    right(a);
    if (q) right(q);
  }
}

// The rotation G = [c s; -conj(s) c] (c real) with G [x; y] = [r; 0].
struct Rotation {
  double c = 1;
  cdouble s = 0;
};

Rotation rotation_zeroing(const cdouble& x, const cdouble& y) {
  Rotation g;
  const double ay = std::abs(y);
  if (ay == 0) return g;
  const double ax = std::abs(x);
  if (ax == 0) {
    g.c = 0;
    g.s = std::conj(y) / ay;
    return g;
  }
  const double r = std::hypot(ax, ay);
  g.c = ax / r;
  g.s = (x / ax) * std::conj(y) / r;
  return g;
}

// Rows i and i+1 of m (row length n), columns [c0, c1) <- G [row i; row i+1].
void rotate_rows(cdouble* m, int64_t n, int64_t i, int64_t c0, int64_t c1, const Rotation& g) {
  cdouble* r0 = m + i * n;
  cdouble* r1 = r0 + n;
  for (int64_t j = c0; j < c1; ++j) {
    const cdouble x = r0[j], y = r1[j];
    r0[j] = g.c * x + product(g.s, y);
    r1[j] = g.c * y - conj_product(g.s, x);
  }
}

// Columns j and j+1 of m (row length n), rows [r0, r1) <- [col j, col j+1] G^H.
void rotate_columns(cdouble* m, int64_t n, int64_t j, int64_t r0, int64_t r1, const Rotation& g) {
  for (int64_t r = r0; r < r1; ++r) {
    cdouble* row = m + r * n + j;
    const cdouble x = row[0], y = row[1];
    row[0] = g.c * x + conj_product(g.s, y);
    row[1] = g.c * y - product(g.s, x);
  }
}

// The eigenvalue of [a b; c d] nearer d, by d - bc / (t + sqrt(t^2 + bc)) with t = (a - d) / 2
// and the root's sign chosen so that the denominator does not cancel.
cdouble wilkinson_shift(const cdouble& a, const cdouble& b, const cdouble& c, const cdouble& d) {
  const cdouble t = 0.5 * (a - d), bc = b * c;
  cdouble r = std::sqrt(t * t + bc);
  if (std::real(std::conj(t) * r) < 0) r = -r;
  const cdouble den = t + r;
  if (den == cdouble(0)) return d;
  return d - bc / den;
}

}  // namespace

int64_t eig(cdouble* a, int64_t n, cdouble* w, cdouble* v) {
  if (n == 0) return 0;
  const bool vectors = v != nullptr;
  std::vector<cdouble> q;
  if (vectors) {
    q.assign(static_cast<size_t>(n * n), cdouble(0));
    for (int64_t i = 0; i < n; ++i) q[i * n + i] = 1;
  }
  std::vector<double> scale;
  balance(a, n, scale);
  hessenberg(a, n, vectors ? q.data() : nullptr);
  auto T = [&](int64_t i, int64_t j) -> cdouble& { return a[i * n + j]; };

  // A whole-matrix scale for the deflation test of a zero-diagonal neighbourhood.
  double hnorm = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = std::max<int64_t>(0, i - 1); j < n; ++j) hnorm = std::max(hnorm, std::abs(T(i, j)));
  const double eps = DBL_EPSILON, safe_min = DBL_MIN / DBL_EPSILON;

  int64_t budget = kIterationsPerOrder * std::max<int64_t>(n, 10);
  int64_t since_deflation = 0;
  int64_t h = n - 1;  // the active window is [l, h]; everything below h has converged
  while (h >= 0) {
    int64_t l = h;
    for (; l > 0; --l) {
      const double sub = std::abs(T(l, l - 1));
      double scale = std::abs(T(l - 1, l - 1)) + std::abs(T(l, l));
      if (scale == 0) scale = hnorm;
      if (sub <= std::max(eps * scale, safe_min)) {
        T(l, l - 1) = 0;
        break;
      }
    }
    if (l == h) {  // T(h, h) is separated from the rest: an eigenvalue
      w[h] = T(h, h);
      --h;
      since_deflation = 0;
      continue;
    }
    if (budget-- == 0) return h + 1;
    ++since_deflation;
    cdouble mu;
    if (since_deflation % kExceptionalEvery == 0) {
      // A shift away from the Wilkinson one, from the subdiagonal's size (as zlahqr does).
      mu = T(h, h) + 0.75 * std::abs(std::real(T(h, h - 1)));
      if (since_deflation % (2 * kExceptionalEvery) == 0) mu = T(l, l) + 0.75 * std::abs(std::real(T(l + 1, l)));
    } else {
      mu = wilkinson_shift(T(h - 1, h - 1), T(h - 1, h), T(h, h - 1), T(h, h));
    }
    // One implicit QR step on [l, h]: the first rotation is that of the shifted first column;
    // the ones after it chase the bulge at (k + 1, k - 1) down and off the window.
    const int64_t col_end = vectors ? n : h + 1, row_begin = vectors ? 0 : l;
    for (int64_t k = l; k < h; ++k) {
      const Rotation g = k == l ? rotation_zeroing(T(l, l) - mu, T(l + 1, l))
                                : rotation_zeroing(T(k, k - 1), T(k + 1, k - 1));
      rotate_rows(a, n, k, k == l ? l : k - 1, col_end, g);
      if (k > l) T(k + 1, k - 1) = 0;
      rotate_columns(a, n, k, row_begin, std::min(k + 3, h + 1), g);
      if (vectors) rotate_columns(q.data(), n, k, 0, n, g);
    }
  }
  if (!vectors) return 0;

  // Eigenvector k of the triangular T: x_k = 1, x_j = 0 below, and for j < k
  // x_j = -(T[j, j+1:k+1] . x[j+1:k+1]) / (T[j, j] - w_k), the divisor kept off zero (a
  // repeated eigenvalue) as LAPACK's trevc keeps it. Then v_k = Q x, normalized.
  std::vector<cdouble> x(static_cast<size_t>(n)), col(static_cast<size_t>(n));
  const double big = 1.0 / safe_min;
  for (int64_t k = 0; k < n; ++k) {
    const cdouble lambda = T(k, k);
    const double smin = std::max(eps * std::abs(lambda), safe_min);
    std::fill(x.begin(), x.end(), cdouble(0));
    x[k] = 1;
    for (int64_t j = k - 1; j >= 0; --j) {
      cdouble s = 0;
      for (int64_t m = j + 1; m <= k; ++m) s += product(T(j, m), x[m]);
      cdouble d = T(j, j) - lambda;
      if (std::abs(d) < smin) d = smin;
      x[j] = -s / d;
      // A nearly defective matrix grows x fast: rescale before it overflows.
      const double ax = std::abs(x[j]);
      if (ax > big)
        for (int64_t m = j; m <= k; ++m) x[m] /= ax;
    }
    double norm2 = 0;
    for (int64_t i = 0; i < n; ++i) {
      cdouble s = 0;
      const cdouble* qrow = q.data() + i * n;
      for (int64_t m = 0; m <= k; ++m) s += product(qrow[m], x[m]);
      col[i] = s * scale[i];  // back from the balanced matrix's basis
      norm2 += std::norm(col[i]);
    }
    int64_t largest = 0;
    for (int64_t i = 1; i < n; ++i)
      if (std::norm(col[i]) > std::norm(col[largest])) largest = i;
    // Unit norm, and the largest component turned real and positive.
    const double al = std::abs(col[largest]);
    const cdouble turn = al == 0 ? cdouble(1) : std::conj(col[largest]) / al;
    const cdouble scale = turn / std::sqrt(norm2);
    for (int64_t i = 0; i < n; ++i) v[i * n + k] = product(col[i], scale);
    v[largest * n + k] = cdouble(std::real(v[largest * n + k]), 0);
  }
  return 0;
}

}  // namespace ember::cpu::linalg
