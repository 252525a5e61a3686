// ember._C.Tensor: metadata, views, copies, indexing. The Python class ember.Tensor wraps it.
#include <algorithm>

#include "common.h"

namespace ember_py {

namespace {
using ember::Tensor;
using ember::TensorIndex;

std::optional<int64_t> opt_index(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return py::int_(py::reinterpret_borrow<py::object>(h)).cast<int64_t>();
}

TensorIndex one_index(py::handle h) {
  if (PyLong_Check(h.ptr())) return TensorIndex::at(h.cast<int64_t>());
  if (h.is_none()) return TensorIndex::none();
  if (h.ptr() == Py_Ellipsis) return TensorIndex::ellipsis();
  if (PySlice_Check(h.ptr())) {
    auto* s = reinterpret_cast<PySliceObject*>(h.ptr());
    auto step = opt_index(s->step);
    return TensorIndex::slice(opt_index(s->start), opt_index(s->stop), step.value_or(1));
  }
  // Tensor entries (ember.Tensor turns lists, arrays and bools into them before calling).
  if (py::isinstance<Tensor>(h)) return TensorIndex::tensor(h.cast<Tensor>());
  if (PyBool_Check(h.ptr()) == 0 && py::hasattr(h, "__index__"))
    return TensorIndex::at(py::int_(py::reinterpret_borrow<py::object>(h)).cast<int64_t>());
  throw py::index_error("only integers, slices (`:`), ellipsis (`...`), None, and integer or boolean tensors are "
                        "valid indices, got " + py::str(py::type::of(h)).cast<std::string>());
}

std::vector<TensorIndex> parse_index(py::handle key) {
  std::vector<TensorIndex> out;
  if (PyTuple_Check(key.ptr())) {
    for (py::handle h : key) out.push_back(one_index(h));
  } else {
    out.push_back(one_index(key));
  }
  return out;
}

py::tuple to_tuple(const std::vector<int64_t>& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = py::int_(v[i]);
  return t;
}
}  // namespace

void bind_tensor(py::module_& m) {
  py::class_<Tensor> cls(m, "Tensor");
  cls.def_property_readonly("shape", [](const Tensor& t) { return to_tuple(t.shape()); })
      .def("stride", [](const Tensor& t) { return to_tuple(t.strides()); })
      .def("stride", [](const Tensor& t, int64_t d) { return t.stride(d); })
      .def("size", [](const Tensor& t, int64_t d) { return t.size(d); })
      .def_property_readonly("dtype", [](const Tensor& t) { return dtype_object(t.dtype()); })
      .def_property_readonly("device", [](const Tensor& t) { return device_object(t.device()); })
      .def_property_readonly("_is_floating", [](const Tensor& t) { return ember::is_floating(t.dtype()); })
      // (shape, dtype) in one call: what autograd keeps of each input of a recorded op
      .def_property_readonly("_grad_meta", [](const Tensor& t) {
        return py::make_tuple(to_tuple(t.shape()), dtype_object(t.dtype()));
      })
      .def_property_readonly("ndim", &Tensor::dim)
      .def("numel", &Tensor::numel)
      .def("element_size", &Tensor::element_size)
      .def("storage_offset", &Tensor::storage_offset)
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()); })
      .def("is_contiguous", &Tensor::is_contiguous)
      .def_property_readonly("_version", &Tensor::version)
      .def("_bump_version", &Tensor::bump_version)
      .def("_same_storage", [](const Tensor& a, const Tensor& b) { return a.storage() == b.storage(); })
      .def_property_readonly("_storage_serial", [](const Tensor& t) { return t.storage()->serial(); })
      .def("_storage_nbytes", [](const Tensor& t) { return t.storage()->nbytes(); })
      // views
      .def("view", [](const Tensor& t, const std::vector<int64_t>& s) { return t.view(s); })
      .def("reshape", [](const Tensor& t, const std::vector<int64_t>& s) { return t.reshape(s); })
      .def("permute", [](const Tensor& t, const std::vector<int64_t>& d) { return t.permute(d); })
      .def("transpose", &Tensor::transpose)
      .def("t", &Tensor::t)
      .def("expand", [](const Tensor& t, const std::vector<int64_t>& s) { return t.expand(s); })
      .def("squeeze", [](const Tensor& t) { return t.squeeze(); })
      .def("squeeze", [](const Tensor& t, int64_t d) { return t.squeeze(d); })
      .def("unsqueeze", &Tensor::unsqueeze)
      .def("flatten", &Tensor::flatten)
      .def("unflatten", &Tensor::unflatten)
      .def("narrow", &Tensor::narrow)
      .def("select", &Tensor::select)
      .def("slice", &Tensor::slice)
      .def("diagonal", &Tensor::diagonal)
      .def("as_strided", &Tensor::as_strided)
      .def("unfold", &Tensor::unfold)
      .def("alias", &Tensor::alias)
      // copies
      .def("contiguous", &Tensor::contiguous, py::call_guard<py::gil_scoped_release>())
      .def("clone", &Tensor::clone, py::call_guard<py::gil_scoped_release>())
      .def("to_dtype", py::overload_cast<ember::DType>(&Tensor::to, py::const_), py::call_guard<py::gil_scoped_release>())
      .def("to_device", py::overload_cast<ember::Device>(&Tensor::to, py::const_), py::call_guard<py::gil_scoped_release>())
      .def("to_device", py::overload_cast<ember::Device, bool>(&Tensor::to, py::const_),
           py::call_guard<py::gil_scoped_release>())
      .def("pin_memory", &Tensor::pin_memory, py::call_guard<py::gil_scoped_release>())
      .def("is_pinned", &Tensor::is_pinned)
      .def("copy_", [](Tensor& t, const Tensor& src) { py::gil_scoped_release nogil; t.copy_(src); })
      .def("copy_", [](Tensor& t, const Tensor& src, bool non_blocking) {
        py::gil_scoped_release nogil;
        t.copy_(src, non_blocking);
      })
      .def("fill_", [](Tensor& t, const ember::Scalar& v) { py::gil_scoped_release nogil; t.fill_(v); })
      .def("fill_", [](Tensor& t, const Tensor& v) {
        EMBER_CHECK_VALUE(v.dim() == 0, "fill_: only supports a 0-dim value tensor, got shape ", ember::shape_str(v.shape()));
        py::gil_scoped_release nogil;
        t.copy_(v);
      })
      .def("item", [](const Tensor& t) { return t.item(); })
      .def("__repr__", &Tensor::repr)
      .def("_repr", [](const Tensor& t, const std::vector<std::string>& suffixes) { return ember::tensor_repr(t, suffixes); })
      // indexing: basic entries make views, tensor entries copy
      .def("getitem", [](const Tensor& t, py::handle key) {
        auto indices = parse_index(key);
        // A view is made in no time; only a copy is worth releasing the GIL for.
        const bool copies = std::any_of(indices.begin(), indices.end(),
                                        [](const TensorIndex& x) { return x.kind == TensorIndex::Kind::Tensor; });
        if (!copies) return ember::index(t, indices);
        py::gil_scoped_release nogil;
        return ember::index(t, indices);
      })
      // accumulate: t[key] += v with repeated indices adding up (the backward of t[key])
      .def("setitem", [](const Tensor& t, py::handle key, const TensorArg& v, bool accumulate) {
        auto indices = parse_index(key);
        py::gil_scoped_release nogil;
        if (!accumulate) return ember::index_assign(t, indices, v.t);
        Tensor target = t;
        ember::index_put_(target, indices, v.t, true);
      }, py::arg("key"), py::arg("value"), py::arg("accumulate") = false);
}

}  // namespace ember_py
