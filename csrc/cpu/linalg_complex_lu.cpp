// LU with partial pivoting, its solve and triangular solves on one row-major std::complex<double>
// matrix: the complex inputs of linalg.solve, inv, det, slogdet and the LU functions. Unblocked
// (the complex GEMM goes through a real GEMM on split parts, which would need copies per panel);
// the inner loops multiply through linalg_complex_math.h.
#include <algorithm>
#include <cmath>
#include <utility>

#include "cpu/linalg.h"
#include "cpu/linalg_complex_math.h"

namespace ember::cpu::linalg {
namespace {

void swap_rows(cdouble* a, int64_t lda, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  if (r0 == r1) return;
  for (int64_t j = c0; j < c1; ++j) std::swap(a[r0 * lda + j], a[r1 * lda + j]);
}

}  // namespace

int64_t lu_factor_complex(cdouble* a, int64_t m, int64_t n, int64_t* pivots) {
  // Right-looking: step j picks the row of largest modulus in column j (|z|^2 orders as |z| and
  // needs no square root), swaps whole rows as LAPACK's getrf does, scales the multipliers and
  // updates every later column, those past min(m, n) of a wide matrix included.
  int64_t info = 0;
  const int64_t steps = std::min(m, n);
  for (int64_t j = 0; j < steps; ++j) {
    int64_t p = j;
    double best = std::norm(a[j * n + j]);
    for (int64_t i = j + 1; i < m; ++i) {
      const double v = std::norm(a[i * n + j]);
      if (v > best) best = v, p = i;
    }
    pivots[j] = p;
    swap_rows(a, n, j, p, 0, n);
    const cdouble pivot = a[j * n + j];
    if (pivot == cdouble(0)) {  // singular: record it, leave the column as it is and go on
      if (info == 0) info = j + 1;
      continue;
    }
    const cdouble inv = 1.0 / pivot;
    const cdouble* prow = a + j * n;
    for (int64_t i = j + 1; i < m; ++i) {
      cdouble* row = a + i * n;
      const cdouble l = row[j] = product(row[j], inv);
      if (l == cdouble(0)) continue;
      for (int64_t c = j + 1; c < n; ++c) sub_product(row[c], l, prow[c]);
    }
  }
  return info;
}

void triangular_solve_complex(const cdouble* a, int64_t n, cdouble* b, int64_t k, bool upper, bool unit) {
  // Row-oriented substitution: each solved row of b is subtracted from the rows still to
  // solve, so the inner loop runs along contiguous rows of b.
  for (int64_t step = 0; step < n; ++step) {
    const int64_t i = upper ? n - 1 - step : step;
    cdouble* bi = b + i * k;
    const int64_t p0 = upper ? i + 1 : 0, p1 = upper ? n : i;
    for (int64_t p = p0; p < p1; ++p) {
      const cdouble l = a[i * n + p];
      if (l == cdouble(0)) continue;
      const cdouble* bp = b + p * k;
      for (int64_t c = 0; c < k; ++c) sub_product(bi[c], l, bp[c]);
    }
    if (!unit) {
      // A zero diagonal divides by zero, giving infinities and NaNs as the real path does.
      const cdouble inv = 1.0 / a[i * n + i];
      for (int64_t c = 0; c < k; ++c) bi[c] = product(bi[c], inv);
    }
  }
}

void lu_solve_complex(const cdouble* lu, const int64_t* pivots, int64_t n, cdouble* b, int64_t k) {
  for (int64_t i = 0; i < n; ++i) swap_rows(b, k, i, pivots[i], 0, k);
  triangular_solve_complex(lu, n, b, k, /*upper=*/false, /*unit=*/true);
  triangular_solve_complex(lu, n, b, k, /*upper=*/true, /*unit=*/false);
}

}  // namespace ember::cpu::linalg
