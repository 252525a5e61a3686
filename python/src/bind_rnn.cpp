// The fused recurrent layers and cells (ember/ops/rnn.h), which ember/_ops/rnn.py and the nn
// cells call. Modes are passed by name ("LSTM", "GRU", "RNN_TANH", "RNN_RELU"); absent tensors
// are None both ways.
#include "common.h"
#include "ember/ops/rnn.h"

namespace ember_py {

namespace {
using ember::Tensor;
using OptT = std::optional<Tensor>;

Tensor or_undefined(const OptT& t) { return t ? *t : Tensor(); }

py::tuple to_tuple(const std::vector<Tensor>& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = ts[i].defined() ? py::cast(ts[i]) : py::none();
  return out;
}

template <typename F>
py::tuple nogil_tuple(const F& f) {
  std::vector<Tensor> r;
  {
    py::gil_scoped_release release;
    r = f();
  }
  return to_tuple(r);
}
}  // namespace

void bind_rnn(py::module_& m) {
  m.def("recurrent_fused_available", [](ember::DType dtype, ember::Device device) {
    return ember::recurrent_fused_available(dtype, device);
  }, py::arg("dtype"), py::arg("device"));
  m.def("recurrent_layer", [](const std::string& mode, const Tensor& x_gates, const Tensor& h0, const OptT& c0,
                              const Tensor& w_hh, const OptT& b_hh, bool reverse) {
    const auto md = ember::recurrent_mode(mode);
    return nogil_tuple([&] { return ember::recurrent_layer(md, x_gates, h0, or_undefined(c0), w_hh,
                                                           or_undefined(b_hh), reverse); });
  }, py::arg("mode"), py::arg("x_gates"), py::arg("h0"), py::arg("c0"), py::arg("w_hh"), py::arg("b_hh"),
        py::arg("reverse"));
  m.def("recurrent_layer_backward", [](const std::string& mode, const OptT& grad_output, const OptT& grad_h_n,
                                       const OptT& grad_c_n, const Tensor& h0, const OptT& c0, const Tensor& w_hh,
                                       const Tensor& output, const Tensor& workspace, bool reverse, bool has_bias) {
    const auto md = ember::recurrent_mode(mode);
    return nogil_tuple([&] {
      return ember::recurrent_layer_backward(md, or_undefined(grad_output), or_undefined(grad_h_n),
                                             or_undefined(grad_c_n), h0, or_undefined(c0), w_hh, output, workspace,
                                             reverse, has_bias);
    });
  }, py::arg("mode"), py::arg("grad_output"), py::arg("grad_h_n"), py::arg("grad_c_n"), py::arg("h0"),
        py::arg("c0"), py::arg("w_hh"), py::arg("output"), py::arg("workspace"), py::arg("reverse"),
        py::arg("has_bias"));
  m.def("recurrent_cell", [](const std::string& mode, const Tensor& x_gates, const Tensor& h_gates,
                             const Tensor& h_prev, const OptT& c_prev) {
    const auto md = ember::recurrent_mode(mode);
    return nogil_tuple([&] { return ember::recurrent_cell(md, x_gates, h_gates, h_prev, or_undefined(c_prev)); });
  }, py::arg("mode"), py::arg("x_gates"), py::arg("h_gates"), py::arg("h_prev"), py::arg("c_prev"));
  m.def("recurrent_cell_backward", [](const std::string& mode, const OptT& grad_h, const OptT& grad_c,
                                      const Tensor& h_prev, const OptT& c_prev, const Tensor& h,
                                      const Tensor& workspace) {
    const auto md = ember::recurrent_mode(mode);
    return nogil_tuple([&] {
      return ember::recurrent_cell_backward(md, or_undefined(grad_h), or_undefined(grad_c), h_prev,
                                            or_undefined(c_prev), h, workspace);
    });
  }, py::arg("mode"), py::arg("grad_h"), py::arg("grad_c"), py::arg("h_prev"), py::arg("c_prev"), py::arg("h"),
        py::arg("workspace"));
}

}  // namespace ember_py
