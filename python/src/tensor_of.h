#pragma once
// The ember::Tensor inside an ember._C.Tensor object, for the code that runs once or more per
// recorded op (autograd_record.cpp, autograd_setups.cpp, fast_ops.cpp). pybind11's cast looks
// the registered type up by std::type_index, a string hash, on every call: 200 instructions,
// five times in recording a view. An object of exactly the registered class, with pybind11's
// simple layout and its holder made, holds a pointer to the value in its first slot; any other
// object takes pybind11's cast.
#include "common.h"

namespace ember_py {

// nullptr (no exception set) when `impl` holds no ember::Tensor.
inline const ember::Tensor* tensor_of(PyObject* impl) {
  static PyTypeObject* const registered = reinterpret_cast<PyTypeObject*>(py::type::of<ember::Tensor>().ptr());
  if (Py_TYPE(impl) == registered) {
    auto* inst = reinterpret_cast<py::detail::instance*>(impl);
    if (inst->simple_layout && inst->simple_holder_constructed && inst->simple_value_holder[0] != nullptr)
      return static_cast<const ember::Tensor*>(inst->simple_value_holder[0]);
  }
  try {
    return &py::handle(impl).cast<const ember::Tensor&>();
  } catch (const py::cast_error&) {
    return nullptr;
  }
}

}  // namespace ember_py
