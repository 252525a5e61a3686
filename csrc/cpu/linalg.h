#pragma once
// The CPU linear algebra kernels, one function per LinalgOp (see dispatch/kernels.h). Each
// solves one problem of the batch; linalg_register.cpp walks the batch in parallel.
#include <complex>
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

// The complex counterparts (linalg_complex_lu.cpp): the same contracts on std::complex<double>
// matrices; pivots are chosen by the largest modulus.
using cdouble = std::complex<double>;
int64_t lu_factor_complex(cdouble* a, int64_t m, int64_t n, int64_t* pivots);
void lu_solve_complex(const cdouble* lu, const int64_t* pivots, int64_t n, cdouble* b, int64_t k);
void triangular_solve_complex(const cdouble* a, int64_t n, cdouble* b, int64_t k, bool upper, bool unit);
// Eigenvalues w (n) of a general complex n x n matrix a (destroyed), and its unit-norm
// eigenvectors as the columns of v (n x n) when v is not null (linalg_eig.cpp). Returns 0, or
// 1 + the index of the eigenvalue on which the QR iteration did not converge.
int64_t eig(cdouble* a, int64_t n, cdouble* w, cdouble* v);

}  // namespace ember::cpu::linalg
