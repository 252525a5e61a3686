// Random ops, the Philox generator and the default generator's state.
#include "common.h"

namespace ember_py {

namespace {
using ember::Generator;
using ember::Tensor;
using OptD = std::optional<ember::DType>;
using OptDev = std::optional<ember::Device>;
using Shape = std::vector<int64_t>;

ember::TensorOptions options(OptD dtype, OptDev device) {
  ember::TensorOptions o;
  o.dtype_ = dtype;
  if (device) o.device_ = *device;
  return o;
}

py::tuple state_tuple(const Generator& g) {
  const ember::PhiloxState s = g.state();
  return py::make_tuple(s.seed, s.offset);
}
}  // namespace

void bind_random(py::module_& m) {
  py::class_<Generator>(m, "Generator")
      .def(py::init<uint64_t>(), py::arg("seed") = Generator::kDefaultSeed)
      .def("manual_seed", &Generator::manual_seed)
      .def("initial_seed", &Generator::seed)
      .def_property_readonly("offset", &Generator::offset)
      .def("get_state", &state_tuple)
      .def("set_state", [](Generator& g, uint64_t seed, uint64_t offset) { g.set_state({seed, offset}); });
  m.def("default_generator", &ember::default_generator, py::return_value_policy::reference);
  m.def("manual_seed", &ember::manual_seed, py::arg("seed"));
  m.def("initial_seed", [] { return ember::default_generator().seed(); });
  m.def("get_rng_state", [] { return state_tuple(ember::default_generator()); });
  m.def("set_rng_state", [](uint64_t seed, uint64_t offset) { ember::default_generator().set_state({seed, offset}); });

  auto nogil = py::call_guard<py::gil_scoped_release>();
  auto gen = py::arg("generator") = static_cast<Generator*>(nullptr);
  m.def("rand", [](const Shape& s, OptD d, OptDev dev, Generator* g) { return ember::rand(s, options(d, dev), g); },
        py::arg("shape"), py::arg("dtype"), py::arg("device"), gen, nogil);
  m.def("randn", [](const Shape& s, OptD d, OptDev dev, Generator* g) { return ember::randn(s, options(d, dev), g); },
        py::arg("shape"), py::arg("dtype"), py::arg("device"), gen, nogil);
  m.def("randint", [](int64_t low, int64_t high, const Shape& s, OptD d, OptDev dev, Generator* g) {
    return ember::randint(low, high, s, options(d, dev), g);
  }, py::arg("low"), py::arg("high"), py::arg("shape"), py::arg("dtype"), py::arg("device"), gen, nogil);
  m.def("randperm", [](int64_t n, OptD d, OptDev dev, Generator* g) { return ember::randperm(n, options(d, dev), g); },
        py::arg("n"), py::arg("dtype"), py::arg("device"), gen, nogil);
  m.def("uniform_", [](Tensor& t, double a, double b, Generator* g) { ember::uniform_(t, a, b, g); },
        py::arg("tensor"), py::arg("from_") = 0.0, py::arg("to") = 1.0, gen, nogil);
  m.def("normal_", [](Tensor& t, double mean, double std, Generator* g) { ember::normal_(t, mean, std, g); },
        py::arg("tensor"), py::arg("mean") = 0.0, py::arg("std") = 1.0, gen, nogil);
  m.def("exponential_", [](Tensor& t, double lambd, Generator* g) { ember::exponential_(t, lambd, g); },
        py::arg("tensor"), py::arg("lambd") = 1.0, gen, nogil);
  m.def("random_", [](Tensor& t, int64_t from, std::optional<int64_t> to, Generator* g) { ember::random_(t, from, to, g); },
        py::arg("tensor"), py::arg("from_") = 0, py::arg("to") = py::none(), gen, nogil);
  m.def("bernoulli_p_", [](Tensor& t, double p, Generator* g) { ember::bernoulli_(t, p, g); },
        py::arg("tensor"), py::arg("p"), gen, nogil);
  m.def("bernoulli", [](const Tensor& p, Generator* g) { return ember::bernoulli(p, g); },
        py::arg("p"), gen, nogil);
  m.def("bernoulli_p", [](const Tensor& like, double p, Generator* g) { return ember::bernoulli(like, p, g); },
        py::arg("like"), py::arg("p"), gen, nogil);
  m.def("normal", [](const TensorArg& mean, const TensorArg& std, Generator* g) {
    py::gil_scoped_release release;
    return ember::normal(mean.t, std.t, g);
  }, py::arg("mean"), py::arg("std"), gen);
}

}  // namespace ember_py
