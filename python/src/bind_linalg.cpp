// Bindings of the linear algebra ops.
#include "common.h"

namespace ember_py {

void bind_linalg(py::module_& m) {
  using ember::Scalar;
  using ember::Tensor;
  const auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("matmul", &ember::matmul, py::arg("input"), py::arg("other"), nogil);
  m.def("mm", &ember::mm, py::arg("input"), py::arg("mat2"), nogil);
  m.def("bmm", &ember::bmm, py::arg("input"), py::arg("mat2"), nogil);
  m.def("mv", &ember::mv, py::arg("input"), py::arg("vec"), nogil);
  m.def("dot", &ember::dot, py::arg("input"), py::arg("tensor"), nogil);
  m.def("vdot", &ember::vdot, py::arg("input"), py::arg("other"), nogil);
  m.def("outer", &ember::outer, py::arg("input"), py::arg("vec2"), nogil);
  m.def("addmm", &ember::addmm, py::arg("input"), py::arg("mat1"), py::arg("mat2"), py::arg("beta"),
        py::arg("alpha"), nogil);
  m.def("addmv", &ember::addmv, py::arg("input"), py::arg("mat"), py::arg("vec"), py::arg("beta"), py::arg("alpha"),
        nogil);
  m.def("baddbmm", &ember::baddbmm, py::arg("input"), py::arg("batch1"), py::arg("batch2"), py::arg("beta"),
        py::arg("alpha"), nogil);
  m.def("addbmm", &ember::addbmm, py::arg("input"), py::arg("batch1"), py::arg("batch2"), py::arg("beta"),
        py::arg("alpha"), nogil);
  m.def("linear", &ember::linear, py::arg("input"), py::arg("weight"), py::arg("bias") = std::nullopt, nogil);
  // out= forms (the result is `out` itself; the Python layer returns its own wrapper).
  m.def("mm_out", [](Tensor out, const Tensor& a, const Tensor& b) { ember::mm_out(out, a, b); }, nogil);
  m.def("bmm_out", [](Tensor out, const Tensor& a, const Tensor& b) { ember::bmm_out(out, a, b); }, nogil);
  m.def("mv_out", [](Tensor out, const Tensor& a, const Tensor& v) { ember::mv_out(out, a, v); }, nogil);
  m.def("addmm_out", [](Tensor out, const Tensor& i, const Tensor& a, const Tensor& b, const Scalar& beta,
                        const Scalar& alpha) { ember::addmm_out(out, i, a, b, beta, alpha); }, nogil);
  m.def("addmv_out", [](Tensor out, const Tensor& i, const Tensor& a, const Tensor& v, const Scalar& beta,
                        const Scalar& alpha) { ember::addmv_out(out, i, a, v, beta, alpha); }, nogil);
  m.def("baddbmm_out", [](Tensor out, const Tensor& i, const Tensor& a, const Tensor& b, const Scalar& beta,
                          const Scalar& alpha) { ember::baddbmm_out(out, i, a, b, beta, alpha); }, nogil);
}

}  // namespace ember_py
