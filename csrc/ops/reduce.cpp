// Reduction front-ends: sum, mean, prod, var, std, amax, amin, max, min, argmax, argmin, all,
// any, logsumexp, norm, and the Tensor::sum / mean members. Each wraps its dims, picks the result
// dtype like PyTorch, allocates a contiguous keepdim-shaped output (size 1 on reduced dims), runs
// the kernel over TensorIter::reduction(out, in), and drops the reduced dims unless keepdim.
// Scans and softmax live in ops/scan.cpp.
#include <cmath>
#include <limits>

#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"
#include "ops/complex_ops.h"

namespace ember {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool integral_or_bool(DType t) { return !is_floating(t) && !is_complex(t); }

// max, min, argmax and the like order their inputs: complex numbers have no order.
void check_ordered(const Tensor& t, const char* op) {
  EMBER_CHECK_TYPE(!is_complex(t.dtype()), op, "(): does not support complex input (", dtype_name(t.dtype()), ")");
}

struct Plan {
  IntArray keep_shape;  // the input's shape with 1 on reduced dims
  IntArray out_shape;   // the result's shape
  int64_t count = 1;    // elements reduced into each output
  int64_t zero_dim = -1;  // a reduced dim of size 0, if any
};

Plan make_plan(const Tensor& t, const OptDims& dims, bool keepdim, const char* op) {
  const uint64_t mask = reduce_mask(dims, t.dim(), op);
  Plan p;
  for (int64_t d = 0; d < t.dim(); ++d) {
    const int64_t size = t.shape()[d];
    if (mask >> d & 1) {
      p.keep_shape.push_back(1);
      if (keepdim) p.out_shape.push_back(1);
      p.count *= size;
      if (size == 0 && p.zero_dim < 0) p.zero_dim = d;
    } else {
      p.keep_shape.push_back(size);
      p.out_shape.push_back(size);
    }
  }
  return p;
}

// Runs `op` from `in` into a fresh output of dtype `out_dtype`; an empty input gives
// `empty_value` everywhere (the op's identity).
Tensor run_reduce(const Tensor& in, const Plan& p, DType out_dtype, ReduceOp op, const char* name,
                  double empty_value, const ReduceArgs& args = {}) {
  Tensor out = empty(p.keep_shape, TensorOptions(out_dtype).device(in.device()));
  if (in.numel() == 0) {
    out.fill_(empty_value);
  } else {
    const TensorIter iter = TensorIter::reduction(out, in);
    reduce_kernel.get(in.device(), name)(iter, op, args);
  }
  return out.view(p.out_shape);
}

// The ops without an identity (max, min, their arg forms, the inf norms) refuse to reduce over
// an empty dim, with PyTorch's messages.
void check_nonempty(const Tensor& t, const OptDims& dims, const Plan& p, const char* op) {
  const bool all_dims = !dims || dims->empty();
  EMBER_CHECK(!(all_dims && t.numel() == 0), op, "(): Expected reduction dim to be specified for input.numel() == 0. ",
              "Specify the reduction dim with the 'dim' argument (input shape ", shape_str(t.shape()), ")");
  EMBER_CHECK_INDEX(p.zero_dim < 0, op, "(): Expected reduction dim ", p.zero_dim, " to have non-zero size (input shape ",
                    shape_str(t.shape()), ")");
}

void check_floating(const Tensor& t, const char* what) {
  EMBER_CHECK_TYPE(is_floating(t.dtype()) || is_complex(t.dtype()), what, " Got: ", dtype_name(t.dtype()));
}

// sum and prod: bool and integer inputs give int64 unless a dtype is asked for (the input is
// then converted to it first, as in PyTorch).
Tensor sum_like(const Tensor& t, const OptDims& dims, bool keepdim, std::optional<DType> dtype, ReduceOp op,
                const char* name, double identity) {
  const Tensor in = dtype ? t.to(*dtype) : t;
  if (is_complex(in.dtype()) && op == ReduceOp::Sum) return complex_reduce_parts(in, dims, keepdim, false);
  if (is_complex(in.dtype())) {
    const Plan p = make_plan(in, dims, keepdim, name);
    return complex_prod(in, p.keep_shape, p.out_shape);
  }
  const DType natural = integral_or_bool(in.dtype()) ? kInt64 : in.dtype();
  Tensor r = run_reduce(in, make_plan(in, dims, keepdim, name), natural, op, name, identity);
  return dtype && *dtype != natural ? r.to(*dtype) : r;
}

Tensor minmax(const Tensor& t, const OptDims& dims, bool keepdim, bool is_max, const char* name) {
  check_ordered(t, name);
  const Plan p = make_plan(t, dims, keepdim, name);
  check_nonempty(t, dims, p, name);
  return run_reduce(t, p, t.dtype(), is_max ? ReduceOp::Max : ReduceOp::Min, name, 0);
}

// var and std: the mean first (as the shift; see VarReducer), then the squared deviations.
Tensor var_std(const Tensor& t, const OptDims& dims, double correction, bool keepdim, bool take_sqrt) {
  const char* name = take_sqrt ? "std" : "var";
  if (is_complex(t.dtype())) return complex_var(t, dims, correction, keepdim, take_sqrt);
  EMBER_CHECK_TYPE(is_floating(t.dtype()), name, ": std and var only support floating point dtypes, got ",
                   dtype_name(t.dtype()));
  const Plan p = make_plan(t, dims, keepdim, name);
  if (t.numel() == 0) return full(p.out_shape, kNaN, TensorOptions(t.dtype()).device(t.device()));
  // A fresh float64 tensor (to() of a float64 mean returns that fresh mean itself).
  Tensor shift = mean(t, dims, /*keepdim=*/true).to(kFloat64);
  ReduceArgs args;
  args.correction = correction;
  args.sqrt = take_sqrt;
  const TensorIter iter = TensorIter::reduction(shift, t);
  reduce_kernel.get(t.device(), name)(iter, ReduceOp::Var, args);
  return shift.to(t.dtype()).view(p.out_shape);
}

std::tuple<Tensor, Tensor> minmax_dim(const Tensor& t, int64_t dim, bool keepdim, bool is_max) {
  const char* name = is_max ? "max" : "min";
  check_ordered(t, name);
  const IntArray dims{dim};
  const Plan p = make_plan(t, dims, keepdim, name);
  check_nonempty(t, dims, p, name);
  Tensor values = empty(p.keep_shape, TensorOptions(t.dtype()).device(t.device()));
  Tensor indices = empty(p.keep_shape, TensorOptions(kInt64).device(t.device()));
  if (t.numel() > 0) {
    const TensorIter iter = TensorIter::reduction(indices, t);
    arg_reduce_kernel.get(t.device(), name)(iter, &values, is_max);
  }
  return {values.view(p.out_shape), indices.view(p.out_shape)};
}

Tensor arg_minmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim, bool is_max) {
  const char* name = is_max ? "argmax" : "argmin";
  EMBER_CHECK_TYPE(t.dtype() != kBool, name, "(): does not support bool input");
  check_ordered(t, name);
  if (!dim) {
    // The flat index in row-major order: reduce a flattened copy (or view).
    EMBER_CHECK_INDEX(t.numel() > 0, name, "(): Expected reduction dim to be specified for input.numel() == 0.");
    Tensor r = arg_minmax(t.reshape({-1}), 0, false, is_max);
    return keepdim ? r.view(IntArray(t.dim(), 1)) : r;
  }
  const IntArray dims{*dim};
  const Plan p = make_plan(t, dims, keepdim, name);
  check_nonempty(t, dims, p, name);
  Tensor indices = empty(p.keep_shape, TensorOptions(kInt64).device(t.device()));
  if (t.numel() > 0) {
    const TensorIter iter = TensorIter::reduction(indices, t);
    arg_reduce_kernel.get(t.device(), name)(iter, nullptr, is_max);
  }
  return indices.view(p.out_shape);
}
}  // namespace

Tensor sum(const Tensor& t, const OptDims& dims, bool keepdim, std::optional<DType> dtype) {
  return sum_like(t, dims, keepdim, dtype, ReduceOp::Sum, "sum", 0);
}

Tensor prod(const Tensor& t, const OptDims& dims, bool keepdim, std::optional<DType> dtype) {
  // Products of bool and narrow integers are rare: they run in int64, which wraps to the same
  // value modulo the narrow type's range.
  Tensor in = dtype ? t.to(*dtype) : t;
  if (integral_or_bool(in.dtype())) in = in.to(kInt64);
  Tensor r = sum_like(in, dims, keepdim, std::nullopt, ReduceOp::Prod, "prod", 1);
  return dtype && *dtype != r.dtype() ? r.to(*dtype) : r;
}

Tensor mean(const Tensor& t, const OptDims& dims, bool keepdim, std::optional<DType> dtype) {
  if (dtype) {
    EMBER_CHECK_TYPE(is_floating(*dtype) || is_complex(*dtype), "mean(): could not infer output dtype. Optional dtype must be either a ",
                     "floating point or complex dtype. Got: ", dtype_name(*dtype));
  } else {
    check_floating(t, "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                      "complex dtype.");
  }
  const Tensor in = dtype ? t.to(*dtype) : t;
  if (is_complex(in.dtype())) return complex_reduce_parts(in, dims, keepdim, true);
  return run_reduce(in, make_plan(in, dims, keepdim, "mean"), in.dtype(), ReduceOp::Mean, "mean", kNaN);
}

Tensor var(const Tensor& t, const OptDims& dims, double correction, bool keepdim) {
  return var_std(t, dims, correction, keepdim, false);
}

Tensor std(const Tensor& t, const OptDims& dims, double correction, bool keepdim) {
  return var_std(t, dims, correction, keepdim, true);
}

Tensor amax(const Tensor& t, const OptDims& dims, bool keepdim) { return minmax(t, dims, keepdim, true, "amax"); }
Tensor amin(const Tensor& t, const OptDims& dims, bool keepdim) { return minmax(t, dims, keepdim, false, "amin"); }
Tensor max(const Tensor& t) { return minmax(t, std::nullopt, false, true, "max"); }
Tensor min(const Tensor& t) { return minmax(t, std::nullopt, false, false, "min"); }

std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim) { return minmax_dim(t, dim, keepdim, true); }
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim) { return minmax_dim(t, dim, keepdim, false); }

Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return arg_minmax(t, dim, keepdim, true); }
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return arg_minmax(t, dim, keepdim, false); }

// Like PyTorch, all/any of uint8 answer in uint8 (0/1); every other dtype answers in bool.
Tensor all(const Tensor& t, const OptDims& dims, bool keepdim) {
  if (is_complex(t.dtype())) return all(ne(t, scalar_tensor(0, std::nullopt, true)), dims, keepdim);
  Tensor r = run_reduce(t, make_plan(t, dims, keepdim, "all"), kBool, ReduceOp::All, "all", 1);
  return t.dtype() == kUInt8 ? r.to(kUInt8) : r;
}

Tensor any(const Tensor& t, const OptDims& dims, bool keepdim) {
  if (is_complex(t.dtype())) return any(ne(t, scalar_tensor(0, std::nullopt, true)), dims, keepdim);
  Tensor r = run_reduce(t, make_plan(t, dims, keepdim, "any"), kBool, ReduceOp::Any, "any", 0);
  return t.dtype() == kUInt8 ? r.to(kUInt8) : r;
}

// Integer and bool inputs are computed in the default float dtype, as in PyTorch.
Tensor logsumexp(const Tensor& t, const IntArray& dims, bool keepdim) {
  EMBER_CHECK_TYPE(!is_complex(t.dtype()), "logsumexp(): does not support complex input (", dtype_name(t.dtype()), ")");
  const Tensor in = is_floating(t.dtype()) ? t : t.to(kFloat32);
  const Plan p = make_plan(in, dims, keepdim, "logsumexp");
  if (in.numel() == 0) return full(p.out_shape, -kInf, TensorOptions(in.dtype()).device(in.device()));
  Tensor shift = amax(in, dims, /*keepdim=*/true).to(kFloat64);
  const TensorIter iter = TensorIter::reduction(shift, in);
  reduce_kernel.get(in.device(), "logsumexp")(iter, ReduceOp::LogSumExp, ReduceArgs{});
  return shift.to(in.dtype()).view(p.out_shape);
}

Tensor norm(const Tensor& t, double p, const OptDims& dims, bool keepdim) {
  check_floating(t, "linalg.vector_norm: Expected a floating point or complex tensor as input.");
  if (is_complex(t.dtype())) return norm(complex_abs(t), p, dims, keepdim);
  const Plan plan = make_plan(t, dims, keepdim, "linalg.vector_norm");
  ReduceOp op = ReduceOp::NormP;
  if (p == 0) op = ReduceOp::Norm0;
  else if (p == 1) op = ReduceOp::Norm1;
  else if (p == 2) op = ReduceOp::Norm2;
  else if (p == kInf) op = ReduceOp::NormInf;
  else if (p == -kInf) op = ReduceOp::NormNegInf;
  EMBER_CHECK(!std::isnan(p), "linalg.vector_norm: the order p must not be NaN");
  EMBER_CHECK(!((op == ReduceOp::NormInf || op == ReduceOp::NormNegInf) && plan.count == 0),
              "linalg.vector_norm cannot compute the ", p > 0 ? "inf" : "-inf",
              " norm on an empty tensor because the operation does not have an identity (input shape ",
              shape_str(t.shape()), ")");
  ReduceArgs args;
  args.p = p;
  // The 16-bit floats go through float32 (their arithmetic type anyway), which spares the
  // kernels a copy of every norm per 16-bit dtype.
  if (t.dtype() == kFloat16 || t.dtype() == kBFloat16)
    return run_reduce(t.to(kFloat32), plan, kFloat32, op, "linalg.vector_norm", 0, args).to(t.dtype());
  return run_reduce(t, plan, t.dtype(), op, "linalg.vector_norm", 0, args);
}

Tensor Tensor::sum() const { return ember::sum(*this); }
Tensor Tensor::sum(int64_t dim, bool keepdim) const { return ember::sum(*this, IntArray{dim}, keepdim); }
Tensor Tensor::mean() const { return ember::mean(*this); }
Tensor Tensor::mean(int64_t dim, bool keepdim) const { return ember::mean(*this, IntArray{dim}, keepdim); }

}  // namespace ember
