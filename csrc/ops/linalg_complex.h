#pragma once
// The complex paths of the linalg front-ends (linalg_complex.cpp): linalg_decomp.cpp hands a
// complex64/complex128 input here after its device check; these copy it into a complex128 work
// buffer, run the complex kernels (LinalgArgs::complex) and return the input's dtype.
#include <tuple>

#include "ember/tensor.h"

namespace ember::linalg_complex {

std::tuple<Tensor, Tensor> inv_ex(const Tensor& A, bool check_errors);
Tensor det(const Tensor& A);
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
std::tuple<Tensor, Tensor, Tensor> lu_factor_ex(const Tensor& A, bool pivot, bool check_errors, const char* op);
Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint);
std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots, bool unpack_data,
                                             bool unpack_pivots);
// A or B complex; a real operand is promoted (torch's promotion of the two dtypes).
Tensor solve(const Tensor& A, const Tensor& B, bool left);
Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left, bool unitriangular);

}  // namespace ember::linalg_complex
