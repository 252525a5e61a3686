// Indexing: t[...] and t[...] = v. Basic entries make views; tensor entries go through the
// advanced-indexing plan of ops/indexing.h and the index kernel.
#include "ops/indexing.h"

#include <algorithm>

#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ops/overlap.h"

namespace ember {

namespace {
using Kind = TensorIndex::Kind;

bool is_mask(const Tensor& t) { return t.dtype() == kBool || t.dtype() == kUInt8; }

// How many dims of the indexed tensor an entry takes.
int64_t dims_taken(const TensorIndex& ix) {
  switch (ix.kind) {
    case Kind::Integer:
    case Kind::Slice:
      return 1;
    case Kind::Tensor:
      return is_mask(ix.index_tensor) ? ix.index_tensor.dim() : 1;
    default:
      return 0;
  }
}

// v[p] for each p of positions.
IntArray take(const IntArray& v, const std::vector<int64_t>& positions) {
  IntArray out;
  for (int64_t p : positions) out.push_back(v[p]);
  return out;
}
}  // namespace

bool broadcasts_to(const IntArray& from, const IntArray& to) {
  const size_t n = from.size(), m = to.size();
  if (n > m) return false;
  for (size_t i = 1; i <= n; ++i)
    if (from[n - i] != 1 && from[n - i] != to[m - i]) return false;
  return true;
}

void check_index_dtype(const Tensor& index, const char* op) {
  EMBER_CHECK_TYPE(index.dtype() == kInt64 || index.dtype() == kInt32, op,
                   ": expected an int64 or int32 index tensor, got ", dtype_name(index.dtype()));
}

void check_index_range(const Tensor& index, int64_t size, int64_t dim, const char* op) {
  if (index.numel() == 0) return;
  TensorIter iter = TensorIter::elementwise(index, {});
  int64_t bad = 0;
  const bool ok = index_check_kernel.get(index.device(), op)(iter, size, &bad);
  EMBER_CHECK_INDEX(ok, op, ": index ", bad, " is out of bounds for dimension ", dim, " with size ", size);
}

AdvancedIndex plan_index(const Tensor& t, const std::vector<TensorIndex>& indices, const char* op) {
  int64_t consumed = 0, ellipses = 0;
  for (const auto& ix : indices) {
    consumed += dims_taken(ix);
    if (ix.kind == Kind::Ellipsis) ++ellipses;
  }
  EMBER_CHECK_INDEX(ellipses <= 1, op, ": an index can only have a single ellipsis ('...')");
  EMBER_CHECK_INDEX(consumed <= t.dim(), op, ": too many indices for tensor of dimension ", t.dim(), " (got ",
                    consumed, ")");
  AdvancedIndex ai;
  ai.op = op;
  Tensor out = t.alias();
  int64_t d = 0;    // the dim of `out` the next entry applies to
  int64_t src = 0;  // the dim of `t` it applies to
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    const TensorIndex& ix = indices[pos];
    switch (ix.kind) {
      case Kind::Integer:
        out = out.select(d, ix.integer);
        ++src;
        break;
      case Kind::Slice:
        out = out.slice(d, ix.start, ix.stop, ix.step);
        ++d, ++src;
        break;
      case Kind::None:
        out = out.unsqueeze(d);
        ++d;
        break;
      case Kind::Ellipsis:
        d += t.dim() - consumed;
        src += t.dim() - consumed;
        break;
      case Kind::Tensor: {
        Tensor index = ix.index_tensor.device() == t.device() ? ix.index_tensor : ix.index_tensor.to(t.device());
        if (!is_mask(index)) {
          EMBER_CHECK_INDEX(index.dtype() == kInt64 || index.dtype() == kInt32,
                            "tensors used as indices must be long, int, byte or bool tensors, got a ",
                            dtype_name(index.dtype()), " tensor");
          if (index.dim() == 0) {  // like PyTorch, a 0-dim integer tensor is an integer (a select)
            const int64_t i = index.item().to<int64_t>(), size = out.shape()[d];
            EMBER_CHECK_INDEX(i >= -size && i < size, op, ": index ", i, " is out of bounds for dimension ", src,
                              " with size ", size);
            out = out.select(d, i);
            ++src;
            break;
          }
          ai.indexed.push_back({d, src, index});
          ++d, ++src;
          break;
        }
        if (index.dim() == 0) {  // a 0-dim mask: a new dim of size 1 or 0
          out = out.unsqueeze(d);
          const int64_t n = index.item().to<bool>() ? 1 : 0;
          ai.indexed.push_back({d, -1, zeros({n}, TensorOptions(kInt64).device(t.device()))});
          ++d;
          break;
        }
        const int64_t k = index.dim();
        for (int64_t j = 0; j < k; ++j) {
          EMBER_CHECK_INDEX(index.shape()[j] == out.shape()[d + j], op, ": the shape of the mask ",
                            shape_str(index.shape()), " at index ", j, " does not match the shape of the indexed tensor ",
                            shape_str(out.shape()), " at index ", d + j);
        }
        const Tensor coords = nonzero(index);  // [n, k]
        for (int64_t j = 0; j < k; ++j) ai.indexed.push_back({d + j, src + j, coords.select(1, j)});
        d += k, src += k;
        break;
      }
    }
  }
  ai.view = out;
  return ai;
}

void prepare_index(AdvancedIndex& ai) {
  const Tensor& view = ai.view;
  // Broadcast shape of the indices; PyTorch reports a mismatch as an IndexError.
  IntArray shape;
  for (size_t i = 0; i < ai.indexed.size(); ++i) {
    const IntArray& s = ai.indexed[i].index.shape();
    try {
      shape = i == 0 ? s : broadcast_shapes(shape, s, ai.op);
    } catch (const Error&) {
      std::string shapes;
      for (const auto& x : ai.indexed) shapes += (shapes.empty() ? "" : ", ") + shape_str(x.index.shape());
      EMBER_FAIL(ErrorKind::Index, ai.op, ": shape mismatch: indexing tensors could not be broadcast together with shapes ",
                 shapes);
    }
  }
  ai.broadcast_shape = shape;
  ai.offsets = zeros(shape, TensorOptions(kInt64).device(view.device()));
  const int64_t es = static_cast<int64_t>(view.element_size());
  if (ai.offsets.numel() > 0) {
    for (const IndexedDim& x : ai.indexed) {
      const int64_t size = view.shape()[x.dim];
      TensorIter iter = TensorIter::elementwise(ai.offsets, {x.index});
      int64_t bad = 0;
      const bool ok = index_offsets_kernel.get(view.device(), ai.op)(iter, size, view.strides()[x.dim] * es, &bad);
      EMBER_CHECK_INDEX(ok, ai.op, ": index ", bad, " is out of bounds for dimension ", x.source_dim, " with size ",
                        size);
    }
  }
  // The result's shape: B replaces the indexed dims where they sit when adjacent, else leads.
  ai.adjacent = true;
  for (size_t i = 1; i < ai.indexed.size(); ++i)
    ai.adjacent = ai.adjacent && ai.indexed[i].dim == ai.indexed[i - 1].dim + 1;
  ai.result_pos = ai.adjacent ? ai.indexed.front().dim : 0;
  IntArray result(view.shape().begin(), view.shape().begin() + ai.result_pos);
  result.insert(result.end(), shape.begin(), shape.end());
  for (int64_t i = ai.result_pos, k = 0; i < view.dim(); ++i) {
    const bool indexed = k < static_cast<int64_t>(ai.indexed.size()) && ai.indexed[k].dim == i;
    if (indexed) ++k;
    else result.push_back(view.shape()[i]);
  }
  ai.result_shape = result;
}

namespace {
// The dims of the view the indices leave alone, and their positions in the result.
struct Rest {
  std::vector<int64_t> view_dims, result_dims;
};
Rest rest_dims(const AdvancedIndex& ai) {
  // Adjacent indices: a dim before them keeps its place, one after moves by (nb - m). Else B
  // leads and the other dims follow in order.
  Rest r;
  const int64_t m = static_cast<int64_t>(ai.indexed.size()), nb = static_cast<int64_t>(ai.broadcast_shape.size());
  for (int64_t i = 0, k = 0; i < ai.view.dim(); ++i) {
    if (k < m && ai.indexed[k].dim == i) {
      ++k;
      continue;
    }
    const int64_t j = static_cast<int64_t>(r.view_dims.size());
    r.view_dims.push_back(i);
    r.result_dims.push_back(!ai.adjacent ? nb + j : k == 0 ? i : i - m + nb);
  }
  return r;
}

// A view of t over the dims `dims` only (the others fixed at 0).
Tensor sub_view(const Tensor& t, const std::vector<int64_t>& dims) {
  return Tensor::make(t.storage(), t.storage_offset(), take(t.shape(), dims), take(t.strides(), dims), t.dtype());
}

// The byte stride that walks the B block of `t` (B dims at [pos, pos + nb)) as one flat dim, or
// nullopt when the block cannot be walked so.
std::optional<int64_t> flat_stride(const Tensor& t, int64_t pos, int64_t nb) {
  IntArray shape(t.shape().begin() + pos, t.shape().begin() + pos + nb);
  IntArray strides(t.strides().begin() + pos, t.strides().begin() + pos + nb);
  const int64_t n = numel_of(shape);
  auto flat = view_strides(shape, strides, {n});
  if (!flat) return std::nullopt;
  return (*flat)[0] * static_cast<int64_t>(t.element_size());
}

void run(const AdvancedIndex& ai, const Tensor& dst_rest, const Tensor& src_rest, int64_t stride, bool put,
         bool accumulate) {
  IndexArgs args;
  args.count = ai.offsets.numel();
  args.offsets = ai.offsets.data_ptr<int64_t>();
  args.stride = stride;
  args.indexed_is_dst = put;
  args.accumulate = accumulate;
  TensorIter iter = TensorIter::elementwise(dst_rest, {src_rest});
  index_kernel.get(ai.view.device(), ai.op)(iter, args);
}
}  // namespace

Tensor gather_index(const AdvancedIndex& ai) {
  Tensor out = empty(ai.result_shape, TensorOptions(ai.view.dtype()).device(ai.view.device()));
  if (out.numel() == 0) return out;
  const Rest r = rest_dims(ai);
  const int64_t nb = static_cast<int64_t>(ai.broadcast_shape.size());
  // out is contiguous, so its B block is one flat dim.
  const int64_t stride = nb == 0 ? 0 : out.strides()[ai.result_pos + nb - 1] * static_cast<int64_t>(out.element_size());
  run(ai, sub_view(out, r.result_dims), sub_view(ai.view, r.view_dims), stride, false, false);
  return out;
}

void put_index(const AdvancedIndex& ai, const Tensor& values, bool accumulate) {
  check_writable(ai.view, ai.op);
  Tensor v = values.device() == ai.view.device() ? values : values.to(ai.view.device());
  v = v.to(ai.view.dtype());
  // Like PyTorch, leading size-1 dims of the value may exceed the target's rank.
  const int64_t rank = static_cast<int64_t>(ai.result_shape.size());
  while (v.dim() > rank && v.shape()[0] == 1) v = v.squeeze(0);
  EMBER_CHECK_SHAPE(broadcasts_to(v.shape(), ai.result_shape), ai.op,
                    ": shape mismatch: value tensor of shape ", shape_str(values.shape()),
                    " cannot be broadcast to indexing result of shape ", shape_str(ai.result_shape));
  if (may_overlap(ai.view, v)) v = v.clone();
  v = v.expand(ai.result_shape);
  const int64_t nb = static_cast<int64_t>(ai.broadcast_shape.size());
  auto stride = nb == 0 ? std::optional<int64_t>(0) : flat_stride(v, ai.result_pos, nb);
  if (!stride) {
    v = v.contiguous();
    stride = flat_stride(v, ai.result_pos, nb);
  }
  ai.view.bump_version();
  if (numel_of(ai.result_shape) == 0) return;
  const Rest r = rest_dims(ai);
  run(ai, sub_view(ai.view, r.view_dims), sub_view(v, r.result_dims), *stride, true, accumulate);
}

Tensor index(const Tensor& t, const std::vector<TensorIndex>& indices) {
  AdvancedIndex ai = plan_index(t, indices, "index");
  if (ai.indexed.empty()) return ai.view;
  prepare_index(ai);
  return gather_index(ai);
}

Tensor& index_put_(Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& values, bool accumulate) {
  AdvancedIndex ai = plan_index(self, indices, "index_put_");
  if (ai.indexed.empty()) {
    if (accumulate) {
      Tensor view = ai.view;
      add_(view, values);
    } else {
      Tensor src = values;
      while (src.dim() > ai.view.dim() && src.shape()[0] == 1) src = src.squeeze(0);
      ai.view.copy_(src);
    }
    return self;
  }
  prepare_index(ai);
  put_index(ai, values, accumulate);
  return self;
}

Tensor index_put(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& values, bool accumulate) {
  Tensor out = self.clone();
  return index_put_(out, indices, values, accumulate);
}

void index_assign(const Tensor& t, const std::vector<TensorIndex>& indices, const Tensor& value) {
  Tensor target = t;
  index_put_(target, indices, value, false);
}

}  // namespace ember
