// Bindings of the linear algebra ops.
#include "common.h"

namespace ember_py {

void bind_linalg(py::module_& m) {
  m.def("matmul", &ember::matmul, py::arg("input"), py::arg("other"), py::call_guard<py::gil_scoped_release>());
}

}  // namespace ember_py
