// Bindings of the reductions, scans and softmax. dims arguments are None (all dims) or a list of
// ints; the Python layer (ember/_reduce.py) turns PyTorch's signatures into these.
#include "common.h"

namespace ember_py {

void bind_reduce(py::module_& m) {
  using ember::Tensor;
  using Dims = std::optional<std::vector<int64_t>>;
  using OptDType = std::optional<ember::DType>;
  auto nogil = py::call_guard<py::gil_scoped_release>();

  m.def("sum", [](const Tensor& t, const Dims& dims, bool keepdim, OptDType dtype) {
    return ember::sum(t, dims, keepdim, dtype);
  }, nogil);
  m.def("mean", [](const Tensor& t, const Dims& dims, bool keepdim, OptDType dtype) {
    return ember::mean(t, dims, keepdim, dtype);
  }, nogil);
  m.def("prod", [](const Tensor& t, const Dims& dims, bool keepdim, OptDType dtype) {
    return ember::prod(t, dims, keepdim, dtype);
  }, nogil);
  m.def("var", [](const Tensor& t, const Dims& dims, double correction, bool keepdim) {
    return ember::var(t, dims, correction, keepdim);
  }, nogil);
  m.def("std", [](const Tensor& t, const Dims& dims, double correction, bool keepdim) {
    return ember::std(t, dims, correction, keepdim);
  }, nogil);
  m.def("amax", [](const Tensor& t, const Dims& dims, bool keepdim) { return ember::amax(t, dims, keepdim); }, nogil);
  m.def("amin", [](const Tensor& t, const Dims& dims, bool keepdim) { return ember::amin(t, dims, keepdim); }, nogil);
  m.def("max_all", [](const Tensor& t) { return ember::max(t); }, nogil);
  m.def("min_all", [](const Tensor& t) { return ember::min(t); }, nogil);
  m.def("max_dim", [](const Tensor& t, int64_t dim, bool keepdim) { return ember::max(t, dim, keepdim); }, nogil);
  m.def("min_dim", [](const Tensor& t, int64_t dim, bool keepdim) { return ember::min(t, dim, keepdim); }, nogil);
  m.def("argmax", [](const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
    return ember::argmax(t, dim, keepdim);
  }, nogil);
  m.def("argmin", [](const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
    return ember::argmin(t, dim, keepdim);
  }, nogil);
  m.def("all", [](const Tensor& t, const Dims& dims, bool keepdim) { return ember::all(t, dims, keepdim); }, nogil);
  m.def("any", [](const Tensor& t, const Dims& dims, bool keepdim) { return ember::any(t, dims, keepdim); }, nogil);
  m.def("logsumexp", [](const Tensor& t, const Dims& dims, bool keepdim) {
    return ember::logsumexp(t, dims.value_or(std::vector<int64_t>{}), keepdim);
  }, nogil);
  m.def("norm", [](const Tensor& t, double p, const Dims& dims, bool keepdim) {
    return ember::norm(t, p, dims, keepdim);
  }, nogil);
  m.def("cumsum", [](const Tensor& t, int64_t dim, OptDType dtype) { return ember::cumsum(t, dim, dtype); }, nogil);
  m.def("cumprod", [](const Tensor& t, int64_t dim, OptDType dtype) { return ember::cumprod(t, dim, dtype); }, nogil);
  m.def("softmax", [](const Tensor& t, int64_t dim, OptDType dtype) { return ember::softmax(t, dim, dtype); }, nogil);
  m.def("log_softmax", [](const Tensor& t, int64_t dim, OptDType dtype) {
    return ember::log_softmax(t, dim, dtype);
  }, nogil);
  m.def("softmax_backward", [](const Tensor& g, const Tensor& y, int64_t dim) {
    return ember::softmax_backward(g, y, dim);
  }, nogil);
  m.def("log_softmax_backward", [](const Tensor& g, const Tensor& y, int64_t dim) {
    return ember::log_softmax_backward(g, y, dim);
  }, nogil);
}

}  // namespace ember_py
