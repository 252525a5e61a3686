// ember.dtype values (ember.float32, ...) and ember.device.
#include "common.h"

namespace ember_py {

namespace {
// One Python object per dtype, and one for the CPU device: pybind11 makes a new wrapper for
// every value it returns, and Tensor.dtype / Tensor.device are read on every op that records
// autograd (about 300 ns a wrapper against 100 ns for a shared one). Kept alive for the
// process's life, so they are never released after the interpreter is gone.
PyObject* g_dtype_objects[ember::kNumDTypes];
PyObject* g_cpu_device;
}  // namespace

py::object dtype_object(ember::DType t) {
  return py::reinterpret_borrow<py::object>(g_dtype_objects[static_cast<int>(t)]);
}

py::object device_object(const ember::Device& d) {
  if (d.is_cpu() && g_cpu_device != nullptr) return py::reinterpret_borrow<py::object>(g_cpu_device);
  return py::cast(d);
}

void bind_dtype_device(py::module_& m) {
  py::enum_<ember::DType> dtype(m, "dtype");
#define EMBER_DTYPE(name, ctype, str, cat) dtype.value(str, ember::DType::name);
#include "ember/dtypes.def"
#undef EMBER_DTYPE
#define EMBER_DTYPE(name, ctype, str, cat) \
  g_dtype_objects[static_cast<int>(ember::DType::name)] = py::object(dtype.attr(str)).release().ptr();
#include "ember/dtypes.def"
#undef EMBER_DTYPE
  dtype.def("__repr__", [](ember::DType t) { return std::string("ember.") + ember::dtype_name(t); })
      .def("__str__", [](ember::DType t) { return std::string("ember.") + ember::dtype_name(t); })
      .def_property_readonly("is_floating_point", [](ember::DType t) { return ember::is_floating(t); })
      .def_property_readonly("is_complex", [](ember::DType t) { return ember::is_complex(t); })
      .def_property_readonly("is_signed", [](ember::DType t) {
        return t != ember::kBool && t != ember::kUInt8;
      })
      .def_property_readonly("itemsize", [](ember::DType t) { return ember::dtype_size(t); })
      .def_property_readonly("name", [](ember::DType t) { return std::string(ember::dtype_name(t)); });
  m.def("dtype_from_name", &ember::dtype_from_name);
  m.def("promote_types", &ember::promote_types);
  m.def("can_cast", &ember::can_cast);

  py::class_<ember::Device>(m, "device")
      .def(py::init([](const std::string& spec) { return ember::Device(spec); }), py::arg("type"))
      .def(py::init([](const std::string& type, int index) {
             ember::Device d(type);
             d.index = index;
             return d;
           }),
           py::arg("type"), py::arg("index"))
      .def_property_readonly("type", [](const ember::Device& d) { return d.is_cpu() ? "cpu" : "cuda"; })
      .def_property_readonly("index", [](const ember::Device& d) -> py::object {
        if (d.is_cpu()) return py::none();
        return py::int_(d.index);
      })
      .def("__str__", [](const ember::Device& d) { return d.is_cpu() ? std::string("cpu") : d.str(); })
      .def("__repr__", [](const ember::Device& d) {
        if (d.is_cpu()) return std::string("device(type='cpu')");
        return "device(type='cuda', index=" + std::to_string(d.index) + ")";
      })
      .def("__eq__", [](const ember::Device& a, const ember::Device& b) { return a == b; })
      .def("__eq__", [](const ember::Device& a, const std::string& b) { return a == ember::Device(b); })
      .def("__hash__", [](const ember::Device& d) { return static_cast<int>(d.type) * 1000 + d.index; });
  py::implicitly_convertible<std::string, ember::Device>();
  g_cpu_device = py::cast(ember::Device(ember::DeviceType::CPU)).release().ptr();

  bind_cuda(m.def_submodule("cuda", "the CUDA backend"));
}

}  // namespace ember_py
