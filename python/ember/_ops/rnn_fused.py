"""The fused native recurrence (ember._C.recurrent_layer / recurrent_cell, csrc/ops/rnn.cpp) and
its autograd: one graph node per layer and direction, or per cell step, instead of about a dozen
recorded ops per time step.

A layer's node takes the input projections of all steps (x W_ihᵀ + b_ih: an ordinary recorded
matrix product), h0, c0, W_hh and b_hh, and keeps the kernel's workspace (the activated gates
of every step). Its backward is native, except when the backward itself is recorded
(create_graph=True): then the recurrence is run again in ember ops from the saved inputs and
differentiated, so that higher derivatives exist.

`fusable` says when these run: float32/float64 operands of one dtype on a device with the
kernels (the CPU), no projections, no tracing. Elsewhere (CUDA, 16-bit, autocast, ONNX export)
ember/_ops/rnn.py runs the recurrence op by op.
"""
from .. import _C, _op_layer
from .._tensor import Tensor, _wrap
from ..autograd import grad_mode

_state = grad_mode._state
_LAYER_NODES = {"LSTM": "LstmLayerBackward0", "GRU": "GruLayerBackward0", "RNN_TANH": "RnnTanhLayerBackward0",
                "RNN_RELU": "RnnReluLayerBackward0"}
_CELL_NODES = {"LSTM": "LstmCellBackward0", "GRU": "GruCellBackward0", "RNN_TANH": "RnnTanhCellBackward0",
               "RNN_RELU": "RnnReluCellBackward0"}


def _impl(t):
    return None if t is None else t._impl


def fusable(*tensors):
    """Whether the fused kernels take these operands (None entries are absent operands). Never
    while tracing (ONNX export), which records ops and would not see the kernel's work."""
    if _op_layer._ACTIVE and _op_layer.mode_active(_op_layer.TRACING):
        return False
    first = None
    for t in tensors:
        if t is None:
            continue
        if not isinstance(t, Tensor):
            return False
        impl = t._impl
        if first is None:
            first = impl
            if not _C.recurrent_fused_available(impl.dtype, impl.device):
                return False
        elif impl.dtype != first.dtype or impl.device != first.device:
            return False
    return first is not None


def _records(tensors):
    if not _state.grad_enabled:
        return False
    return any(t is not None and t._node is not None for t in tensors)


def _recomputed_grads(compute, inputs, grads):
    """The gradients of compute(*inputs) for `grads`, recorded (create_graph): the recurrence
    in ember ops, differentiated by autograd, so that its gradients have gradients."""
    from ..autograd import grad as autograd_grad
    wanted = [i for i, t in enumerate(inputs) if t is not None and t.requires_grad]
    with grad_mode.enable_grad():
        outs = compute(*inputs)
    pairs = [(o, g) for o, g in zip(outs, grads) if o is not None and g is not None and o.requires_grad]
    result = [None] * len(inputs)
    if not pairs or not wanted:
        return tuple(result)
    found = autograd_grad([o for o, _ in pairs], [inputs[i] for i in wanted], [g for _, g in pairs],
                          create_graph=True, allow_unused=True)
    for i, g in zip(wanted, found):
        result[i] = g
    return tuple(result)


# ---- one layer and direction over a sequence ------------------------------------------------------

def layer(mode, x_gates, h0, c0, w_hh, b_hh, reverse):
    """(output, h_n, c_n) of one layer and direction from its input projections x_gates
    (T, B, G*H); c0 and c_n are None but for an LSTM."""
    from ..autograd.recording import record
    kept = []

    def forward(mode, x_gates, h0, c0, w_hh, b_hh, reverse):
        output, h_n, c_n, workspace = _C.recurrent_layer(mode, x_gates._impl, h0._impl, _impl(c0), w_hh._impl,
                                                         _impl(b_hh), reverse)
        kept.append(workspace)
        if c_n is None:
            return _wrap(output), _wrap(h_n)
        return _wrap(output), _wrap(h_n), _wrap(c_n)

    args = (mode, x_gates, h0, c0, w_hh, b_hh, reverse)
    if not _records((x_gates, h0, c0, w_hh, b_hh)):
        result = forward(*args)
    else:
        def setup(ctx, result, mode, x_gates, h0, c0, w_hh, b_hh, reverse):
            # The workspace is saved like the operands, so that backward frees it.
            ctx.mode, ctx.reverse = mode, reverse
            ctx.save_for_backward(x_gates, h0, c0, w_hh, b_hh, result[0], _wrap(kept[0]))
            return x_gates, h0, c0, w_hh, b_hh

        result = record("recurrent_layer", _LAYER_NODES[mode], forward, setup, _layer_backward, args, {})
    return result if len(result) == 3 else (result[0], result[1], None)


def _layer_backward(ctx, grad_output, grad_h_n, grad_c_n=None):
    x_gates, h0, c0, w_hh, b_hh, output, workspace = ctx.saved_tensors
    mode, reverse = ctx.mode, ctx.reverse
    if _state.grad_enabled:
        from .rnn import run_direction_composite

        def compute(x_gates, h0, c0, w_hh, b_hh):
            return run_direction_composite(mode, x_gates, h0, c0, w_hh, b_hh, reverse)
        return _recomputed_grads(compute, (x_gates, h0, c0, w_hh, b_hh), (grad_output, grad_h_n, grad_c_n))
    gx, gh0, gc0, gw, gb = _C.recurrent_layer_backward(
        mode, _impl(grad_output), _impl(grad_h_n), _impl(grad_c_n), h0._impl, _impl(c0), w_hh._impl, output._impl,
        workspace._impl, reverse, b_hh is not None)
    return (_wrap(gx), _wrap(gh0), None if gc0 is None else _wrap(gc0), _wrap(gw),
            None if gb is None else _wrap(gb))


# ---- one step of a cell ---------------------------------------------------------------------------

def cell(mode, x_gates, h_gates, h_prev, c_prev):
    """(h, c) of one step from the two projections x_gates = x W_ihᵀ + b_ih and h_gates =
    h_prev W_hhᵀ + b_hh; c_prev and c are None but for an LSTM."""
    from ..autograd.recording import record
    kept = []

    def forward(mode, x_gates, h_gates, h_prev, c_prev):
        h, c, workspace = _C.recurrent_cell(mode, x_gates._impl, h_gates._impl, h_prev._impl, _impl(c_prev))
        kept.append(workspace)
        return _wrap(h) if c is None else (_wrap(h), _wrap(c))

    args = (mode, x_gates, h_gates, h_prev, c_prev)
    if not _records((x_gates, h_gates, h_prev, c_prev)):
        result = forward(*args)
    else:
        def setup(ctx, result, mode, x_gates, h_gates, h_prev, c_prev):
            ctx.mode = mode
            ctx.save_for_backward(x_gates, h_gates, h_prev, c_prev, result if c_prev is None else result[0],
                                  _wrap(kept[0]))
            # h_prev enters the pointwise step only in a GRU (z h_prev); elsewhere through h_gates.
            return x_gates, h_gates, (h_prev if mode == "GRU" else None), c_prev

        result = record("recurrent_cell", _CELL_NODES[mode], forward, setup, _cell_backward, args, {})
    return (result, None) if c_prev is None else result


def _cell_backward(ctx, grad_h, grad_c=None):
    x_gates, h_gates, h_prev, c_prev, h, workspace = ctx.saved_tensors
    mode = ctx.mode
    if _state.grad_enabled:
        from .rnn import pointwise_cell

        def compute(x_gates, h_gates, h_prev, c_prev):
            return pointwise_cell(mode, x_gates, h_gates, h_prev, c_prev)
        grads = _recomputed_grads(compute, (x_gates, h_gates, h_prev, c_prev), (grad_h, grad_c))
        return grads[0], grads[1], (grads[2] if mode == "GRU" else None), grads[3]
    gx, ghg, gh_prev, gc_prev = _C.recurrent_cell_backward(mode, _impl(grad_h), _impl(grad_c), h_prev._impl,
                                                           _impl(c_prev), h._impl, workspace._impl)
    return (_wrap(gx), _wrap(ghg), None if gh_prev is None else _wrap(gh_prev),
            None if gc_prev is None else _wrap(gc_prev))
