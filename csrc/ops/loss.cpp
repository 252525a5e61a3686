// The elementwise losses (mse, l1, smooth_l1, huber, binary cross-entropy with probabilities or
// logits, kl_div) and their backward ops, written over ember's elementwise ops and reductions,
// with PyTorch's formulas (incl. its clamps and edge cases). nll_loss and cross_entropy are in
// ops/nll_loss.cpp.
#include "ops/loss.h"

#include "core/shape.h"

namespace ember {

namespace loss {

void check_reduction(const std::string& reduction, const char* op, bool allow_batchmean) {
  const bool ok = reduction == "none" || reduction == "mean" || reduction == "sum" ||
                  (allow_batchmean && reduction == "batchmean");
  EMBER_CHECK_VALUE(ok, op, ": reduction must be 'none', 'mean', 'sum'", allow_batchmean ? " or 'batchmean'" : "",
                    ", but got '", reduction, "'");
}

Tensor reduce(const Tensor& loss, const std::string& reduction) {
  if (reduction == "none") return loss;
  if (reduction == "sum") return sum(loss);
  if (reduction == "batchmean") return loss.dim() == 0 ? sum(loss) : div(sum(loss), number(double(loss.size(0))));
  return mean(loss);
}

Tensor expand_grad(const Tensor& grad, const IntArray& shape, const std::string& reduction, const char* op) {
  if (reduction == "none") {
    EMBER_CHECK_SHAPE(grad.shape() == shape, op, "_backward: expected a gradient of shape ", shape_str(shape),
                      " (the unreduced loss), but got ", shape_str(grad.shape()));
    return grad;
  }
  EMBER_CHECK_SHAPE(grad.numel() == 1, op, "_backward: expected a gradient with one element (the reduced loss), ",
                    "but got shape ", shape_str(grad.shape()));
  Tensor g = grad.reshape({});
  if (reduction == "mean") g = div(g, number(double(numel_of(shape))));
  if (reduction == "batchmean" && !shape.empty()) g = div(g, number(double(shape[0])));
  return g.expand(shape);
}

Tensor sum_to_shape(const Tensor& grad, const IntArray& shape) {
  if (grad.shape() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  IntArray dims;
  for (int64_t d = 0; d < grad.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && grad.size(d) != 1)) dims.push_back(d);
  Tensor g = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return g.reshape(shape);
}

DType floating_result(const Tensor& input, const Tensor& target, const char* op) {
  const DType t = result_type({input, target});
  EMBER_CHECK_TYPE(is_floating(t), op, ": expected floating-point input and target, but got ",
                   dtype_name(input.dtype()), " and ", dtype_name(target.dtype()));
  return t;
}

}  // namespace loss

using loss::expand_grad;
using loss::number;
using loss::sum_to_shape;

namespace {

// The two gradients of a loss of (input - target), each summed back to its operand's shape.
std::tuple<Tensor, Tensor> difference_grads(const Tensor& grad_of_difference, const Tensor& input,
                                            const Tensor& target) {
  return {sum_to_shape(grad_of_difference, input.shape()).to(input.dtype()),
          sum_to_shape(neg(grad_of_difference), target.shape()).to(target.dtype())};
}

Tensor difference(const Tensor& input, const Tensor& target, const char* op, const std::string& reduction) {
  loss::check_reduction(reduction, op);
  loss::floating_result(input, target, op);
  return sub(input, target);
}

void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  EMBER_CHECK_SHAPE(input.shape() == target.shape(), op, ": target shape ", shape_str(target.shape()),
                    " must be the same as input shape ", shape_str(input.shape()));
}

Tensor clamp_min(const Tensor& t, double lo) { return clamp(t, std::optional<Scalar>(lo), std::optional<Scalar>()); }

}  // namespace

// ---- mse, l1, smooth_l1, huber -------------------------------------------------------------

Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  const Tensor d = difference(input, target, "mse_loss", reduction);
  return loss::reduce(mul(d, d), reduction);
}

std::tuple<Tensor, Tensor> mse_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                             const std::string& reduction) {
  const Tensor d = difference(input, target, "mse_loss", reduction);
  const Tensor g = expand_grad(grad, d.shape(), reduction, "mse_loss");
  return difference_grads(mul(mul(d, number(2.0)), g), input, target);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  return loss::reduce(abs(difference(input, target, "l1_loss", reduction)), reduction);
}

std::tuple<Tensor, Tensor> l1_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                            const std::string& reduction) {
  const Tensor d = difference(input, target, "l1_loss", reduction);
  return difference_grads(mul(sign(d), expand_grad(grad, d.shape(), reduction, "l1_loss")), input, target);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction, double beta) {
  EMBER_CHECK_VALUE(beta >= 0, "smooth_l1_loss: beta must be non-negative, but got ", beta);
  const Tensor d = difference(input, target, "smooth_l1_loss", reduction);
  const Tensor ad = abs(d);
  if (beta == 0) return loss::reduce(ad, reduction);  // the limit: plain l1
  const Tensor quadratic = div(mul(mul(d, d), number(0.5)), number(beta));
  return loss::reduce(where(lt(ad, number(beta)), quadratic, sub(ad, number(0.5 * beta))), reduction);
}

std::tuple<Tensor, Tensor> smooth_l1_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                   const std::string& reduction, double beta) {
  EMBER_CHECK_VALUE(beta >= 0, "smooth_l1_loss: beta must be non-negative, but got ", beta);
  const Tensor d = difference(input, target, "smooth_l1_loss", reduction);
  const Tensor slope = beta == 0 ? sign(d) : clamp(div(d, number(beta)), std::optional<Scalar>(-1.0),
                                                   std::optional<Scalar>(1.0));
  return difference_grads(mul(slope, expand_grad(grad, d.shape(), reduction, "smooth_l1_loss")), input, target);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const std::string& reduction, double delta) {
  EMBER_CHECK_VALUE(delta > 0, "huber_loss: delta must be positive, but got ", delta);
  const Tensor d = difference(input, target, "huber_loss", reduction);
  const Tensor ad = abs(d);
  const Tensor linear = mul(sub(ad, number(0.5 * delta)), number(delta));
  return loss::reduce(where(lt(ad, number(delta)), mul(mul(d, d), number(0.5)), linear), reduction);
}

std::tuple<Tensor, Tensor> huber_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                               const std::string& reduction, double delta) {
  EMBER_CHECK_VALUE(delta > 0, "huber_loss: delta must be positive, but got ", delta);
  const Tensor d = difference(input, target, "huber_loss", reduction);
  const Tensor slope = clamp(d, std::optional<Scalar>(-delta), std::optional<Scalar>(delta));
  return difference_grads(mul(slope, expand_grad(grad, d.shape(), reduction, "huber_loss")), input, target);
}

// ---- binary cross-entropy -------------------------------------------------------------------

namespace {
void check_bce(const Tensor& input, const Tensor& target, const std::string& reduction, const char* op) {
  loss::check_reduction(reduction, op);
  loss::floating_result(input, target, op);
  check_same_shape(input, target, op);
}

Tensor weighted(const Tensor& t, const std::optional<Tensor>& weight) { return weight ? mul(t, *weight) : t; }
}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                            const std::string& reduction) {
  check_bce(input, target, reduction, "binary_cross_entropy");
  if (input.numel() > 0) {
    const double lo = amin(input).to(kFloat64).item<double>(), hi = amax(input).to(kFloat64).item<double>();
    EMBER_CHECK_VALUE(lo >= 0 && hi <= 1, "binary_cross_entropy: all elements of input should be between 0 and 1",
                      " (found values in [", lo, ", ", hi, "])");
  }
  // log(0) = -inf is clamped to -100, so a confident wrong answer costs 100, not infinity.
  const Tensor log_p = clamp_min(log(input), -100), log_q = clamp_min(log(sub(number(1.0), input)), -100);
  const Tensor l = neg(add(mul(target, log_p), mul(sub(number(1.0), target), log_q)));
  return loss::reduce(weighted(l, weight), reduction);
}

std::tuple<Tensor, Tensor> binary_cross_entropy_backward(const Tensor& grad, const Tensor& input,
                                                         const Tensor& target, const std::optional<Tensor>& weight,
                                                         const std::string& reduction) {
  check_bce(input, target, reduction, "binary_cross_entropy");
  const Tensor g = weighted(expand_grad(grad, input.shape(), reduction, "binary_cross_entropy"), weight);
  const Tensor one_minus = sub(number(1.0), input);
  // PyTorch's epsilon keeps the gradient finite at 0 and 1.
  const Tensor grad_in = div(mul(g, sub(input, target)), clamp_min(mul(one_minus, input), 1e-12));
  const Tensor grad_tgt = mul(g, sub(log(one_minus), log(input)));
  return {sum_to_shape(grad_in, input.shape()).to(input.dtype()), sum_to_shape(grad_tgt, target.shape()).to(target.dtype())};
}

namespace {
// log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), finite for every x.
Tensor log_sigmoid_of(const Tensor& x) {
  return sub(clamp(x, std::optional<Scalar>(), std::optional<Scalar>(0.0)), log1p(exp(neg(abs(x)))));
}
}  // namespace

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const std::optional<Tensor>& weight, const std::optional<Tensor>& pos_weight,
                                        const std::string& reduction) {
  check_bce(input, target, reduction, "binary_cross_entropy_with_logits");
  const Tensor negative_term = mul(sub(number(1.0), target), input);
  Tensor log_weight = pos_weight ? add(mul(sub(*pos_weight, number(1.0)), target), number(1.0)) : Tensor();
  const Tensor positive_term = pos_weight ? mul(log_weight, log_sigmoid_of(input)) : log_sigmoid_of(input);
  return loss::reduce(weighted(sub(negative_term, positive_term), weight), reduction);
}

std::tuple<Tensor, Tensor> binary_cross_entropy_with_logits_backward(
    const Tensor& grad, const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
    const std::optional<Tensor>& pos_weight, const std::string& reduction) {
  check_bce(input, target, reduction, "binary_cross_entropy_with_logits");
  const Tensor g = weighted(expand_grad(grad, input.shape(), reduction, "binary_cross_entropy_with_logits"), weight);
  Tensor grad_in, grad_tgt;
  if (pos_weight) {
    const Tensor py = mul(*pos_weight, target);
    grad_in = sub(mul(sub(add(py, number(1.0)), target), sigmoid(input)), py);
    grad_tgt = sub(log_sigmoid_of(neg(input)), mul(*pos_weight, log_sigmoid_of(input)));
  } else {
    grad_in = sub(sigmoid(input), target);
    grad_tgt = neg(input);
  }
  return {sum_to_shape(mul(grad_in, g), input.shape()).to(input.dtype()),
          sum_to_shape(mul(grad_tgt, g), target.shape()).to(target.dtype())};
}

// ---- kl_div -------------------------------------------------------------------------------

Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction, bool log_target) {
  loss::check_reduction(reduction, "kl_div", /*allow_batchmean=*/true);
  loss::floating_result(input, target, "kl_div");
  Tensor l;
  if (log_target) {
    l = mul(exp(target), sub(target, input));
  } else {  // target * (log(target) - input), with 0 where target is 0
    const Tensor xlogx = where(eq(target, number(0.0)), number(0.0), mul(target, log(target)));
    l = sub(xlogx, mul(target, input));
  }
  return loss::reduce(l, reduction);
}

std::tuple<Tensor, Tensor> kl_div_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                           const std::string& reduction, bool log_target) {
  loss::check_reduction(reduction, "kl_div", /*allow_batchmean=*/true);
  loss::floating_result(input, target, "kl_div");
  const IntArray shape = broadcast_shapes(input.shape(), target.shape(), "kl_div");
  const Tensor g = expand_grad(grad, shape, reduction, "kl_div");
  Tensor grad_in, grad_tgt;
  if (log_target) {
    const Tensor p = exp(target);
    grad_in = neg(mul(p, g));
    grad_tgt = mul(mul(p, add(sub(target, input), number(1.0))), g);
  } else {
    grad_in = neg(mul(target, g));
    grad_tgt = where(gt(target, number(0.0)), mul(add(sub(log(target), input), number(1.0)), g), number(0.0));
  }
  return {sum_to_shape(grad_in, input.shape()).to(input.dtype()), sum_to_shape(grad_tgt, target.shape()).to(target.dtype())};
}

}  // namespace ember
