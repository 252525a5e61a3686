// Bindings of the joining, splitting and rearranging ops (ember/_shape_ops.py and
// ember/_nn_pad.py give them PyTorch's Python signatures).
#include "common.h"

namespace ember_py {

void bind_shape(py::module_& m) {
  using ember::IntArray;
  using ember::Tensor;
  using OptInt = std::optional<int64_t>;
  const auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("cat", &ember::cat, py::arg("tensors"), py::arg("dim") = 0, nogil);
  m.def("cat_out", [](const std::vector<Tensor>& tensors, int64_t dim, Tensor out) {
    ember::cat_out(tensors, dim, out);
  }, py::arg("tensors"), py::arg("dim"), py::arg("out"), nogil);
  m.def("stack", &ember::stack, py::arg("tensors"), py::arg("dim") = 0, nogil);
  m.def("split", &ember::split, py::arg("input"), py::arg("split_size"), py::arg("dim") = 0, nogil);
  m.def("split_with_sizes", &ember::split_with_sizes, py::arg("input"), py::arg("split_sizes"), py::arg("dim") = 0,
        nogil);
  m.def("chunk", &ember::chunk, py::arg("input"), py::arg("chunks"), py::arg("dim") = 0, nogil);
  m.def("tensor_split", &ember::tensor_split, py::arg("input"), py::arg("sections"), py::arg("dim") = 0, nogil);
  m.def("tensor_split_indices", &ember::tensor_split_indices, py::arg("input"), py::arg("indices"),
        py::arg("dim") = 0, nogil);
  m.def("unbind", &ember::unbind, py::arg("input"), py::arg("dim") = 0, nogil);
  m.def("flip", &ember::flip, py::arg("input"), py::arg("dims"), nogil);
  m.def("roll", &ember::roll, py::arg("input"), py::arg("shifts"), py::arg("dims"), nogil);
  m.def("repeat", &ember::repeat, py::arg("input"), py::arg("repeats"), nogil);
  m.def("tile", &ember::tile, py::arg("input"), py::arg("dims"), nogil);
  m.def("repeat_interleave",
        py::overload_cast<const Tensor&, int64_t, OptInt, OptInt>(&ember::repeat_interleave),
        py::arg("input"), py::arg("repeats"), py::arg("dim"), py::arg("output_size"), nogil);
  m.def("repeat_interleave",
        py::overload_cast<const Tensor&, const Tensor&, OptInt, OptInt>(&ember::repeat_interleave),
        py::arg("input"), py::arg("repeats"), py::arg("dim"), py::arg("output_size"), nogil);
  m.def("repeat_interleave_index", py::overload_cast<const Tensor&, OptInt>(&ember::repeat_interleave),
        py::arg("repeats"), py::arg("output_size"), nogil);
  m.def("tril", &ember::tril, py::arg("input"), py::arg("diagonal") = 0, nogil);
  m.def("triu", &ember::triu, py::arg("input"), py::arg("diagonal") = 0, nogil);
  m.def("tril_", [](Tensor t, int64_t k) { ember::tril_(t, k); }, py::arg("input"), py::arg("diagonal") = 0, nogil);
  m.def("triu_", [](Tensor t, int64_t k) { ember::triu_(t, k); }, py::arg("input"), py::arg("diagonal") = 0, nogil);
  m.def("pad", &ember::pad, py::arg("input"), py::arg("pad"), py::arg("mode"), py::arg("value"), nogil);
  m.def("pad_backward", &ember::pad_backward, py::arg("grad_output"), py::arg("input_shape"), py::arg("pad"),
        py::arg("mode"), nogil);
  m.def("meshgrid", &ember::meshgrid, py::arg("tensors"), py::arg("indexing"), nogil);
  m.def("broadcast_tensors", &ember::broadcast_tensors, py::arg("tensors"), nogil);
  m.def("broadcast_to", &ember::broadcast_to, py::arg("input"), py::arg("shape"), nogil);
  m.def("block_diag", &ember::block_diag, py::arg("tensors"), nogil);
  m.def("diag", &ember::diag, py::arg("input"), py::arg("diagonal") = 0, nogil);
  m.def("diag_embed", &ember::diag_embed, py::arg("input"), py::arg("offset"), py::arg("dim1"), py::arg("dim2"),
        nogil);
  m.def("diagflat", &ember::diagflat, py::arg("input"), py::arg("offset") = 0, nogil);
  m.def("trace", &ember::trace, py::arg("input"), nogil);
}

}  // namespace ember_py
