#pragma once
// The CPU linear algebra kernels, one function per LinalgOp (see dispatch/kernels.h). Each
// solves one problem of the batch; linalg_register.cpp walks the batch in parallel.
#include <cstdint>

namespace ember::cpu::linalg {

// One m x n LU factorization in place (min(m, n) pivots); returns 0 or the 1-based index of the
// first zero pivot.
int64_t lu_factor(double* a, int64_t m, int64_t n, int64_t* pivots);
void lu_solve(const double* lu, const int64_t* pivots, int64_t n, double* b, int64_t k);
// Returns 0 or the order of the first leading minor that is not positive-definite.
int64_t cholesky(double* a, int64_t n);
void triangular_solve(const double* a, int64_t n, double* b, int64_t k, bool upper, bool unit);
void qr(double* a, int64_t m, int64_t n, double* q, int64_t kq);
void eigh(double* a, int64_t n, double* w, double* v);
void svd(double* a, int64_t m, int64_t n, double* s, double* u, double* vh, bool full);

}  // namespace ember::cpu::linalg
