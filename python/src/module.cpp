// ember._C: the native module. Each area binds itself from its own file.
#include "common.h"

namespace ember_py {

std::optional<ember::Scalar> scalar_from_py(py::handle obj) {
  PyObject* o = obj.ptr();
  if (PyBool_Check(o)) return ember::Scalar(o == Py_True);
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) throw py::value_error("integer " + py::str(obj).cast<std::string>() + " is out of the int64 range");
    return ember::Scalar(static_cast<int64_t>(v));
  }
  if (PyFloat_Check(o)) return ember::Scalar(PyFloat_AS_DOUBLE(o));
  if (PyComplex_Check(o)) return ember::Scalar(std::complex<double>(PyComplex_RealAsDouble(o), PyComplex_ImagAsDouble(o)));
  // numpy scalars (np.float32(2), np.int64(3), np.bool_(True)) become Python numbers
  static PyObject* numpy_generic = [] {
    py::object np = py::module_::import("numpy");
    return py::object(np.attr("generic")).release().ptr();
  }();
  if (PyObject_IsInstance(o, numpy_generic) == 1) {
    py::object item = obj.attr("item")();
    if (PyBool_Check(item.ptr()) || PyLong_Check(item.ptr()) || PyFloat_Check(item.ptr()) || PyComplex_Check(item.ptr()))
      return scalar_from_py(item);
  }
  return std::nullopt;
}

std::vector<int64_t> int_list(py::handle obj, const char* what) {
  if (PyLong_Check(obj.ptr())) return {obj.cast<int64_t>()};
  if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj))
    throw py::type_error(std::string(what) + " must be an int or a sequence of ints, not " +
                         py::str(py::type::of(obj)).cast<std::string>());
  std::vector<int64_t> out;
  for (py::handle item : obj) {
    if (!PyLong_Check(item.ptr()) && !py::hasattr(item, "__index__"))
      throw py::type_error(std::string(what) + " must contain ints, got " + py::str(py::type::of(item)).cast<std::string>());
    out.push_back(py::int_(py::reinterpret_borrow<py::object>(item)).cast<int64_t>());
  }
  return out;
}

// The op layer's wrapper (op_wrapper.cpp); declared here to leave common.h as it is.
void bind_op_wrapper(py::module_& m);
// Native bodies of the hottest small-tensor ops (fast_ops.cpp).
void bind_fast_ops(py::module_& m);
// Native setups of the most recorded backward rules (autograd_setups.cpp).
void bind_autograd_setups(py::module_& m);

}  // namespace ember_py

PYBIND11_MODULE(_C, m) {
  m.doc() = "ember's native core";
  // ember::Error -> the Python exception its kind names. Shape errors are ValueErrors that
  // PyTorch-style code can also catch as RuntimeError.
  // Bad values and shapes raise ember.ArgumentError, a ValueError that PyTorch-style code can
  // also catch as RuntimeError (PyTorch raises RuntimeError for these); ShapeError refines it.
  static PyObject* argument_error = [] {
    PyObject* bases = PyTuple_Pack(2, PyExc_ValueError, PyExc_RuntimeError);
    PyObject* cls = PyErr_NewException("ember.ArgumentError", bases, nullptr);
    Py_DECREF(bases);
    return cls;
  }();
  static PyObject* shape_error = PyErr_NewException("ember.ShapeError", argument_error, nullptr);
  // A dtype an op does not take: a TypeError, and a RuntimeError as PyTorch raises.
  static PyObject* dtype_error = [] {
    PyObject* bases = PyTuple_Pack(2, PyExc_TypeError, PyExc_RuntimeError);
    PyObject* cls = PyErr_NewException("ember.DTypeError", bases, nullptr);
    Py_DECREF(bases);
    return cls;
  }();
  // torch.cuda.OutOfMemoryError: a RuntimeError with the allocator's figures in its message.
  static PyObject* oom_error = PyErr_NewException("ember.cuda.OutOfMemoryError", PyExc_RuntimeError, nullptr);
  m.attr("OutOfMemoryError") = py::handle(oom_error);
  m.attr("ArgumentError") = py::handle(argument_error);
  m.attr("ShapeError") = py::handle(shape_error);
  m.attr("DTypeError") = py::handle(dtype_error);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ember::Error& e) {
      switch (e.kind()) {
        case ember::ErrorKind::Value: PyErr_SetString(argument_error, e.what()); return;
        case ember::ErrorKind::Type: PyErr_SetString(dtype_error, e.what()); return;
        case ember::ErrorKind::Index: PyErr_SetString(PyExc_IndexError, e.what()); return;
        case ember::ErrorKind::NotImplemented: PyErr_SetString(PyExc_NotImplementedError, e.what()); return;
        case ember::ErrorKind::Shape: PyErr_SetString(shape_error, e.what()); return;
        case ember::ErrorKind::OutOfMemory: PyErr_SetString(oom_error, e.what()); return;
        default: PyErr_SetString(PyExc_RuntimeError, e.what()); return;
      }
    }
  });
  ember_py::bind_config(m);
  ember_py::bind_dtype_device(m);
  ember_py::bind_tensor(m);
  ember_py::bind_autograd(m);
  ember_py::bind_op_wrapper(m);
  ember_py::bind_fast_ops(m);
  ember_py::bind_autograd_setups(m);
  ember_py::bind_optim(m);
  ember_py::bind_rnn(m);
  ember_py::bind_creation(m);
  ember_py::bind_elementwise(m);
  ember_py::bind_complex(m);
  ember_py::bind_reduce(m);
  ember_py::bind_random(m);
  ember_py::bind_interop(m);
  ember_py::bind_linalg(m);
  ember_py::bind_loss(m);
  ember_py::bind_pool(m);
  ember_py::bind_interpolate(m);
  ember_py::bind_embedding(m);
  ember_py::bind_sparse(m);
  ember_py::bind_dropout(m);
  ember_py::bind_sort(m);
  ember_py::bind_conv(m);
  ember_py::bind_linalg_decomp(m);
  ember_py::bind_shape(m);
  ember_py::bind_nn_norm(m);
  ember_py::bind_nn_activation(m);
  ember_py::bind_nn_attention(m);
  ember_py::bind_indexing(m);
  ember_py::bind_ctc(m);
  ember_py::bind_fft(m);
}
