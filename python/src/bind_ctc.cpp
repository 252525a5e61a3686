// Bindings of the CTC loss and its gradient.
#include <pybind11/stl.h>

#include "common.h"
#include "ember/ops/ctc.h"

namespace ember_py {

void bind_ctc(py::module_& m) {
  auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("ctc_loss_forward", &ember::ctc_loss_forward, py::arg("log_probs"), py::arg("targets"),
        py::arg("input_lengths"), py::arg("target_lengths"), py::arg("blank"), nogil);
  m.def("ctc_loss_backward", &ember::ctc_loss_backward, py::arg("grad"), py::arg("log_probs"), py::arg("targets"),
        py::arg("input_lengths"), py::arg("target_lengths"), py::arg("neg_log_likelihood"), py::arg("log_alpha"),
        py::arg("blank"), py::arg("zero_infinity"), nogil);
}

}  // namespace ember_py
