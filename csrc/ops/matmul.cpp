// The matrix-product ops around the GEMM kernel table: mm, bmm, mv, dot, vdot, outer, addmm,
// addmv, addbmm, baddbmm, linear, and their out= forms. Each checks ranks, shapes and dtypes
// (one dtype for all operands, as PyTorch requires), then hands strided views to gemm_into:
// transposes and broadcasts cost no copy, and the "add" forms copy `input` into the output and
// let the GEMM's beta accumulate onto it, so no temporary product is ever allocated.
#include "ops/matmul.h"

#include <optional>

#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"
#include "ops/complex_ops.h"
#include "ops/overlap.h"

namespace ember {

void gemm_into(const Tensor& a, const Tensor& b, const Tensor& c, double alpha, double beta) {
  const int64_t nb = c.dim() - 2;
  EMBER_CHECK(nb <= GemmArgs::kMaxBatchDims, "matmul: at most ", GemmArgs::kMaxBatchDims,
              " batch dims are supported, got ", nb);
  if (c.numel() == 0) return;
  if (is_complex(c.dtype())) return complex_gemm_into(a, b, c, alpha, beta);
  GemmArgs g;
  g.dtype = c.dtype();
  g.device = c.device().index;
  g.m = c.size(-2);
  g.n = c.size(-1);
  g.k = a.size(-1);
  g.alpha = alpha;
  g.beta = beta;
  g.a = a.data_ptr();
  g.a_rs = a.stride(-2);
  g.a_cs = a.stride(-1);
  g.b = b.data_ptr();
  g.b_rs = b.stride(-2);
  g.b_cs = b.stride(-1);
  g.c = c.data_ptr();
  g.c_rs = c.stride(-2);
  g.c_cs = c.stride(-1);
  g.batch_ndim = static_cast<int>(nb);
  for (int64_t i = 0; i < nb; ++i) {
    g.batch_sizes[i] = c.size(i);
    g.a_bs[i] = a.stride(i);
    g.b_bs[i] = b.stride(i);
    g.c_bs[i] = c.stride(i);
  }
  gemm_kernel.get(c.device(), "matmul")(g);
}

namespace {

std::string shapes_of(const Tensor& a, const Tensor& b) {
  return detail::str_cat("shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()));
}

void check_pair(const char* op, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.device() == b.device(), op, ": expected all operands on one device, but got ", a.device().str(),
              " and ", b.device().str());
  EMBER_CHECK_TYPE(a.dtype() == b.dtype(), op, ": expected operands of one dtype, but got ", dtype_name(a.dtype()),
                   " and ", dtype_name(b.dtype()), " (", shapes_of(a, b), ")");
  EMBER_CHECK_TYPE(a.dtype() != kBool, op, ": not implemented for dtype bool");
}

void check_rank(const char* op, const Tensor& a, const Tensor& b, int64_t ra, int64_t rb, const char* what) {
  EMBER_CHECK_SHAPE(a.dim() == ra && b.dim() == rb, op, ": expected ", what, ", but got ", shapes_of(a, b));
}

// PyTorch refuses floating beta/alpha for integer products.
void check_coefficients(const char* op, DType dtype, const Scalar& beta, const Scalar& alpha) {
  EMBER_CHECK_VALUE(!(is_complex(dtype) && (beta.is_complex() || alpha.is_complex())), op,
                    ": complex beta and alpha are not supported (", dtype_name(dtype), " operands)");
  EMBER_CHECK_VALUE(is_floating(dtype) || is_complex(dtype) || (!beta.is_floating() && !alpha.is_floating()), op,
                    ": for integer operands (", dtype_name(dtype), "), beta and alpha must be integers, got ",
                    beta.to_double(), " and ", alpha.to_double());
}

// `input` of an add-form op must broadcast to the product's shape and share its dtype.
void check_input(const char* op, const Tensor& input, const Tensor& like, const IntArray& shape,
                 const char* what = "input") {
  EMBER_CHECK_TYPE(input.dtype() == like.dtype(), op, ": expected ", what, " of dtype ", dtype_name(like.dtype()),
                   " like the matrices, but got ", dtype_name(input.dtype()));
  EMBER_CHECK(input.device() == like.device(), op, ": expected ", what, " on ", like.device().str(), ", but got ",
              input.device().str());
  bool ok = input.dim() <= static_cast<int64_t>(shape.size());
  for (int64_t i = 1; ok && i <= input.dim(); ++i) {
    const int64_t s = input.size(-i);
    ok = s == 1 || s == shape[shape.size() - i];
  }
  EMBER_CHECK_SHAPE(ok, op, ": ", what, " of shape ", shape_str(input.shape()), " cannot be broadcast to the product's shape ",
                    shape_str(shape));
}

// The tensor the product is written into: `out` when given (checked: shape, dtype, no
// self-overlap), else a fresh one.
Tensor make_out(const char* op, const IntArray& shape, const Tensor& like, const Tensor* out) {
  if (!out) return empty(shape, TensorOptions(like.dtype()).device(like.device()));
  EMBER_CHECK_SHAPE(out->shape() == shape, op, ": out has shape ", shape_str(out->shape()), ", expected ",
                    shape_str(shape));
  EMBER_CHECK_TYPE(out->dtype() == like.dtype(), op, ": out has dtype ", dtype_name(out->dtype()), ", expected ",
                   dtype_name(like.dtype()));
  EMBER_CHECK(out->device() == like.device(), op, ": out is on ", out->device().str(), ", expected ",
              like.device().str());
  check_writable(*out, op);
  return *out;
}

// out <- beta * input + alpha * (a @ b), with input == nullptr for a plain product. A GEMM that
// would read an operand while writing `out` runs into a temporary instead.
void product_into(Tensor out, const Tensor& a, const Tensor& b, const Tensor* input, const Scalar& beta,
                  const Scalar& alpha) {
  if (out.numel() == 0) return;
  out.bump_version();
  const bool overlaps = may_overlap(out, a) || may_overlap(out, b) ||
                        (input && beta.to_double() != 0 && may_overlap(out, *input) &&
                         !(input->data_ptr() == out.data_ptr() && input->shape() == out.shape() &&
                           input->strides() == out.strides()));
  Tensor dst = overlaps ? empty(out.shape(), TensorOptions(out.dtype()).device(out.device())) : out;
  const bool add = input && beta.to_double() != 0;
  // beta == 0 ignores input entirely (NaN included), as PyTorch does.
  if (add && !(input->data_ptr() == dst.data_ptr() && input->strides() == dst.strides())) dst.copy_(*input);
  gemm_into(a, b, dst, alpha.to_double(), add ? beta.to_double() : 0.0);
  if (overlaps) out.copy_(dst);
}

// The expanded `input` of an add-form op, or none.
std::optional<Tensor> expanded(const char* op, const Tensor* input, const Tensor& like, const IntArray& shape,
                               const Scalar& beta, const Scalar& alpha) {
  if (!input) return std::nullopt;
  check_input(op, *input, like, shape);
  check_coefficients(op, like.dtype(), beta, alpha);
  return input->expand(shape);
}

Tensor mm_impl(const char* op, const Tensor& a, const Tensor& b, const Tensor* input, const Scalar& beta,
               const Scalar& alpha, const Tensor* out) {
  check_rank(op, a, b, 2, 2, "two 2-D matrices");
  check_pair(op, a, b);
  EMBER_CHECK_SHAPE(a.size(1) == b.size(0), op, ": ", shapes_of(a, b), " cannot be multiplied (", a.size(1),
                    " != ", b.size(0), ")");
  const IntArray shape{a.size(0), b.size(1)};
  const auto in = expanded(op, input, a, shape, beta, alpha);
  Tensor result = make_out(op, shape, a, out);
  product_into(result, a, b, in ? &*in : nullptr, beta, alpha);
  return result;
}

Tensor bmm_impl(const char* op, const Tensor& a, const Tensor& b, const Tensor* input, const Scalar& beta,
                const Scalar& alpha, const Tensor* out) {
  check_rank(op, a, b, 3, 3, "two 3-D batches of matrices");
  check_pair(op, a, b);
  EMBER_CHECK_SHAPE(a.size(0) == b.size(0), op, ": batch sizes differ: ", shapes_of(a, b));
  EMBER_CHECK_SHAPE(a.size(2) == b.size(1), op, ": ", shapes_of(a, b), " cannot be multiplied (", a.size(2),
                    " != ", b.size(1), ")");
  const IntArray shape{a.size(0), a.size(1), b.size(2)};
  const auto in = expanded(op, input, a, shape, beta, alpha);
  Tensor result = make_out(op, shape, a, out);
  product_into(result, a, b, in ? &*in : nullptr, beta, alpha);
  return result;
}

Tensor mv_impl(const char* op, const Tensor& a, const Tensor& v, const Tensor* input, const Scalar& beta,
               const Scalar& alpha, const Tensor* out) {
  check_rank(op, a, v, 2, 1, "a 2-D matrix and a 1-D vector");
  check_pair(op, a, v);
  EMBER_CHECK_SHAPE(a.size(1) == v.size(0), op, ": ", shapes_of(a, v), " cannot be multiplied (", a.size(1),
                    " != ", v.size(0), ")");
  const IntArray shape{a.size(0)};
  const auto in = expanded(op, input, a, shape, beta, alpha);
  Tensor result = make_out(op, shape, a, out);
  const Tensor in_col = in ? in->unsqueeze(1) : Tensor();
  product_into(result.unsqueeze(1), a, v.unsqueeze(1), in ? &in_col : nullptr, beta, alpha);
  return result;
}

Tensor dot_impl(const char* op, const Tensor& a, const Tensor& b) {
  check_rank(op, a, b, 1, 1, "two 1-D tensors");
  check_pair(op, a, b);
  EMBER_CHECK_SHAPE(a.size(0) == b.size(0), op, ": expected tensors of the same number of elements, but got ",
                    shapes_of(a, b));
  Tensor result = empty({}, TensorOptions(a.dtype()).device(a.device()));
  gemm_into(a.unsqueeze(0), b.unsqueeze(1), result.view({1, 1}), 1.0, 0.0);
  return result;
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) { return mm_impl("mm", a, b, nullptr, 0, 1, nullptr); }
Tensor& mm_out(Tensor& out, const Tensor& a, const Tensor& b) {
  mm_impl("mm", a, b, nullptr, 0, 1, &out);
  return out;
}
Tensor bmm(const Tensor& a, const Tensor& b) { return bmm_impl("bmm", a, b, nullptr, 0, 1, nullptr); }
Tensor& bmm_out(Tensor& out, const Tensor& a, const Tensor& b) {
  bmm_impl("bmm", a, b, nullptr, 0, 1, &out);
  return out;
}
Tensor mv(const Tensor& a, const Tensor& v) { return mv_impl("mv", a, v, nullptr, 0, 1, nullptr); }
Tensor& mv_out(Tensor& out, const Tensor& a, const Tensor& v) {
  mv_impl("mv", a, v, nullptr, 0, 1, &out);
  return out;
}
Tensor dot(const Tensor& a, const Tensor& b) { return dot_impl("dot", a, b); }
Tensor vdot(const Tensor& a, const Tensor& b) { return dot_impl("vdot", conj(a), b); }

Tensor outer(const Tensor& a, const Tensor& b) {
  EMBER_CHECK_SHAPE(a.dim() == 1 && b.dim() == 1, "outer: expected two 1-D tensors, but got ", shapes_of(a, b));
  return mul(a.unsqueeze(1), b);  // promotes like PyTorch's outer
}

Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  return mm_impl("addmm", m1, m2, &input, beta, alpha, nullptr);
}
Tensor& addmm_out(Tensor& out, const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta,
                  const Scalar& alpha) {
  mm_impl("addmm", m1, m2, &input, beta, alpha, &out);
  return out;
}
Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha) {
  return mv_impl("addmv", mat, vec, &input, beta, alpha, nullptr);
}
Tensor& addmv_out(Tensor& out, const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta,
                  const Scalar& alpha) {
  mv_impl("addmv", mat, vec, &input, beta, alpha, &out);
  return out;
}
Tensor baddbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) {
  return bmm_impl("baddbmm", b1, b2, &input, beta, alpha, nullptr);
}
Tensor& baddbmm_out(Tensor& out, const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta,
                    const Scalar& alpha) {
  bmm_impl("baddbmm", b1, b2, &input, beta, alpha, &out);
  return out;
}

// The sum over the batch is one GEMM of depth batch * k: b1 as (n, batch * k) and b2 as
// (batch * k, p), views when the layouts allow and copies otherwise.
Tensor addbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) {
  const char* op = "addbmm";
  check_rank(op, b1, b2, 3, 3, "two 3-D batches of matrices");
  check_pair(op, b1, b2);
  EMBER_CHECK_SHAPE(b1.size(0) == b2.size(0), op, ": batch sizes differ: ", shapes_of(b1, b2));
  EMBER_CHECK_SHAPE(b1.size(2) == b2.size(1), op, ": ", shapes_of(b1, b2), " cannot be multiplied (", b1.size(2),
                    " != ", b2.size(1), ")");
  const int64_t depth = b1.size(0) * b1.size(2);
  const Tensor a = b1.permute({1, 0, 2}).reshape({b1.size(1), depth});
  const Tensor b = b2.reshape({depth, b2.size(2)});
  return mm_impl(op, a, b, &input, beta, alpha, nullptr);
}

// input @ weight.T + bias over any leading dims of input: the bias is written into the output
// first and the GEMM adds the product onto it (beta = 1), a bias epilogue without a temporary.
Tensor linear(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias) {
  const char* op = "linear";
  EMBER_CHECK_SHAPE(input.dim() >= 1 && weight.dim() == 2, op, ": expected input of at least 1 dim and a 2-D weight, but got ",
                    shapes_of(input, weight));
  check_pair(op, input, weight);
  const int64_t in_features = weight.size(1), out_features = weight.size(0);
  EMBER_CHECK_SHAPE(input.size(-1) == in_features, op, ": input of shape ", shape_str(input.shape()),
                    " does not match the weight of shape ", shape_str(weight.shape()), " (", input.size(-1), " != ",
                    in_features, " input features)");
  IntArray shape(input.shape().begin(), input.shape().end() - 1);
  shape.push_back(out_features);
  int64_t rows = 1;
  for (int64_t i = 0; i + 1 < input.dim(); ++i) rows *= input.size(i);
  const Tensor x = input.reshape({rows, in_features});
  Tensor out = empty(shape, TensorOptions(input.dtype()).device(input.device()));
  const Tensor out2 = out.view({rows, out_features});
  if (bias) {
    check_input(op, *bias, weight, shape, "bias");
    out.copy_(*bias);
  }
  gemm_into(x, weight.t(), out2, 1.0, bias ? 1.0 : 0.0);
  return out;
}

}  // namespace ember
