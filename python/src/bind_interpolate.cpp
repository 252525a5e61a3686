// Bindings of the resampling kernels behind nn.functional.interpolate.
#include "common.h"

namespace ember_py {

void bind_interpolate(py::module_& m) {
  auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("upsample_nearest", &ember::upsample_nearest, py::arg("input"), py::arg("output_size"), py::arg("scales"),
        py::arg("exact"), nogil);
  m.def("upsample_nearest_backward", &ember::upsample_nearest_backward, py::arg("grad_output"),
        py::arg("input_size"), py::arg("scales"), py::arg("exact"), nogil);
  m.def("upsample_linear", &ember::upsample_linear, py::arg("input"), py::arg("output_size"),
        py::arg("align_corners"), py::arg("scales"), nogil);
  m.def("upsample_linear_backward", &ember::upsample_linear_backward, py::arg("grad_output"), py::arg("input_size"),
        py::arg("align_corners"), py::arg("scales"), nogil);
}

}  // namespace ember_py
