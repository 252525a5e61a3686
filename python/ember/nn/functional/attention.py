"""scaled_dot_product_attention with PyTorch's signature (ember.nn.functional), and the private
forward-with-probabilities and backward wrappers the autograd layer calls, with those of the
fused path (a device with fused attention kernels: the forward keeps a per-row logsumexp, the
backward recomputes the probabilities from it)."""
import threading

from ... import _C
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["scaled_dot_product_attention"]


def _t(x, name, optional=False):
    if x is None and optional:
        return None
    if not isinstance(x, Tensor):
        raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x._impl


def _gen(generator):
    return None if generator is None else generator._impl


# The logsumexp of the last fused forward whose operands require grad, for the autograd rule
# (autograd/rules/nn.py) to save: (output impl, logsumexp impl), per thread.
_fused_pending = threading.local()


def take_fused_logsumexp(result):
    """The logsumexp the fused forward kept for `result` (None when it did not compute it), once."""
    pending = getattr(_fused_pending, "value", None)
    _fused_pending.value = None
    if pending is None or pending[0] is not result._impl:
        return None
    return _wrap(pending[1])


def _keeps_logsumexp(query, key, value, attn_mask, dropout_p):
    """Whether backward will want this forward's logsumexp: an operand requires grad, and the
    fused backward can compute its gradients (a float mask requiring grad needs the composite)."""
    if dropout_p != 0 or (attn_mask is not None and attn_mask._node is not None):
        return False
    return query._node is not None or key._node is not None or value._node is not None


@op
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False, *, generator=None):
    """softmax(query @ key^T * scale + mask) @ value, with dropout on the weights when
    dropout_p > 0. A bool mask keeps positions where it is True; a float mask is added.
    is_causal keeps key j for query i when j <= i. Batch dims broadcast."""
    q, k, v, m = _t(query, "query"), _t(key, "key"), _t(value, "value"), _t(attn_mask, "attn_mask", True)
    scale = None if scale is None else float(scale)
    if _keeps_logsumexp(query, key, value, attn_mask, dropout_p) and _C.scaled_dot_product_attention_fused_available(
            q, k, v, m, 0.0, bool(enable_gqa)):
        out, lse = _C.scaled_dot_product_attention_fused_forward(q, k, v, m, bool(is_causal), scale, bool(enable_gqa))
        _fused_pending.value = (out, lse)
        return _wrap(out)
    return _wrap(_C.scaled_dot_product_attention(q, k, v, m, float(dropout_p), bool(is_causal), scale,
                                                 bool(enable_gqa), _gen(generator)))


def scaled_dot_product_attention_forward(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                         scale=None, enable_gqa=False, dropout_mask=None, generator=None):
    """(output, attn, keep): the attention probabilities before dropout and the dropout keep-mask
    (None without dropout). A given dropout_mask (1 keeps, 0 drops) replaces the random one."""
    out, attn, keep = _C.scaled_dot_product_attention_forward(
        _t(query, "query"), _t(key, "key"), _t(value, "value"), _t(attn_mask, "attn_mask", True), float(dropout_p),
        bool(is_causal), None if scale is None else float(scale), bool(enable_gqa),
        _t(dropout_mask, "dropout_mask", True), _gen(generator))
    return _wrap(out), _wrap(attn), None if keep is None else _wrap(keep)


def scaled_dot_product_attention_backward(grad_output, query, key, value, attn, dropout_mask=None, dropout_p=0.0,
                                          scale=None, enable_gqa=False):
    """(grad_query, grad_key, grad_value) from the forward's saved probabilities and keep-mask."""
    r = _C.scaled_dot_product_attention_backward(
        _t(grad_output, "grad_output"), _t(query, "query"), _t(key, "key"), _t(value, "value"), _t(attn, "attn"),
        _t(dropout_mask, "dropout_mask", True), float(dropout_p), None if scale is None else float(scale),
        bool(enable_gqa))
    return tuple(_wrap(x) for x in r)


def scaled_dot_product_attention_fused_available(query, key, value, attn_mask=None, dropout_p=0.0, enable_gqa=False):
    """Whether the fused kernels compute this call (the plain op takes them then)."""
    return bool(_C.scaled_dot_product_attention_fused_available(
        _t(query, "query"), _t(key, "key"), _t(value, "value"), _t(attn_mask, "attn_mask", True), float(dropout_p),
        bool(enable_gqa)))


def scaled_dot_product_attention_fused_forward(query, key, value, attn_mask=None, is_causal=False, scale=None,
                                               enable_gqa=False):
    """(output, logsumexp): the fused forward, with the logsumexp (..., L) of each query's scaled,
    masked scores (float32; float64 for float64 operands)."""
    out, lse = _C.scaled_dot_product_attention_fused_forward(
        _t(query, "query"), _t(key, "key"), _t(value, "value"), _t(attn_mask, "attn_mask", True), bool(is_causal),
        None if scale is None else float(scale), bool(enable_gqa))
    return _wrap(out), _wrap(lse)


def scaled_dot_product_attention_fused_backward(grad_output, query, key, value, output, logsumexp, attn_mask=None,
                                                is_causal=False, scale=None, enable_gqa=False):
    """(grad_query, grad_key, grad_value) from the fused forward's output and logsumexp."""
    r = _C.scaled_dot_product_attention_fused_backward(
        _t(grad_output, "grad_output"), _t(query, "query"), _t(key, "key"), _t(value, "value"),
        _t(output, "output"), _t(logsumexp, "logsumexp"), _t(attn_mask, "attn_mask", True), bool(is_causal),
        None if scale is None else float(scale), bool(enable_gqa))
    return tuple(_wrap(x) for x in r)
