// Front-ends of the linear algebra factorizations (torch.linalg names and semantics): check the
// arguments, copy the input into a float64 work buffer, run the kernel over the flattened batch,
// and return results in the input's dtype. float32 inputs are thus factored in float64, which
// costs time but keeps the Jacobi and LU results accurate to float32 rounding. Complex inputs of
// the functions that take them go to linalg_complex.cpp right after the device check; the others
// refuse complex (check_float).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ops/linalg_common.h"
#include "ops/linalg_complex.h"

namespace ember {
using namespace linalg_detail;

namespace {

struct LuResult {
  Tensor lu, pivots, info;  // float64 (*, m, n), int64 (*, min(m, n)) 0-based, int64 (*)
};

LuResult lu_factor_f64(const Tensor& A, const char* op) {
  const int64_t m = A.size(-2), n = A.size(-1);
  LuResult r;
  r.lu = work_copy(A);
  IntArray piv_shape = batch_shape(A);
  r.info = zeros(piv_shape, TensorOptions(kInt64));
  piv_shape.push_back(std::min(m, n));
  r.pivots = empty(piv_shape, TensorOptions(kInt64));
  LinalgArgs args;
  args.batch = r.info.numel();
  args.m = m;
  args.n = n;
  args.a = r.lu.data_ptr<double>();
  args.pivots = r.pivots.data_ptr<int64_t>();
  args.info = r.info.data_ptr<int64_t>();
  run(LinalgOp::LuFactor, args, op);
  return r;
}

// Solves A X = B for a contiguous float64 B of shape (*, n, k) whose batch matches A's; returns
// the failing batch element or -1 (X then holds garbage).
int64_t lu_solve_in_place(const Tensor& A, Tensor& B, const char* op) {
  const LuResult lu = lu_factor_f64(A, op);
  const int64_t bad = first_failure(lu.info);
  if (bad >= 0) return bad;
  LinalgArgs args;
  args.batch = lu.info.numel();
  args.n = A.size(-1);
  args.k = B.size(-1);
  args.a = lu.lu.data_ptr<double>();
  args.pivots = lu.pivots.data_ptr<int64_t>();
  args.b = B.data_ptr<double>();
  run(LinalgOp::LuSolve, args, op);
  return -1;
}

}  // namespace

// ---- inverse and determinants ---------------------------------------------------------------

std::tuple<Tensor, Tensor> linalg_inv_ex(const Tensor& A, bool check_errors) {
  if (const auto d = off_host("linalg.inv", {&A})) return to_device(linalg_inv_ex(host(A), check_errors), *d);
  if (is_complex(A.dtype())) return linalg_complex::inv_ex(A, check_errors);
  check_square(A, "linalg.inv");
  const int64_t n = A.size(-1);
  const LuResult lu = lu_factor_f64(A, "linalg.inv");
  const int64_t bad = first_failure(lu.info);
  EMBER_CHECK(!(check_errors && bad >= 0), "linalg.inv: ", batch_prefix(A, bad), "The diagonal element ",
              bad >= 0 ? lu.info.data_ptr<int64_t>()[bad] : 0,
              " is zero, the inversion could not be completed because the input matrix is singular.");
  Tensor X = identity_batch(batch_shape(A), n, kFloat64);
  if (bad < 0) {
    LinalgArgs args;
    args.batch = lu.info.numel();
    args.n = n;
    args.k = n;
    args.a = lu.lu.data_ptr<double>();
    args.pivots = lu.pivots.data_ptr<int64_t>();
    args.b = X.data_ptr<double>();
    run(LinalgOp::LuSolve, args, "linalg.inv");
  } else {
    // Solve element by element so the singular ones keep their (infinite / NaN) results
    // away from the others, as LAPACK leaves them; the info tensor reports which failed.
    const int64_t count = lu.info.numel();
    for (int64_t b = 0; b < count; ++b) {
      LinalgArgs args;
      args.batch = 1;
      args.n = n;
      args.k = n;
      args.a = lu.lu.data_ptr<double>() + b * n * n;
      args.pivots = lu.pivots.data_ptr<int64_t>() + b * n;
      args.b = X.data_ptr<double>() + b * n * n;
      run(LinalgOp::LuSolve, args, "linalg.inv");
    }
  }
  return {X.to(A.dtype()), lu.info.to(kInt32)};
}

Tensor linalg_inv(const Tensor& A) { return std::get<0>(linalg_inv_ex(A, /*check_errors=*/true)); }

std::tuple<Tensor, Tensor> linalg_slogdet(const Tensor& A) {
  if (const auto d = off_host("linalg.slogdet", {&A})) return to_device(linalg_slogdet(host(A)), *d);
  if (is_complex(A.dtype())) return linalg_complex::slogdet(A);
  check_square(A, "linalg.slogdet");
  const int64_t n = A.size(-1);
  const LuResult lu = lu_factor_f64(A, "linalg.slogdet");
  const IntArray batch = batch_shape(A);
  Tensor sign = empty(batch, TensorOptions(kFloat64)), logabs = empty(batch, TensorOptions(kFloat64));
  const double* f = lu.lu.data_ptr<double>();
  const int64_t* piv = lu.pivots.data_ptr<int64_t>();
  for (int64_t b = 0; b < lu.info.numel(); ++b) {
    double s = 1, l = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double d = f[(b * n + i) * n + i];
      if (piv[b * n + i] != i) s = -s;
      if (d < 0) s = -s;
      if (d == 0 || std::isnan(d)) s = d == 0 ? 0 : d;
      l += std::log(std::abs(d));
    }
    sign.data_ptr<double>()[b] = s;
    logabs.data_ptr<double>()[b] = l;
  }
  return {sign.to(A.dtype()), logabs.to(A.dtype())};
}

Tensor linalg_det(const Tensor& A) {
  if (const auto d = off_host("linalg.det", {&A})) return to_device(linalg_det(host(A)), *d);
  if (is_complex(A.dtype())) return linalg_complex::det(A);
  check_square(A, "linalg.det");
  // The product of the pivots, rather than sign * exp(logabsdet), which rounds.
  const int64_t n = A.size(-1);
  const LuResult lu = lu_factor_f64(A, "linalg.det");
  Tensor det = empty(batch_shape(A), TensorOptions(kFloat64));
  const double* f = lu.lu.data_ptr<double>();
  const int64_t* piv = lu.pivots.data_ptr<int64_t>();
  for (int64_t b = 0; b < lu.info.numel(); ++b) {
    double d = 1;
    for (int64_t i = 0; i < n; ++i) {
      d *= f[(b * n + i) * n + i];
      if (piv[b * n + i] != i) d = -d;
    }
    det.data_ptr<double>()[b] = d;
  }
  return det.to(A.dtype());
}

// ---- LU -------------------------------------------------------------------------------------

namespace {

std::tuple<Tensor, Tensor, Tensor> lu_factor_ex_impl(const Tensor& A, bool pivot, bool check_errors, const char* op) {
  if (const auto d = off_host(op, {&A})) return to_device(lu_factor_ex_impl(host(A), pivot, check_errors, op), *d);
  if (is_complex(A.dtype())) return linalg_complex::lu_factor_ex(A, pivot, check_errors, op);
  check_matrix(A, op);
  EMBER_CHECK_VALUE(pivot, op, ": LU without pivoting is not implemented on the CPU");
  const LuResult lu = lu_factor_f64(A, op);
  const int64_t bad = first_failure(lu.info);
  EMBER_CHECK(!(check_errors && bad >= 0), op, ": ", batch_prefix(A, bad), "U[",
              bad >= 0 ? lu.info.data_ptr<int64_t>()[bad] : 0, ",", bad >= 0 ? lu.info.data_ptr<int64_t>()[bad] : 0,
              "] is zero and using it on lu_solve would result in a division by zero. If you still want to perform "
              "the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)");
  // LAPACK's convention: 1-based int32 pivots.
  Tensor pivots = add(lu.pivots, scalar_tensor(1, kInt64)).to(kInt32);
  return {lu.lu.to(A.dtype()), pivots, lu.info.to(kInt32)};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& A, bool pivot, bool check_errors) {
  return lu_factor_ex_impl(A, pivot, check_errors, "linalg.lu_factor_ex");
}

std::tuple<Tensor, Tensor> linalg_lu_factor(const Tensor& A, bool pivot) {
  auto [lu, pivots, info] = lu_factor_ex_impl(A, pivot, /*check_errors=*/true, "linalg.lu_factor");
  return {lu, pivots};
}

// The permutation of the rows that LAPACK's swap sequence applies: row r of P^T A is row
// perm[r] of A, for each batch element (perm is int64 (*, m)).
Tensor linalg_detail::pivots_to_permutation(const Tensor& pivots, int64_t m, const char* op) {
  const Tensor piv = pivots.to(kInt64).contiguous();
  const int64_t k = piv.size(-1);
  IntArray shape(piv.shape().begin(), piv.shape().end() - 1);
  const int64_t count = numel_of(shape);
  shape.push_back(m);
  Tensor perm = empty(shape, TensorOptions(kInt64));
  const int64_t* p = piv.data_ptr<int64_t>();
  int64_t* out = perm.data_ptr<int64_t>();
  for (int64_t b = 0; b < count; ++b) {
    int64_t* row = out + b * m;
    for (int64_t i = 0; i < m; ++i) row[i] = i;
    for (int64_t i = 0; i < k; ++i) {
      const int64_t j = p[b * k + i] - 1;
      EMBER_CHECK_VALUE(j >= i && j < m, op, ": pivots must be in [", i + 1, ", ", m, "] at position ", i,
                        ", but got ", j + 1);
      std::swap(row[i], row[j]);
    }
  }
  return perm;
}

Tensor linalg_lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint) {
  if (const auto d = off_host("linalg.lu_solve", {&LU, &pivots, &B}))
    return to_device(linalg_lu_solve(host(LU), host(pivots), host(B), left, adjoint), *d);
  if (is_complex(LU.dtype()) || is_complex(B.dtype())) return linalg_complex::lu_solve(LU, pivots, B, left, adjoint);
  const char* op = "linalg.lu_solve";
  check_square(LU, op, "LU");
  check_matrix(B, op, "B");
  EMBER_CHECK_TYPE(LU.dtype() == B.dtype(), op, ": expected LU and B to have the same dtype, but got ",
                   dtype_name(LU.dtype()), " and ", dtype_name(B.dtype()));
  EMBER_CHECK_TYPE(pivots.dtype() == kInt32 || pivots.dtype() == kInt64, op, ": pivots must be int32, but got ",
                   dtype_name(pivots.dtype()));
  const int64_t n = LU.size(-1);
  EMBER_CHECK_SHAPE(pivots.dim() >= 1 && pivots.size(-1) == n &&
                        IntArray(pivots.shape().begin(), pivots.shape().end() - 1) == batch_shape(LU),
                    op, ": pivots of shape ", shape_str(pivots.shape()), " do not match LU of shape ",
                    shape_str(LU.shape()));
  if (!left) adjoint = !adjoint;  // X A = B  <=>  A^T X^T = B^T
  const Tensor Bm = left ? B : B.transpose(-2, -1);
  EMBER_CHECK_SHAPE(Bm.size(-2) == n, op, ": Incompatible shapes of A and B for the equation ",
                    left ? "AX = B" : "XA = B", " (", matrix_str(LU), " and ", matrix_str(B), ")");
  const IntArray batch = broadcast_shapes(batch_shape(LU), batch_shape(Bm), op);
  const int64_t k = Bm.size(-1), count = numel_of(batch);
  Tensor X = f64_empty(with_matrix(batch, n, k));
  if (X.numel() == 0) return (left ? X : X.transpose(-2, -1)).to(B.dtype()).contiguous();
  X.copy_(Bm.expand(with_matrix(batch, n, k)));
  IntArray piv_full = batch;
  piv_full.push_back(n);
  const Tensor perm = pivots_to_permutation(pivots.expand(piv_full), n, op);
  // P^T A = L U. A X = B: X = U^-1 L^-1 (P^T B). A^T X = B: X = P (L^-T U^-T B).
  const Tensor F = work_copy((adjoint ? LU.transpose(-2, -1) : LU).expand(with_matrix(batch, n, n)));
  const int64_t* pm = perm.data_ptr<int64_t>();
  double* x = X.data_ptr<double>();
  std::vector<double> row_buf(static_cast<size_t>(n * k));
  auto permute_rows = [&](bool inverse) {
    for (int64_t b = 0; b < count; ++b) {
      double* xb = x + b * n * k;
      std::copy(xb, xb + n * k, row_buf.begin());
      for (int64_t r = 0; r < n; ++r) {
        const int64_t src = inverse ? r : pm[b * n + r], dst = inverse ? pm[b * n + r] : r;
        std::copy(row_buf.begin() + src * k, row_buf.begin() + (src + 1) * k, xb + dst * k);
      }
    }
  };
  LinalgArgs args;
  args.batch = count;
  args.n = n;
  args.k = k;
  args.a = F.data_ptr<double>();
  args.b = x;
  if (!adjoint) {
    permute_rows(false);
    args.upper = false, args.unitriangular = true;  // L
    run(LinalgOp::TriangularSolve, args, op);
    args.upper = true, args.unitriangular = false;  // U
    run(LinalgOp::TriangularSolve, args, op);
  } else {
    args.upper = false, args.unitriangular = false;  // U^T: the lower triangle of F
    run(LinalgOp::TriangularSolve, args, op);
    args.upper = true, args.unitriangular = true;  // L^T: the strict upper triangle of F
    run(LinalgOp::TriangularSolve, args, op);
    permute_rows(true);
  }
  return (left ? X : X.transpose(-2, -1)).to(B.dtype()).contiguous();
}

std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots, bool unpack_data,
                                             bool unpack_pivots) {
  if (const auto d = off_host("lu_unpack", {&LU, &pivots}))
    return to_device(lu_unpack(host(LU), host(pivots), unpack_data, unpack_pivots), *d);
  if (is_complex(LU.dtype())) return linalg_complex::lu_unpack(LU, pivots, unpack_data, unpack_pivots);
  const char* op = "lu_unpack";
  check_matrix(LU, op, "LU");
  const int64_t m = LU.size(-2), n = LU.size(-1), k = std::min(m, n);
  const IntArray batch = batch_shape(LU);
  const int64_t count = numel_of(batch);
  Tensor P = f64_empty({0}), L = f64_empty({0}), U = f64_empty({0});
  if (unpack_pivots) {
    EMBER_CHECK_SHAPE(pivots.dim() >= 1 && pivots.size(-1) == k, op, ": pivots of shape ", shape_str(pivots.shape()),
                      " do not match LU of shape ", shape_str(LU.shape()));
    IntArray piv_full = batch;
    piv_full.push_back(k);
    const Tensor perm = pivots_to_permutation(pivots.expand(piv_full), m, op);
    P = zeros(with_matrix(batch, m, m), TensorOptions(kFloat64));
    for (int64_t b = 0; b < count; ++b)
      for (int64_t r = 0; r < m; ++r) P.data_ptr<double>()[(b * m + perm.data_ptr<int64_t>()[b * m + r]) * m + r] = 1;
  }
  if (unpack_data) {
    const Tensor F = work_copy(LU);
    L = zeros(with_matrix(batch, m, k), TensorOptions(kFloat64));
    U = zeros(with_matrix(batch, k, n), TensorOptions(kFloat64));
    const double* f = F.data_ptr<double>();
    double* l = L.data_ptr<double>();
    double* u = U.data_ptr<double>();
    for (int64_t b = 0; b < count; ++b)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          const double v = f[(b * m + i) * n + j];
          if (j < i && j < k) l[(b * m + i) * k + j] = v;
          if (i == j && i < k) l[(b * m + i) * k + j] = 1;
          if (j >= i && i < k) u[(b * k + i) * n + j] = v;
        }
  }
  return {P.to(LU.dtype()), L.to(LU.dtype()), U.to(LU.dtype())};
}

std::tuple<Tensor, Tensor, Tensor> linalg_lu(const Tensor& A, bool pivot) {
  auto [lu, pivots, info] = lu_factor_ex_impl(A, pivot, /*check_errors=*/false, "linalg.lu");
  return lu_unpack(lu, pivots, true, true);
}

// ---- solves -----------------------------------------------------------------------------------

Tensor linalg_solve(const Tensor& A, const Tensor& B, bool left) {
  if (const auto d = off_host("linalg.solve", {&A, &B})) return to_device(linalg_solve(host(A), host(B), left), *d);
  if (is_complex(A.dtype()) || is_complex(B.dtype())) return linalg_complex::solve(A, B, left);  // promotes
  check_square(A, "linalg.solve");
  check_float(B, "linalg.solve", "B");
  EMBER_CHECK_TYPE(A.dtype() == B.dtype(), "linalg.solve: expected A and B to have the same dtype, but got ",
                   dtype_name(A.dtype()), " and ", dtype_name(B.dtype()));
  const int64_t n = A.size(-1);
  // B is a (batch of) vector(s) when it is 1-D, or when its shape is A's without the last dim.
  const IntArray a_batch = batch_shape(A);
  const bool vector = B.dim() == 1 || (B.dim() == A.dim() - 1 && IntArray(B.shape().begin(), B.shape().end()) ==
                                                                     IntArray(A.shape().begin(), A.shape().end() - 1));
  EMBER_CHECK_SHAPE(B.dim() >= 1, "linalg.solve: B must have at least 1 dimension, but got shape ",
                    shape_str(B.shape()));
  EMBER_CHECK_SHAPE(!(vector && !left), "linalg.solve: vector B (shape ", shape_str(B.shape()),
                    ") is not supported with left=False; B must be a matrix (*, k, n)");
  Tensor Bm = vector ? B.unsqueeze(-1) : B;
  EMBER_CHECK_SHAPE(Bm.dim() >= 2, "linalg.solve: B must have at least 1 dimension");
  Tensor Am = A;
  if (!left) {  // X A = B  <=>  A^T X^T = B^T
    Am = A.transpose(-2, -1);
    Bm = Bm.transpose(-2, -1);
  }
  EMBER_CHECK_SHAPE(Bm.size(-2) == n, "linalg.solve: Incompatible shapes of A and B for the equation ",
                    left ? "AX = B" : "XA = B", " (", matrix_str(A), " and ", matrix_str(B), ")");
  const IntArray batch = broadcast_shapes(a_batch, batch_shape(Bm), "linalg.solve");
  const int64_t k = Bm.size(-1);
  Tensor X = f64_empty(with_matrix(batch, n, k));
  if (X.numel() > 0) X.copy_(Bm.expand(with_matrix(batch, n, k)));
  const Tensor Ae = Am.expand(with_matrix(batch, n, n));
  if (numel_of(batch) > 0 && n > 0) {
    const int64_t bad = lu_solve_in_place(Ae, X, "linalg.solve");
    EMBER_CHECK(bad < 0, "linalg.solve: ", batch_prefix(Ae, bad),
                "The solver failed because the input matrix is singular.");
  }
  Tensor result = left ? X : X.transpose(-2, -1);
  if (vector) result = result.squeeze(-1);
  return result.to(A.dtype()).contiguous();
}

Tensor linalg_solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left, bool unitriangular) {
  if (const auto d = off_host("linalg.solve_triangular", {&A, &B}))
    return to_device(linalg_solve_triangular(host(A), host(B), upper, left, unitriangular), *d);
  if (is_complex(A.dtype()) || is_complex(B.dtype()))
    return linalg_complex::solve_triangular(A, B, upper, left, unitriangular);
  check_square(A, "linalg.solve_triangular");
  check_matrix(B, "linalg.solve_triangular", "B");
  EMBER_CHECK_TYPE(A.dtype() == B.dtype(), "linalg.solve_triangular: expected A and B to have the same dtype, but got ",
                   dtype_name(A.dtype()), " and ", dtype_name(B.dtype()));
  const int64_t n = A.size(-1);
  Tensor Am = A, Bm = B;
  if (!left) {  // X A = B  <=>  A^T X^T = B^T, and A^T swaps the triangles
    Am = A.transpose(-2, -1);
    Bm = B.transpose(-2, -1);
    upper = !upper;
  }
  EMBER_CHECK_SHAPE(Bm.size(-2) == n, "linalg.solve_triangular: Incompatible shapes of A and B for the equation ",
                    left ? "AX = B" : "XA = B", " (", matrix_str(A), " and ", matrix_str(B), ")");
  const IntArray batch = broadcast_shapes(batch_shape(Am), batch_shape(Bm), "linalg.solve_triangular");
  const int64_t k = Bm.size(-1);
  Tensor X = f64_empty(with_matrix(batch, n, k));
  if (X.numel() > 0) X.copy_(Bm.expand(with_matrix(batch, n, k)));
  const Tensor Aw = work_copy(Am.expand(with_matrix(batch, n, n)));
  LinalgArgs args;
  args.batch = numel_of(batch);
  args.n = n;
  args.k = k;
  args.a = Aw.data_ptr<double>();
  args.b = X.data_ptr<double>();
  args.upper = upper;
  args.unitriangular = unitriangular;
  if (n > 0 && k > 0) run(LinalgOp::TriangularSolve, args, "linalg.solve_triangular");
  return (left ? X : X.transpose(-2, -1)).to(A.dtype()).contiguous();
}

std::tuple<Tensor, Tensor> triangular_solve(const Tensor& b, const Tensor& A, bool upper, bool transpose,
                                            bool unitriangular) {
  if (const auto d = off_host("triangular_solve", {&b, &A}))
    return to_device(triangular_solve(host(b), host(A), upper, transpose, unitriangular), *d);
  check_square(A, "triangular_solve");
  const Tensor At = transpose ? A.transpose(-2, -1) : A;
  Tensor X = linalg_solve_triangular(At, b, transpose ? !upper : upper, /*left=*/true, unitriangular);
  const IntArray batch = broadcast_shapes(batch_shape(A), batch_shape(b), "triangular_solve");
  return {X, A.expand(with_matrix(batch, A.size(-2), A.size(-1))).contiguous()};
}

// ---- Cholesky ---------------------------------------------------------------------------------

std::tuple<Tensor, Tensor> linalg_cholesky_ex(const Tensor& A, bool upper, bool check_errors) {
  if (const auto d = off_host("linalg.cholesky", {&A})) return to_device(linalg_cholesky_ex(host(A), upper, check_errors), *d);
  check_square(A, "linalg.cholesky");
  const int64_t n = A.size(-1);
  // Only the lower triangle is read, as LAPACK's potrf does.
  Tensor L = work_copy(A);
  Tensor info = zeros(batch_shape(A), TensorOptions(kInt64));
  LinalgArgs args;
  args.batch = info.numel();
  args.n = n;
  args.a = L.data_ptr<double>();
  args.info = info.data_ptr<int64_t>();
  run(LinalgOp::Cholesky, args, "linalg.cholesky");
  const int64_t bad = first_failure(info);
  EMBER_CHECK(!(check_errors && bad >= 0), "linalg.cholesky: ", batch_prefix(A, bad),
              "The factorization could not be completed because the input is not positive-definite (the leading "
              "minor of order ", bad >= 0 ? info.data_ptr<int64_t>()[bad] : 0, " is not positive-definite).");
  Tensor result = upper ? L.transpose(-2, -1).contiguous() : L;
  return {result.to(A.dtype()), info.to(kInt32)};
}

Tensor linalg_cholesky(const Tensor& A, bool upper) {
  return std::get<0>(linalg_cholesky_ex(A, upper, /*check_errors=*/true));
}

// ---- QR ---------------------------------------------------------------------------------------

std::tuple<Tensor, Tensor> linalg_qr(const Tensor& A, const std::string& mode) {
  if (const auto d = off_host("linalg.qr", {&A})) return to_device(linalg_qr(host(A), mode), *d);
  check_matrix(A, "linalg.qr");
  EMBER_CHECK_VALUE(mode == "reduced" || mode == "complete" || mode == "r",
                    "linalg.qr: mode must be 'reduced', 'complete' or 'r', but got '", mode, "'");
  const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
  const IntArray batch = batch_shape(A);
  Tensor R = work_copy(A);
  const int64_t kq = mode == "complete" ? m : k;
  Tensor Q = mode == "r" ? f64_empty({0}) : f64_empty(with_matrix(batch, m, kq));
  LinalgArgs args;
  args.batch = numel_of(batch);
  args.m = m;
  args.n = n;
  args.k = kq;
  args.a = R.data_ptr<double>();
  args.c = mode == "r" ? nullptr : Q.data_ptr<double>();
  if (mode != "r" && m * kq > 0 && n == 0)  // nothing to reflect: Q is the identity
    Q.copy_(identity_batch(batch, m, kFloat64).narrow(-1, 0, kq));
  if (m * n > 0) run(LinalgOp::Qr, args, "linalg.qr");
  // R is k x n, or m x n in complete mode.
  const Tensor Rk = mode == "complete" ? R : R.narrow(-2, 0, k);
  return {Q.to(A.dtype()), Rk.to(A.dtype()).contiguous()};
}

// ---- symmetric eigenvalues and the SVD --------------------------------------------------------

namespace {

std::tuple<Tensor, Tensor> eigh_impl(const Tensor& A, const std::string& UPLO, bool vectors, const char* op) {
  if (const auto d = off_host(op, {&A})) return to_device(eigh_impl(host(A), UPLO, vectors, op), *d);
  check_square(A, op);
  EMBER_CHECK_VALUE(UPLO == "L" || UPLO == "U", op, ": UPLO must be 'L' or 'U', but got '", UPLO, "'");
  const int64_t n = A.size(-1);
  const IntArray batch = batch_shape(A);
  // Only the chosen triangle is read: mirror it onto the other one.
  Tensor S = work_copy(A);
  double* s = S.data_ptr<double>();
  const bool lower = UPLO == "L";
  for (int64_t b = 0; b < numel_of(batch); ++b)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j) {
        double* m = s + b * n * n;
        if (lower) m[i * n + j] = m[j * n + i];
        else m[j * n + i] = m[i * n + j];
      }
  IntArray wshape = batch;
  wshape.push_back(n);
  Tensor W = f64_empty(wshape);
  Tensor V = vectors ? f64_empty(with_matrix(batch, n, n)) : f64_empty({0});
  LinalgArgs args;
  args.batch = numel_of(batch);
  args.n = n;
  args.a = s;
  args.b = W.data_ptr<double>();
  args.c = vectors ? V.data_ptr<double>() : nullptr;
  if (n > 0) run(LinalgOp::Eigh, args, op);
  return {W.to(A.dtype()), V.to(A.dtype())};
}

std::tuple<Tensor, Tensor, Tensor> svd_impl(const Tensor& A, bool full_matrices, bool vectors, const char* op) {
  if (const auto d = off_host(op, {&A})) return to_device(svd_impl(host(A), full_matrices, vectors, op), *d);
  check_matrix(A, op);
  const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
  const IntArray batch = batch_shape(A);
  const int64_t ku = full_matrices ? m : k, kv = full_matrices ? n : k;
  Tensor W = work_copy(A);
  IntArray sshape = batch;
  sshape.push_back(k);
  Tensor S = f64_empty(sshape);
  Tensor U = vectors ? f64_empty(with_matrix(batch, m, ku)) : f64_empty({0});
  Tensor Vh = vectors ? f64_empty(with_matrix(batch, kv, n)) : f64_empty({0});
  if (numel_of(batch) > 0 && (m == 0 || n == 0) && vectors) {
    // No singular values; the full factors are identities.
    U.copy_(identity_batch(batch, m, kFloat64).narrow(-1, 0, ku));
    Vh.copy_(identity_batch(batch, n, kFloat64).narrow(-2, 0, kv));
  }
  LinalgArgs args;
  args.batch = numel_of(batch);
  args.m = m;
  args.n = n;
  args.a = W.data_ptr<double>();
  args.b = S.data_ptr<double>();
  args.c = vectors ? U.data_ptr<double>() : nullptr;
  args.d = vectors ? Vh.data_ptr<double>() : nullptr;
  args.full = full_matrices;
  if (m > 0 && n > 0) run(LinalgOp::Svd, args, op);
  return {U.to(A.dtype()), S.to(A.dtype()), Vh.to(A.dtype())};
}

}  // namespace

std::tuple<Tensor, Tensor> linalg_eigh(const Tensor& A, const std::string& UPLO) {
  return eigh_impl(A, UPLO, true, "linalg.eigh");
}

Tensor linalg_eigvalsh(const Tensor& A, const std::string& UPLO) {
  return std::get<0>(eigh_impl(A, UPLO, false, "linalg.eigvalsh"));
}

std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& A, bool full_matrices) {
  return svd_impl(A, full_matrices, true, "linalg.svd");
}

Tensor linalg_svdvals(const Tensor& A) { return std::get<1>(svd_impl(A, false, false, "linalg.svdvals")); }

}  // namespace ember
