"""Backward rules of sorting and selection (ember/_sort.py) and of einsum, tensordot and kron
(ember/_einsum.py).

sort and topk send each value's gradient back to its original position; kthvalue, median
and nanmedian along a dim to the reported index; the full median/nanmedian splits it evenly
among the elements equal to the result (PyTorch's rule). quantile's gradient goes to the two
order statistics it interpolates (and to q, through the interpolation weight). argsort,
searchsorted, bucketize, unique and count_nonzero are not differentiable and have no rule.

einsum's gradient for an operand is an einsum of the output gradient with the other operands,
its repeated subscripts (diagonals) put back with identity masks and its subscripts summed
within that operand alone put back by expansion; tensordot and kron are written as einsums.
"""
import numbers
import operator

from ..recording import holomorphic, register
from .reduce import evenly, indices_to_save, reduced_dims, select_backward


# ---- sort, topk -----------------------------------------------------------------------------------

def _scatter_back(grad, indices, shape, dim):
    if len(shape) == 0:
        return grad
    return grad.new_zeros(list(shape)).scatter(dim % len(shape), indices, grad)


def _sort_setup(ctx, result, input, dim=-1, descending=False, stable=False):
    ctx.shape, ctx.dim = list(input.shape), operator.index(dim)
    ctx.save_for_backward(indices_to_save(result))
    return (input,)


def _topk_setup(ctx, result, input, k, dim=-1, largest=True, sorted=True):
    ctx.shape, ctx.dim = list(input.shape), operator.index(dim)
    ctx.save_for_backward(indices_to_save(result))
    return (input,)


def _sort_backward(ctx, grad, grad_indices=None):
    indices, = ctx.saved_tensors
    return _scatter_back(grad, indices, ctx.shape, ctx.dim)


register("sort", _sort_setup, _sort_backward)
register("topk", _topk_setup, _sort_backward)
# msort is sort(input, 0).values: a composite.


# ---- kthvalue, median, nanmedian ------------------------------------------------------------------

def _kthvalue_setup(ctx, result, input, k, dim=-1, keepdim=False):
    ctx.form = "dim"
    ctx.shape, ctx.dim, ctx.keepdim = list(input.shape), operator.index(dim), bool(keepdim)
    ctx.save_for_backward(indices_to_save(result))
    return (input,)


def _median_setup(ctx, result, input, dim=None, keepdim=False):
    if dim is None:
        ctx.form = "all"
        ctx.dims = reduced_dims(None, input.dim())
        ctx.save_for_backward(input, result)
        return (input,)
    return _kthvalue_setup(ctx, result, input, 1, dim, keepdim)


def _select_backward(ctx, grad, grad_indices=None):
    if ctx.form == "all":
        input, result = ctx.saved_tensors
        return evenly(grad, input, result, ctx.dims)
    indices, = ctx.saved_tensors
    return select_backward(grad, indices, ctx.shape, ctx.dim, ctx.keepdim)


register("kthvalue", _kthvalue_setup, _select_backward)
register("median", _median_setup, _select_backward)
register("nanmedian", _median_setup, _select_backward)


# ---- quantile -------------------------------------------------------------------------------------

def _quantile_setup(ctx, result, input, q, dim=None, keepdim=False, *, interpolation="linear"):
    from ..._tensor import Tensor
    ctx.shape = list(input.shape)
    ctx.dim = None if dim is None else operator.index(dim) % max(input.dim(), 1)
    ctx.keepdim = bool(keepdim)
    ctx.interpolation = interpolation
    q_tensor = isinstance(q, Tensor)
    ctx.q_value = None if q_tensor else q
    ctx.save_for_backward(input, q if q_tensor else None)
    return (input, q) if q_tensor else (input,)


def _quantile_backward(ctx, grad):
    from ... import arange, isnan, tensor
    input, q = ctx.saved_tensors
    if q is None:
        q = tensor(ctx.q_value, dtype=grad.dtype)
    shape, dim, mode = ctx.shape, ctx.dim, ctx.interpolation
    x = input.reshape(-1) if dim is None or len(shape) == 0 else input.movedim(dim, -1)
    n = x.shape[-1] if x.dim() else 1
    if x.dim() == 0:
        x = x.reshape(1)
    rows = list(x.shape[:-1])
    values, indices = x.sort(dim=-1)
    scalar_q = q.dim() == 0
    qv = q.reshape(-1).to(grad.dtype)
    nq = qv.shape[0]
    # The gradient as (Q, *rows)
    if dim is None:
        g = grad.reshape([nq])
    else:
        g = grad.reshape([nq] + rows)
    qv = qv.reshape([nq] + [1] * len(rows))
    ranks = qv.detach() * (n - 1)
    below = ranks.floor()
    above = ranks.ceil()
    if mode == "linear":
        weight = ranks - below
    elif mode == "lower":
        above, weight = below, ranks * 0
    elif mode == "higher":
        below, weight = above, ranks * 0
    elif mode == "nearest":
        below = above = ranks.round()
        weight = ranks * 0
    elif mode == "midpoint":
        weight = ranks * 0 + 0.5
    else:
        raise ValueError(f"quantile() interpolation must be one of linear, lower, higher, midpoint "
                         f"or nearest. Got {mode}")
    # A row holding NaN: the quantile is the last sorted value (a NaN).
    nan_row = isnan(values).any(dim=-1).reshape([1] + rows).to(grad.dtype)
    below = below * (1 - nan_row) + (n - 1) * nan_row
    above = above * (1 - nan_row) + (n - 1) * nan_row
    weight = weight * (1 - nan_row)
    pos = arange(n, dtype=grad.dtype)
    gq = g.unsqueeze(-1)
    onehot_below = (pos == below.unsqueeze(-1)).to(grad.dtype)
    onehot_above = (pos == above.unsqueeze(-1)).to(grad.dtype)
    w = weight.unsqueeze(-1)
    grad_sorted = (gq * (onehot_below * (1 - w) + onehot_above * w)).sum(dim=0)
    grad_input = grad_sorted.new_zeros(list(values.shape)).scatter(-1, indices, grad_sorted)
    if dim is None or len(shape) == 0:
        grad_input = grad_input.reshape(shape)
    else:
        grad_input = grad_input.movedim(-1, dim)
    grad_q = None
    if len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]:
        if mode == "linear":
            v_below = (values * onehot_below).sum(dim=-1)
            v_above = (values * onehot_above).sum(dim=-1)
            grad_q = (g * (v_above - v_below) * (n - 1) * (1 - nan_row)).reshape([nq, -1]).sum(dim=1)
        else:
            grad_q = (g * 0).reshape([nq, -1]).sum(dim=1)
        grad_q = grad_q.reshape([]) if scalar_q else grad_q
    return (grad_input, grad_q) if len(ctx.needs_input_grad) > 1 else grad_input


register("quantile", _quantile_setup, _quantile_backward)


# ---- einsum ---------------------------------------------------------------------------------------

_LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + [chr(c) for c in range(ord("a"), ord("z") + 1)]


def _sublist_letters(sublist):
    out = ""
    for s in sublist:
        if s is Ellipsis:
            out += "..."
            continue
        s = operator.index(s)
        out += _LETTERS[s]
    return out


def _einsum_arguments(equation, operands):
    """(equation string, operand list), from any of einsum's calling forms."""
    from ..._tensor import Tensor
    if isinstance(equation, Tensor):
        args = (equation,) + tuple(operands)
        pairs = args[:len(args) - len(args) % 2]
        operands = pairs[0::2]
        equation = ",".join(_sublist_letters(s) for s in pairs[1::2])
        if len(args) % 2:
            equation += "->" + _sublist_letters(args[-1])
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    return equation, list(operands)


def parse_einsum(equation, shapes):
    """Subscripts with the ellipsis written out as letters of their own: (list of per-operand
    letter lists, output letter list, {letter: size}), sizes broadcast over operands."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs, rhs = eq, None
    terms = lhs.split(",")
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in _LETTERS if c not in used]
    ell_dims = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            ell_dims = max(ell_dims, len(shape) - len(term.replace("...", "")))
    ell = spare[:ell_dims]
    subs = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            k = len(shape) - len(term.replace("...", ""))
            head, tail = term.split("...")
            subs.append(list(head) + ell[ell_dims - k:] + list(tail))
        else:
            subs.append(list(term))
    if rhs is None:
        counts = {}
        for s in subs:
            for c in s:
                if c not in ell:
                    counts[c] = counts.get(c, 0) + 1
        out = list(ell) + sorted(c for c, n in counts.items() if n == 1)
    else:
        if "..." in rhs:
            head, tail = rhs.split("...")
            out = list(head) + ell + list(tail)
        else:
            out = list(rhs)
    sizes = {}
    for s, shape in zip(subs, shapes):
        for c, size in zip(s, shape):
            if sizes.get(c, 1) == 1:
                sizes[c] = size
    return subs, out, sizes


def einsum_backward(grad, subs, out, sizes, operands, needs):
    """The gradients of einsum's operands (None where not needed), at the broadcast sizes
    (the engine sums broadcast dims back)."""
    from ... import einsum, eye
    grads = []
    for i, s in enumerate(subs):
        if not needs[i]:
            grads.append(None)
            continue
        others = [j for j in range(len(subs)) if j != i]
        available = set(out)
        for j in others:
            available.update(subs[j])
        unique = list(dict.fromkeys(s))
        keep = [c for c in unique if c in available]
        only_here = [c for c in unique if c not in available]
        eq = ",".join(["".join(out)] + ["".join(subs[j]) for j in others]) + "->" + "".join(keep)
        t = einsum(eq, grad, *[operands[j] for j in others])
        if only_here:  # summed within this operand alone: every element gets the gradient
            t = t.reshape(list(t.shape) + [1] * len(only_here)).expand(
                list(t.shape) + [sizes[c] for c in only_here])
        order = keep + only_here
        perm = [order.index(c) for c in unique]
        if perm != list(range(len(perm))):
            t = t.permute(perm)
        full = [sizes[c] for c in unique]
        if list(t.shape) != full:  # a size-1 dim of this operand broadcast by another
            t = t.expand(full)
        if len(unique) != len(s):  # repeated subscripts: the gradient lies on the diagonal
            first = {}
            for p, c in enumerate(s):
                first.setdefault(c, p)
            t = t.reshape([sizes[c] if first[c] == p else 1 for p, c in enumerate(s)])
            for c in unique:
                where_c = [p for p, d in enumerate(s) if d == c]
                for p in where_c[1:]:
                    n = sizes[c]
                    mask_shape = [1] * len(s)
                    mask_shape[where_c[0]] = n
                    mask_shape[p] = n
                    t = t * eye(n, dtype=grad.dtype).reshape(mask_shape)
        grads.append(t)
    return tuple(grads)


def _einsum_setup(ctx, result, equation, *operands):
    equation, operands = _einsum_arguments(equation, operands)
    ctx.subs, ctx.out, ctx.sizes = parse_einsum(equation, [list(t.shape) for t in operands])
    ctx.save_for_backward(*operands)
    return tuple(operands)


def _einsum_backward(ctx, grad):
    operands = ctx.saved_tensors
    return einsum_backward(grad, ctx.subs, ctx.out, ctx.sizes, operands, ctx.needs_input_grad)


register("einsum", _einsum_setup, holomorphic(_einsum_backward))


# ---- tensordot, kron ------------------------------------------------------------------------------

def _dim_list(d):
    if isinstance(d, numbers.Integral):
        return [int(d)]
    if hasattr(d, "tolist"):
        d = d.tolist()
    return [operator.index(x) for x in d]


def _tensordot_setup(ctx, result, a, b, dims=2):
    na, nb = a.dim(), b.dim()
    if hasattr(dims, "tolist"):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        da, db = list(range(na - int(dims), na)), list(range(int(dims)))
    else:
        da = [d % na for d in _dim_list(dims[0])]
        db = [d % nb for d in _dim_list(dims[1])]
    sa = _LETTERS[:na]
    sb = list(_LETTERS[na:na + nb])
    for x, y in zip(da, db):
        sb[y] = sa[x]
    ctx.subs = [list(sa), sb]
    ctx.out = [c for i, c in enumerate(sa) if i not in da] + [c for i, c in enumerate(sb) if i not in db]
    ctx.sizes = {}
    for s, shape in zip(ctx.subs, (a.shape, b.shape)):
        for c, size in zip(s, shape):
            if ctx.sizes.get(c, 1) == 1:
                ctx.sizes[c] = size
    ctx.save_for_backward(a, b)
    return a, b


register("tensordot", _tensordot_setup, holomorphic(_einsum_backward))


def _kron_setup(ctx, result, input, other):
    n = max(input.dim(), other.dim())
    ctx.shapes = (list(input.shape), list(other.shape))
    ctx.a_shape = [1] * (n - input.dim()) + list(input.shape)
    ctx.b_shape = [1] * (n - other.dim()) + list(other.shape)
    ctx.save_for_backward(input, other)
    return input, other


def _kron_backward(ctx, grad):
    a, b = ctx.saved_tensors
    sa, sb = ctx.a_shape, ctx.b_shape
    n = len(sa)
    # out[i * sb + j] = a[i] * b[j] per dim: split each output dim into (a's, b's)
    interleaved = []
    for x, y in zip(sa, sb):
        interleaved += [x, y]
    g = grad.reshape(interleaved)
    la, lb = _LETTERS[:n], _LETTERS[n:2 * n]
    gsub = "".join(x + y for x, y in zip(la, lb))
    from ... import einsum
    ga = gb = None
    if ctx.needs_input_grad[0]:
        ga = einsum(f"{gsub},{''.join(lb)}->{''.join(la)}", g, b.reshape(sb)).reshape(ctx.shapes[0])
    if ctx.needs_input_grad[1]:
        gb = einsum(f"{gsub},{''.join(la)}->{''.join(lb)}", g, a.reshape(sa)).reshape(ctx.shapes[1])
    return ga, gb


register("kron", _kron_setup, holomorphic(_kron_backward))
