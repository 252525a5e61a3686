// Bindings of the losses and their backward ops; ember/_nn_loss.py gives them PyTorch's
// signatures.
#include "common.h"

namespace ember_py {

void bind_loss(py::module_& m) {
  using ember::Tensor;
  using OptTensor = std::optional<Tensor>;
  using Reduction = const std::string&;
  auto nogil = py::call_guard<py::gil_scoped_release>();

  m.def("mse_loss", &ember::mse_loss, nogil);
  m.def("l1_loss", &ember::l1_loss, nogil);
  m.def("smooth_l1_loss", &ember::smooth_l1_loss, nogil);
  m.def("huber_loss", &ember::huber_loss, nogil);
  m.def("binary_cross_entropy", [](const Tensor& i, const Tensor& t, const OptTensor& w, Reduction r) {
    return ember::binary_cross_entropy(i, t, w, r);
  }, nogil);
  m.def("binary_cross_entropy_with_logits", [](const Tensor& i, const Tensor& t, const OptTensor& w,
                                               const OptTensor& pw, Reduction r) {
    return ember::binary_cross_entropy_with_logits(i, t, w, pw, r);
  }, nogil);
  m.def("kl_div", &ember::kl_div, nogil);
  m.def("nll_loss", [](const Tensor& i, const Tensor& t, const OptTensor& w, Reduction r, int64_t ignore) {
    return ember::nll_loss(i, t, w, r, ignore);
  }, nogil);
  m.def("cross_entropy", [](const Tensor& i, const Tensor& t, const OptTensor& w, Reduction r, int64_t ignore,
                            double smoothing) {
    return ember::cross_entropy(i, t, w, r, ignore, smoothing);
  }, nogil);

  m.def("mse_loss_backward", &ember::mse_loss_backward, nogil);
  m.def("l1_loss_backward", &ember::l1_loss_backward, nogil);
  m.def("smooth_l1_loss_backward", &ember::smooth_l1_loss_backward, nogil);
  m.def("huber_loss_backward", &ember::huber_loss_backward, nogil);
  m.def("binary_cross_entropy_backward", [](const Tensor& g, const Tensor& i, const Tensor& t, const OptTensor& w,
                                            Reduction r) {
    return ember::binary_cross_entropy_backward(g, i, t, w, r);
  }, nogil);
  m.def("binary_cross_entropy_with_logits_backward", [](const Tensor& g, const Tensor& i, const Tensor& t,
                                                        const OptTensor& w, const OptTensor& pw, Reduction r) {
    return ember::binary_cross_entropy_with_logits_backward(g, i, t, w, pw, r);
  }, nogil);
  m.def("kl_div_backward", &ember::kl_div_backward, nogil);
  m.def("nll_loss_backward", [](const Tensor& g, const Tensor& i, const Tensor& t, const OptTensor& w, Reduction r,
                                int64_t ignore) {
    return ember::nll_loss_backward(g, i, t, w, r, ignore);
  }, nogil);
  m.def("cross_entropy_backward", [](const Tensor& g, const Tensor& i, const Tensor& t, const OptTensor& w,
                                     Reduction r, int64_t ignore, double smoothing) {
    return ember::cross_entropy_backward(g, i, t, w, r, ignore, smoothing);
  }, nogil);
}

}  // namespace ember_py
