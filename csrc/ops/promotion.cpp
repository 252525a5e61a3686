// torch.result_type: dimensioned tensors outrank 0-dim tensors, which outrank wrapped Python
// numbers; a lower tier only matters when it brings a higher category (bool < int < float).
#include "ember/ops.h"

namespace ember {

namespace {
struct Tiers {
  std::optional<DType> dim, zero, wrapped;
};

std::optional<DType> promote_opt(std::optional<DType> a, DType b) { return a ? promote_types(*a, b) : b; }

// The higher tier wins unless the lower one brings a higher category. A complex lower tier
// over a floating higher one keeps the higher one's width: float32 with a complex128 scalar
// is complex64, as in PyTorch.
std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (is_complex(*higher)) return higher;
  if (is_complex(*lower)) return is_floating(*higher) ? complex_type_of(*higher) : promote_types(*higher, *lower);
  if (is_floating(*higher)) return higher;
  if (*higher == kBool || is_floating(*lower)) return promote_types(*higher, *lower);
  return higher;
}

void add(Tiers& tiers, const Tensor& t) {
  if (t.is_wrapped_number()) tiers.wrapped = promote_opt(tiers.wrapped, default_dtype_for(dtype_category(t.dtype())));
  else if (t.dim() == 0) tiers.zero = promote_opt(tiers.zero, t.dtype());
  else tiers.dim = promote_opt(tiers.dim, t.dtype());
}

DType resolve(const Tiers& tiers) {
  auto r = combine(tiers.dim, combine(tiers.zero, tiers.wrapped));
  EMBER_CHECK_VALUE(r.has_value(), "result_type: needs at least one tensor");
  return *r;
}
}  // namespace

DType result_type(const std::vector<Tensor>& tensors) {
  Tiers tiers;
  for (const Tensor& t : tensors) add(tiers, t);
  return resolve(tiers);
}

DType result_type(const Tensor& a, const Scalar& b) {
  Tiers tiers;
  add(tiers, a);
  tiers.wrapped = default_dtype_for(b.category());
  return resolve(tiers);
}

bool can_cast(DType from, DType to) { return dtype_category(from) <= dtype_category(to); }

}  // namespace ember
