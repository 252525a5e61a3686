// Bindings of the sparse COO kernels (ember.sparse builds its tensors from them).
#include "common.h"

namespace ember_py {

void bind_sparse(py::module_& m) {
  auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("sparse_check_indices", &ember::sparse_check_indices, py::arg("indices"), py::arg("sparse_sizes"), nogil);
  m.def("sparse_coalesce", &ember::sparse_coalesce, py::arg("indices"), py::arg("values"), py::arg("sparse_sizes"),
        nogil);
  m.def("sparse_mm", &ember::sparse_mm, py::arg("indices"), py::arg("values"), py::arg("size"), py::arg("dense"),
        py::arg("transpose") = false, nogil);
  m.def("sparse_sampled_dot", &ember::sparse_sampled_dot, py::arg("indices"), py::arg("a"), py::arg("b"), nogil);
}

}  // namespace ember_py
