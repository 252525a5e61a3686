// Bindings of the elementwise ops. Operands are TensorArg (a tensor or a Python number, which
// becomes a wrapped-number 0-dim tensor), so `2 - t` is _C.sub(2, t). The GIL is released
// around the C++ call, after argument conversion.
#include "common.h"

namespace ember_py {

namespace {
using ember::Scalar;
using ember::Tensor;
using Binary = Tensor (*)(const Tensor&, const Tensor&);
using Unary = Tensor (*)(const Tensor&);

// A clamp bound: None, a number or a tensor.
std::optional<Tensor> bound(const py::handle& h) {
  if (h.is_none()) return std::nullopt;
  py::detail::make_caster<TensorArg> caster;
  if (!caster.load(h, true))
    throw py::type_error("clamp: min and max must be None, numbers or tensors, not " +
                         py::str(py::type::of(h)).cast<std::string>());
  return py::detail::cast_op<TensorArg&>(caster).t;
}

std::optional<Scalar> scalar_bound(const py::handle& h) {
  if (h.is_none()) return std::nullopt;
  return scalar_from_py(h);
}

bool is_number_or_none(const py::handle& h) { return h.is_none() || scalar_from_py(h).has_value(); }
}  // namespace

void bind_elementwise(py::module_& m) {
  m.def("add", [](const TensorArg& a, const TensorArg& b, const Scalar& alpha) {
    py::gil_scoped_release nogil;
    return ember::add(a.t, b.t, alpha);
  });
  m.def("sub", [](const TensorArg& a, const TensorArg& b, const Scalar& alpha) {
    py::gil_scoped_release nogil;
    return ember::sub(a.t, b.t, alpha);
  });
  m.def("div", [](const TensorArg& a, const TensorArg& b, const std::optional<std::string>& rounding_mode) {
    py::gil_scoped_release nogil;
    return ember::div(a.t, b.t, rounding_mode.value_or(""));
  });
  const std::pair<const char*, Binary> binaries[] = {
      {"mul", ember::mul},
      {"remainder", ember::remainder},
      {"fmod", ember::fmod},
      {"floor_divide", ember::floor_divide},
      {"pow", static_cast<Binary>(ember::pow)},
      {"maximum", ember::maximum},
      {"minimum", ember::minimum},
      {"atan2", ember::atan2},
      {"eq", ember::eq},
      {"ne", ember::ne},
      {"lt", ember::lt},
      {"le", ember::le},
      {"gt", ember::gt},
      {"ge", ember::ge},
      {"logical_and", ember::logical_and},
      {"logical_or", ember::logical_or},
      {"logical_xor", ember::logical_xor},
      {"bitwise_and", ember::bitwise_and},
      {"bitwise_or", ember::bitwise_or},
      {"bitwise_xor", ember::bitwise_xor},
      {"bitwise_left_shift", ember::bitwise_left_shift},
      {"bitwise_right_shift", ember::bitwise_right_shift},
      {"hypot", ember::hypot},
      {"copysign", ember::copysign},
      {"logaddexp", ember::logaddexp},
      {"logaddexp2", ember::logaddexp2},
      {"xlogy", ember::xlogy},
  };
  for (const auto& [name, fn] : binaries) {
    m.def(name, [fn = fn](const TensorArg& a, const TensorArg& b) {
      py::gil_scoped_release nogil;
      return fn(a.t, b.t);
    });
  }

  const std::pair<const char*, Unary> unaries[] = {
      {"neg", ember::neg},       {"abs", ember::abs},           {"sign", ember::sign},
      {"exp", ember::exp},       {"exp2", ember::exp2},         {"expm1", ember::expm1},
      {"log", ember::log},       {"log2", ember::log2},         {"log10", ember::log10},
      {"log1p", ember::log1p},   {"sqrt", ember::sqrt},         {"rsqrt", ember::rsqrt},
      {"sin", ember::sin},       {"cos", ember::cos},           {"tan", ember::tan},
      {"tanh", ember::tanh},     {"sigmoid", ember::sigmoid},   {"relu", ember::relu},
      {"erf", ember::erf},       {"floor", ember::floor},       {"ceil", ember::ceil},
      {"round", ember::round},   {"trunc", ember::trunc},       {"reciprocal", ember::reciprocal},
      {"square", ember::square}, {"logical_not", ember::logical_not}, {"bitwise_not", ember::bitwise_not},
      {"isnan", ember::isnan},   {"isinf", ember::isinf},       {"isfinite", ember::isfinite},
      {"sinh", ember::sinh},     {"cosh", ember::cosh},         {"asin", ember::asin},
      {"acos", ember::acos},     {"atan", ember::atan},         {"asinh", ember::asinh},
      {"acosh", ember::acosh},   {"atanh", ember::atanh},       {"erfc", ember::erfc},
      {"erfinv", ember::erfinv}, {"lgamma", ember::lgamma},     {"digamma", ember::digamma},
      {"frac", ember::frac},     {"signbit", ember::signbit},   {"deg2rad", ember::deg2rad},
      {"rad2deg", ember::rad2deg},
  };
  for (const auto& [name, fn] : unaries) {
    m.def(name, [fn = fn](const Tensor& t) {
      py::gil_scoped_release nogil;
      return fn(t);
    });
  }

  m.def("clamp", [](const Tensor& t, py::handle min, py::handle max) {
    if (is_number_or_none(min) && is_number_or_none(max)) {
      auto lo = scalar_bound(min), hi = scalar_bound(max);
      py::gil_scoped_release nogil;
      return ember::clamp(t, lo, hi);
    }
    auto lo = bound(min), hi = bound(max);
    py::gil_scoped_release nogil;
    return ember::clamp(t, lo, hi);
  });
  m.def("where", [](const Tensor& condition, const TensorArg& a, const TensorArg& b) {
    py::gil_scoped_release nogil;
    return ember::where(condition, a.t, b.t);
  });

  // in-place and out= forms write into their first (self) or last (out) argument
  m.def("add_", [](Tensor& self, const TensorArg& other, const Scalar& alpha) {
    py::gil_scoped_release nogil;
    ember::add_(self, other.t, alpha);
  });
  m.def("sub_", [](Tensor& self, const TensorArg& other, const Scalar& alpha) {
    py::gil_scoped_release nogil;
    ember::sub_(self, other.t, alpha);
  });
  m.def("mul_", [](Tensor& self, const TensorArg& other) {
    py::gil_scoped_release nogil;
    ember::mul_(self, other.t);
  });
  m.def("div_", [](Tensor& self, const TensorArg& other, const std::optional<std::string>& rounding_mode) {
    py::gil_scoped_release nogil;
    ember::div_(self, other.t, rounding_mode.value_or(""));
  });
  m.def("clamp_", [](Tensor& self, py::handle min, py::handle max) {
    if (is_number_or_none(min) && is_number_or_none(max)) {
      auto lo = scalar_bound(min), hi = scalar_bound(max);
      py::gil_scoped_release nogil;
      ember::clamp_(self, lo, hi);
      return;
    }
    auto lo = bound(min), hi = bound(max);
    py::gil_scoped_release nogil;
    ember::clamp_(self, lo, hi);
  });
  m.def("binary_out", [](const std::string& op, const TensorArg& a, const TensorArg& b, const Tensor& out) {
    py::gil_scoped_release nogil;
    ember::binary_out(op, a.t, b.t, out);
  });
  m.def("unary_out", [](const std::string& op, const Tensor& t, const Tensor& out) {
    py::gil_scoped_release nogil;
    ember::unary_out(op, t, out);
  });
}

}  // namespace ember_py
