// Bindings of embedding and its dense gradient.
#include "common.h"

namespace ember_py {

void bind_embedding(py::module_& m) {
  auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("embedding", &ember::embedding, py::arg("weight"), py::arg("indices"), nogil);
  m.def("embedding_backward", &ember::embedding_backward, py::arg("grad_output"), py::arg("indices"),
        py::arg("num_weights"), py::arg("padding_idx"), py::arg("scale_grad_by_freq"), nogil);
  m.def("embedding_renorm_", [](ember::Tensor& weight, const ember::Tensor& indices, double max_norm,
                                double norm_type) { ember::embedding_renorm_(weight, indices, max_norm, norm_type); },
        py::arg("weight"), py::arg("indices"), py::arg("max_norm"), py::arg("norm_type"), nogil);
}

}  // namespace ember_py
