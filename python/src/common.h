#pragma once
// Shared by the binding files: conversions between Python objects and ember types.
// The bindings stay thin: convert, release the GIL, call the C++ API.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <vector>

#include "ember/ember.h"

namespace py = pybind11;

namespace ember_py {

// A Python number (bool, int, float, complex, numpy scalar) -> ember::Scalar.
std::optional<ember::Scalar> scalar_from_py(py::handle obj);

// An operand of an op: an ember tensor, or a Python number that becomes a wrapped-number
// 0-dim tensor (it then promotes like a scalar: int32 tensor + 2.5 is float32).
struct TensorArg {
  ember::Tensor t;
  operator const ember::Tensor&() const { return t; }  // NOLINT
};

// The shared Python object of a dtype (ember.float32 itself), and of a device (shared for the
// CPU): what Tensor.dtype and Tensor.device return.
py::object dtype_object(ember::DType t);
py::object device_object(const ember::Device& d);

// "shape" arguments: an int, or a sequence of ints.
std::vector<int64_t> int_list(py::handle obj, const char* what);

void bind_config(py::module_& m);
void bind_dtype_device(py::module_& m);
void bind_cuda(py::module_ m);
void bind_tensor(py::module_& m);
void bind_creation(py::module_& m);
void bind_elementwise(py::module_& m);
void bind_complex(py::module_& m);
void bind_reduce(py::module_& m);
void bind_random(py::module_& m);
void bind_interop(py::module_& m);
void bind_linalg(py::module_& m);
void bind_loss(py::module_& m);
void bind_pool(py::module_& m);
void bind_interpolate(py::module_& m);
void bind_embedding(py::module_& m);
void bind_sparse(py::module_& m);
void bind_dropout(py::module_& m);
void bind_sort(py::module_& m);
void bind_conv(py::module_& m);
void bind_linalg_decomp(py::module_& m);
void bind_shape(py::module_& m);
void bind_nn_norm(py::module_& m);
void bind_nn_activation(py::module_& m);
void bind_nn_attention(py::module_& m);
void bind_indexing(py::module_& m);
void bind_ctc(py::module_& m);
void bind_fft(py::module_& m);
void bind_autograd(py::module_& m);
void bind_optim(py::module_& m);
void bind_rnn(py::module_& m);

}  // namespace ember_py

namespace pybind11::detail {

template <> struct type_caster<ember::Scalar> {
  PYBIND11_TYPE_CASTER(ember::Scalar, const_name("Number"));
  bool load(handle src, bool) {
    auto s = ember_py::scalar_from_py(src);
    if (!s) return false;
    value = *s;
    return true;
  }
  static handle cast(const ember::Scalar& s, return_value_policy, handle) {
    if (s.is_bool()) return py::bool_(s.to<bool>()).release();
    if (s.is_floating()) return PyFloat_FromDouble(s.to_double());
    if (s.is_complex()) return PyComplex_FromDoubles(s.to_double(), s.imag());
    return PyLong_FromLongLong(s.to_int64());
  }
};

template <> struct type_caster<ember_py::TensorArg> {
  PYBIND11_TYPE_CASTER(ember_py::TensorArg, const_name("Tensor | Number"));
  bool load(handle src, bool convert) {
    // Python numbers first: a failed tensor load costs a formatted AttributeError inside
    // pybind11, which would dominate `t * 2`.
    PyObject* o = src.ptr();
    if (PyFloat_Check(o) || PyLong_Check(o)) {
      value.t = ember::scalar_tensor(*ember_py::scalar_from_py(src), std::nullopt, /*wrapped=*/true);
      return true;
    }
    make_caster<ember::Tensor> tc;
    if (tc.load(src, false)) {
      value.t = cast_op<ember::Tensor&>(tc);
      return true;
    }
    auto s = ember_py::scalar_from_py(src);
    if (!s) return false;
    value.t = ember::scalar_tensor(*s, std::nullopt, /*wrapped=*/true);
    return true;
  }
  static handle cast(const ember_py::TensorArg&, return_value_policy, handle) = delete;
};

}  // namespace pybind11::detail
