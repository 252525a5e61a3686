"""nn.functional.multi_head_attention_forward with PyTorch's full signature: the computation of
nn.MultiheadAttention (which calls it), as a composite of linear, matmul, softmax and dropout.

Inputs are (L, N, E) or unbatched (L, E) (batch_first is the module's business). Masks: a bool
mask marks positions that may not be attended; a float mask is added to the scores.
"""
import math

import ember
from ..._tensor import Tensor
from ..._op_layer import namespace
from .linear_maps import linear
from .dropouts import dropout
from .padding import pad
from .attention import scaled_dot_product_attention

op = namespace("nn.functional")

__all__ = ["multi_head_attention_forward"]


def _as_float_mask(mask, dtype):
    """A bool mask (True: not allowed) as an additive float mask; float masks pass unchanged."""
    if mask is None:
        return None
    if mask.dtype == ember.bool:
        return ember.where(mask, float("-inf"), ember.zeros((), dtype=dtype))
    return mask.to(dtype)


def _check(query, key, value, key_padding_mask, attn_mask, num_heads):
    for name, x in (("query", query), ("key", key), ("value", value)):
        if not isinstance(x, Tensor):
            raise TypeError(f"multi_head_attention_forward(): argument '{name}' must be Tensor, not "
                            f"{type(x).__name__}")
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                                 f"but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(f"For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                     f"but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3 and attn_mask.shape[0] != num_heads:
                raise AssertionError(f"Expected `attn_mask` shape to be {(num_heads, query.shape[0], key.shape[0])} "
                                     f"but got {tuple(attn_mask.shape)}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query "
                         f"tensor")


@op
def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """(attention output (L, N, E), weights (N, L, S) averaged over heads, (N, H, L, S) when
    not averaged, or None without need_weights)."""
    batched = _check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    E, H = embed_dim, num_heads
    hd = E // H
    if hd * H != E:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {H}")
    if use_separate_proj_weight:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight, k_proj_weight or "
                                 "v_proj_weight is None")
        wq, wk, wv = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        wq, wk, wv = in_proj_weight[:E], in_proj_weight[E:2 * E], in_proj_weight[2 * E:]
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
    b = in_proj_bias
    bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    q = linear(query, wq, bq)
    k = linear(key, wk, bk)
    v = linear(value, wv, bv)
    mask = _as_float_mask(attn_mask, q.dtype)
    if mask is not None and mask.dim() == 2:
        if tuple(mask.shape) != (tgt_len, key.shape[0]):
            raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(mask.shape)}, but should be "
                               f"{(tgt_len, key.shape[0])}.")
        mask = mask.unsqueeze(0)
    elif mask is not None and tuple(mask.shape) != (bsz * H, tgt_len, key.shape[0]):
        raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(mask.shape)}, but should be "
                           f"{(bsz * H, tgt_len, key.shape[0])}.")
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key or value.")
        k = ember.cat([k, bias_k.expand(1, bsz, E)])
        v = ember.cat([v, bias_v.expand(1, bsz, E)])
        if mask is not None:
            mask = pad(mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k and bias_v must both be given or both be None")
    # (L, N, E) -> (N * H, L, hd)
    q = q.reshape(tgt_len, bsz * H, hd).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * H, hd).transpose(0, 1) if static_k is None else static_k
    v = v.reshape(v.shape[0], bsz * H, hd).transpose(0, 1) if static_v is None else static_v
    for name, s in (("static_k", static_k), ("static_v", static_v)):
        if s is not None and (s.shape[0] != bsz * H or s.shape[2] != hd):
            raise AssertionError(f"expecting {name} of shape ({bsz * H}, S, {hd}), but got {tuple(s.shape)}")
    if add_zero_attn:
        k = ember.cat([k, ember.zeros((bsz * H, 1, hd), dtype=k.dtype)], 1)
        v = ember.cat([v, ember.zeros((bsz * H, 1, hd), dtype=v.dtype)], 1)
        if mask is not None:
            mask = pad(mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        kpm = _as_float_mask(key_padding_mask, q.dtype).reshape(bsz, 1, 1, src_len)
        kpm = kpm.expand(bsz, H, 1, src_len).reshape(bsz * H, 1, src_len)
        mask = kpm if mask is None else mask + kpm
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = (q * (1.0 / math.sqrt(hd))) @ k.transpose(-2, -1)
        if mask is not None:
            scores = scores + mask
        weights = scores.softmax(-1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        out = weights @ v
    else:
        m = None if mask is None else mask.reshape(bsz, H, -1, src_len) if mask.shape[0] != 1 else mask.unsqueeze(0)
        out = scaled_dot_product_attention(q.reshape(bsz, H, tgt_len, hd), k.reshape(bsz, H, src_len, hd),
                                           v.reshape(bsz, H, src_len, hd), attn_mask=m, dropout_p=dropout_p)
        out = out.reshape(bsz * H, tgt_len, hd)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, E)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, E)
    if need_weights:
        weights = weights.reshape(bsz, H, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
    else:
        weights = None
    if not batched:
        out = out.squeeze(1)
        if weights is not None:
            weights = weights.squeeze(0)
    return out, weights
