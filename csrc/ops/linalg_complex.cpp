// Complex front-ends of the linear algebra functions (torch.linalg names and semantics):
// complex64/complex128 operands of inv, det, slogdet, the LU functions, solve and
// solve_triangular, reached from linalg_decomp.cpp's functions, and linalg.eig/eigvals for real
// or complex inputs. Operands are copied into complex128 work buffers (computing in
// complex<double>, as the real paths compute in double) and results come back in the input's
// dtype; eig's results are always complex.
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "ops/linalg_common.h"
#include "ops/linalg_complex.h"

namespace ember {
using namespace linalg_detail;

namespace {

using cdouble = std::complex<double>;

Tensor c128_empty(const IntArray& shape) { return empty(shape, TensorOptions(kComplex128)); }

// A fresh contiguous complex128 copy of t, real or complex (the kernels work in place on it).
Tensor complex_work_copy(const Tensor& t) {
  Tensor w = c128_empty(t.shape());
  if (w.numel() > 0) w.copy_(t);
  return w;
}

cdouble* cdata(const Tensor& t) { return t.data_ptr<cdouble>(); }
// The kernels' view of a complex128 buffer: interleaved (re, im) doubles.
double* raw(const Tensor& t) { return reinterpret_cast<double*>(t.data_ptr<cdouble>()); }

void conjugate_in_place(Tensor& t) {
  cdouble* p = cdata(t);
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = std::conj(p[i]);
}

struct LuResult {
  Tensor lu, pivots, info;  // complex128 (*, m, n), int64 (*, min(m, n)) 0-based, int64 (*)
};

LuResult lu_factor_c128(const Tensor& A, const char* op) {
  const int64_t m = A.size(-2), n = A.size(-1);
  LuResult r;
  r.lu = complex_work_copy(A);
  IntArray piv_shape = batch_shape(A);
  r.info = zeros(piv_shape, TensorOptions(kInt64));
  piv_shape.push_back(std::min(m, n));
  r.pivots = empty(piv_shape, TensorOptions(kInt64));
  LinalgArgs args;
  args.complex = true;
  args.batch = r.info.numel();
  args.m = m;
  args.n = n;
  args.a = raw(r.lu);
  args.pivots = r.pivots.data_ptr<int64_t>();
  args.info = r.info.data_ptr<int64_t>();
  run(LinalgOp::LuFactor, args, op);
  return r;
}

// Solves the LU-factored systems in place: b (*, n, k) <- A^-1 b, batch element by element
// from `first` on (a singular element keeps its infinities and NaNs to itself).
void lu_solve_factored(const LuResult& lu, Tensor& X, int64_t n, int64_t k, int64_t first, int64_t count,
                       const char* op) {
  LinalgArgs args;
  args.complex = true;
  args.batch = count;
  args.n = n;
  args.k = k;
  args.a = raw(lu.lu) + 2 * first * n * n;
  args.pivots = lu.pivots.data_ptr<int64_t>() + first * n;
  args.b = raw(X) + 2 * first * n * k;
  run(LinalgOp::LuSolve, args, op);
}

}  // namespace

namespace linalg_complex {

// ---- inverse and determinants ---------------------------------------------------------------

std::tuple<Tensor, Tensor> inv_ex(const Tensor& A, bool check_errors) {
  check_square(A, "linalg.inv", "A", /*allow_complex=*/true);
  const int64_t n = A.size(-1);
  const LuResult lu = lu_factor_c128(A, "linalg.inv");
  const int64_t bad = first_failure(lu.info);
  EMBER_CHECK(!(check_errors && bad >= 0), "linalg.inv: ", batch_prefix(A, bad), "The diagonal element ",
              bad >= 0 ? lu.info.data_ptr<int64_t>()[bad] : 0,
              " is zero, the inversion could not be completed because the input matrix is singular.");
  Tensor X = identity_batch(batch_shape(A), n, kComplex128);
  const int64_t count = lu.info.numel();
  if (bad < 0) {
    lu_solve_factored(lu, X, n, n, 0, count, "linalg.inv");
  } else {
    for (int64_t b = 0; b < count; ++b) lu_solve_factored(lu, X, n, n, b, 1, "linalg.inv");
  }
  return {X.to(A.dtype()), lu.info.to(kInt32)};
}

std::tuple<Tensor, Tensor> slogdet(const Tensor& A) {
  check_square(A, "linalg.slogdet", "A", /*allow_complex=*/true);
  const int64_t n = A.size(-1);
  const LuResult lu = lu_factor_c128(A, "linalg.slogdet");
  const IntArray batch = batch_shape(A);
  // torch's convention: sign = det / |det| (complex, modulus 1; 0 for a singular matrix) and
  // logabsdet = log |det|, real.
  Tensor sign = c128_empty(batch), logabs = empty(batch, TensorOptions(kFloat64));
  const cdouble* f = cdata(lu.lu);
  const int64_t* piv = lu.pivots.data_ptr<int64_t>();
  for (int64_t b = 0; b < lu.info.numel(); ++b) {
    cdouble s = 1;
    double l = 0;
    for (int64_t i = 0; i < n; ++i) {
      const cdouble d = f[(b * n + i) * n + i];
      const double ad = std::abs(d);
      if (piv[b * n + i] != i) s = -s;
      s = ad == 0 ? cdouble(0) : s * (d / ad);  // NaN stays NaN
      l += std::log(ad);
    }
    cdata(sign)[b] = s;
    logabs.data_ptr<double>()[b] = l;
  }
  return {sign.to(A.dtype()), logabs.to(complex_value_type(A.dtype()))};
}

Tensor det(const Tensor& A) {
  check_square(A, "linalg.det", "A", /*allow_complex=*/true);
  const int64_t n = A.size(-1);
  const LuResult lu = lu_factor_c128(A, "linalg.det");
  Tensor d = c128_empty(batch_shape(A));
  const cdouble* f = cdata(lu.lu);
  const int64_t* piv = lu.pivots.data_ptr<int64_t>();
  for (int64_t b = 0; b < lu.info.numel(); ++b) {
    cdouble p = 1;
    for (int64_t i = 0; i < n; ++i) {
      p *= f[(b * n + i) * n + i];
      if (piv[b * n + i] != i) p = -p;
    }
    cdata(d)[b] = p;
  }
  return d.to(A.dtype());
}

// ---- LU -------------------------------------------------------------------------------------

std::tuple<Tensor, Tensor, Tensor> lu_factor_ex(const Tensor& A, bool pivot, bool check_errors, const char* op) {
  check_matrix(A, op, "A", /*allow_complex=*/true);
  EMBER_CHECK_VALUE(pivot, op, ": LU without pivoting is not implemented on the CPU");
  const LuResult lu = lu_factor_c128(A, op);
  const int64_t bad = first_failure(lu.info);
  EMBER_CHECK(!(check_errors && bad >= 0), op, ": ", batch_prefix(A, bad), "U[",
              bad >= 0 ? lu.info.data_ptr<int64_t>()[bad] : 0, ",", bad >= 0 ? lu.info.data_ptr<int64_t>()[bad] : 0,
              "] is zero and using it on lu_solve would result in a division by zero. If you still want to perform "
              "the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)");
  Tensor pivots = add(lu.pivots, scalar_tensor(1, kInt64)).to(kInt32);  // LAPACK's 1-based int32
  return {lu.lu.to(A.dtype()), pivots, lu.info.to(kInt32)};
}

Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint) {
  const char* op = "linalg.lu_solve";
  check_square(LU, op, "LU", /*allow_complex=*/true);
  check_matrix(B, op, "B", /*allow_complex=*/true);
  EMBER_CHECK_TYPE(LU.dtype() == B.dtype(), op, ": expected LU and B to have the same dtype, but got ",
                   dtype_name(LU.dtype()), " and ", dtype_name(B.dtype()));
  EMBER_CHECK_TYPE(pivots.dtype() == kInt32 || pivots.dtype() == kInt64, op, ": pivots must be int32, but got ",
                   dtype_name(pivots.dtype()));
  const int64_t n = LU.size(-1);
  EMBER_CHECK_SHAPE(pivots.dim() >= 1 && pivots.size(-1) == n &&
                        IntArray(pivots.shape().begin(), pivots.shape().end() - 1) == batch_shape(LU),
                    op, ": pivots of shape ", shape_str(pivots.shape()), " do not match LU of shape ",
                    shape_str(LU.shape()));
  // The matrix solved against, op(A), with A = P L U:
  //   left:            A X = B      op(A) = A
  //   left, adjoint:   A^H X = B    op(A) = A^H
  //   right:           X A = B  <=>  A^T X^T = B^T      op(A) = A^T
  //   right, adjoint:  X A^H = B <=> conj(A) X^T = B^T  op(A) = conj(A)
  const bool transposed = left == adjoint, conjugated = adjoint;
  const Tensor Bm = left ? B : B.transpose(-2, -1);
  EMBER_CHECK_SHAPE(Bm.size(-2) == n, op, ": Incompatible shapes of A and B for the equation ",
                    left ? "AX = B" : "XA = B", " (", matrix_str(LU), " and ", matrix_str(B), ")");
  const IntArray batch = broadcast_shapes(batch_shape(LU), batch_shape(Bm), op);
  const int64_t k = Bm.size(-1), count = numel_of(batch);
  Tensor X = c128_empty(with_matrix(batch, n, k));
  if (X.numel() == 0) return (left ? X : X.transpose(-2, -1)).to(B.dtype()).contiguous();
  X.copy_(Bm.expand(with_matrix(batch, n, k)));
  IntArray piv_full = batch;
  piv_full.push_back(n);
  const Tensor perm = pivots_to_permutation(pivots.expand(piv_full), n, op);
  Tensor F = complex_work_copy((transposed ? LU.transpose(-2, -1) : LU).expand(with_matrix(batch, n, n)));
  if (conjugated) conjugate_in_place(F);
  const int64_t* pm = perm.data_ptr<int64_t>();
  cdouble* x = cdata(X);
  std::vector<cdouble> row_buf(static_cast<size_t>(n * k));
  auto permute_rows = [&](bool inverse) {
    for (int64_t b = 0; b < count; ++b) {
      cdouble* xb = x + b * n * k;
      std::copy(xb, xb + n * k, row_buf.begin());
      for (int64_t r = 0; r < n; ++r) {
        const int64_t src = inverse ? r : pm[b * n + r], dst = inverse ? pm[b * n + r] : r;
        std::copy(row_buf.begin() + src * k, row_buf.begin() + (src + 1) * k, xb + dst * k);
      }
    }
  };
  LinalgArgs args;
  args.complex = true;
  args.batch = count;
  args.n = n;
  args.k = k;
  args.a = raw(F);
  args.b = raw(X);
  if (!transposed) {  // op(A) = P L' U' (L', U' = L, U or their conjugates): X = U'^-1 L'^-1 P^T B
    permute_rows(false);
    args.upper = false, args.unitriangular = true;
    run(LinalgOp::TriangularSolve, args, op);
    args.upper = true, args.unitriangular = false;
    run(LinalgOp::TriangularSolve, args, op);
  } else {  // op(A) = U'^T L'^T P^T: X = P L'^-T U'^-T B, the triangles of F = LU'^T
    args.upper = false, args.unitriangular = false;  // U'^T: the lower triangle of F
    run(LinalgOp::TriangularSolve, args, op);
    args.upper = true, args.unitriangular = true;  // L'^T: the strict upper triangle of F
    run(LinalgOp::TriangularSolve, args, op);
    permute_rows(true);
  }
  return (left ? X : X.transpose(-2, -1)).to(B.dtype()).contiguous();
}

std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots, bool unpack_data,
                                             bool unpack_pivots) {
  const char* op = "lu_unpack";
  check_matrix(LU, op, "LU", /*allow_complex=*/true);
  const int64_t m = LU.size(-2), n = LU.size(-1), k = std::min(m, n);
  const IntArray batch = batch_shape(LU);
  const int64_t count = numel_of(batch);
  Tensor P = c128_empty({0}), L = c128_empty({0}), U = c128_empty({0});
  if (unpack_pivots) {
    EMBER_CHECK_SHAPE(pivots.dim() >= 1 && pivots.size(-1) == k, op, ": pivots of shape ", shape_str(pivots.shape()),
                      " do not match LU of shape ", shape_str(LU.shape()));
    IntArray piv_full = batch;
    piv_full.push_back(k);
    const Tensor perm = pivots_to_permutation(pivots.expand(piv_full), m, op);
    P = zeros(with_matrix(batch, m, m), TensorOptions(kComplex128));
    for (int64_t b = 0; b < count; ++b)
      for (int64_t r = 0; r < m; ++r) cdata(P)[(b * m + perm.data_ptr<int64_t>()[b * m + r]) * m + r] = 1;
  }
  if (unpack_data) {
    const Tensor F = complex_work_copy(LU);
    L = zeros(with_matrix(batch, m, k), TensorOptions(kComplex128));
    U = zeros(with_matrix(batch, k, n), TensorOptions(kComplex128));
    const cdouble* f = cdata(F);
    cdouble* l = cdata(L);
    cdouble* u = cdata(U);
    for (int64_t b = 0; b < count; ++b)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          const cdouble v = f[(b * m + i) * n + j];
          if (j < i && j < k) l[(b * m + i) * k + j] = v;
          if (i == j && i < k) l[(b * m + i) * k + j] = 1;
          if (j >= i && i < k) u[(b * k + i) * n + j] = v;
        }
  }
  return {P.to(LU.dtype()), L.to(LU.dtype()), U.to(LU.dtype())};
}

// ---- solves -----------------------------------------------------------------------------------

Tensor solve(const Tensor& A, const Tensor& B, bool left) {
  const char* op = "linalg.solve";
  check_square(A, op, "A", /*allow_complex=*/true);
  check_float_or_complex(B, op, "B");
  const DType out_dtype = promote_types(A.dtype(), B.dtype());
  const int64_t n = A.size(-1);
  // B is a (batch of) vector(s) when it is 1-D, or when its shape is A's without the last dim.
  const bool vector = B.dim() == 1 || (B.dim() == A.dim() - 1 && IntArray(B.shape().begin(), B.shape().end()) ==
                                                                     IntArray(A.shape().begin(), A.shape().end() - 1));
  EMBER_CHECK_SHAPE(B.dim() >= 1, op, ": B must have at least 1 dimension, but got shape ", shape_str(B.shape()));
  EMBER_CHECK_SHAPE(!(vector && !left), op, ": vector B (shape ", shape_str(B.shape()),
                    ") is not supported with left=False; B must be a matrix (*, k, n)");
  Tensor Bm = vector ? B.unsqueeze(-1) : B;
  Tensor Am = A;
  if (!left) {  // X A = B  <=>  A^T X^T = B^T
    Am = A.transpose(-2, -1);
    Bm = Bm.transpose(-2, -1);
  }
  EMBER_CHECK_SHAPE(Bm.size(-2) == n, op, ": Incompatible shapes of A and B for the equation ",
                    left ? "AX = B" : "XA = B", " (", matrix_str(A), " and ", matrix_str(B), ")");
  const IntArray batch = broadcast_shapes(batch_shape(A), batch_shape(Bm), op);
  const int64_t k = Bm.size(-1);
  Tensor X = c128_empty(with_matrix(batch, n, k));
  if (X.numel() > 0) X.copy_(Bm.expand(with_matrix(batch, n, k)));
  const Tensor Ae = Am.expand(with_matrix(batch, n, n));
  if (numel_of(batch) > 0 && n > 0) {
    const LuResult lu = lu_factor_c128(Ae, op);
    const int64_t bad = first_failure(lu.info);
    EMBER_CHECK(bad < 0, op, ": ", batch_prefix(Ae, bad), "The solver failed because the input matrix is singular.");
    lu_solve_factored(lu, X, n, k, 0, lu.info.numel(), op);
  }
  Tensor result = left ? X : X.transpose(-2, -1);
  if (vector) result = result.squeeze(-1);
  return result.to(out_dtype).contiguous();
}

Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left, bool unitriangular) {
  const char* op = "linalg.solve_triangular";
  check_square(A, op, "A", /*allow_complex=*/true);
  check_matrix(B, op, "B", /*allow_complex=*/true);
  EMBER_CHECK_TYPE(A.dtype() == B.dtype(), op, ": expected A and B to have the same dtype, but got ",
                   dtype_name(A.dtype()), " and ", dtype_name(B.dtype()));
  const int64_t n = A.size(-1);
  Tensor Am = A, Bm = B;
  if (!left) {  // X A = B  <=>  A^T X^T = B^T, and A^T swaps the triangles
    Am = A.transpose(-2, -1);
    Bm = B.transpose(-2, -1);
    upper = !upper;
  }
  EMBER_CHECK_SHAPE(Bm.size(-2) == n, op, ": Incompatible shapes of A and B for the equation ",
                    left ? "AX = B" : "XA = B", " (", matrix_str(A), " and ", matrix_str(B), ")");
  const IntArray batch = broadcast_shapes(batch_shape(Am), batch_shape(Bm), op);
  const int64_t k = Bm.size(-1);
  Tensor X = c128_empty(with_matrix(batch, n, k));
  if (X.numel() > 0) X.copy_(Bm.expand(with_matrix(batch, n, k)));
  const Tensor Aw = complex_work_copy(Am.expand(with_matrix(batch, n, n)));
  LinalgArgs args;
  args.complex = true;
  args.batch = numel_of(batch);
  args.n = n;
  args.k = k;
  args.a = raw(Aw);
  args.b = raw(X);
  args.upper = upper;
  args.unitriangular = unitriangular;
  if (n > 0 && k > 0) run(LinalgOp::TriangularSolve, args, op);
  return (left ? X : X.transpose(-2, -1)).to(A.dtype()).contiguous();
}

}  // namespace linalg_complex

// ---- eigenvalues of general matrices ------------------------------------------------------------

namespace {

std::tuple<Tensor, Tensor> eig_impl(const Tensor& A, bool vectors, const char* op) {
  if (const auto d = off_host(op, {&A})) return to_device(eig_impl(host(A), vectors, op), *d);
  check_square(A, op, "A", /*allow_complex=*/true);
  const DType out_dtype = is_complex(A.dtype()) ? A.dtype() : complex_type_of(A.dtype());
  const int64_t n = A.size(-1);
  const IntArray batch = batch_shape(A);
  Tensor W = complex_work_copy(A);
  const cdouble* a = cdata(W);
  for (int64_t i = 0; i < W.numel(); ++i)
    EMBER_CHECK(std::isfinite(a[i].real()) && std::isfinite(a[i].imag()), op,
                ": input tensor should not contain infs or NaNs.");
  IntArray wshape = batch;
  wshape.push_back(n);
  Tensor w = c128_empty(wshape);
  Tensor V = vectors ? c128_empty(with_matrix(batch, n, n)) : c128_empty({0});
  Tensor info = zeros(batch, TensorOptions(kInt64));
  LinalgArgs args;
  args.complex = true;
  args.batch = numel_of(batch);
  args.n = n;
  args.a = raw(W);
  args.b = raw(w);
  args.c = vectors ? raw(V) : nullptr;
  args.info = info.data_ptr<int64_t>();
  if (n > 0) run(LinalgOp::Eig, args, op);
  const int64_t bad = first_failure(info);
  EMBER_CHECK(bad < 0, op, ": ", batch_prefix(A, bad),
              "The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
              "repeated eigenvalues (error code: ", bad >= 0 ? info.data_ptr<int64_t>()[bad] : 0, ").");
  return {w.to(out_dtype), V.to(out_dtype)};
}

}  // namespace

std::tuple<Tensor, Tensor> linalg_eig(const Tensor& A) { return eig_impl(A, true, "linalg.eig"); }

Tensor linalg_eigvals(const Tensor& A) { return std::get<0>(eig_impl(A, false, "linalg.eigvals")); }

}  // namespace ember
