// The fused optimizer updates (ember/ops/optim.h), which ember.optim calls per param group.
#include "common.h"
#include "ember/ops/optim.h"

namespace ember_py {

void bind_optim(py::module_& m) {
  m.def("adam_step_", &ember::adam_step_, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"),
        py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs"), py::arg("steps"), py::arg("lr"), py::arg("beta1"),
        py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"), py::arg("decoupled"), py::arg("amsgrad"),
        py::arg("maximize"), py::call_guard<py::gil_scoped_release>());
}

}  // namespace ember_py
