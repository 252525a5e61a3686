// Bindings of the complex-number ops: the part views, construction from parts, conj, angle
// and sgn. The GIL is released around each C++ call.
#include "common.h"

namespace ember_py {

void bind_complex(py::module_& m) {
  using ember::Tensor;
  using Unary = Tensor (*)(const Tensor&);
  const std::pair<const char*, Unary> unaries[] = {
      {"view_as_real", ember::view_as_real}, {"view_as_complex", ember::view_as_complex},
      {"real", ember::real}, {"imag", ember::imag}, {"conj", ember::conj}, {"angle", ember::angle},
      {"sgn", ember::sgn},
  };
  for (const auto& [name, fn] : unaries) {
    m.def(name, [fn](const Tensor& t) {
      py::gil_scoped_release nogil;
      return fn(t);
    });
  }
  m.def("complex", [](const Tensor& re, const Tensor& im) {
    py::gil_scoped_release nogil;
    return ember::complex(re, im);
  });
  m.def("polar", [](const Tensor& abs, const Tensor& angle) {
    py::gil_scoped_release nogil;
    return ember::polar(abs, angle);
  });
}

}  // namespace ember_py
