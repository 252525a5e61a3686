"""ember.func: torch.func's composable function transforms, built on ember's tape autograd.

grad, grad_and_value, vjp, jvp, jacrev, jacfwd and hessian differentiate through
ember.autograd.grad: a transform makes its inputs require grad (or keeps the graph they already
carry, when an outer transform or the caller differentiates them), so transforms nest
(`grad(grad(f))`, `jacfwd(jacrev(f))`). jvp is the vjp differentiated with respect to its
vector (the double-vjp construction), so it needs no forward-mode autograd.

vmap runs the function once per batch entry and stacks the results: it gives torch's values
for functions without side effects, but it is a loop, not a vectorising transform (see
docs/differences.md).

Inputs and outputs may be pytrees: tensors inside tuples, lists and dicts.
"""
import functools

from .._op_layer import Mode
from .functional_call import functional_call

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap"]


def _ember():
    import ember
    return ember


# ---- pytrees ---------------------------------------------------------------------------------

def _flatten(tree):
    """(leaves, rebuild): the leaves of nested tuples, lists and dicts, and a function that puts
    a list of new leaves back in the same structure."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(t) for t in tree]
        sizes = [len(p[0]) for p in parts]
        kind = type(tree)

        def rebuild(leaves):
            out, start = [], 0
            for (_, sub), n in zip(parts, sizes):
                out.append(sub(leaves[start:start + n]))
                start += n
            return kind(out) if kind in (tuple, list) else kind(*out)
        return [leaf for p in parts for leaf in p[0]], rebuild
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, rebuild_values = _flatten([tree[k] for k in keys])
        return leaves, lambda new: type(tree)(zip(keys, rebuild_values(new)))
    return [tree], lambda leaves: leaves[0]


def _tensors_only(leaves, what, fn_name):
    E = _ember()
    for leaf in leaves:
        if not isinstance(leaf, E.Tensor):
            raise TypeError(f"{fn_name}: Expected {what} to be Tensors (or pytrees of Tensors), "
                            f"got {type(leaf).__name__}")


# ---- differentiating -------------------------------------------------------------------------

def _track(x):
    """`x` as an input to differentiate: a tensor that already carries a graph keeps it (an outer
    transform differentiates through this one), any other becomes a fresh leaf that requires grad."""
    if x.requires_grad:
        return x.view_as(x)
    return x.detach().requires_grad_(True)


def _nested(tensors):
    """Whether results must stay differentiable: some input was differentiable before the
    transform saw it (an outer transform, or the caller's own graph)."""
    return any(t.requires_grad for t in tensors)


def _release(tree, keep):
    """Results handed back: detached unless an outer level differentiates them."""
    E = _ember()
    if keep:
        return tree
    leaves, rebuild = _flatten(tree)
    return rebuild([leaf.detach() if isinstance(leaf, E.Tensor) else leaf for leaf in leaves])


def _argnums_tuple(argnums, nargs, fn_name):
    many = isinstance(argnums, (tuple, list))
    nums = tuple(argnums) if many else (argnums,)
    if many and not nums:
        raise RuntimeError(f"{fn_name}: argnums must be non-empty")
    for n in nums:
        if not isinstance(n, int):
            raise RuntimeError(f"{fn_name}: argnums must be int or Tuple[int, ...], got: {type(n).__name__}")
        if not -nargs <= n < nargs:
            raise RuntimeError(f"{fn_name}: Got argnums={n}, but only {nargs} positional inputs")
    return tuple(n % nargs for n in nums), many


def _grads(outputs, inputs, cotangents, create_graph):
    """d<outputs, cotangents>/d inputs, zeros for inputs the outputs do not depend on."""
    E = _ember()
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if not pairs:
        return [E.zeros_like(x) for x in inputs]
    found = E.autograd.grad([o for o, _ in pairs], inputs, [c for _, c in pairs], retain_graph=True,
                            create_graph=create_graph, allow_unused=True)
    return [E.zeros_like(x) if g is None else g for g, x in zip(found, inputs)]


def _split_aux(result, has_aux, fn_name):
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{fn_name}(f, ...)(*args): output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")
    return result


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient of func's scalar output with respect to the argnums
    arguments, that output) -- with (output, aux) for has_aux."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        E = _ember()
        nums, many = _argnums_tuple(argnums, len(args), "grad_and_value")
        args = list(args)
        trees = []
        with E.enable_grad():
            for n in nums:
                leaves, rebuild = _flatten(args[n])
                _tensors_only(leaves, "inputs", "grad_and_value")
                tracked = [_track(x) for x in leaves]
                trees.append((leaves, tracked, rebuild))
                args[n] = rebuild(tracked)
            keep = _nested([x for leaves, _, _ in trees for x in leaves])
            output, aux = _split_aux(func(*args, **kwargs), has_aux, "grad_and_value")
            if not isinstance(output, E.Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, "
                                   f"got {type(output).__name__}")
            if output.numel() != 1:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs "
                                   "instead?")
            inputs = [x for _, tracked, _ in trees for x in tracked]
            found = _grads([output], inputs, [E.ones_like(output)], create_graph=keep)
        grads, start = [], 0
        for leaves, tracked, rebuild in trees:
            grads.append(rebuild(found[start:start + len(tracked)]))
            start += len(tracked)
        grads = _release(tuple(grads) if many else grads[0], keep)
        value = _release(output, keep)
        if has_aux:
            return grads, (value, _release(aux, keep))
        return grads, value
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of func's scalar output with respect to the argnums
    arguments (and aux, with has_aux)."""
    both = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents) gives the vector-Jacobian products
    with respect to each primal, as a tuple."""
    E = _ember()
    leaves, rebuild = _flatten(list(primals))
    _tensors_only(leaves, "primals", "vjp")
    keep = _nested(leaves)
    with E.enable_grad():
        tracked = [_track(x) for x in leaves]
        result, aux = _split_aux(func(*rebuild(tracked)), has_aux, "vjp")
    out_leaves, _ = _flatten(result)
    _tensors_only(out_leaves, "outputs", "vjp")

    def vjp_fn(cotangents):
        cot_leaves, _ = _flatten(cotangents)
        if len(cot_leaves) != len(out_leaves):
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function: {len(cot_leaves)} cotangents for {len(out_leaves)} outputs")
        for o, c in zip(out_leaves, cot_leaves):
            if tuple(o.shape) != tuple(c.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output has a shape of {tuple(c.shape)} and output "
                                   f"has a shape of {tuple(o.shape)}")
        with E.enable_grad():
            found = _grads(out_leaves, tracked, cot_leaves, create_graph=keep or _nested(cot_leaves))
        return tuple(_release(rebuild(found), keep or _nested(cot_leaves)))

    output = _release(result, keep)
    return (output, vjp_fn, _release(aux, keep)) if has_aux else (output, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents): the Jacobian-vector product, by differentiating the vjp
    with respect to its (zero) cotangent."""
    E = _ember()
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be tuples. "
                           "E.g. it should be valid to call f(*primals).")
    p_leaves, rebuild = _flatten(list(primals))
    t_leaves, _ = _flatten(list(tangents))
    _tensors_only(p_leaves, "primals", "jvp")
    _tensors_only(t_leaves, "tangents", "jvp")
    if len(p_leaves) != len(t_leaves):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure.")
    for p, t in zip(p_leaves, t_leaves):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have the same shape, "
                               f"got {tuple(p.shape)} and {tuple(t.shape)}")
    keep = _nested(p_leaves) or _nested(t_leaves)
    with E.enable_grad():
        tracked = [_track(x) for x in p_leaves]
        result, aux = _split_aux(func(*rebuild(tracked)), has_aux, "jvp")
        out_leaves, out_rebuild = _flatten(result)
        _tensors_only(out_leaves, "outputs", "jvp")
        # the vjp is linear in its cotangent, so the cotangent's value does not matter
        cotangents = [E.zeros_like(o).requires_grad_(True) for o in out_leaves]
        grads = _grads(out_leaves, tracked, cotangents, create_graph=True)
        products = _grads(grads, cotangents, t_leaves, create_graph=keep)
    output = _release(result, keep)
    tangent_out = _release(out_rebuild(products), keep)
    return (output, tangent_out, _release(aux, keep)) if has_aux else (output, tangent_out)


def _selected(args, argnums, fn_name):
    nums, many = _argnums_tuple(argnums, len(args), fn_name)
    for n in nums:
        leaves, _ = _flatten(args[n])
        _tensors_only(leaves, "inputs", fn_name)
    return nums, many


def _with_args(args, nums, values):
    args = list(args)
    for n, v in zip(nums, values):
        args[n] = v
    return args


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of func with respect to the argnums arguments by reverse mode: one vjp per
    output element. Each result has shape output.shape + input.shape."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        E = _ember()
        nums, many = _selected(args, argnums, "jacrev")
        primals = [args[n] for n in nums]
        output, vjp_fn, *aux = vjp(lambda *p: func(*_with_args(args, nums, p), **kwargs), *primals,
                                   has_aux=has_aux)
        out_leaves, out_rebuild = _flatten(output)
        in_leaves, in_rebuild = _flatten(primals)
        per_output = []
        for k, out in enumerate(out_leaves):
            rows = [[] for _ in in_leaves]
            for j in range(out.numel()):
                basis = [E.zeros_like(o) for o in out_leaves]
                basis[k] = E.zeros(out.numel(), dtype=out.dtype).index_fill(0, E.tensor([j]), 1).reshape(out.shape)
                found, _ = _flatten(list(vjp_fn(out_rebuild(basis))))
                for i, g in enumerate(found):
                    rows[i].append(g)
            jac = [E.stack(r).reshape(*out.shape, *x.shape) if r else E.zeros(*out.shape, *x.shape, dtype=x.dtype)
                   for r, x in zip(rows, in_leaves)]
            tree = in_rebuild(jac)
            per_output.append(tuple(tree) if many else tree[0])
        result = out_rebuild(per_output)
        return (result, aux[0]) if has_aux else result
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of func with respect to the argnums arguments by forward products: one jvp
    per input element. Each result has shape output.shape + input.shape."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        E = _ember()
        nums, many = _selected(args, argnums, "jacfwd")
        primals = [args[n] for n in nums]
        in_leaves, in_rebuild = _flatten(primals)
        call = lambda *p: func(*_with_args(args, nums, p), **kwargs)
        columns, output, aux = [], None, None
        for i, x in enumerate(in_leaves):
            cols = []
            for j in range(x.numel()):
                tangents = [E.zeros_like(t) for t in in_leaves]
                tangents[i] = E.zeros(x.numel(), dtype=x.dtype).index_fill(0, E.tensor([j]), 1).reshape(x.shape)
                got = jvp(call, tuple(primals), tuple(in_rebuild(tangents)), has_aux=has_aux)
                output, aux = got[0], (got[2] if has_aux else None)
                cols.append(_flatten(got[1])[0])
            columns.append(cols)
        if output is None:  # every input is empty: the output still fixes the shapes
            got = call(*primals)
            output, aux = _split_aux(got, has_aux, "jacfwd")
        out_leaves, out_rebuild = _flatten(output)
        per_output = []
        for k, out in enumerate(out_leaves):
            jac = []
            for cols, x in zip(columns, in_leaves):
                if cols:
                    stacked = E.stack([c[k] for c in cols], dim=-1)
                    jac.append(stacked.reshape(*out.shape, *x.shape))
                else:
                    jac.append(E.zeros(*out.shape, *x.shape, dtype=out.dtype))
            tree = in_rebuild(jac)
            per_output.append(tuple(tree) if many else tree[0])
        result = out_rebuild(per_output)
        return (result, aux) if has_aux else result
    return wrapper


def hessian(func, argnums=0):
    """The Hessian of func's scalar output: jacfwd of jacrev."""
    return jacfwd(jacrev(func, argnums), argnums)


# ---- vmap -------------------------------------------------------------------------------------

_RANDOM_OPS = {"rand", "rand_like", "randn", "randn_like", "randint", "randint_like", "randperm", "normal",
               "bernoulli", "multinomial", "poisson", "Tensor.normal_", "Tensor.uniform_", "Tensor.exponential_",
               "Tensor.random_", "Tensor.bernoulli_", "Tensor.bernoulli", "Tensor.multinomial",
               "Tensor.cauchy_", "Tensor.log_normal_", "Tensor.geometric_"}
_DROPOUT_OPS = {"dropout", "nn.functional.dropout", "nn.functional.dropout1d", "nn.functional.dropout2d",
                "nn.functional.dropout3d", "nn.functional.alpha_dropout", "nn.functional.feature_alpha_dropout"}


class _NoRandomness(Mode):
    """randomness='error': a random op inside the mapped function is refused, as torch does."""

    priority = 5

    def __call__(self, op, args, kwargs, proceed):
        random = op.name in _RANDOM_OPS
        if op.name in _DROPOUT_OPS:
            training = kwargs.get("training", kwargs.get("train", args[2] if len(args) > 2 else True))
            p = kwargs.get("p", args[1] if len(args) > 1 else 0.5)
            random = bool(training) and p > 0
        if random:
            raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use "
                               "the 'same' or 'different' randomness flags on vmap or perform the randomness "
                               "operation out of vmap")
        return proceed(*args, **kwargs)


def _dims_per_leaf(in_dims, args):
    """The mapped dim of every leaf of args (None: not mapped), in_dims broadcast over pytrees."""
    if isinstance(in_dims, int) or in_dims is None:
        leaves, _ = _flatten(list(args))
        return [in_dims] * len(leaves)
    if not isinstance(in_dims, (tuple, list)) or len(in_dims) != len(args):
        raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the structure "
                         f"of `inputs`. in_dims has structure {in_dims} but inputs has {len(args)} arguments.")
    out = []
    for dims, arg in zip(in_dims, args):
        leaves, _ = _flatten(arg)
        if isinstance(dims, int) or dims is None:
            out.extend([dims] * len(leaves))
        else:
            dim_leaves, _ = _flatten(dims)
            if len(dim_leaves) != len(leaves):
                raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                                 "structure of `inputs`.")
            out.extend(dim_leaves)
    return out


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """func mapped over a dim of its inputs: called once per index of the mapped dims (in_dims:
    an int, None for unmapped, or one entry per argument), the results stacked along out_dims.
    randomness: 'error' refuses random ops, 'different' draws new numbers for each entry,
    'same' replays one random state for every entry."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        E = _ember()
        leaves, rebuild = _flatten(list(args))
        dims = _dims_per_leaf(in_dims, args)
        sizes = []
        for leaf, dim in zip(leaves, dims):
            if dim is None:
                continue
            if not isinstance(leaf, E.Tensor):
                raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for an input but the "
                                 f"input is of type {type(leaf)}. We cannot vmap over non-Tensor arguments, please use "
                                 "None as the respective in_dim")
            if not -leaf.dim() <= dim < max(leaf.dim(), 1) or leaf.dim() == 0:
                raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for some input, but "
                                 f"that input is a Tensor of dimensionality {leaf.dim()} so expected in_dim to satisfy "
                                 f"-{leaf.dim()} <= in_dim < {leaf.dim()}.")
            sizes.append(leaf.shape[dim])
        if not sizes:
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): at least one input must be mapped (in_dims "
                             "all None)")
        if len(set(sizes)) != 1:
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): Expected all tensors to have the same size "
                             f"in the mapped dimension, got sizes {sizes} for the mapped dimension")
        batch = sizes[0]
        if batch == 0:
            raise ValueError("vmap: the mapped dimension has size 0; ember's vmap runs the function once per entry "
                             "and cannot infer the shape of an empty result")
        state = E.get_rng_state() if randomness == "same" else None
        results = []
        for b in range(batch):
            if state is not None:
                E.set_rng_state(state)
            entry = [leaf.select(d, b) if d is not None else leaf for leaf, d in zip(leaves, dims)]
            if randomness == "error":
                with _NoRandomness():
                    results.append(func(*rebuild(entry), **kwargs))
            else:
                results.append(func(*rebuild(entry), **kwargs))
        first, out_rebuild = _flatten(results[0])
        per_entry = [_flatten(r)[0] for r in results]
        if isinstance(out_dims, int):
            odims = [out_dims] * len(first)
        else:
            odims, _ = _flatten(out_dims)
            if len(odims) != len(first):
                raise ValueError(f"vmap(f, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
                                 "structure of `outputs`.")
        stacked = []
        for k, od in enumerate(odims):
            column = [entry[k] for entry in per_entry]
            if not isinstance(column[0], E.Tensor):
                if isinstance(column[0], (int, float, bool)):
                    column = [E.tensor(c) for c in column]
                else:
                    raise ValueError(f"vmap(f, ...): `f` must only return Tensors, got type {type(column[0])}")
            stacked.append(E.stack(column, dim=od if od is not None else 0) if od is not None else column[0])
        return out_rebuild(stacked)
    return wrapper
