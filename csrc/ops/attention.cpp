// scaled_dot_product_attention and its backward, composed of ember ops (matmul through the GEMM
// table, softmax, where), so the result is the exact math of PyTorch's reference path:
//   attn = softmax(q @ k^T * scale + mask), out = dropout(attn) @ v.
// 16-bit inputs are computed in float32. A row whose keys are all masked gets zero weights
// (PyTorch 2.13's CPU kernels give zeros there, not NaN).
// Calls the fused attention kernels cover (dispatch/kernels_attention.h: no dropout, head dims
// <= kAttentionMaxHeadDim; float32/float64 on the CPU, float32/16-bit on CUDA) run one fused
// kernel instead, which keeps the per-row logsumexp rather than the probabilities.
#include <climits>
#include <cmath>

#include "core/shape.h"
#include "dispatch/kernels_attention.h"
#include "ember/ops.h"
#include "ember/random.h"

namespace ember {

namespace {

const char* kOp = "scaled_dot_product_attention";

DType compute_dtype(DType t) { return t == kFloat64 ? kFloat64 : kFloat32; }

IntArray batch_of(const Tensor& t) { return IntArray(t.shape().begin(), t.shape().end() - 2); }

// Checks the operands; returns the number of query heads per key/value head (1 without GQA).
int64_t check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, bool enable_gqa) {
  auto shapes = [&] {
    return detail::str_cat("query ", shape_str(q.shape()), ", key ", shape_str(k.shape()), ", value ",
                           shape_str(v.shape()));
  };
  EMBER_CHECK_SHAPE(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2, kOp,
                    ": expected query, key and value of at least 2 dims (..., L, E), got ", shapes());
  EMBER_CHECK_TYPE(is_floating(q.dtype()), kOp, ": expected a floating point query, got ", dtype_name(q.dtype()));
  EMBER_CHECK_TYPE(q.dtype() == k.dtype() && q.dtype() == v.dtype(), kOp,
                   ": expected query, key and value of one dtype, got ", dtype_name(q.dtype()), ", ",
                   dtype_name(k.dtype()), " and ", dtype_name(v.dtype()));
  EMBER_CHECK_SHAPE(q.size(-1) == k.size(-1), kOp, ": the last dim of query and key must match (the embedding), got ",
                    shapes());
  EMBER_CHECK_SHAPE(k.size(-2) == v.size(-2), kOp, ": key and value must have the same sequence length (dim -2), got ",
                    shapes());
  int64_t rep = 1;
  if (enable_gqa && q.dim() >= 3 && k.dim() >= 3 && v.dim() >= 3) {
    const int64_t hq = q.size(-3), hk = k.size(-3), hv = v.size(-3);
    EMBER_CHECK_SHAPE(hk > 0 && hk == hv && hq % hk == 0, kOp,
                      ": with enable_gqa, the heads (dim -3) of key and value must be equal and divide the query's, got ",
                      shapes());
    rep = hq / hk;
  }
  // Batch dims broadcast (after the GQA head repeat).
  IntArray kb = batch_of(k);
  if (rep > 1) kb.back() *= rep;
  IntArray b = broadcast_shapes(batch_of(q), kb, kOp);
  IntArray vb = batch_of(v);
  if (rep > 1) vb.back() *= rep;
  broadcast_shapes(b, vb, kOp);
  return rep;
}

// (..., H, S, E) -> (..., H * rep, S, E), each head repeated rep times in place.
Tensor repeat_heads(const Tensor& t, int64_t rep) {
  if (rep == 1) return t;
  IntArray expanded = t.shape();
  expanded.insert(expanded.end() - 2, rep);
  IntArray merged = t.shape();
  merged[merged.size() - 3] *= rep;
  return t.unsqueeze(-3).expand(expanded).reshape(merged);
}

// The inverse of repeat_heads for a gradient: sums the rep copies of each head.
Tensor sum_heads(const Tensor& g, int64_t rep) {
  if (rep == 1) return g;
  const int64_t h = g.size(-3) / rep;
  return sum(g.unflatten(g.dim() - 3, {h, rep}), IntArray{g.dim() - 2});
}

// Sums a broadcast gradient down to `shape`.
Tensor sum_to(const Tensor& g, const IntArray& shape) {
  Tensor r = g;
  const int64_t lead = g.dim() - static_cast<int64_t>(shape.size());
  if (lead > 0) {
    IntArray dims;
    for (int64_t d = 0; d < lead; ++d) dims.push_back(d);
    r = sum(r, dims);
  }
  IntArray keep;
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] == 1 && r.size(static_cast<int64_t>(d)) != 1) keep.push_back(static_cast<int64_t>(d));
  if (!keep.empty()) r = sum(r, keep, /*keepdim=*/true);
  return r;
}

// Whether `shape` broadcasts to `target` without changing it.
bool broadcasts_to(const IntArray& shape, const IntArray& target) {
  if (shape.size() > target.size()) return false;
  const size_t lead = target.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && shape[i] != target[lead + i]) return false;
  return true;
}

double default_scale(const Tensor& q, std::optional<double> scale) {
  return scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
}

// attn * keep / (1 - p): the dropped-out probabilities (zeros when p == 1).
Tensor apply_dropout(const Tensor& t, const Tensor& keep, double p) {
  if (!keep.defined()) return t;
  if (p >= 1) return zeros_like(t);
  return mul(mul(t, keep), 1.0 / (1.0 - p));
}

// The fused kernels' view of a call: the broadcast batch dims split into (B, H), the operands
// as contiguous (B, H, L, E) / (B, Hk, S, E) / (B, Hk, S, Ev) blocks, the mask as a strided
// (B, H, L, S) view.
struct FusedCall {
  IntArray batch;    // the broadcast batch dims (heads last)
  IntArray k_batch;  // the same with the key/value heads last (H / rep)
  int64_t B = 1, H = 1, Hk = 1, L = 0, S = 0, E = 0, Ev = 0;
  Tensor q, k, v;
  AttentionArgs args;
};

Tensor as_4d(const Tensor& t, const IntArray& batch, int64_t B, int64_t H) {
  IntArray full = batch;
  full.push_back(t.size(-2));
  full.push_back(t.size(-1));
  Tensor e = t.expand(full);
  if (batch.size() == 2) return e;
  return e.reshape({B, H, t.size(-2), t.size(-1)});
}

// The operand blocks a device's fused kernels read: the CPU kernel copies every operand into
// its tiles and reads any strides (transposed heads included) in place; the CUDA kernels take
// contiguous blocks.
Tensor kernel_block(const Tensor& t) { return t.device().type == DeviceType::CPU ? t : t.contiguous(); }

FusedCall fused_call(const Tensor& query, const Tensor& key, const Tensor& value,
                     const std::optional<Tensor>& attn_mask, bool is_causal, std::optional<double> scale,
                     bool enable_gqa) {
  const int64_t rep = check_inputs(query, key, value, enable_gqa);
  const bool has_mask = attn_mask && attn_mask->defined();
  EMBER_CHECK_VALUE(!(has_mask && is_causal), kOp, ": attn_mask must not be given with is_causal=True");
  FusedCall c;
  IntArray kb = batch_of(key), vb = batch_of(value);
  if (rep > 1) {
    kb.back() *= rep;
    vb.back() *= rep;
  }
  c.batch = broadcast_shapes(broadcast_shapes(batch_of(query), kb, kOp), vb, kOp);
  c.k_batch = c.batch;
  if (!c.batch.empty()) {
    c.H = c.batch.back();
    c.B = 1;
    for (size_t d = 0; d + 1 < c.batch.size(); ++d) c.B *= c.batch[d];
    c.k_batch.back() = c.H / rep;
  }
  c.Hk = c.H / rep;
  c.L = query.size(-2);
  c.S = key.size(-2);
  c.E = query.size(-1);
  c.Ev = value.size(-1);
  EMBER_CHECK(c.B * c.H <= INT_MAX, kOp, ": too many batch entries (", c.B * c.H, ") for the fused kernel");
  c.q = kernel_block(as_4d(query, c.batch, c.B, c.H));
  c.k = kernel_block(as_4d(key, c.k_batch, c.B, c.Hk));
  c.v = kernel_block(as_4d(value, c.k_batch, c.B, c.Hk));
  c.args.scale = default_scale(query, scale);
  c.args.is_causal = is_causal;
  if (has_mask) {
    const Tensor& m = *attn_mask;
    EMBER_CHECK_TYPE(m.dtype() == kBool || is_floating(m.dtype()), kOp,
                     ": expected attn_mask of dtype bool or floating point, got ", dtype_name(m.dtype()));
    IntArray scores = c.batch;
    scores.push_back(c.L);
    scores.push_back(c.S);
    EMBER_CHECK_SHAPE(broadcasts_to(m.shape(), scores), kOp, ": attn_mask of shape ", shape_str(m.shape()),
                      " does not broadcast to the attention weights' shape ", shape_str(scores));
    EMBER_CHECK_SHAPE(m.device() == query.device(), kOp, ": attn_mask is on ", m.device().str(),
                      ", the query on ", query.device().str());
    // Expanded to the whole (..., L, S) first: a mask dim of size 1 (one row for every query)
    // must reach the kernels as a stride-0 dim, not with whatever stride it had.
    Tensor full = (m.dtype() == kBool ? m : m.to(compute_dtype(query.dtype()))).expand(scores);
    c.args.mask = c.batch.size() == 2 ? full : full.reshape({c.B, c.H, c.L, c.S});
  }
  return c;
}

// (..., L, X) of the broadcast batch <- a (B, H, L, X) result.
Tensor from_4d(const Tensor& t, const IntArray& batch) {
  IntArray shape = batch;
  for (int64_t d = 2; d < t.dim(); ++d) shape.push_back(t.size(d));
  return t.reshape(shape);
}

}  // namespace

bool scaled_dot_product_attention_fused_available(const Tensor& query, const Tensor& key, const Tensor& value,
                                                  const std::optional<Tensor>& attn_mask, double dropout_p,
                                                  bool enable_gqa) {
  const DeviceType d = query.device().type;
  if (!attention_forward_kernel.has(d) || !attention_backward_kernel.has(d)) return false;
  const DType t = query.dtype();
  // The CPU computes 16-bit attention with the composite (in float32); CUDA has no float64 kernel.
  const bool fused_dtype = d == DeviceType::CPU ? (t == kFloat32 || t == kFloat64)
                                                : (t == kFloat32 || t == kFloat16 || t == kBFloat16);
  if (!fused_dtype) return false;
  if (key.dtype() != t || value.dtype() != t) return false;
  if (key.device() != query.device() || value.device() != query.device()) return false;
  if (query.dim() < 2 || key.dim() < 2 || value.dim() < 2) return false;
  // E == 0 gives the default scale 1/sqrt(0) = inf, which the composite multiplies into an empty
  // operand only; the fused kernels would form 0 * inf.
  if (query.size(-1) == 0 || query.size(-1) > kAttentionMaxHeadDim || value.size(-1) > kAttentionMaxHeadDim)
    return false;
  if (dropout_p != 0) return false;
  if (attn_mask && attn_mask->defined()) {
    const Tensor& m = *attn_mask;
    if (m.device() != query.device() || (m.dtype() != kBool && !is_floating(m.dtype()))) return false;
  }
  return true;
}

std::tuple<Tensor, Tensor> scaled_dot_product_attention_fused_forward(
    const Tensor& query, const Tensor& key, const Tensor& value, const std::optional<Tensor>& attn_mask,
    bool is_causal, std::optional<double> scale, bool enable_gqa) {
  const FusedCall c = fused_call(query, key, value, attn_mask, is_causal, scale, enable_gqa);
  const TensorOptions opts = TensorOptions(query.dtype()).device(query.device());
  Tensor out = empty({c.B, c.H, c.L, c.Ev}, opts);
  Tensor lse = empty({c.B, c.H, c.L}, TensorOptions(compute_dtype(query.dtype())).device(query.device()));
  if (c.S == 0) {
    // No keys: the weights are an empty row, the output zeros (the composite's empty matmul).
    if (out.numel() > 0) out.zero_();
    if (lse.numel() > 0) lse.fill_(-INFINITY);
  } else if (lse.numel() > 0) {
    attention_forward_kernel.get(query.device(), kOp)(out, lse, c.q, c.k, c.v, c.args);
  }
  return {from_4d(out, c.batch), from_4d(lse, c.batch)};
}

std::tuple<Tensor, Tensor, Tensor> scaled_dot_product_attention_fused_backward(
    const Tensor& grad_output, const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& output,
    const Tensor& logsumexp, const std::optional<Tensor>& attn_mask, bool is_causal, std::optional<double> scale,
    bool enable_gqa) {
  const FusedCall c = fused_call(query, key, value, attn_mask, is_causal, scale, enable_gqa);
  IntArray out_shape = c.batch, lse_shape = c.batch;
  out_shape.push_back(c.L);
  out_shape.push_back(c.Ev);
  lse_shape.push_back(c.L);
  EMBER_CHECK_SHAPE(grad_output.shape() == out_shape && output.shape() == out_shape, kOp,
                    "_backward: grad_output of shape ", shape_str(grad_output.shape()), " and output of shape ",
                    shape_str(output.shape()), " must have the output's shape ", shape_str(out_shape));
  const DType lse_dtype = compute_dtype(query.dtype());
  EMBER_CHECK_SHAPE(logsumexp.shape() == lse_shape && logsumexp.dtype() == lse_dtype, kOp,
                    "_backward: expected a ", dtype_name(lse_dtype), " logsumexp of shape ", shape_str(lse_shape),
                    ", got ",
                    dtype_name(logsumexp.dtype()), " ", shape_str(logsumexp.shape()));
  const TensorOptions opts = TensorOptions(query.dtype()).device(query.device());
  Tensor dq = empty({c.B, c.H, c.L, c.E}, opts);
  Tensor dk = empty({c.B, c.Hk, c.S, c.E}, opts);
  Tensor dv = empty({c.B, c.Hk, c.S, c.Ev}, opts);
  if (c.L == 0 || c.S == 0 || c.B * c.H == 0) {
    dq.zero_();
    dk.zero_();
    dv.zero_();
  } else {
    const Tensor g = kernel_block(grad_output.to(query.dtype()).reshape({c.B, c.H, c.L, c.Ev}));
    const Tensor o = kernel_block(output.to(query.dtype()).reshape({c.B, c.H, c.L, c.Ev}));
    const Tensor lse = logsumexp.reshape({c.B, c.H, c.L}).contiguous();
    attention_backward_kernel.get(query.device(), kOp)(dq, dk, dv, g, c.q, c.k, c.v, o, lse, c.args);
  }
  return {sum_to(from_4d(dq, c.batch), query.shape()), sum_to(from_4d(dk, c.k_batch), key.shape()),
          sum_to(from_4d(dv, c.k_batch), value.shape())};
}

std::tuple<Tensor, Tensor, Tensor> scaled_dot_product_attention_forward(
    const Tensor& query, const Tensor& key, const Tensor& value, const std::optional<Tensor>& attn_mask,
    double dropout_p, bool is_causal, std::optional<double> scale, bool enable_gqa,
    const std::optional<Tensor>& dropout_mask, Generator* generator) {
  const int64_t rep = check_inputs(query, key, value, enable_gqa);
  EMBER_CHECK_VALUE(dropout_p >= 0 && dropout_p <= 1, kOp, ": dropout_p must be in [0, 1], got ", dropout_p);
  const bool has_mask = attn_mask && attn_mask->defined();
  EMBER_CHECK_VALUE(!(has_mask && is_causal), kOp, ": attn_mask must not be given with is_causal=True");
  const int64_t L = query.size(-2), S = key.size(-2);
  const DType ct = compute_dtype(query.dtype());
  const Tensor q = query.to(ct), k = repeat_heads(key.to(ct), rep), v = repeat_heads(value.to(ct), rep);
  // The scale goes on q (L x E values) rather than on the scores (L x S).
  Tensor scores = matmul(mul(q, default_scale(query, scale)), k.transpose(-2, -1));
  const Tensor neg_inf = scalar_tensor(-INFINITY, ct);
  if (is_causal) {  // keep key j for query i when j <= i
    const TensorOptions opts = TensorOptions(kInt64).device(query.device());
    Tensor keep = le(arange(S, opts).view({1, S}), arange(L, opts).view({L, 1}));
    scores = where(keep, scores, neg_inf);
  } else if (has_mask) {
    const Tensor& m = *attn_mask;
    EMBER_CHECK_TYPE(m.dtype() == kBool || is_floating(m.dtype()), kOp,
                     ": expected attn_mask of dtype bool or floating point, got ", dtype_name(m.dtype()));
    EMBER_CHECK_SHAPE(broadcasts_to(m.shape(), scores.shape()), kOp, ": attn_mask of shape ",
                      shape_str(m.shape()), " does not broadcast to the attention weights' shape ",
                      shape_str(scores.shape()));
    scores = m.dtype() == kBool ? where(m, scores, neg_inf) : add(scores, m.to(ct));
  }
  Tensor attn = softmax(scores, -1);
  if (has_mask && attn.numel() > 0) {
    // Rows with every key masked out: zeros instead of softmax's NaN. (A causal mask always
    // keeps key 0, and without a mask only infinite inputs give -inf scores.)
    Tensor dead = eq(amax(scores, IntArray{-1}, /*keepdim=*/true), neg_inf);
    attn = where(dead, scalar_tensor(0.0, ct), attn);
  }
  Tensor keep;
  if (dropout_mask && dropout_mask->defined()) {
    EMBER_CHECK_SHAPE(dropout_mask->shape() == attn.shape(), kOp, ": dropout_mask of shape ",
                      shape_str(dropout_mask->shape()), " must have the attention weights' shape ", shape_str(attn.shape()));
    keep = dropout_mask->to(ct);
  } else if (dropout_p > 0) {
    keep = bernoulli(attn, 1.0 - dropout_p, generator);
  }
  Tensor out = matmul(apply_dropout(attn, keep, dropout_p), v);
  return {out.to(query.dtype()), attn, keep};
}

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const std::optional<Tensor>& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale, bool enable_gqa, Generator* generator) {
  if (scaled_dot_product_attention_fused_available(query, key, value, attn_mask, dropout_p, enable_gqa))
    return std::get<0>(scaled_dot_product_attention_fused_forward(query, key, value, attn_mask, is_causal, scale,
                                                                  enable_gqa));
  return std::get<0>(scaled_dot_product_attention_forward(query, key, value, attn_mask, dropout_p, is_causal, scale,
                                                          enable_gqa, std::nullopt, generator));
}

std::tuple<Tensor, Tensor, Tensor> scaled_dot_product_attention_backward(
    const Tensor& grad_output, const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& attn,
    const std::optional<Tensor>& dropout_mask, double dropout_p, std::optional<double> scale, bool enable_gqa) {
  const int64_t rep = check_inputs(query, key, value, enable_gqa);
  const DType ct = compute_dtype(query.dtype());
  const Tensor q = query.to(ct), k = repeat_heads(key.to(ct), rep), v = repeat_heads(value.to(ct), rep);
  const Tensor p = attn.to(ct), g = grad_output.to(ct);
  IntArray out_shape = p.shape();
  out_shape.back() = value.size(-1);
  EMBER_CHECK_SHAPE(g.shape() == out_shape, kOp, "_backward: grad_output of shape ", shape_str(g.shape()),
                    " does not match the output's shape ", shape_str(out_shape));
  const Tensor keep = dropout_mask && dropout_mask->defined() ? dropout_mask->to(ct) : Tensor();
  // out = P_d @ v with P_d = dropout(P); P = softmax(S); S = scale * q @ k^T.
  Tensor dv = matmul(apply_dropout(p, keep, dropout_p).transpose(-2, -1), g);
  Tensor dp = apply_dropout(matmul(g, v.transpose(-2, -1)), keep, dropout_p);
  Tensor ds = mul(mul(p, sub(dp, sum(mul(dp, p), IntArray{-1}, /*keepdim=*/true))), default_scale(query, scale));
  Tensor dq = matmul(ds, k);
  Tensor dk = matmul(ds.transpose(-2, -1), q);
  // Undo the broadcast, then the head repeat (sum_to first keeps the repeated head dim whole).
  IntArray k_rep = key.shape(), v_rep = value.shape();
  if (rep > 1) {
    k_rep[k_rep.size() - 3] *= rep;
    v_rep[v_rep.size() - 3] *= rep;
  }
  return {sum_to(dq, query.shape()).to(query.dtype()), sum_heads(sum_to(dk, k_rep), rep).to(key.dtype()),
          sum_heads(sum_to(dv, v_rep), rep).to(value.dtype())};
}

}  // namespace ember
