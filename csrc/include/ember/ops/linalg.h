#pragma once
// Linear algebra: matrix products over one GEMM entry point, and the decompositions of ember.linalg.
// Part of the ops API: include <ember/ops.h>.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// ---- matmul --------------------------------------------------------------------------------
EMBER_API Tensor matmul(const Tensor& a, const Tensor& b);

// ---- linalg ----------------------------------------------------------------------------------
// torch.linalg's factorizations on float32/float64 CPU tensors, batched over leading dims
// (computed in float64, returned in the input's dtype). Other dtypes raise a TypeError.
// complex64/complex128 inputs are computed in complex<double> by inv, inv_ex, det, slogdet
// (sign complex of modulus 1, logabsdet real), the LU functions, solve, solve_triangular, eig and
// eigvals; the others (cholesky, qr, eigh, svd and their variants) refuse complex with a TypeError.
// inv / inv_ex: singular inputs raise (inv) or are reported in info (int32, the first zero pivot).
EMBER_API Tensor linalg_inv(const Tensor& A);
EMBER_API std::tuple<Tensor, Tensor> linalg_inv_ex(const Tensor& A, bool check_errors = false);
EMBER_API Tensor linalg_det(const Tensor& A);
EMBER_API std::tuple<Tensor, Tensor> linalg_slogdet(const Tensor& A);  // (sign, logabsdet)
// LU with partial pivoting of (*, m, n): LU packed, pivots 1-based int32, info int32 (the first
// zero pivot). lu_factor raises on a zero pivot; pivot=false is refused, as PyTorch on the CPU.
EMBER_API std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& A, bool pivot = true,
                                                                 bool check_errors = false);
EMBER_API std::tuple<Tensor, Tensor> linalg_lu_factor(const Tensor& A, bool pivot = true);
// Solves A X = B (or X A = B; adjoint: with A^T) from lu_factor's result; batch dims broadcast.
EMBER_API Tensor linalg_lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left = true,
                                 bool adjoint = false);
// (P, L, U) with A = P L U; lu_unpack unpacks lu_factor's result (empty tensors for the parts
// not asked for).
EMBER_API std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots,
                                                       bool unpack_data = true, bool unpack_pivots = true);
EMBER_API std::tuple<Tensor, Tensor, Tensor> linalg_lu(const Tensor& A, bool pivot = true);
// A X = B (left) or X A = B; B is a vector batch when 1-D or shaped like A without its last dim;
// batch dims broadcast.
EMBER_API Tensor linalg_solve(const Tensor& A, const Tensor& B, bool left = true);
// Reads only the `upper` or lower triangle of A; unitriangular assumes a unit diagonal.
EMBER_API Tensor linalg_solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true,
                                         bool unitriangular = false);
// torch.triangular_solve(b, A): (solution, A broadcast to the batch); `transpose` solves A^T X = b.
EMBER_API std::tuple<Tensor, Tensor> triangular_solve(const Tensor& b, const Tensor& A, bool upper = true,
                                                      bool transpose = false, bool unitriangular = false);
// Reads the lower triangle; not positive-definite raises (cholesky) or sets info (int32).
EMBER_API Tensor linalg_cholesky(const Tensor& A, bool upper = false);
EMBER_API std::tuple<Tensor, Tensor> linalg_cholesky_ex(const Tensor& A, bool upper = false,
                                                        bool check_errors = false);
// mode: "reduced", "complete" or "r" (Q is then empty).
EMBER_API std::tuple<Tensor, Tensor> linalg_qr(const Tensor& A, const std::string& mode = "reduced");
// Symmetric eigen-decomposition from the UPLO ("L" or "U") triangle: eigenvalues ascending,
// eigenvectors as columns.
EMBER_API std::tuple<Tensor, Tensor> linalg_eigh(const Tensor& A, const std::string& UPLO = "L");
EMBER_API Tensor linalg_eigvalsh(const Tensor& A, const std::string& UPLO = "L");
// Eigen-decomposition of general square matrices (real or complex): eigenvalues in no particular
// order (as LAPACK's geev returns them) and unit-norm eigenvectors as columns, always complex
// (complex64 for float32/complex64 inputs, complex128 for float64/complex128).
EMBER_API std::tuple<Tensor, Tensor> linalg_eig(const Tensor& A);
EMBER_API Tensor linalg_eigvals(const Tensor& A);
// (U, S, Vh) with S descending; full_matrices gives square U and Vh.
EMBER_API std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& A, bool full_matrices = true);
EMBER_API Tensor linalg_svdvals(const Tensor& A);

// ---- matrix products (PyTorch semantics; every operand of one dtype, bool refused) -----------
EMBER_API Tensor mm(const Tensor& a, const Tensor& b);                 // (n, k) @ (k, m)
EMBER_API Tensor bmm(const Tensor& a, const Tensor& b);                // (B, n, k) @ (B, k, m)
EMBER_API Tensor mv(const Tensor& a, const Tensor& v);                 // (n, k) @ (k,)
EMBER_API Tensor dot(const Tensor& a, const Tensor& b);                // (k,) . (k,), 0-dim
EMBER_API Tensor vdot(const Tensor& a, const Tensor& b);               // dot (real dtypes: no conjugate)
EMBER_API Tensor outer(const Tensor& a, const Tensor& b);              // a[:, None] * b, promoting
// beta * input + alpha * product, input broadcast to the product's shape; beta == 0 ignores
// input (NaN included). Integer operands take integer beta/alpha only.
EMBER_API Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta = 1,
                       const Scalar& alpha = 1);
EMBER_API Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
                       const Scalar& alpha = 1);
EMBER_API Tensor baddbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta = 1,
                         const Scalar& alpha = 1);
// beta * input + alpha * sum over the batch of b1[i] @ b2[i].
EMBER_API Tensor addbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta = 1,
                        const Scalar& alpha = 1);
// input @ weight.T + bias over any leading dims of input (weight: (out_features, in_features)).
EMBER_API Tensor linear(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt);
// out= forms: `out` must already have the result's shape and dtype; it may be `input` itself.
EMBER_API Tensor& mm_out(Tensor& out, const Tensor& a, const Tensor& b);
EMBER_API Tensor& bmm_out(Tensor& out, const Tensor& a, const Tensor& b);
EMBER_API Tensor& mv_out(Tensor& out, const Tensor& a, const Tensor& v);
EMBER_API Tensor& addmm_out(Tensor& out, const Tensor& input, const Tensor& m1, const Tensor& m2,
                            const Scalar& beta = 1, const Scalar& alpha = 1);
EMBER_API Tensor& addmv_out(Tensor& out, const Tensor& input, const Tensor& mat, const Tensor& vec,
                            const Scalar& beta = 1, const Scalar& alpha = 1);
EMBER_API Tensor& baddbmm_out(Tensor& out, const Tensor& input, const Tensor& b1, const Tensor& b2,
                              const Scalar& beta = 1, const Scalar& alpha = 1);

}  // namespace ember
