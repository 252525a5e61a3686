// Complex numbers: the part views, construction from parts, conj, angle, sgn, abs, and the
// sum / mean / var / product of complex tensors. Most are real ops over the interleaved
// (real, imag) view, so they inherit the real kernels' speed, threads and accuracy.
#include <cmath>

#include "core/shape.h"
#include "cpu/complex_kernels.h"
#include "ember/ops.h"
#include "ops/complex_ops.h"
#include "ops/matmul.h"

namespace ember {

namespace {
constexpr double kPi = 3.14159265358979323846;

void check_complex(const Tensor& t, const char* op) {
  EMBER_CHECK_TYPE(is_complex(t.dtype()), op, ": expected a complex tensor, but got ", dtype_name(t.dtype()),
                   " (shape ", shape_str(t.shape()), ")");
}
}  // namespace

Tensor view_as_real(const Tensor& t) {
  check_complex(t, "view_as_real");
  IntArray shape = t.shape(), strides;
  for (int64_t s : t.strides()) strides.push_back(2 * s);
  shape.push_back(2);
  strides.push_back(1);
  return Tensor::make(t.storage(), 2 * t.storage_offset(), shape, strides, complex_value_type(t.dtype()));
}

Tensor view_as_complex(const Tensor& t) {
  const char* op = "view_as_complex";
  EMBER_CHECK_TYPE(t.dtype() == kFloat32 || t.dtype() == kFloat64, op,
                   ": expected a float32 or float64 tensor, but got ", dtype_name(t.dtype()));
  EMBER_CHECK_VALUE(t.dim() >= 1 && t.size(-1) == 2, op, ": expected the last dim to have size 2, but got shape ",
                    shape_str(t.shape()));
  EMBER_CHECK_VALUE(t.stride(-1) == 1, op, ": expected the last dim to have stride 1, but got strides ",
                    shape_str(t.strides()));
  IntArray shape(t.shape().begin(), t.shape().end() - 1), strides;
  for (int64_t d = 0; d + 1 < t.dim(); ++d) {
    // a dim of size 1 (or an empty tensor) never steps, so its stride does not matter
    EMBER_CHECK_VALUE(t.stride(d) % 2 == 0 || t.size(d) == 1 || t.numel() == 0, op, ": expected every stride but the last to be even, ",
                      "but got strides ", shape_str(t.strides()));
    strides.push_back(t.stride(d) / 2);
  }
  EMBER_CHECK_VALUE(t.storage_offset() % 2 == 0, op, ": expected an even storage offset, but got ",
                    t.storage_offset());
  return Tensor::make(t.storage(), t.storage_offset() / 2, shape, strides, complex_type_of(t.dtype()));
}

Tensor real(const Tensor& t) { return is_complex(t.dtype()) ? view_as_real(t).select(-1, 0) : t; }

Tensor imag(const Tensor& t) {
  EMBER_CHECK_TYPE(is_complex(t.dtype()), "imag: not implemented for tensors with non-complex dtypes (got ",
                   dtype_name(t.dtype()), ")");
  return view_as_real(t).select(-1, 1);
}

Tensor complex(const Tensor& re, const Tensor& im) {
  const char* op = "complex";
  EMBER_CHECK_TYPE(re.dtype() == im.dtype(), op, ": expected real and imag of one dtype, but got ",
                   dtype_name(re.dtype()), " and ", dtype_name(im.dtype()));
  EMBER_CHECK_TYPE(re.dtype() == kFloat32 || re.dtype() == kFloat64, op,
                   ": expected float32 or float64 parts, but got ", dtype_name(re.dtype()));
  EMBER_CHECK(re.device() == im.device(), op, ": expected both parts on one device, but got ", re.device().str(),
              " and ", im.device().str());
  const IntArray shape = broadcast_shapes(re.shape(), im.shape(), op);
  Tensor out = empty(shape, TensorOptions(complex_type_of(re.dtype())).device(re.device()));
  const Tensor parts = view_as_real(out);
  parts.select(-1, 0).copy_(re);
  parts.select(-1, 1).copy_(im);
  return out;
}

Tensor polar(const Tensor& magnitude, const Tensor& phase) {
  EMBER_CHECK_TYPE(magnitude.dtype() == phase.dtype(), "polar: expected abs and angle of one dtype, but got ",
                   dtype_name(magnitude.dtype()), " and ", dtype_name(phase.dtype()));
  return complex(mul(magnitude, cos(phase)), mul(magnitude, sin(phase)));
}

Tensor conj(const Tensor& t) {
  if (!is_complex(t.dtype())) return t;
  Tensor out = t.clone();
  const Tensor im = imag(out);
  unary_out("neg", im, im);
  return out;
}

Tensor angle(const Tensor& t) {
  if (is_complex(t.dtype())) return atan2(imag(t), real(t));
  EMBER_CHECK_TYPE(t.dtype() != kBool, "angle: not implemented for bool tensors");
  // Real inputs: pi for negatives, 0 otherwise, NaN kept; integers answer in float32.
  const Tensor x = is_floating(t.dtype()) ? t : t.to(kFloat32);
  const Tensor base = where(lt(x, scalar_tensor(0, std::nullopt, true)), full({}, kPi, x.dtype()),
                            full({}, 0.0, x.dtype()));
  return where(isnan(x), x, base);
}

Tensor sgn(const Tensor& t) {
  if (!is_complex(t.dtype())) return sign(t);
  const Tensor magnitude = complex_abs(t);
  const Tensor zero = eq(magnitude, scalar_tensor(0, std::nullopt, true));
  // Divide by 1 where |z| is 0, then put 0 there.
  const Tensor safe = where(zero, full({}, 1.0, magnitude.dtype()), magnitude);
  Tensor q = div(t, safe);
  return where(zero, full({}, 0.0, t.dtype()), q);
}

Tensor complex_abs(const Tensor& t) { return hypot(real(t), imag(t)); }

Tensor complex_reduce_parts(const Tensor& t, const OptDims& dims, bool keepdim, bool mean_of) {
  // Reduce the real view over the same dims (made non-negative, so that they skip the
  // trailing parts dim); the result's parts dim stays, innermost and contiguous.
  IntArray d;
  if (!dims || dims->empty()) {
    for (int64_t i = 0; i < t.dim(); ++i) d.push_back(i);
  } else {
    for (int64_t i : *dims) d.push_back(wrap_dim(i, t.dim(), mean_of ? "mean" : "sum"));
  }
  const Tensor parts = view_as_real(t);
  Tensor r = mean_of ? mean(parts, d, keepdim) : sum(parts, d, keepdim);
  return view_as_complex(r.contiguous());
}

Tensor complex_var(const Tensor& t, const OptDims& dims, double correction, bool keepdim, bool take_sqrt) {
  // The variance of a complex variable is the sum of its parts' variances.
  Tensor v = add(var(real(t), dims, correction, keepdim), var(imag(t), dims, correction, keepdim));
  return take_sqrt ? sqrt(v) : v;
}

Tensor complex_prod(const Tensor& t, const IntArray& keep_shape, const IntArray& out_shape) {
  EMBER_CHECK_TYPE(t.device().is_cpu(), "prod: not implemented for complex tensors on ", t.device().str());
  Tensor out = empty(keep_shape, TensorOptions(t.dtype()).device(t.device()));
  if (t.numel() == 0) out.fill_(1);
  else complex_prod_cpu(out, t);
  return out.view(out_shape);
}

// C = alpha A @ B + beta C as one real GEMM: the interleaved parts of A, as (m, 2k), times the
// real (2k, 2n) matrix whose 2x2 block (p, q) is [[re b, im b], [-im b, re b]], gives C's
// interleaved parts as (m, 2n) directly: Re C = re A re B - im A im B, Im C = re A im B +
// im A re B. 4mnk real multiply-adds, as the four real products would take, at the real
// kernel's speed and with no temporaries but the expanded B.
void complex_gemm_into(const Tensor& a, const Tensor& b, const Tensor& c, double alpha, double beta) {
  const Tensor a_unit = a.stride(-1) == 1 ? a : a.contiguous();
  IntArray a_shape(a_unit.shape().begin(), a_unit.shape().end() - 1);
  IntArray a_strides;
  for (int64_t d = 0; d + 1 < a_unit.dim(); ++d) a_strides.push_back(2 * a_unit.stride(d));
  a_shape.push_back(2 * a_unit.size(-1));
  a_strides.push_back(1);
  const Tensor a_parts = Tensor::make(a_unit.storage(), 2 * a_unit.storage_offset(), a_shape, a_strides,
                                      complex_value_type(a.dtype()));
  IntArray b_shape(b.shape().begin(), b.shape().end() - 2);
  b_shape.push_back(2 * b.size(-2));
  b_shape.push_back(2 * b.size(-1));
  Tensor b_parts;
  if (b.device().is_cpu()) {  // one pass over b
    b_parts = empty(b_shape, TensorOptions(complex_value_type(b.dtype())));
    complex_gemm_blocks_cpu(b.contiguous(), b_parts);
  } else {
    const Tensor bre = real(b), bim = imag(b);
    const Tensor row0 = stack({bre, bim}, -1), row1 = stack({neg(bim), bre}, -1);  // (..., k, n, 2)
    b_parts = stack({row0, row1}, -3).reshape(b_shape);  // (..., k, 2, n, 2) -> (..., 2k, 2n)
  }
  const bool c_unit = c.stride(-1) == 1;
  const Tensor target = c_unit ? c : c.contiguous();
  IntArray c_shape(target.shape().begin(), target.shape().end() - 1), c_strides;
  for (int64_t d = 0; d + 1 < target.dim(); ++d) c_strides.push_back(2 * target.stride(d));
  c_shape.push_back(2 * target.size(-1));
  c_strides.push_back(1);
  const Tensor c_parts = Tensor::make(target.storage(), 2 * target.storage_offset(), c_shape, c_strides,
                                      complex_value_type(c.dtype()));
  gemm_into(a_parts, b_parts, c_parts, alpha, beta);
  if (!c_unit) {
    Tensor dst = c;
    dst.copy_(target);
  }
}

}  // namespace ember
