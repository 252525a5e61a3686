// LU with partial pivoting, its solve, Cholesky and triangular solves on one row-major float64
// matrix. Big LU factorizations are blocked: a panel of kBlock columns is factored unblocked,
// and the trailing matrix is updated by one call of the gemm kernel table, where nearly all
// the flops of a large factorization are. Triangular solves with many right-hand sides (inv)
// are blocked the same way.
#include <algorithm>
#include <cmath>
#include <utility>

#include "cpu/linalg.h"
#include "dispatch/kernels.h"

namespace ember::cpu::linalg {
namespace {

constexpr int64_t kBlock = 64;           // panel width of the blocked LU
constexpr int64_t kBlockedFrom = 128;    // n above which the blocked path runs

void swap_rows(double* a, int64_t lda, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  if (r0 == r1) return;
  for (int64_t j = c0; j < c1; ++j) std::swap(a[r0 * lda + j], a[r1 * lda + j]);
}

// Factors columns [c0, c1) of rows [c0, m) of an m x n matrix: picks pivots, swaps whole rows
// (every column of the matrix, as LAPACK's getrf does), scales the multipliers and updates only
// the panel's own columns. Returns the first zero pivot (1-based) or 0.
int64_t lu_panel(double* a, int64_t m, int64_t n, int64_t c0, int64_t c1, int64_t* pivots) {
  int64_t info = 0;
  for (int64_t j = c0; j < c1; ++j) {
    int64_t p = j;
    double best = std::abs(a[j * n + j]);
    for (int64_t i = j + 1; i < m; ++i) {
      const double v = std::abs(a[i * n + j]);
      if (v > best) best = v, p = i;
    }
    pivots[j] = p;
    swap_rows(a, n, j, p, 0, n);
    const double pivot = a[j * n + j];
    if (pivot == 0) {  // singular: record it, leave the column as it is and go on
      if (info == 0) info = j + 1;
      continue;
    }
    const double inv = 1.0 / pivot;
    for (int64_t i = j + 1; i < m; ++i) {
      double* row = a + i * n;
      const double l = row[j] *= inv;
      if (l == 0) continue;
      const double* prow = a + j * n;
      for (int64_t c = j + 1; c < c1; ++c) row[c] -= l * prow[c];
    }
  }
  return info;
}

}  // namespace

int64_t lu_factor(double* a, int64_t m, int64_t n, int64_t* pivots) {
  const int64_t steps = std::min(m, n);
  // Unblocked: the panel is every column (the columns past min(m, n) get updated too).
  if (steps <= kBlockedFrom) {
    int64_t info = lu_panel(a, m, n, 0, steps, pivots);
    // A wide matrix: columns [m, n) still need the updates of every step.
    if (n > steps) {
      for (int64_t j = 0; j < steps; ++j) {
        const double* prow = a + j * n;
        for (int64_t i = j + 1; i < m; ++i) {
          double* row = a + i * n;
          const double l = row[j];
          if (l == 0 || prow[j] == 0) continue;
          for (int64_t c = steps; c < n; ++c) row[c] -= l * prow[c];
        }
      }
    }
    return info;
  }
  int64_t info = 0;
  for (int64_t j = 0; j < steps; j += kBlock) {
    const int64_t jb = std::min(kBlock, steps - j), je = j + jb;
    const int64_t panel_info = lu_panel(a, m, n, j, je, pivots);
    if (info == 0 && panel_info != 0) info = panel_info;
    if (je >= n) break;
    // U12 = L11^-1 A12 (unit lower triangle of the panel), rows [j, je), columns [je, n).
    for (int64_t i = j + 1; i < je; ++i) {
      double* row = a + i * n;
      for (int64_t p = j; p < i; ++p) {
        const double l = row[p];
        if (l == 0) continue;
        const double* prow = a + p * n;
        for (int64_t c = je; c < n; ++c) row[c] -= l * prow[c];
      }
    }
    if (je >= m) continue;
    // A22 -= L21 @ U12 through the gemm table.
    GemmArgs g;
    g.dtype = kFloat64;
    g.m = m - je;
    g.n = n - je;
    g.k = jb;
    g.alpha = -1;
    g.beta = 1;
    g.a = a + je * n + j;
    g.a_rs = n;
    g.a_cs = 1;
    g.b = a + j * n + je;
    g.b_rs = n;
    g.b_cs = 1;
    g.c = a + je * n + je;
    g.c_rs = n;
    g.c_cs = 1;
    gemm_kernel.get(Device(), "lu_factor")(g);
  }
  return info;
}

void lu_solve(const double* lu, const int64_t* pivots, int64_t n, double* b, int64_t k) {
  for (int64_t i = 0; i < n; ++i) swap_rows(b, k, i, pivots[i], 0, k);
  triangular_solve(lu, n, b, k, /*upper=*/false, /*unit=*/true);
  triangular_solve(lu, n, b, k, /*upper=*/true, /*unit=*/false);
}

namespace {

// Substitution on an n x n triangle with leading dimension lda. Row-oriented: each solved row
// of b is subtracted from the rows below (lower) or above (upper) it, so the inner loop runs
// along contiguous rows of b.
void substitute(const double* a, int64_t lda, int64_t n, double* b, int64_t k, bool upper, bool unit) {
  for (int64_t step = 0; step < n; ++step) {
    const int64_t i = upper ? n - 1 - step : step;
    double* bi = b + i * k;
    const int64_t p0 = upper ? i + 1 : 0, p1 = upper ? n : i;
    for (int64_t p = p0; p < p1; ++p) {
      const double l = a[i * lda + p];
      if (l == 0) continue;
      const double* bp = b + p * k;
      for (int64_t c = 0; c < k; ++c) bi[c] -= l * bp[c];
    }
    if (!unit) {
      const double inv = 1.0 / a[i * lda + i];
      for (int64_t c = 0; c < k; ++c) bi[c] *= inv;
    }
  }
}

// c (m x k, row stride ldc) -= a (m x depth, row stride lda) @ b (depth x k, row stride ldb).
void gemm_subtract(const double* a, int64_t lda, const double* b, int64_t ldb, double* c, int64_t ldc,
                   int64_t m, int64_t k, int64_t depth) {
  if (m == 0 || k == 0 || depth == 0) return;
  GemmArgs g;
  g.dtype = kFloat64;
  g.m = m;
  g.n = k;
  g.k = depth;
  g.alpha = -1;
  g.beta = 1;
  g.a = a;
  g.a_rs = lda;
  g.a_cs = 1;
  g.b = b;
  g.b_rs = ldb;
  g.b_cs = 1;
  g.c = c;
  g.c_rs = ldc;
  g.c_cs = 1;
  gemm_kernel.get(Device(), "triangular_solve")(g);
}

}  // namespace

void triangular_solve(const double* a, int64_t n, double* b, int64_t k, bool upper, bool unit) {
  if (n <= kBlockedFrom || k < 16) {
    substitute(a, n, n, b, k, upper, unit);
    return;
  }
  // Blocked: each block of kBlock rows first takes the already solved rows off through one
  // gemm, then is solved against its diagonal block.
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  for (int64_t step = 0; step < blocks; ++step) {
    const int64_t blk = upper ? blocks - 1 - step : step;
    const int64_t i0 = blk * kBlock, ib = std::min(kBlock, n - i0);
    if (upper)
      gemm_subtract(a + i0 * n + i0 + ib, n, b + (i0 + ib) * k, k, b + i0 * k, k, ib, k, n - i0 - ib);
    else
      gemm_subtract(a + i0 * n, n, b, k, b + i0 * k, k, ib, k, i0);
    substitute(a + i0 * n + i0, n, ib, b + i0 * k, k, upper, unit);
  }
}

int64_t cholesky(double* a, int64_t n) {
  // Row by row (Cholesky-Banachiewicz): L[i][j] = (A[i][j] - L[i][:j] . L[j][:j]) / L[j][j].
  for (int64_t i = 0; i < n; ++i) {
    double* li = a + i * n;
    for (int64_t j = 0; j <= i; ++j) {
      const double* lj = a + j * n;
      double s = li[j];
      for (int64_t p = 0; p < j; ++p) s -= li[p] * lj[p];
      if (j == i) {
        if (!(s > 0)) return i + 1;  // also catches NaN
        li[i] = std::sqrt(s);
      } else {
        li[j] = s / lj[j];
      }
    }
    for (int64_t j = i + 1; j < n; ++j) li[j] = 0;
  }
  return 0;
}

}  // namespace ember::cpu::linalg
