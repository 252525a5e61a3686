// nll_loss, its backward, and cross_entropy (log_softmax + nll_loss, or a soft-target sum, with
// PyTorch's label smoothing). Shapes follow PyTorch: input (C), (N, C) or (N, C, d1, ...) with the
// classes in dim 1 (dim 0 for an unbatched input); class-index targets have the input's shape
// without C.
#include "ops/device_check.h"
#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ops/loss.h"

namespace ember {

namespace {

int64_t class_dim(const Tensor& input) { return input.dim() >= 2 ? 1 : 0; }

// The input's shape without the class dim: what a class-index target must look like.
IntArray target_shape_for(const Tensor& input) {
  IntArray shape = input.shape();
  shape.erase(shape.begin() + class_dim(input));
  return shape;
}

void check_input(const Tensor& input, const char* op) {
  EMBER_CHECK_SHAPE(input.dim() >= 1, op, ": expected an input of 1 or more dims (C), (N, C) or (N, C, d1, ...), ",
                    "but got a 0-dim tensor");
  EMBER_CHECK_TYPE(is_floating(input.dtype()), op, ": expected a floating-point input, but got ",
                   dtype_name(input.dtype()));
}

void check_class_targets(const Tensor& input, const Tensor& target, const char* op) {
  EMBER_CHECK_TYPE(!is_floating(target.dtype()) && target.dtype() != kBool, op,
                   ": expected class indices of an integer dtype as target, but got ", dtype_name(target.dtype()));
  if (input.dim() >= 2 && target.dim() >= 1 && target.size(0) != input.size(0))
    EMBER_FAIL(ErrorKind::Shape, op, ": expected input batch_size (", input.size(0), ") to match target batch_size (",
               target.size(0), ")");
  EMBER_CHECK_SHAPE(target.shape() == target_shape_for(input), op, ": expected a target of shape ",
                    shape_str(target_shape_for(input)), " for an input of shape ", shape_str(input.shape()),
                    ", but got ", shape_str(target.shape()));
}

// A contiguous weight of C values in the input's dtype.
std::optional<Tensor> class_weight(const Tensor& input, const std::optional<Tensor>& weight, const char* op) {
  if (!weight) return std::nullopt;
  const int64_t c = input.size(class_dim(input));
  EMBER_CHECK_SHAPE(weight->dim() == 1 && weight->size(0) == c, op, ": expected a weight of shape [", c,
                    "] (one per class), but got ", shape_str(weight->shape()));
  return weight->to(input.dtype()).contiguous();
}

// The kernels' view of a call: the input as (n, c, s), `target_int64` its contiguous int64 copy.
NllLossArgs nll_args(const Tensor& input, const Tensor& target_int64, const std::optional<Tensor>& weight,
                     int64_t ignore_index) {
  NllLossArgs args;
  args.dtype = input.dtype();
  args.n = input.dim() >= 2 ? input.size(0) : 1;
  args.c = input.size(class_dim(input));
  args.s = target_int64.numel() / std::max<int64_t>(1, args.n);  // positions per sample
  args.target = target_int64.data_ptr<int64_t>();
  args.weight = weight ? weight->data_ptr() : nullptr;
  args.ignore_index = ignore_index;
  return args;
}

// The loss and the weight counted at each target position (0 where ignored), target-shaped.
struct NllParts {
  Tensor loss, counted;
};

NllParts nll_parts(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                   int64_t ignore_index) {
  const Tensor t = target.to(kInt64).contiguous();
  const NllLossArgs args = nll_args(input, t, weight, ignore_index);
  const Tensor x = input.reshape({args.n, args.c, args.s}).contiguous();
  NllParts parts{empty(target.shape(), TensorOptions(input.dtype()).device(input.device())),
                 empty(target.shape(), TensorOptions(input.dtype()).device(input.device()))};
  if (target.numel() > 0)
    nll_loss_kernel.get(input.device(), "nll_loss")(args, x.data_ptr(), parts.loss.data_ptr(), parts.counted.data_ptr());
  return parts;
}

Tensor reduce_nll(const NllParts& parts, const std::string& reduction) {
  if (reduction == "none") return parts.loss;
  if (reduction == "sum") return sum(parts.loss);
  return div(sum(parts.loss), sum(parts.counted));  // 0 / 0 = NaN when every target is ignored
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                const std::string& reduction, int64_t ignore_index) {
  loss::check_reduction(reduction, "nll_loss");
  check_same_device("nll_loss", {&input, &target, opt_ptr(weight)});
  check_input(input, "nll_loss");
  check_class_targets(input, target, "nll_loss");
  return reduce_nll(nll_parts(input, target, class_weight(input, weight, "nll_loss"), ignore_index), reduction);
}

Tensor nll_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                         const std::optional<Tensor>& weight, const std::string& reduction, int64_t ignore_index) {
  loss::check_reduction(reduction, "nll_loss");
  check_same_device("nll_loss_backward", {&grad, &input, &target, opt_ptr(weight)});
  check_input(input, "nll_loss");
  check_class_targets(input, target, "nll_loss");
  const std::optional<Tensor> w = class_weight(input, weight, "nll_loss");
  Tensor g = loss::expand_grad(grad, target.shape(), reduction == "mean" ? "sum" : reduction, "nll_loss");
  if (reduction == "mean") g = div(g, sum(nll_parts(input, target, w, ignore_index).counted));
  const Tensor g_values = g.to(input.dtype()).contiguous();

  Tensor grad_input = zeros(input.shape(), TensorOptions(input.dtype()).device(input.device()));
  const Tensor t = target.to(kInt64).contiguous();
  const NllLossArgs args = nll_args(input, t, w, ignore_index);
  if (target.numel() > 0)
    nll_loss_backward_kernel.get(input.device(), "nll_loss_backward")(args, g_values.data_ptr(), grad_input.data_ptr());
  return grad_input;
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                     const std::string& reduction, int64_t ignore_index, double label_smoothing) {
  loss::check_reduction(reduction, "cross_entropy");
  check_input(input, "cross_entropy");
  EMBER_CHECK_VALUE(label_smoothing >= 0 && label_smoothing <= 1,
                    "cross_entropy: label_smoothing must be between 0.0 and 1.0, but got ", label_smoothing);
  const int64_t cdim = class_dim(input);
  const int64_t c = input.size(cdim);
  const std::optional<Tensor> w = class_weight(input, weight, "cross_entropy");
  // The weight laid along the class dim, to broadcast against the input.
  std::optional<Tensor> w_along;
  if (w) {
    IntArray shape(input.dim(), 1);
    shape[cdim] = c;
    w_along = w->view(shape);
  }
  const Tensor log_p = log_softmax(input, cdim);

  if (is_floating(target.dtype())) {  // class probabilities
    EMBER_CHECK_SHAPE(target.shape() == input.shape(), "cross_entropy: expected class probabilities of the input's ",
                      "shape ", shape_str(input.shape()), " as target, but got ", shape_str(target.shape()));
    Tensor p = target.to(input.dtype());
    if (label_smoothing > 0)
      p = add(mul(p, loss::number(1 - label_smoothing)), loss::number(label_smoothing / double(c)));
    Tensor terms = mul(log_p, p);
    if (w_along) terms = mul(terms, *w_along);
    const Tensor l = neg(sum(terms, IntArray{cdim}));
    if (reduction == "mean") return div(sum(l), loss::number(double(input.numel() / std::max<int64_t>(c, 1))));
    return loss::reduce(l, reduction);
  }

  check_class_targets(input, target, "cross_entropy");
  const NllParts parts = nll_parts(log_p, target, w, ignore_index);
  const Tensor nll = reduce_nll(parts, reduction);
  if (label_smoothing == 0) return nll;
  // Smoothing spreads label_smoothing of the target mass evenly over the classes.
  Tensor smooth = neg(sum(w_along ? mul(log_p, *w_along) : log_p, IntArray{cdim}));
  smooth = where(eq(target, scalar_tensor(ignore_index, std::nullopt, true)), loss::number(0.0), smooth);
  Tensor smooth_reduced;
  if (reduction == "mean")
    smooth_reduced = div(sum(smooth), sum(parts.counted));
  else
    smooth_reduced = loss::reduce(smooth, reduction);
  return add(mul(nll, loss::number(1 - label_smoothing)), mul(smooth_reduced, loss::number(label_smoothing / double(c))));
}

// Every form of cross_entropy is -sum_c q_c log_softmax(x)_c per position, for a weighted
// target distribution q (index targets: (1 - eps) w_t at the target class plus eps / C w_c
// everywhere; probabilities: the smoothed p_c w_c). Its gradient is softmax(x) sum(q) - q.
std::tuple<Tensor, std::optional<Tensor>> cross_entropy_backward(
    const Tensor& grad, const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
    const std::string& reduction, int64_t ignore_index, double label_smoothing) {
  loss::check_reduction(reduction, "cross_entropy");
  check_input(input, "cross_entropy");
  EMBER_CHECK_VALUE(label_smoothing >= 0 && label_smoothing <= 1,
                    "cross_entropy: label_smoothing must be between 0.0 and 1.0, but got ", label_smoothing);
  const int64_t cdim = class_dim(input);
  const int64_t c = input.size(cdim);
  const std::optional<Tensor> w = class_weight(input, weight, "cross_entropy");
  IntArray along(input.dim(), 1);
  along[cdim] = c;
  const IntArray position_shape = target_shape_for(input);

  Tensor log_p, q, g;  // g: the gradient of each position's loss, position-shaped
  std::optional<Tensor> grad_target;
  if (is_floating(target.dtype())) {
    EMBER_CHECK_SHAPE(target.shape() == input.shape(), "cross_entropy: expected class probabilities of the input's ",
                      "shape ", shape_str(input.shape()), " as target, but got ", shape_str(target.shape()));
    log_p = log_softmax(input, cdim);
    q = target.to(input.dtype());
    if (label_smoothing > 0)
      q = add(mul(q, loss::number(1 - label_smoothing)), loss::number(label_smoothing / double(c)));
    if (w) q = mul(q, w->view(along));
    g = loss::expand_grad(grad, position_shape, reduction == "mean" ? "sum" : reduction, "cross_entropy");
    if (reduction == "mean") g = div(g, loss::number(double(numel_of(position_shape))));
    Tensor dt = mul(log_p, loss::number(-(1 - label_smoothing)));
    if (w) dt = mul(dt, w->view(along));
    grad_target = mul(dt, g.unsqueeze(cdim)).to(target.dtype());
  } else if (label_smoothing == 0) {
    check_class_targets(input, target, "cross_entropy");
    // Each position's loss is -w_t log softmax(x)_t: its gradient is w_t (softmax(x) - onehot(t))
    // times the position's incoming gradient. A softmax pass, one product and a scatter at the
    // targets, instead of building the smoothed target distribution below (a dozen passes).
    const Tensor counted = nll_parts(input, target, w, ignore_index).counted;  // w_t, 0 where ignored
    g = loss::expand_grad(grad, position_shape, reduction == "mean" ? "sum" : reduction, "cross_entropy");
    if (reduction == "mean") g = div(g, sum(counted));
    const Tensor scale = mul(g.to(input.dtype()), counted).unsqueeze(cdim);
    Tensor grad_input = softmax(input, cdim);
    mul_(grad_input, scale);
    const Tensor t = target.to(kInt64).unsqueeze(cdim);
    const Tensor kept = mul(t, ne(t, scalar_tensor(ignore_index, std::nullopt, true)).to(kInt64));  // ignored: 0
    scatter_add_(grad_input, cdim, kept, neg(scale));  // ignored positions add -0
    return {grad_input, grad_target};
  } else {
    check_class_targets(input, target, "cross_entropy");
    log_p = log_softmax(input, cdim);
    const Tensor classes = arange(c, TensorOptions(kInt64).device(input.device())).view(along);
    const Tensor t = target.to(kInt64).unsqueeze(cdim);
    const Tensor w_along = w ? w->view(along) : ones(along, TensorOptions(input.dtype()).device(input.device()));
    q = add(mul(where(eq(classes, t), w_along, loss::number(0.0)), loss::number(1 - label_smoothing)),
            mul(w_along, loss::number(label_smoothing / double(c))));
    q = where(ne(t, scalar_tensor(ignore_index, std::nullopt, true)), q, loss::number(0.0));
    g = loss::expand_grad(grad, position_shape, reduction == "mean" ? "sum" : reduction, "cross_entropy");
    if (reduction == "mean") g = div(g, sum(nll_parts(log_p, target, w, ignore_index).counted));
  }
  const Tensor softmax_p = exp(log_p);
  const Tensor grad_input = mul(sub(mul(softmax_p, sum(q, IntArray{cdim}, true)), q), g.unsqueeze(cdim));
  return {grad_input.to(input.dtype()), grad_target};
}

}  // namespace ember
