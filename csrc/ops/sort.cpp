// Front-ends of sort, argsort, topk, kthvalue, median, nanmedian and quantile: check the
// arguments, allocate contiguous outputs and run the kernels of cpu/sort.cpp. A 0-dim input is
// treated as one row of one element and keeps its 0-dim shape.
#include <cmath>

#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember {

namespace {

// The input viewed with at least one dim (the kernels walk rows along a dim).
Tensor at_least_1d(const Tensor& t) { return t.dim() == 0 ? t.view({1}) : t; }

TensorOptions like(const Tensor& t, DType dtype) { return TensorOptions(dtype).device(t.device()); }

// Runs a kernel that writes a size-`width` slice along `dim` into values/indices; returns them
// shaped like the input with dim of size `width` (dropped unless keepdim when `reduce`).
template <typename Run>
std::tuple<Tensor, Tensor> along_dim(const Tensor& t, int64_t dim, int64_t width, bool reduce, bool keepdim,
                                     const Run& run) {
  const Tensor in = at_least_1d(t);
  IntArray shape = in.shape();
  shape[dim] = width;
  Tensor values = empty(shape, like(t, t.dtype()));
  Tensor indices = empty(shape, like(t, kInt64));
  run(values, indices, in);
  if (t.dim() == 0) return {values.view({}), indices.view({})};
  if (reduce && !keepdim) return {values.squeeze(dim), indices.squeeze(dim)};
  return {values, indices};
}

std::tuple<Tensor, Tensor> select_along(const Tensor& t, int64_t dim, bool keepdim, int64_t k, SelectOp op,
                                        const char* name) {
  const int64_t d = wrap_dim(dim, t.dim(), name);
  const int64_t n = t.dim() == 0 ? 1 : t.size(d);
  EMBER_CHECK_INDEX(n > 0, name, "(): expected reduction dim ", d, " to have non-zero size, but got shape ",
                    shape_str(t.shape()));
  if (op == SelectOp::Kth)
    EMBER_CHECK_INDEX(k >= 1 && k <= n, name, "(): k = ", k, " is out of range for dim ", d, " of size ", n,
                      " (expected 1 <= k <= ", n, ")");
  return along_dim(t, d, 1, true, keepdim, [&](const Tensor& v, const Tensor& i, const Tensor& in) {
    select_kernel.get(t.device(), name)(v, i, in, d, k, op);
  });
}

Tensor select_all(const Tensor& t, SelectOp op, const char* name) {
  if (t.numel() == 0) {
    EMBER_CHECK_VALUE(is_floating(t.dtype()), name, "(): cannot compute the median of an empty ",
                      dtype_name(t.dtype()), " tensor");
    return full({}, NAN, like(t, t.dtype()));
  }
  return std::get<0>(select_along(t.reshape({-1}), 0, false, 0, op, name));
}

}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& t, int64_t dim, bool descending, bool /*stable*/) {
  const int64_t d = wrap_dim(dim, t.dim(), "sort");
  const int64_t n = t.dim() == 0 ? 1 : t.size(d);
  return along_dim(t, d, n, false, true, [&](const Tensor& v, const Tensor& i, const Tensor& in) {
    sort_kernel.get(t.device(), "sort")(v, i, in, d, descending);
  });
}

Tensor argsort(const Tensor& t, int64_t dim, bool descending, bool stable) {
  return std::get<1>(sort(t, dim, descending, stable));
}

std::tuple<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
  const int64_t d = wrap_dim(dim, t.dim(), "topk");
  const int64_t n = t.dim() == 0 ? 1 : t.size(d);
  EMBER_CHECK_INDEX(k >= 0 && k <= n, "topk(): k = ", k, " is out of range for dim ", d, " of size ", n,
                    " in a tensor of shape ", shape_str(t.shape()));
  return along_dim(t, d, k, false, true, [&](const Tensor& v, const Tensor& i, const Tensor& in) {
    topk_kernel.get(t.device(), "topk")(v, i, in, d, k, largest, sorted);
  });
}

std::tuple<Tensor, Tensor> kthvalue(const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
  return select_along(t, dim, keepdim, k, SelectOp::Kth, "kthvalue");
}

std::tuple<Tensor, Tensor> median(const Tensor& t, int64_t dim, bool keepdim) {
  return select_along(t, dim, keepdim, 0, SelectOp::Median, "median");
}

Tensor median(const Tensor& t) { return select_all(t, SelectOp::Median, "median"); }

std::tuple<Tensor, Tensor> nanmedian(const Tensor& t, int64_t dim, bool keepdim) {
  return select_along(t, dim, keepdim, 0, SelectOp::NanMedian, "nanmedian");
}

Tensor nanmedian(const Tensor& t) { return select_all(t, SelectOp::NanMedian, "nanmedian"); }

Tensor quantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                const std::string& interpolation) {
  EMBER_CHECK_TYPE(t.dtype() == kFloat32 || t.dtype() == kFloat64,
                   "quantile(): input must be a float32 or float64 tensor, got ", dtype_name(t.dtype()));
  EMBER_CHECK_TYPE(q.dtype() == t.dtype(), "quantile(): q must have the input's dtype ", dtype_name(t.dtype()),
                   ", got ", dtype_name(q.dtype()));
  EMBER_CHECK_VALUE(q.dim() <= 1, "quantile(): q must be a scalar or a 1-D tensor, got shape ",
                    shape_str(q.shape()));
  EMBER_CHECK_VALUE(interpolation == "linear" || interpolation == "lower" || interpolation == "higher" ||
                        interpolation == "nearest" || interpolation == "midpoint",
                    "quantile(): interpolation must be one of linear, lower, higher, midpoint or nearest, got '",
                    interpolation, "'");
  // The values sorted along one dim (all values flattened when dim is nullopt), NaN last.
  const Tensor flat = dim ? at_least_1d(t) : t.reshape({-1});
  const int64_t d = dim ? wrap_dim(*dim, t.dim(), "quantile") : 0;
  const int64_t n = flat.size(d);
  EMBER_CHECK_VALUE(n > 0, "quantile(): input tensor must be non-empty along the reduced dim, got shape ",
                    shape_str(t.shape()));
  const Tensor sorted = std::get<0>(sort(flat, d));
  const Tensor has_nan = any(isnan(flat), IntArray{d}, true);
  // The result without the q dim: keepdim keeps the reduced dim(s) as size 1.
  IntArray kept_shape = flat.shape();
  kept_shape[d] = 1;
  IntArray result_shape;
  if (!dim) result_shape = keepdim ? IntArray(t.dim(), 1) : IntArray{};
  else if (t.dim() == 0) result_shape = {};
  else {
    result_shape = kept_shape;
    if (!keepdim) result_shape.erase(result_shape.begin() + d);
  }
  const Tensor qc = q.reshape({-1}).to(kFloat64).to(Device(kCPU)).contiguous();
  const double* qs = qc.data_ptr<double>();
  IntArray out_shape = result_shape;
  if (q.dim() == 1) out_shape.insert(out_shape.begin(), q.numel());
  Tensor out = empty(out_shape, like(t, t.dtype()));
  const Tensor nan = full({}, NAN, like(t, t.dtype()));
  for (int64_t j = 0; j < qc.numel(); ++j) {
    const double qj = qs[j];
    EMBER_CHECK_VALUE(qj >= 0 && qj <= 1, "quantile(): q values must be in [0, 1], got ", qj);
    const double rank = qj * static_cast<double>(n - 1);
    const int64_t below = static_cast<int64_t>(std::floor(rank)), above = static_cast<int64_t>(std::ceil(rank));
    Tensor value;
    const Tensor lo = sorted.narrow(d, below, 1), hi = sorted.narrow(d, above, 1);
    if (interpolation == "lower") value = lo;
    else if (interpolation == "higher") value = hi;
    else if (interpolation == "nearest") value = std::nearbyint(rank) == static_cast<double>(below) ? lo : hi;
    else {
      const double w = interpolation == "midpoint" ? 0.5 : rank - static_cast<double>(below);
      value = add(lo, mul(sub(hi, lo), scalar_tensor(w, std::nullopt, true)));
    }
    value = where(has_nan, nan, value).reshape(result_shape);
    (q.dim() == 1 ? out.select(0, j) : out).copy_(value);
  }
  return out;
}

}  // namespace ember
