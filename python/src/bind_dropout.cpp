// Bindings of dropout: the mask-returning form and its backward.
#include "common.h"

namespace ember_py {

void bind_dropout(py::module_& m) {
  auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("native_dropout", &ember::native_dropout, py::arg("input"), py::arg("p"),
        py::arg("generator") = static_cast<ember::Generator*>(nullptr), py::arg("mask_shape") = ember::IntArray{},
        nogil);
  m.def("dropout", &ember::dropout, py::arg("input"), py::arg("p"), py::arg("train"),
        py::arg("generator") = static_cast<ember::Generator*>(nullptr), nogil);
  m.def("dropout_backward", &ember::dropout_backward, py::arg("grad_output"), py::arg("mask"), py::arg("scale"),
        nogil);
}

}  // namespace ember_py
