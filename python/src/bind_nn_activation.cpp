// Bindings of the activation functions, their in-place form and their backward ops.
#include "common.h"

namespace ember_py {

void bind_nn_activation(py::module_& m) {
  using ember::Scalar;
  using ember::Tensor;
  auto nogil = py::call_guard<py::gil_scoped_release>();
  auto x = py::arg("input");
  auto g = py::arg("grad_output");
  m.def("gelu", &ember::gelu, x, py::arg("approximate") = "none", nogil);
  m.def("silu", &ember::silu, x, nogil);
  m.def("softplus", &ember::softplus, x, py::arg("beta"), py::arg("threshold"), nogil);
  m.def("elu", &ember::elu, x, py::arg("alpha"), nogil);
  m.def("selu", &ember::selu, x, nogil);
  m.def("celu", &ember::celu, x, py::arg("alpha"), nogil);
  m.def("leaky_relu", &ember::leaky_relu, x, py::arg("negative_slope"), nogil);
  m.def("hardtanh", &ember::hardtanh, x, py::arg("min_val"), py::arg("max_val"), nogil);
  m.def("relu6", &ember::relu6, x, nogil);
  m.def("mish", &ember::mish, x, nogil);
  m.def("hardswish", &ember::hardswish, x, nogil);
  m.def("hardsigmoid", &ember::hardsigmoid, x, nogil);
  m.def("logsigmoid", &ember::logsigmoid, x, nogil);
  m.def("softsign", &ember::softsign, x, nogil);
  m.def("tanhshrink", &ember::tanhshrink, x, nogil);
  m.def("threshold", &ember::threshold, x, py::arg("threshold"), py::arg("value"), nogil);
  m.def("activation_", [](Tensor& self, const std::string& op, const std::vector<double>& params) {
    ember::activation_(self, op, params);
  }, x, py::arg("op"), py::arg("params"), nogil);

  m.def("gelu_backward", &ember::gelu_backward, g, x, py::arg("approximate") = "none", nogil);
  m.def("silu_backward", &ember::silu_backward, g, x, nogil);
  m.def("softplus_backward", &ember::softplus_backward, g, x, py::arg("beta"), py::arg("threshold"), nogil);
  m.def("elu_backward", &ember::elu_backward, g, x, py::arg("alpha"), nogil);
  m.def("selu_backward", &ember::selu_backward, g, x, nogil);
  m.def("celu_backward", &ember::celu_backward, g, x, py::arg("alpha"), nogil);
  m.def("leaky_relu_backward", &ember::leaky_relu_backward, g, x, py::arg("negative_slope"), nogil);
  m.def("hardtanh_backward", &ember::hardtanh_backward, g, x, py::arg("min_val"), py::arg("max_val"), nogil);
  m.def("relu6_backward", &ember::relu6_backward, g, x, nogil);
  m.def("mish_backward", &ember::mish_backward, g, x, nogil);
  m.def("hardswish_backward", &ember::hardswish_backward, g, x, nogil);
  m.def("hardsigmoid_backward", &ember::hardsigmoid_backward, g, x, nogil);
  m.def("logsigmoid_backward", &ember::logsigmoid_backward, g, x, nogil);
  m.def("softsign_backward", &ember::softsign_backward, g, x, nogil);
  m.def("tanhshrink_backward", &ember::tanhshrink_backward, g, x, nogil);
  m.def("threshold_backward", &ember::threshold_backward, g, x, py::arg("threshold"), nogil);
  m.def("relu_backward", &ember::relu_backward, g, x, nogil);
  m.def("sigmoid_backward", &ember::sigmoid_backward, g, py::arg("output"), nogil);
  m.def("tanh_backward", &ember::tanh_backward, g, py::arg("output"), nogil);
}

}  // namespace ember_py
