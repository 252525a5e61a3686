// Bindings of the indexing ops (t[...] itself is bound with the Tensor, in bind_tensor.cpp).
// In-place forms return nothing; the Python layer returns self.
#include "common.h"

namespace ember_py {

namespace {
using ember::Tensor;
using ember::TensorIndex;

// index_put_'s indices: a tensor per leading dim, None for a whole dim.
std::vector<TensorIndex> tensor_indices(const std::vector<std::optional<Tensor>>& indices) {
  std::vector<TensorIndex> out;
  for (const auto& t : indices) out.push_back(t ? TensorIndex::tensor(*t) : TensorIndex::slice(std::nullopt, std::nullopt));
  return out;
}
}  // namespace

void bind_indexing(py::module_& m) {
  using py::arg;
  const auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("index_put_", [](Tensor self, const std::vector<std::optional<Tensor>>& indices, const TensorArg& values,
                         bool accumulate) { ember::index_put_(self, tensor_indices(indices), values, accumulate); },
        arg("self"), arg("indices"), arg("values"), arg("accumulate") = false, nogil);
  m.def("index_put", [](const Tensor& self, const std::vector<std::optional<Tensor>>& indices, const TensorArg& values,
                        bool accumulate) { return ember::index_put(self, tensor_indices(indices), values, accumulate); },
        arg("self"), arg("indices"), arg("values"), arg("accumulate") = false, nogil);
  m.def("index_select", &ember::index_select, arg("self"), arg("dim"), arg("index"), nogil);
  m.def("index_add_", [](Tensor self, int64_t dim, const Tensor& index, const Tensor& source, const ember::Scalar& alpha) {
    ember::index_add_(self, dim, index, source, alpha);
  }, arg("self"), arg("dim"), arg("index"), arg("source"), arg("alpha") = 1, nogil);
  m.def("index_add", &ember::index_add, arg("self"), arg("dim"), arg("index"), arg("source"), arg("alpha") = 1, nogil);
  m.def("index_copy_", [](Tensor self, int64_t dim, const Tensor& index, const Tensor& source) {
    ember::index_copy_(self, dim, index, source);
  }, arg("self"), arg("dim"), arg("index"), arg("source"), nogil);
  m.def("index_copy", &ember::index_copy, arg("self"), arg("dim"), arg("index"), arg("source"), nogil);
  m.def("index_fill_", [](Tensor self, int64_t dim, const Tensor& index, const TensorArg& value) {
    ember::index_fill_(self, dim, index, value);
  }, arg("self"), arg("dim"), arg("index"), arg("value"), nogil);
  m.def("index_fill", [](const Tensor& self, int64_t dim, const Tensor& index, const TensorArg& value) {
    return ember::index_fill(self, dim, index, value);
  }, arg("self"), arg("dim"), arg("index"), arg("value"), nogil);
  m.def("gather", &ember::gather, arg("self"), arg("dim"), arg("index"), nogil);
  m.def("scatter_", [](Tensor self, int64_t dim, const Tensor& index, const TensorArg& src) {
    ember::scatter_(self, dim, index, src);
  }, arg("self"), arg("dim"), arg("index"), arg("src"), nogil);
  m.def("scatter", [](const Tensor& self, int64_t dim, const Tensor& index, const TensorArg& src) {
    return ember::scatter(self, dim, index, src);
  }, arg("self"), arg("dim"), arg("index"), arg("src"), nogil);
  m.def("scatter_add_", [](Tensor self, int64_t dim, const Tensor& index, const Tensor& src) {
    ember::scatter_add_(self, dim, index, src);
  }, arg("self"), arg("dim"), arg("index"), arg("src"), nogil);
  m.def("scatter_add", &ember::scatter_add, arg("self"), arg("dim"), arg("index"), arg("src"), nogil);
  m.def("take_along_dim", &ember::take_along_dim, arg("self"), arg("indices"), arg("dim") = py::none(), nogil);
  m.def("masked_fill_", [](Tensor self, const Tensor& mask, const TensorArg& value) {
    ember::masked_fill_(self, mask, value);
  }, arg("self"), arg("mask"), arg("value"), nogil);
  m.def("masked_fill", [](const Tensor& self, const Tensor& mask, const TensorArg& value) {
    return ember::masked_fill(self, mask, value);
  }, arg("self"), arg("mask"), arg("value"), nogil);
  m.def("masked_select", &ember::masked_select, arg("self"), arg("mask"), nogil);
  m.def("masked_scatter_", [](Tensor self, const Tensor& mask, const Tensor& source) {
    ember::masked_scatter_(self, mask, source);
  }, arg("self"), arg("mask"), arg("source"), nogil);
  m.def("masked_scatter", &ember::masked_scatter, arg("self"), arg("mask"), arg("source"), nogil);
  m.def("nonzero", &ember::nonzero, arg("self"), nogil);
  m.def("argwhere", &ember::argwhere, arg("self"), nogil);
}

}  // namespace ember_py
