// Bindings of sorting, selection, unique, searchsorted and einsum. The Python layer
// (ember/_sort.py, ember/_einsum.py) turns PyTorch's signatures into these.
#include "common.h"

namespace ember_py {

void bind_sort(py::module_& m) {
  using ember::Tensor;
  using Dims = std::optional<std::vector<int64_t>>;
  auto nogil = py::call_guard<py::gil_scoped_release>();
  auto unique_tuple = [](const ember::UniqueResult& r) { return std::make_tuple(r.values, r.inverse, r.counts); };

  m.def("sort", [](const Tensor& t, int64_t dim, bool descending, bool stable) {
    return ember::sort(t, dim, descending, stable);
  }, nogil);
  m.def("argsort", [](const Tensor& t, int64_t dim, bool descending, bool stable) {
    return ember::argsort(t, dim, descending, stable);
  }, nogil);
  m.def("topk", [](const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
    return ember::topk(t, k, dim, largest, sorted);
  }, nogil);
  m.def("kthvalue", [](const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
    return ember::kthvalue(t, k, dim, keepdim);
  }, nogil);
  m.def("median_dim", [](const Tensor& t, int64_t dim, bool keepdim) { return ember::median(t, dim, keepdim); }, nogil);
  m.def("median_all", [](const Tensor& t) { return ember::median(t); }, nogil);
  m.def("nanmedian_dim", [](const Tensor& t, int64_t dim, bool keepdim) {
    return ember::nanmedian(t, dim, keepdim);
  }, nogil);
  m.def("nanmedian_all", [](const Tensor& t) { return ember::nanmedian(t); }, nogil);
  m.def("quantile", [](const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                       const std::string& interpolation) {
    return ember::quantile(t, q, dim, keepdim, interpolation);
  }, nogil);
  m.def("unique", [=](const Tensor& t, std::optional<int64_t> dim) { return unique_tuple(ember::unique(t, dim)); },
        nogil);
  m.def("unique_consecutive", [=](const Tensor& t, std::optional<int64_t> dim) {
    return unique_tuple(ember::unique_consecutive(t, dim));
  }, nogil);
  m.def("searchsorted", [](const Tensor& seq, const TensorArg& values, bool out_int32, bool right,
                           const std::optional<std::string>& side, const std::optional<Tensor>& sorter) {
    return ember::searchsorted(seq, values, out_int32, right, side, sorter);
  }, nogil);
  m.def("bucketize", [](const TensorArg& input, const Tensor& boundaries, bool out_int32, bool right) {
    return ember::bucketize(input, boundaries, out_int32, right);
  }, nogil);
  m.def("count_nonzero", [](const Tensor& t, const Dims& dims) { return ember::count_nonzero(t, dims); }, nogil);
  m.def("einsum", [](const std::string& equation, const std::vector<Tensor>& operands) {
    return ember::einsum(equation, operands);
  }, nogil);
  m.def("tensordot", [](const Tensor& a, const Tensor& b, const std::vector<int64_t>& dims_a,
                        const std::vector<int64_t>& dims_b) { return ember::tensordot(a, b, dims_a, dims_b); }, nogil);
  m.def("tensordot_n", [](const Tensor& a, const Tensor& b, int64_t dims) { return ember::tensordot(a, b, dims); },
        nogil);
  m.def("kron", [](const Tensor& a, const Tensor& b) { return ember::kron(a, b); }, nogil);
}

}  // namespace ember_py
