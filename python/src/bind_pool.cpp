// Bindings of the pooling ops and their backward kernels.
#include "common.h"

namespace ember_py {

void bind_pool(py::module_& m) {
  using ember::IntArray;
  auto nogil = py::call_guard<py::gil_scoped_release>();
  auto win = [](auto& m, const char* name, auto fn) {
    m.def(name, fn, py::arg("input"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
          py::arg("dilation"), py::arg("ceil_mode"), py::call_guard<py::gil_scoped_release>());
  };
  win(m, "max_pool2d_with_indices", &ember::max_pool2d_with_indices);
  win(m, "max_pool1d_with_indices", &ember::max_pool1d_with_indices);
  m.def("max_pool2d_backward", &ember::max_pool2d_backward, py::arg("grad_output"), py::arg("input_size"),
        py::arg("indices"), nogil);
  m.def("max_pool1d_backward", &ember::max_pool1d_backward, py::arg("grad_output"), py::arg("input_size"),
        py::arg("indices"), nogil);
  m.def("avg_pool2d", &ember::avg_pool2d, py::arg("input"), py::arg("kernel_size"), py::arg("stride"),
        py::arg("padding"), py::arg("ceil_mode"), py::arg("count_include_pad"), py::arg("divisor_override"), nogil);
  m.def("avg_pool1d", &ember::avg_pool1d, py::arg("input"), py::arg("kernel_size"), py::arg("stride"),
        py::arg("padding"), py::arg("ceil_mode"), py::arg("count_include_pad"), nogil);
  m.def("avg_pool2d_backward", &ember::avg_pool2d_backward, py::arg("grad_output"), py::arg("input_size"),
        py::arg("kernel_size"), py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"),
        py::arg("count_include_pad"), py::arg("divisor_override"), nogil);
  m.def("avg_pool1d_backward", &ember::avg_pool1d_backward, py::arg("grad_output"), py::arg("input_size"),
        py::arg("kernel_size"), py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"),
        py::arg("count_include_pad"), nogil);
  m.def("adaptive_avg_pool2d", &ember::adaptive_avg_pool2d, py::arg("input"), py::arg("output_size"), nogil);
  m.def("adaptive_avg_pool1d", &ember::adaptive_avg_pool1d, py::arg("input"), py::arg("output_size"), nogil);
  m.def("adaptive_avg_pool2d_backward", &ember::adaptive_avg_pool2d_backward, py::arg("grad_output"),
        py::arg("input_size"), nogil);
  m.def("adaptive_avg_pool1d_backward", &ember::adaptive_avg_pool1d_backward, py::arg("grad_output"),
        py::arg("input_size"), nogil);
  m.def("adaptive_max_pool2d", &ember::adaptive_max_pool2d, py::arg("input"), py::arg("output_size"), nogil);
  m.def("adaptive_max_pool1d", &ember::adaptive_max_pool1d, py::arg("input"), py::arg("output_size"), nogil);
}

}  // namespace ember_py
