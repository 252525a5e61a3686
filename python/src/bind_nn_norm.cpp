// Bindings of batch, layer and group norm and their backward ops. Absent results (gradients
// not asked for) come back as None.
#include "common.h"

namespace ember_py {

namespace {
using ember::Tensor;
using OptT = std::optional<Tensor>;
using Mask = std::array<bool, 3>;

py::object or_none(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }

py::tuple triple(const std::tuple<Tensor, Tensor, Tensor>& r) {
  return py::make_tuple(or_none(std::get<0>(r)), or_none(std::get<1>(r)), or_none(std::get<2>(r)));
}

// Calls f without the GIL and converts its three results with it.
template <typename F>
py::tuple nogil_triple(const F& f) {
  std::tuple<Tensor, Tensor, Tensor> r;
  {
    py::gil_scoped_release release;
    r = f();
  }
  return triple(r);
}
}  // namespace

void bind_nn_norm(py::module_& m) {
  auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("batch_norm", &ember::batch_norm, py::arg("input"), py::arg("running_mean"), py::arg("running_var"),
        py::arg("weight"), py::arg("bias"), py::arg("training"), py::arg("momentum"), py::arg("eps"), nogil);
  m.def("native_batch_norm", [](const Tensor& x, const OptT& rm, const OptT& rv, const OptT& w, const OptT& b,
                                bool training, double momentum, double eps) {
    return nogil_triple([&] { return ember::native_batch_norm(x, rm, rv, w, b, training, momentum, eps); });
  }, py::arg("input"), py::arg("running_mean"), py::arg("running_var"), py::arg("weight"), py::arg("bias"),
        py::arg("training"), py::arg("momentum"), py::arg("eps"));
  m.def("batch_norm_backward", [](const Tensor& g, const Tensor& x, const OptT& w, const Tensor& mean,
                                  const Tensor& invstd, bool training, Mask mask) {
    return nogil_triple([&] { return ember::batch_norm_backward(g, x, w, mean, invstd, training, mask); });
  }, py::arg("grad_output"), py::arg("input"), py::arg("weight"), py::arg("save_mean"), py::arg("save_invstd"),
        py::arg("training"), py::arg("output_mask"));
  m.def("layer_norm", &ember::layer_norm, py::arg("input"), py::arg("normalized_shape"), py::arg("weight"),
        py::arg("bias"), py::arg("eps"), nogil);
  m.def("native_layer_norm", [](const Tensor& x, const std::vector<int64_t>& shape, const OptT& w, const OptT& b,
                                double eps) {
    return nogil_triple([&] { return ember::native_layer_norm(x, shape, w, b, eps); });
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight"), py::arg("bias"), py::arg("eps"));
  m.def("layer_norm_backward", [](const Tensor& g, const Tensor& x, const std::vector<int64_t>& shape,
                                  const Tensor& mean, const Tensor& rstd, const OptT& w, Mask mask) {
    return nogil_triple([&] { return ember::layer_norm_backward(g, x, shape, mean, rstd, w, mask); });
  }, py::arg("grad_output"), py::arg("input"), py::arg("normalized_shape"), py::arg("mean"), py::arg("rstd"),
        py::arg("weight"), py::arg("output_mask"));
  m.def("group_norm", &ember::group_norm, py::arg("input"), py::arg("num_groups"), py::arg("weight"),
        py::arg("bias"), py::arg("eps"), nogil);
  m.def("native_group_norm", [](const Tensor& x, int64_t groups, const OptT& w, const OptT& b, double eps) {
    return nogil_triple([&] { return ember::native_group_norm(x, groups, w, b, eps); });
  }, py::arg("input"), py::arg("num_groups"), py::arg("weight"), py::arg("bias"), py::arg("eps"));
  m.def("group_norm_backward", [](const Tensor& g, const Tensor& x, int64_t groups, const Tensor& mean,
                                  const Tensor& rstd, const OptT& w, Mask mask) {
    return nogil_triple([&] { return ember::group_norm_backward(g, x, groups, mean, rstd, w, mask); });
  }, py::arg("grad_output"), py::arg("input"), py::arg("num_groups"), py::arg("mean"), py::arg("rstd"),
        py::arg("weight"), py::arg("output_mask"));
}

}  // namespace ember_py
