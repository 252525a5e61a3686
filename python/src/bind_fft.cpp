// Bindings of the FFT engine (ember/fft_engine.h) for the Python ember.fft module. Complex
// data travels in the view_as_real layout: a float32/float64 tensor [..., 2] whose trailing
// (re, im) pairs are contiguous; `dim` counts the complex dims (the trailing 2 excluded).
// Each call is one 1-D transform along `dim`, over every other dim as a batch, with any
// strides; the result is a new contiguous tensor. Multi-dim transforms are successive calls.
//   _fft_c2c(x, dim, forward, scale)  x [..., n, ..., 2]           -> [..., n, ..., 2]
//   _fft_r2c(x, dim, scale)           x real [..., n, ...]         -> [..., n//2+1, ..., 2]
//   _fft_c2r(x, dim, n, scale)        x [..., m, ..., 2]           -> real [..., n, ...]
// c2r reads the first n//2+1 entries along dim (zero-padded when m is shorter).
#include <complex>
#include <string>
#include <vector>

#include "common.h"
#include "ember/fft_engine.h"

namespace ember_py {

namespace {

using ember::IntArray;
using ember::Tensor;

// One batch dim of a call: its size and strides, in elements of the input's and output's
// own types (complex elements for complex data).
struct BatchAxis {
  int64_t size, in_stride, out_stride;
};

// Calls run(in_offset, out_offset, howmany, in_dist, out_dist) for groups of transforms that
// together cover the batch: dims whose strides nest merge into one, the innermost remaining
// dim is the engine's batch (which it runs in parallel), and the others are looped here.
template <typename Run>
void for_each_batch_group(const std::vector<BatchAxis>& axes, const Run& run) {
  std::vector<BatchAxis> merged;
  for (const BatchAxis& a : axes) {
    if (a.size == 1) continue;
    if (!merged.empty()) {
      BatchAxis& o = merged.back();
      if (o.in_stride == a.in_stride * a.size && o.out_stride == a.out_stride * a.size) {
        o = {o.size * a.size, a.in_stride, a.out_stride};
        continue;
      }
    }
    merged.push_back(a);
  }
  if (merged.empty()) {
    run(0, 0, 1, 0, 0);
    return;
  }
  const BatchAxis inner = merged.back();
  merged.pop_back();
  std::vector<int64_t> index(merged.size(), 0);
  int64_t in_offset = 0, out_offset = 0;
  for (;;) {
    run(in_offset, out_offset, inner.size, inner.in_stride, inner.out_stride);
    int64_t d = static_cast<int64_t>(merged.size()) - 1;
    for (; d >= 0; --d) {
      if (++index[d] < merged[d].size) {
        in_offset += merged[d].in_stride;
        out_offset += merged[d].out_stride;
        break;
      }
      in_offset -= merged[d].in_stride * (merged[d].size - 1);
      out_offset -= merged[d].out_stride * (merged[d].size - 1);
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

void check_cpu_floating(const Tensor& x, const char* op) {
  EMBER_CHECK_VALUE(x.device().type == ember::DeviceType::CPU, op, ": expected a CPU tensor, got one on ",
                    x.device().str());
  EMBER_CHECK_TYPE(x.dtype() == ember::kFloat32 || x.dtype() == ember::kFloat64, op,
                   ": expected float32 or float64, got ", ember::dtype_name(x.dtype()));
}

std::string shape_str(const IntArray& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// A [..., 2] tensor whose pairs are contiguous and whose other strides are whole complex
// elements: the input itself when it already is, else a contiguous copy.
Tensor complex_view_input(const Tensor& x, const char* op) {
  check_cpu_floating(x, op);
  EMBER_CHECK_SHAPE(x.dim() >= 2 && x.shape().back() == 2, op,
                    ": expected a real view of complex data, shape [..., 2], got ", shape_str(x.shape()));
  bool usable = x.strides().back() == 1;
  for (int64_t d = 0; d + 1 < x.dim() && usable; ++d) usable = x.strides()[d] % 2 == 0;
  return usable ? x : x.contiguous();
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  EMBER_CHECK_INDEX(dim >= -ndim && dim < ndim, op, ": dim ", dim, " out of range for ", ndim,
                    "-d data");
  return dim < 0 ? dim + ndim : dim;
}

// The batch axes (every dim but `dim`) of an input and output with the given strides.
std::vector<BatchAxis> batch_axes(const IntArray& shape, int64_t dim, const IntArray& in_strides,
                                  const IntArray& out_strides) {
  std::vector<BatchAxis> axes;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    if (d != dim) axes.push_back({shape[d], in_strides[d], out_strides[d]});
  return axes;
}

IntArray halved(const IntArray& strides) {  // real-element strides of a [..., 2] tensor -> complex
  IntArray out(strides.begin(), strides.end() - 1);
  for (int64_t& s : out) s /= 2;
  return out;
}

bool has_zero(const IntArray& shape) {
  for (int64_t s : shape)
    if (s == 0) return true;
  return false;
}

Tensor fft_c2c(const Tensor& input, int64_t dim, bool forward, double scale) {
  const char* op = "fft_c2c";
  const Tensor x = complex_view_input(input, op);
  const IntArray cshape(x.shape().begin(), x.shape().end() - 1);
  dim = wrap_dim(dim, static_cast<int64_t>(cshape.size()), op);
  const int64_t n = cshape[dim];
  EMBER_CHECK_VALUE(n >= 1, op, ": invalid number of data points (", n, ") along dim ", dim, " of shape ",
                    shape_str(cshape));
  Tensor out = ember::empty(x.shape(), x.dtype());
  if (has_zero(cshape)) return out;
  const IntArray is = halved(x.strides()), os = halved(out.strides());
  const auto axes = batch_axes(cshape, dim, is, os);
  auto run = [&](auto tag) {
    using C = std::complex<decltype(tag)>;
    const C* in = static_cast<const C*>(x.data_ptr());
    C* o = static_cast<C*>(out.data_ptr());
    for_each_batch_group(axes, [&](int64_t io, int64_t oo, int64_t howmany, int64_t id, int64_t od) {
      ember::fft::c2c(in + io, o + oo, n, howmany, is[dim], id, os[dim], od, forward,
                      static_cast<decltype(tag)>(scale));
    });
  };
  if (x.dtype() == ember::kFloat32)
    run(float{});
  else
    run(double{});
  return out;
}

Tensor fft_r2c(const Tensor& x, int64_t dim, double scale) {
  const char* op = "fft_r2c";
  check_cpu_floating(x, op);
  EMBER_CHECK_SHAPE(x.dim() >= 1, op, ": expected at least 1-d input, got a 0-d tensor");
  dim = wrap_dim(dim, x.dim(), op);
  const int64_t n = x.shape()[dim];
  EMBER_CHECK_VALUE(n >= 1, op, ": invalid number of data points (", n, ") along dim ", dim, " of shape ",
                    shape_str(x.shape()));
  IntArray out_shape = x.shape();
  out_shape[dim] = n / 2 + 1;
  const IntArray cshape = out_shape;
  out_shape.push_back(2);
  Tensor out = ember::empty(out_shape, x.dtype());
  if (has_zero(x.shape())) return out;
  const IntArray os = halved(out.strides());
  const auto axes = batch_axes(x.shape(), dim, x.strides(), os);
  auto run = [&](auto tag) {
    using R = decltype(tag);
    const R* in = static_cast<const R*>(x.data_ptr());
    std::complex<R>* o = static_cast<std::complex<R>*>(out.data_ptr());
    for_each_batch_group(axes, [&](int64_t io, int64_t oo, int64_t howmany, int64_t id, int64_t od) {
      ember::fft::r2c(in + io, o + oo, n, howmany, x.strides()[dim], id, os[dim], od, static_cast<R>(scale));
    });
  };
  if (x.dtype() == ember::kFloat32)
    run(float{});
  else
    run(double{});
  return out;
}

Tensor fft_c2r(const Tensor& input, int64_t dim, int64_t n, double scale) {
  const char* op = "fft_c2r";
  Tensor x = complex_view_input(input, op);
  IntArray cshape(x.shape().begin(), x.shape().end() - 1);
  dim = wrap_dim(dim, static_cast<int64_t>(cshape.size()), op);
  EMBER_CHECK_VALUE(n >= 1, op, ": invalid number of data points (", n, ") specified");
  const int64_t h1 = n / 2 + 1, m = cshape[dim];
  if (m < h1) {  // the missing high frequencies are zeros
    IntArray padded_shape = x.shape();
    padded_shape[dim] = h1;
    Tensor padded = ember::zeros(padded_shape, x.dtype());
    if (m > 0) padded.narrow(dim, 0, m).copy_(x);
    x = padded;
    cshape[dim] = h1;
  }
  IntArray out_shape = cshape;
  out_shape[dim] = n;
  Tensor out = ember::empty(out_shape, x.dtype());
  if (has_zero(out_shape)) return out;
  const IntArray is = halved(x.strides());
  const auto axes = batch_axes(cshape, dim, is, out.strides());
  auto run = [&](auto tag) {
    using R = decltype(tag);
    const std::complex<R>* in = static_cast<const std::complex<R>*>(x.data_ptr());
    R* o = static_cast<R*>(out.data_ptr());
    for_each_batch_group(axes, [&](int64_t io, int64_t oo, int64_t howmany, int64_t id, int64_t od) {
      ember::fft::c2r(in + io, o + oo, n, howmany, is[dim], id, out.strides()[dim], od, static_cast<R>(scale));
    });
  };
  if (x.dtype() == ember::kFloat32)
    run(float{});
  else
    run(double{});
  return out;
}

}  // namespace

void bind_fft(py::module_& m) {
  auto nogil = py::call_guard<py::gil_scoped_release>();
  m.def("_fft_c2c", &fft_c2c, py::arg("input"), py::arg("dim"), py::arg("forward"), py::arg("scale"), nogil);
  m.def("_fft_r2c", &fft_r2c, py::arg("input"), py::arg("dim"), py::arg("scale"), nogil);
  m.def("_fft_c2r", &fft_c2r, py::arg("input"), py::arg("dim"), py::arg("n"), py::arg("scale"), nogil);
  m.def("_fft_clear_plan_cache", &ember::fft::clear_plan_cache, nogil);
}

}  // namespace ember_py
