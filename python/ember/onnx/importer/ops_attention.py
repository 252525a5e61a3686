"""Attention (opset 23+): scaled dot-product attention with masks, a causal frontier, a KV
cache, grouped-query heads, soft-capping and sliding windows; RotaryEmbedding."""
import math

import ember

from ..registry import imports
from .dtypes import to_ember_dtype


def _heads(x, num_heads):
    """[B, S, H*D] -> [B, H, S, D]."""
    b, s, hidden = x.shape
    return x.reshape(b, s, num_heads, hidden // num_heads).permute(0, 2, 1, 3)


def _additive(mask, dtype):
    """A boolean mask (True: attend) as an additive bias of 0 and -inf; float masks as they are."""
    if mask.dtype == ember.bool:
        return ember.where(mask, ember.zeros((), dtype=dtype), ember.full((), float("-inf"), dtype=dtype))
    return mask


def _frontier(q_len, kv_len, offset, allowed_fn, dtype):
    """The additive bias allowing key j for query i where allowed_fn(i + offset - j) holds;
    `offset` is an int or a per-batch [B] tensor (giving a [B, 1, q, kv] bias)."""
    i = ember.arange(q_len).reshape(q_len, 1)
    j = ember.arange(kv_len).reshape(1, kv_len)
    if isinstance(offset, ember.Tensor):
        diff = i + offset.to(ember.int64).reshape(-1, 1, 1, 1) - j
    else:
        diff = i + offset - j
    allowed = allowed_fn(diff)
    return ember.where(allowed, ember.zeros((), dtype=dtype), ember.full((), float("-inf"), dtype=dtype))


@imports("Attention")
def attention(node, q, k, v, attn_mask=None, past_key=None, past_value=None, nonpad_kv_seqlen=None):
    three_d = q.ndim == 3
    if three_d:
        q = _heads(q, node.attr("q_num_heads"))
        k = _heads(k, node.attr("kv_num_heads"))
        v = _heads(v, node.attr("kv_num_heads"))
    dtype = q.dtype
    scale = node.attr("scale")
    if scale is None:
        scale = 1 / math.sqrt(q.shape[3])
    root = math.sqrt(scale)  # applied to Q and K each, which keeps 16-bit products in range

    if past_key is not None:
        k = ember.cat([past_key, k], dim=2)
    if past_value is not None:
        v = ember.cat([past_value, v], dim=2)
    present_key, present_value = k, v
    q_len, kv_len = q.shape[2], k.shape[2]

    if attn_mask is not None and attn_mask.shape[-1] < kv_len:  # a short mask: pad it as masked
        extra = kv_len - attn_mask.shape[-1]
        fill = ember.zeros(*attn_mask.shape[:-1], extra, dtype=ember.bool) if attn_mask.dtype == ember.bool \
            else ember.full((*attn_mask.shape[:-1], extra), float("-inf"), dtype=attn_mask.dtype)
        attn_mask = ember.cat([attn_mask, fill], dim=-1)

    # The causal frontier and windows sit bottom-right: after the cache (internal), or at the
    # end of each batch's real keys (external cache, nonpad_kv_seqlen).
    if past_key is None and nonpad_kv_seqlen is not None:
        offset = nonpad_kv_seqlen.reshape(-1) - q_len
    else:
        offset = past_key.shape[2] if past_key is not None else 0
    bias = ember.zeros(q_len, kv_len, dtype=dtype)
    if attn_mask is not None:
        bias = bias + _additive(attn_mask, dtype)
    if node.attr("is_causal", 0):
        bias = bias + _frontier(q_len, kv_len, offset, lambda d: d >= 0, dtype)
    left, right = node.attr("left_window_size", -1), node.attr("right_window_size", -1)
    if left >= 0 or right >= 0:
        def inside(d):
            ok = ember.ones_like(d, dtype=ember.bool)
            if left >= 0:
                ok = ok & (d <= left)
            if right >= 0:
                ok = ok & (-d <= right)
            return ok
        bias = bias + _frontier(q_len, kv_len, offset, inside, dtype)
    if nonpad_kv_seqlen is not None:
        real = ember.arange(kv_len).reshape(1, -1) < nonpad_kv_seqlen.to(ember.int64).reshape(-1, 1)
        bias = bias + _additive(real.reshape(-1, 1, 1, kv_len), dtype)

    q_heads, kv_heads = q.shape[1], k.shape[1]
    if q_heads != kv_heads and q_heads % kv_heads == 0:  # grouped-query: each KV head serves several
        k = k.repeat_interleave(q_heads // kv_heads, dim=1)
        v = v.repeat_interleave(q_heads // kv_heads, dim=1)

    scores = ember.matmul(q * root, (k * root).transpose(-1, -2))
    softcap = node.attr("softcap", 0.0)
    if softcap and softcap > 0:
        scores = ember.tanh(scores / softcap) * softcap
    with_bias = scores + bias
    mode = node.attr("qk_matmul_output_mode", 0)
    qk_output = with_bias if mode == 2 else scores

    logits = with_bias
    precision = node.attr("softmax_precision")
    if precision is not None:
        logits = logits.to(to_ember_dtype(precision, f"{node.describe()}'s softmax_precision"))
    probs = ember.softmax(logits, -1)
    # A query whose every key is masked attends to nothing: zeros, not softmax's NaN.
    masked_row = ember.amax(bias, dim=-1, keepdim=True) == float("-inf")
    probs = ember.where(masked_row, ember.zeros((), dtype=probs.dtype), probs)
    if mode == 3:
        qk_output = probs
    y = ember.matmul(probs.to(dtype), v)
    if three_d:
        y = y.permute(0, 2, 1, 3)
        y = y.reshape(y.shape[0], y.shape[1], -1)
    return y, present_key, present_value, qk_output.to(dtype)


@imports("RotaryEmbedding")
def rotary_embedding(node, x, cos_cache, sin_cache, position_ids=None):
    """Rotates pairs of each head's first `rotary_embedding_dim` features by position angles:
    halves (x1, x2) by default, interleaved pairs (x0, x1), (x2, x3)... with interleaved=1."""
    three_d = x.ndim == 3
    if three_d:  # [B, S, H*D] -> [B, S, H, D]
        heads = node.attr("num_heads")
        x4 = x.reshape(x.shape[0], x.shape[1], heads, -1)
    else:  # [B, H, S, D] -> [B, S, H, D]
        x4 = x.permute(0, 2, 1, 3)
    if position_ids is not None:
        cos_cache, sin_cache = cos_cache[position_ids], sin_cache[position_ids]  # [B, S, D/2]
    width = node.attr("rotary_embedding_dim", 0) or x4.shape[-1]
    rotated, rest = x4[..., :width], x4[..., width:]
    half = width // 2
    cos = cos_cache[..., :half].unsqueeze(-2)  # [B, S, 1, half]
    sin = sin_cache[..., :half].unsqueeze(-2)
    if node.attr("interleaved", 0):
        x1, x2 = rotated[..., 0::2], rotated[..., 1::2]
        y = ember.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1).reshape(rotated.shape)
    else:
        x1, x2 = rotated[..., :half], rotated[..., half:]
        y = ember.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)
    y = ember.cat([y, rest], dim=-1) if rest.shape[-1] else y
    if three_d:
        return y.reshape(x.shape)
    return y.permute(0, 2, 1, 3)


@imports("LinearAttention")
def linear_attention(node, query, key, value, past_state=None, decay=None, beta=None):
    """A recurrent key-value state S [B, H_kv, d_k, d_v], stepped over time in float32:
    decayed by exp(decay) ('gated' rules), written with k (x) v, or with the delta rule's
    beta * (v - S^T k) ('delta' rules); each query reads q . S, its KV head shared by
    q_num_heads / kv_num_heads query heads. Returns (output [B, T, H_q * d_v], final state)."""
    rule = node.attr("update_rule", "gated_delta")
    q_heads, kv_heads = node.attr("q_num_heads"), node.attr("kv_num_heads")
    gated, delta = rule in ("gated", "gated_delta"), rule in ("delta", "gated_delta")
    b, steps, _ = query.shape
    d_k = query.shape[-1] // q_heads
    q = _heads(query, q_heads).to(ember.float32)
    k = _heads(key, kv_heads).to(ember.float32)
    v = _heads(value, kv_heads).to(ember.float32)
    d_v = v.shape[-1]
    if gated:
        per_key = decay.shape[-1] == kv_heads * d_k
        g = _heads(decay, kv_heads) if per_key else decay.reshape(b, steps, kv_heads, 1).permute(0, 2, 1, 3)
        g = g.to(ember.float32)
    if delta:
        width = beta.shape[-1]
        strength = beta.reshape(b, steps, width, 1).permute(0, 2, 1, 3).to(ember.float32)
    if past_state is not None:
        state, state_dtype = past_state.to(ember.float32), past_state.dtype
    else:
        state, state_dtype = ember.zeros(b, kv_heads, d_k, d_v), query.dtype
    scale = node.attr("scale") or 1.0 / math.sqrt(d_k)
    group = q_heads // kv_heads
    outputs = []
    for t in range(steps):
        k_t, v_t = k[:, :, t], v[:, :, t]
        if gated:
            state = state * ember.exp(g[:, :, t]).unsqueeze(-1)
        if delta:
            retrieved = ember.matmul(k_t.unsqueeze(-2), state).squeeze(-2)  # S^T k: [B, H, d_v]
            v_t = strength[:, :, t] * (v_t - retrieved)
        state = state + k_t.unsqueeze(-1) * v_t.unsqueeze(-2)
        read = state.repeat_interleave(group, dim=1) if group > 1 else state
        outputs.append(scale * ember.matmul(q[:, :, t].unsqueeze(-2), read).squeeze(-2))
    y = ember.stack(outputs, 2)  # [B, H_q, T, d_v]
    y = y.permute(0, 2, 1, 3).reshape(b, steps, q_heads * d_v).to(query.dtype)
    return y, state.to(state_dtype)


@imports("FlexAttention", domain="ai.onnx.preview")
def flex_attention(node, q, k, v):
    """Attention whose scores and probabilities pass through the node's score_mod / prob_mod
    subgraphs (each one tensor in, one out); 16-bit inputs are softmaxed in float32."""
    if q.shape[1] != k.shape[1]:  # grouped-query heads
        k = k.repeat_interleave(q.shape[1] // k.shape[1], dim=1)
        v = v.repeat_interleave(q.shape[1] // v.shape[1], dim=1)
    scale = node.attr("scale")
    root = math.sqrt(1.0 / math.sqrt(q.shape[-1]) if scale is None else scale)
    scores = ember.matmul(q * root, (k * root).transpose(-1, -2))
    precision = node.attr("softmax_precision")
    if precision is not None:
        work = to_ember_dtype(precision, f"{node.describe()}'s softmax_precision")
    else:
        work = ember.float32 if q.dtype in (ember.float16, ember.bfloat16) else q.dtype
    scores = scores.to(work)
    if node.has_attr("score_mod"):
        scores = node.attr("score_mod")(scores)[0].to(work)
    probs = ember.softmax(scores, -1)
    if node.has_attr("prob_mod"):
        probs = node.attr("prob_mod")(probs)[0].to(work)
    return ember.matmul(probs, v.to(work)).to(v.dtype)
