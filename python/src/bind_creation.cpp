// Creation functions. dtype None means the op's default (float32, or inferred for arange).
#include "common.h"

namespace ember_py {

namespace {
ember::TensorOptions options(std::optional<ember::DType> dtype, std::optional<ember::Device> device) {
  ember::TensorOptions o;
  o.dtype_ = dtype;
  if (device) o.device_ = *device;
  return o;
}
}  // namespace

void bind_creation(py::module_& m) {
  using OptD = std::optional<ember::DType>;
  using OptDev = std::optional<ember::Device>;
  using Shape = std::vector<int64_t>;
  auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("empty", [](const Shape& s, OptD d, OptDev dev) { return ember::empty(s, options(d, dev)); }, nogil);
  m.def("empty_strided", [](const Shape& s, const Shape& st, OptD d, OptDev dev) {
    return ember::empty_strided(s, st, options(d, dev));
  }, nogil);
  m.def("zeros", [](const Shape& s, OptD d, OptDev dev) { return ember::zeros(s, options(d, dev)); }, nogil);
  m.def("ones", [](const Shape& s, OptD d, OptDev dev) { return ember::ones(s, options(d, dev)); }, nogil);
  m.def("full", [](const Shape& s, const ember::Scalar& v, OptD d, OptDev dev) {
    // like PyTorch, the fill value's kind picks the default dtype
    if (!d) d = ember::default_dtype_for(v.category());
    return ember::full(s, v, options(d, dev));
  }, nogil);
  m.def("arange", [](const ember::Scalar& start, const ember::Scalar& end, const ember::Scalar& step, OptD d, OptDev dev) {
    return ember::arange(start, end, step, options(d, dev));
  }, nogil);
  m.def("linspace", [](double a, double b, int64_t n, OptD d, OptDev dev) { return ember::linspace(a, b, n, options(d, dev)); }, nogil);
  m.def("eye", [](int64_t n, std::optional<int64_t> mm, OptD d, OptDev dev) { return ember::eye(n, mm, options(d, dev)); }, nogil);
  m.def("scalar_tensor", [](const ember::Scalar& v, OptD d) { return ember::scalar_tensor(v, d); });
  m.def("result_type", [](const std::vector<TensorArg>& args) {
    std::vector<ember::Tensor> ts;
    for (const auto& a : args) ts.push_back(a.t);
    return ember::result_type(ts);
  });
  m.def("get_num_threads", &ember::get_num_threads);
  m.def("set_num_threads", &ember::set_num_threads);
  // The serial number the next storage will have (Tensor._storage_serial orders storages by creation).
  m.def("next_storage_serial", &ember::Storage::next_serial);
}

}  // namespace ember_py
