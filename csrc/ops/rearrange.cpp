// Rearranging: flip, roll, repeat, tile and repeat_interleave. Each is a strided copy from a
// view: flip copies from a negative-stride view, repeat and repeat_interleave from expanded
// (stride 0) views, roll copies two narrowed pieces per dim.
#include <algorithm>

#include "core/shape.h"
#include "ember/ops.h"
#include "ops/strided_copy.h"

namespace ember {

namespace {
Tensor empty_for(const Tensor& t, const IntArray& shape) {
  return empty(shape, TensorOptions(t.dtype()).device(t.device()));
}

// One dim of roll: out[(i + shift) mod n] = t[i].
Tensor roll_one(const Tensor& t, int64_t shift, int64_t dim) {
  Tensor out = empty_for(t, t.shape());
  const int64_t n = t.shape()[dim];
  if (n == 0) return out;
  const int64_t s = ((shift % n) + n) % n;
  strided_copy(out.narrow(dim, s, n - s), t.narrow(dim, 0, n - s));
  strided_copy(out.narrow(dim, 0, s), t.narrow(dim, n - s, s));
  return out;
}

// The int64 values of an integer tensor of repeats, checked non-negative.
std::vector<int64_t> repeat_counts(const Tensor& repeats, const char* op) {
  EMBER_CHECK_TYPE(dtype_category(repeats.dtype()) == DTypeCategory::Integer, op,
                   ": repeats must be an integer tensor, got ", dtype_name(repeats.dtype()));
  EMBER_CHECK_SHAPE(repeats.dim() <= 1, op, ": repeats must be 0-dim or 1-dim, got shape ", shape_str(repeats.shape()));
  const Tensor r = repeats.to(kInt64).to(Device(DeviceType::CPU)).contiguous();
  const int64_t* p = r.data_ptr<int64_t>();
  std::vector<int64_t> counts(p, p + r.numel());
  for (int64_t c : counts) EMBER_CHECK_VALUE(c >= 0, op, ": repeats can not be negative, got ", c);
  return counts;
}

void check_output_size(std::optional<int64_t> output_size, int64_t total, const char* op) {
  EMBER_CHECK_VALUE(!output_size || *output_size == total, op, ": output_size ", output_size.value_or(0),
                    " does not match the total of the repeats, ", total);
}
}  // namespace

Tensor flip(const Tensor& t, const IntArray& dims) {
  EMBER_CHECK(t.dim() <= 64, "flip: tensors of more than 64 dims are not supported");
  uint64_t seen = 0;
  Tensor view = t;
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, t.dim(), "flip");
    EMBER_CHECK_VALUE(!(seen >> w & 1), "flip: dim ", w, " appears multiple times in the list of dims ", shape_str(dims));
    seen |= 1ull << w;
    if (t.dim() > 0) view = reversed(view, w);
  }
  Tensor out = empty_for(t, t.shape());
  strided_copy(out, view);
  return out;
}

Tensor roll(const Tensor& t, const IntArray& shifts, const IntArray& dims) {
  EMBER_CHECK_VALUE(!shifts.empty(), "roll: `shifts` required");
  if (dims.empty()) {
    EMBER_CHECK_VALUE(shifts.size() == 1, "roll: shifts and dimensions must align: got ", shifts.size(),
                      " shifts and no dims");
    return roll_one(t.reshape({-1}), shifts[0], 0).view(t.shape());
  }
  EMBER_CHECK_VALUE(shifts.size() == dims.size(), "roll: shifts and dimensions must align: got ", shifts.size(),
                    " shifts and ", dims.size(), " dims");
  Tensor out = t;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], t.dim(), "roll");
    out = t.dim() == 0 ? out.clone() : roll_one(out, shifts[i], d);
  }
  return out;
}

Tensor repeat(const Tensor& t, const IntArray& repeats) {
  const int64_t k = static_cast<int64_t>(repeats.size());
  EMBER_CHECK_VALUE(k >= t.dim(), "repeat: number of dimensions of repeat dims (", k,
                    ") can not be smaller than number of dimensions of tensor (", t.dim(), ")");
  for (int64_t r : repeats)
    EMBER_CHECK_VALUE(r >= 0, "repeat: repeats can not be negative, got ", shape_str(repeats));
  // The input with leading 1s, seen as [r0, s0, r1, s1, ...] with stride 0 on every r; the
  // output viewed the same way receives it in one copy. Pairs with r == 1 or s == 1 need one
  // dim, not two.
  IntArray out_shape(k), pair_shape, pair_strides;
  for (int64_t i = 0; i < k; ++i) {
    const int64_t j = i - (k - t.dim());
    const int64_t size = j >= 0 ? t.shape()[j] : 1, stride = j >= 0 ? t.strides()[j] : 0;
    out_shape[i] = checked_mul(size, repeats[i], "repeat");
    if (repeats[i] != 1) {
      pair_shape.push_back(repeats[i]);
      pair_strides.push_back(0);
    }
    if (size != 1 || repeats[i] == 1) {
      pair_shape.push_back(size);
      pair_strides.push_back(stride);
    }
  }
  Tensor out = empty_for(t, out_shape);
  if (out.numel() == 0) return out;
  if (static_cast<int64_t>(pair_shape.size()) > TensorIter::kMaxDims && k < TensorIter::kMaxDims) {
    // Too many dims for one iterator: repeat one dim at a time (at most k + 1 dims each).
    IntArray padded(k, 1);
    for (int64_t i = 0; i < t.dim(); ++i) padded[k - t.dim() + i] = t.shape()[i];
    Tensor cur = t.reshape(padded);
    for (int64_t i = 0; i < k; ++i) {
      if (repeats[i] == 1) continue;
      IntArray ones(k, 1);
      ones[i] = repeats[i];
      cur = repeat(cur, ones);
    }
    strided_copy(out, cur);
    return out;
  }
  strided_copy(out.view(pair_shape), t.as_strided(pair_shape, pair_strides));
  return out;
}

Tensor tile(const Tensor& t, const IntArray& reps) {
  IntArray full = reps;
  if (static_cast<int64_t>(full.size()) < t.dim()) full.insert(full.begin(), t.dim() - full.size(), 1);
  return repeat(t, full);
}

Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  EMBER_CHECK_VALUE(repeats >= 0, "repeat_interleave: repeats can not be negative, got ", repeats);
  const Tensor in = dim ? t : t.reshape({-1});
  const int64_t d = wrap_dim(dim.value_or(0), in.dim(), "repeat_interleave");
  if (in.dim() == 0) return repeat_interleave(in.reshape({1}), repeats, 0, output_size);
  const int64_t total = checked_mul(in.shape()[d], repeats, "repeat_interleave");
  check_output_size(output_size, total, "repeat_interleave");
  // out viewed as [..., n, repeats, ...] receives the input expanded along the new dim.
  IntArray out_shape = in.shape();
  out_shape[d] = total;
  Tensor out = empty_for(in, out_shape);
  if (out.numel() == 0) return out;
  IntArray pair_shape = in.shape();
  pair_shape.insert(pair_shape.begin() + d + 1, repeats);
  strided_copy(out.view(pair_shape), in.unsqueeze(d + 1).expand(pair_shape));
  return out;
}

Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  const std::vector<int64_t> counts = repeat_counts(repeats, "repeat_interleave");
  if (repeats.numel() == 1) return repeat_interleave(t, counts[0], dim, output_size);
  const Tensor in = dim ? t : t.reshape({-1});
  const int64_t d = wrap_dim(dim.value_or(0), in.dim(), "repeat_interleave");
  const int64_t n = in.dim() == 0 ? 1 : in.shape()[d];
  EMBER_CHECK_SHAPE(static_cast<int64_t>(counts.size()) == n, "repeat_interleave: repeats must have the same size ",
                    "as input along dim ", d, ": got ", counts.size(), " repeats for size ", n, " (input shape ",
                    shape_str(in.shape()), ")");
  int64_t total = 0;
  for (int64_t c : counts) total = checked_add(total, c, "repeat_interleave", "total of repeats");
  check_output_size(output_size, total, "repeat_interleave");
  IntArray out_shape = in.shape();
  out_shape[d] = total;
  Tensor out = empty_for(in, out_shape);
  // One broadcast copy per input position: its slice of size 1 fills `counts[i]` positions.
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (counts[i] > 0) strided_copy(out.narrow(d, offset, counts[i]), in.narrow(d, i, 1));
    offset += counts[i];
  }
  return out;
}

Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size) {
  const Tensor r = repeats.dim() == 0 ? repeats.reshape({1}) : repeats;
  repeat_counts(r, "repeat_interleave");  // checks the dtype and the values
  const Tensor index = arange(r.numel(), TensorOptions(r.dtype()).device(r.device()));
  return repeat_interleave(index, r, 0, output_size);
}

}  // namespace ember
