// Basic indexing (ints, slices, None, ...) as views.
#include "core/shape.h"
#include "ember/ops.h"

namespace ember {

Tensor index(const Tensor& t, const std::vector<TensorIndex>& indices) {
  using Kind = TensorIndex::Kind;
  int64_t consumed = 0, ellipses = 0;
  for (const auto& ix : indices) {
    if (ix.kind == Kind::Integer || ix.kind == Kind::Slice) ++consumed;
    if (ix.kind == Kind::Ellipsis) ++ellipses;
  }
  EMBER_CHECK_INDEX(ellipses <= 1, "index: an index can only have a single ellipsis ('...')");
  EMBER_CHECK_INDEX(consumed <= t.dim(), "index: too many indices for tensor of dimension ", t.dim(), " (got ",
                    consumed, ")");
  Tensor out = t.alias();
  int64_t d = 0;  // the dim of `out` the next index applies to
  for (const auto& ix : indices) {
    switch (ix.kind) {
      case Kind::Integer:
        out = out.select(d, ix.integer);
        break;
      case Kind::Slice:
        out = out.slice(d, ix.start, ix.stop, ix.step);
        ++d;
        break;
      case Kind::None:
        out = out.unsqueeze(d);
        ++d;
        break;
      case Kind::Ellipsis:
        d += t.dim() - consumed;
        break;
    }
  }
  return out;
}

void index_assign(const Tensor& t, const std::vector<TensorIndex>& indices, const Tensor& value) {
  Tensor view = index(t, indices);
  Tensor src = value;
  // Like PyTorch, leading size-1 dims of the value may exceed the target's rank.
  while (src.dim() > view.dim() && src.shape()[0] == 1) src = src.squeeze(0);
  view.copy_(src);
}

}  // namespace ember
