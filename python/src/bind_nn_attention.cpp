// Bindings of scaled_dot_product_attention, its saving forward and its backward.
#include "common.h"

namespace ember_py {

void bind_nn_attention(py::module_& m) {
  using ember::Generator;
  using ember::Tensor;
  using OptT = std::optional<Tensor>;
  auto gen = py::arg("generator") = static_cast<Generator*>(nullptr);
  m.def("scaled_dot_product_attention", &ember::scaled_dot_product_attention, py::arg("query"), py::arg("key"),
        py::arg("value"), py::arg("attn_mask"), py::arg("dropout_p"), py::arg("is_causal"), py::arg("scale"),
        py::arg("enable_gqa"), gen, py::call_guard<py::gil_scoped_release>());
  m.def("scaled_dot_product_attention_forward", [](const Tensor& q, const Tensor& k, const Tensor& v,
                                                   const OptT& mask, double p, bool causal,
                                                   std::optional<double> scale, bool gqa, const OptT& dropout_mask,
                                                   Generator* g) {
    std::tuple<Tensor, Tensor, Tensor> r;
    {
      py::gil_scoped_release release;
      r = ember::scaled_dot_product_attention_forward(q, k, v, mask, p, causal, scale, gqa, dropout_mask, g);
    }
    const Tensor& keep = std::get<2>(r);
    return py::make_tuple(std::get<0>(r), std::get<1>(r), keep.defined() ? py::cast(keep) : py::none());
  }, py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask"), py::arg("dropout_p"),
        py::arg("is_causal"), py::arg("scale"), py::arg("enable_gqa"), py::arg("dropout_mask"), gen);
  m.def("scaled_dot_product_attention_backward", &ember::scaled_dot_product_attention_backward,
        py::arg("grad_output"), py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn"),
        py::arg("dropout_mask"), py::arg("dropout_p"), py::arg("scale"), py::arg("enable_gqa"),
        py::call_guard<py::gil_scoped_release>());
  m.def("scaled_dot_product_attention_fused_available", &ember::scaled_dot_product_attention_fused_available,
        py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask"), py::arg("dropout_p"),
        py::arg("enable_gqa"));
  m.def("scaled_dot_product_attention_fused_forward", &ember::scaled_dot_product_attention_fused_forward,
        py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask"), py::arg("is_causal"),
        py::arg("scale"), py::arg("enable_gqa"), py::call_guard<py::gil_scoped_release>());
  m.def("scaled_dot_product_attention_fused_backward", &ember::scaled_dot_product_attention_fused_backward,
        py::arg("grad_output"), py::arg("query"), py::arg("key"), py::arg("value"), py::arg("output"),
        py::arg("logsumexp"), py::arg("attn_mask"), py::arg("is_causal"), py::arg("scale"), py::arg("enable_gqa"),
        py::call_guard<py::gil_scoped_release>());
}

}  // namespace ember_py
