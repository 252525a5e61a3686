// Bindings of the linear algebra factorizations (ember.linalg).
#include "common.h"

namespace ember_py {

void bind_linalg_decomp(py::module_& m) {
  using namespace ember;
  const auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("linalg_inv", &linalg_inv, py::arg("A"), nogil);
  m.def("linalg_inv_ex", &linalg_inv_ex, py::arg("A"), py::arg("check_errors") = false, nogil);
  m.def("linalg_det", &linalg_det, py::arg("A"), nogil);
  m.def("linalg_slogdet", &linalg_slogdet, py::arg("A"), nogil);
  m.def("linalg_lu_factor", &linalg_lu_factor, py::arg("A"), py::arg("pivot") = true, nogil);
  m.def("linalg_lu_factor_ex", &linalg_lu_factor_ex, py::arg("A"),
        py::arg("pivot") = true, py::arg("check_errors") = false, nogil);
  m.def("linalg_lu_solve", &linalg_lu_solve, py::arg("LU"), py::arg("pivots"), py::arg("B"), py::arg("left") = true,
        py::arg("adjoint") = false, nogil);
  m.def("lu_unpack", &lu_unpack, py::arg("LU"), py::arg("pivots"), py::arg("unpack_data") = true,
        py::arg("unpack_pivots") = true, nogil);
  m.def("linalg_lu", &linalg_lu, py::arg("A"), py::arg("pivot") = true, nogil);
  m.def("linalg_solve", &linalg_solve, py::arg("A"), py::arg("B"), py::arg("left") = true, nogil);
  m.def("linalg_solve_triangular", &linalg_solve_triangular, py::arg("A"), py::arg("B"), py::arg("upper"),
        py::arg("left") = true, py::arg("unitriangular") = false, nogil);
  m.def("triangular_solve", &triangular_solve, py::arg("b"), py::arg("A"), py::arg("upper") = true,
        py::arg("transpose") = false, py::arg("unitriangular") = false, nogil);
  m.def("linalg_cholesky", &linalg_cholesky, py::arg("A"), py::arg("upper") = false, nogil);
  m.def("linalg_cholesky_ex", &linalg_cholesky_ex, py::arg("A"), py::arg("upper") = false,
        py::arg("check_errors") = false, nogil);
  m.def("linalg_qr", &linalg_qr, py::arg("A"), py::arg("mode") = "reduced", nogil);
  m.def("linalg_eigh", &linalg_eigh, py::arg("A"), py::arg("UPLO") = "L", nogil);
  m.def("linalg_eigvalsh", &linalg_eigvalsh, py::arg("A"), py::arg("UPLO") = "L", nogil);
  m.def("linalg_eig", &linalg_eig, py::arg("A"), nogil);
  m.def("linalg_eigvals", &linalg_eigvals, py::arg("A"), nogil);
  m.def("linalg_svd", &linalg_svd, py::arg("A"), py::arg("full_matrices") = true, nogil);
  m.def("linalg_svdvals", &linalg_svdvals, py::arg("A"), nogil);
}

}  // namespace ember_py
