// Bindings of the convolutions and their backward kernels. Parameters arrive as lists of ints
// (the Python layer, ember/_nn_conv.py, turns ints into lists); padding may also be a string.
// The combined backward kernels return None for the gradients output_mask leaves out.
#include "common.h"

namespace ember_py {

namespace {
using ember::Tensor;
using Ints = std::vector<int64_t>;
using OptTensor = std::optional<Tensor>;
using Mask = std::array<bool, 3>;
using Grads = std::tuple<OptTensor, OptTensor, OptTensor>;

OptTensor defined_or_none(const Tensor& t) { return t.defined() ? OptTensor(t) : std::nullopt; }
Grads grads(const std::tuple<Tensor, Tensor, Tensor>& g) {
  return {defined_or_none(std::get<0>(g)), defined_or_none(std::get<1>(g)), defined_or_none(std::get<2>(g))};
}

// conv1d/conv2d/conv3d and their backward kernels, for padding of type P (Ints or std::string).
template <typename P>
void bind_padding_form(py::module_& m) {
  auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("conv2d", [](const Tensor& x, const Tensor& w, const OptTensor& b, const Ints& stride, const P& padding,
                     const Ints& dilation, int64_t groups) {
    return ember::conv2d(x, w, b, stride, padding, dilation, groups);
  }, nogil);
  m.def("conv1d", [](const Tensor& x, const Tensor& w, const OptTensor& b, const Ints& stride, const P& padding,
                     const Ints& dilation, int64_t groups) {
    return ember::conv1d(x, w, b, stride, padding, dilation, groups);
  }, nogil);
  m.def("conv2d_backward_input", [](const Tensor& go, const Ints& input_size, const Tensor& w, const Ints& stride,
                                    const P& padding, const Ints& dilation, int64_t groups) {
    return ember::conv2d_backward_input(go, input_size, w, stride, padding, dilation, groups);
  }, nogil);
  m.def("conv1d_backward_input", [](const Tensor& go, const Ints& input_size, const Tensor& w, const Ints& stride,
                                    const P& padding, const Ints& dilation, int64_t groups) {
    return ember::conv1d_backward_input(go, input_size, w, stride, padding, dilation, groups);
  }, nogil);
  m.def("conv2d_backward_weight", [](const Tensor& go, const Tensor& x, const Ints& weight_size, const Ints& stride,
                                     const P& padding, const Ints& dilation, int64_t groups) {
    return ember::conv2d_backward_weight(go, x, weight_size, stride, padding, dilation, groups);
  }, nogil);
  m.def("conv1d_backward_weight", [](const Tensor& go, const Tensor& x, const Ints& weight_size, const Ints& stride,
                                     const P& padding, const Ints& dilation, int64_t groups) {
    return ember::conv1d_backward_weight(go, x, weight_size, stride, padding, dilation, groups);
  }, nogil);
  m.def("conv2d_backward", [](const Tensor& go, const Tensor& x, const Tensor& w, const Ints& stride,
                              const P& padding, const Ints& dilation, int64_t groups, Mask mask) {
    return grads(ember::conv2d_backward(go, x, w, stride, padding, dilation, groups, mask));
  }, nogil);
  m.def("conv1d_backward", [](const Tensor& go, const Tensor& x, const Tensor& w, const Ints& stride,
                              const P& padding, const Ints& dilation, int64_t groups, Mask mask) {
    return grads(ember::conv1d_backward(go, x, w, stride, padding, dilation, groups, mask));
  }, nogil);
  m.def("conv3d", [](const Tensor& x, const Tensor& w, const OptTensor& b, const Ints& stride, const P& padding,
                     const Ints& dilation, int64_t groups) {
    return ember::conv3d(x, w, b, stride, padding, dilation, groups);
  }, nogil);
  m.def("conv3d_backward_input", [](const Tensor& go, const Ints& input_size, const Tensor& w, const Ints& stride,
                                    const P& padding, const Ints& dilation, int64_t groups) {
    return ember::conv3d_backward_input(go, input_size, w, stride, padding, dilation, groups);
  }, nogil);
  m.def("conv3d_backward_weight", [](const Tensor& go, const Tensor& x, const Ints& weight_size, const Ints& stride,
                                     const P& padding, const Ints& dilation, int64_t groups) {
    return ember::conv3d_backward_weight(go, x, weight_size, stride, padding, dilation, groups);
  }, nogil);
  m.def("conv3d_backward", [](const Tensor& go, const Tensor& x, const Tensor& w, const Ints& stride,
                              const P& padding, const Ints& dilation, int64_t groups, Mask mask) {
    return grads(ember::conv3d_backward(go, x, w, stride, padding, dilation, groups, mask));
  }, nogil);
}
}  // namespace

void bind_conv(py::module_& m) {
  bind_padding_form<Ints>(m);
  bind_padding_form<std::string>(m);
  auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("conv_transpose2d", [](const Tensor& x, const Tensor& w, const OptTensor& b, const Ints& stride,
                               const Ints& padding, const Ints& output_padding, int64_t groups, const Ints& dilation) {
    return ember::conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation);
  }, nogil);
  m.def("conv_transpose1d", [](const Tensor& x, const Tensor& w, const OptTensor& b, const Ints& stride,
                               const Ints& padding, const Ints& output_padding, int64_t groups, const Ints& dilation) {
    return ember::conv_transpose1d(x, w, b, stride, padding, output_padding, groups, dilation);
  }, nogil);
  m.def("conv_transpose2d_backward", [](const Tensor& go, const Tensor& x, const Tensor& w, const Ints& stride,
                                        const Ints& padding, const Ints& output_padding, int64_t groups,
                                        const Ints& dilation, Mask mask) {
    return grads(ember::conv_transpose2d_backward(go, x, w, stride, padding, output_padding, groups, dilation, mask));
  }, nogil);
  m.def("conv_transpose3d", [](const Tensor& x, const Tensor& w, const OptTensor& b, const Ints& stride,
                               const Ints& padding, const Ints& output_padding, int64_t groups, const Ints& dilation) {
    return ember::conv_transpose3d(x, w, b, stride, padding, output_padding, groups, dilation);
  }, nogil);
  m.def("conv_transpose3d_backward", [](const Tensor& go, const Tensor& x, const Tensor& w, const Ints& stride,
                                        const Ints& padding, const Ints& output_padding, int64_t groups,
                                        const Ints& dilation, Mask mask) {
    return grads(ember::conv_transpose3d_backward(go, x, w, stride, padding, output_padding, groups, dilation, mask));
  }, nogil);
  m.def("conv_transpose1d_backward", [](const Tensor& go, const Tensor& x, const Tensor& w, const Ints& stride,
                                        const Ints& padding, const Ints& output_padding, int64_t groups,
                                        const Ints& dilation, Mask mask) {
    return grads(ember::conv_transpose1d_backward(go, x, w, stride, padding, output_padding, groups, dilation, mask));
  }, nogil);
}

}  // namespace ember_py
