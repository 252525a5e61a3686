"""Every public op is accounted for by autograd.

Each public function of ember, ember.nn.functional and ember.linalg, and each public Tensor
method (operators included), is one of:

- recorded by a backward rule (an op of the op layer whose name, or whose out-of-place form's,
  has a rule); every primitive (an op that calls the native module) that is differentiable
  must be;
- a composite: written in other ember ops only, so it is differentiable when they are
  (COMPOSITES; their gradients are checked by test_autograd_op_db.py and the family tests);
- not differentiable, for a reason given per group (NOT_DIFFERENTIABLE).

A new op in none of the lists fails here. In-place forms (`op_`) follow their out-of-place
op: grad recording records them through it.
"""
import inspect

import pytest

import ember
import ember.linalg
from ember._op_layer import op_of
from ember.autograd.recording import RULES
import ember.nn.functional
from conftest import backend_is_torch
import surface_names

NOT_DIFFERENTIABLE = {
    "comparisons and predicates: boolean results": {
        "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
        "isclose", "allclose", "equal", "isfinite", "isinf", "isnan", "signbit", "logical_and", "logical_or",
        "logical_xor", "logical_not", "all", "any", "is_floating_point", "is_contiguous",
        "is_tensor", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
    },
    "integer and index results": {
        "argmax", "argmin", "argsort", "argwhere", "nonzero", "count_nonzero", "bincount", "searchsorted",
        "bucketize", "unique", "unique_consecutive", "matrix_rank", "one_hot",
    },
    "histc: counts, piecewise constant in the input (PyTorch does not differentiate it)": {"histc"},
    "bitwise and shift operators: integer and bool operands only": {
        "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
        "__and__", "__or__", "__xor__", "__invert__", "__lshift__", "__rshift__", "__rand__", "__ror__",
        "__rxor__", "__rlshift__", "__rrshift__", "__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__",
    },
    "conversions to integer or bool dtypes": {"int", "long", "short", "char", "byte", "bool"},
    "creation: new tensors from shapes, values or data, no tensor input to differentiate": {
        "arange", "as_tensor", "empty", "empty_like", "empty_strided", "eye", "from_numpy", "full", "full_like",
        "linspace", "ones", "ones_like", "scalar_tensor", "tensor", "zeros", "zeros_like", "from_dlpack",
        "new_empty", "new_full", "new_ones", "new_zeros", "new_tensor",
    },
    "random sampling and in-place random fills: samples, not functions of the input values": {
        "rand", "rand_like", "randn", "randn_like", "randint", "randint_like", "randperm", "normal", "bernoulli",
        "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
        "normal_", "uniform_", "exponential_", "random_", "bernoulli_",
    },
    "dtype, threading and mode queries and settings: no tensor result": {
        "promote_types", "can_cast", "result_type", "numel", "get_num_threads", "set_num_threads",
        "is_grad_enabled",
        "is_inference_mode_enabled", "broadcast_shapes",
    },
    "Tensor metadata, Python protocol and conversions to Python or NumPy values": {
        "size", "dim", "ndimension", "nelement", "element_size", "stride", "storage_offset", "data_ptr", "item",
        "tolist", "numpy", "__array__", "__dlpack__", "__dlpack_device__", "__bool__", "__float__", "__int__",
        "__index__", "__len__", "__hash__", "__repr__",
    },
    "serialization: files, not tensors": {"save", "load"},
    "record_stream: an allocator hint, no tensor result": {"record_stream"},
    "shared memory: moves a tensor's storage in place, or asks where it is": {"share_memory_", "is_shared",
                                                                             "untyped_storage"},
    "embedding_renorm_: an in-place rescaling torch runs under no_grad": {"embedding_renorm_"},
    "windows and spaced sequences: new tensors from sizes, no tensor input": {
        "hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window", "logspace", "range",
        "tril_indices", "triu_indices"},
    "isin and unravel_index: bool and index results": {"isin", "unravel_index"},
    "detach_copy: a detached copy": {"detach_copy"},
    "autocast's per-thread state (ember.amp.autocast_mode): no tensor result": {
        "autocast_decrement_nesting", "autocast_increment_nesting", "clear_autocast_cache", "get_autocast_cpu_dtype",
        "get_autocast_dtype", "get_autocast_gpu_dtype", "is_autocast_cache_enabled", "is_autocast_cpu_enabled",
        "is_autocast_enabled", "set_autocast_cache_enabled", "set_autocast_cpu_dtype", "set_autocast_cpu_enabled",
        "set_autocast_dtype", "set_autocast_enabled", "set_autocast_gpu_dtype",
    },
    "the autograd API itself: detaching and graph bookkeeping": {
        "detach", "detach_", "requires_grad_", "backward", "register_hook", "register_post_accumulate_grad_hook", "retain_grad",
    },
    # the rest of torch's surface (ember/_ops/random.py multinomial, ember/_ops/extra.py, ...)
    "sampled category indices": {"multinomial"},
    "settings, queries and predicates: no tensor result": surface_names.FUNCTIONS | (surface_names.TENSOR_METHODS - {"__new__"}),
    "creation, integer and boolean results of torch's surface": surface_names.NOT_DIFFERENTIABLE,
}

# Written in other ember ops (no call into the native module of their own). Keys: `name` for
# ember.name, `nn.functional.name`, `linalg.name`, `Tensor.name`.
COMPOSITES = {
    # max pools: the values (and indices) of the recorded private (values, indices) primitives
    "max_pool1d", "max_pool2d", "nn.functional.max_pool1d", "nn.functional.max_pool2d",
    "nn.functional.adaptive_max_pool1d", "nn.functional.adaptive_max_pool2d",
    # joining, views and reshaping through Tensor methods, cat and reshape
    "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "concat", "concatenate", "dstack", "hstack",
    "row_stack", "vstack", "as_strided", "clone", "contiguous", "diagonal", "flatten", "moveaxis", "movedim",
    "narrow", "permute", "reshape", "select", "squeeze", "swapaxes", "swapdims", "t", "transpose", "unflatten",
    "unsqueeze", "linalg.diagonal", "Tensor.moveaxis", "Tensor.movedim", "Tensor.split", "Tensor.tile",
    "Tensor.flip", "Tensor.__pos__", "fliplr", "flipud", "rot90", "Tensor.fliplr", "Tensor.flipud", "Tensor.rot90",
    # arithmetic and reductions
    "addcmul", "clamp_max", "clamp_min", "true_divide", "nan_to_num", "std_mean", "var_mean", "corrcoef",
    "cummax", "cummin", "msort", "Tensor.round", "Tensor.msort", "Tensor.cummax", "Tensor.cummin",
    "Tensor.corrcoef", "Tensor.nan_to_num", "Tensor.clamp_max", "Tensor.clamp_min", "Tensor.addcmul",
    "cov", "diff", "trapezoid", "Tensor.cov", "Tensor.diff",
    # dtype and device moves through Tensor.to
    "Tensor.float", "Tensor.double", "Tensor.half", "Tensor.bfloat16", "Tensor.type", "Tensor.cpu", "Tensor.cuda",
    "Tensor.cfloat", "Tensor.cdouble",
    # linear algebra in terms of the linalg functions
    "cholesky", "cholesky_solve", "cross", "logdet", "pinverse", "qr", "svd", "linalg.matmul", "linalg.pinv",
    "linalg.vecdot", "linalg.matrix_norm", "linalg.norm", "linalg.multi_dot", "Tensor.cholesky", "Tensor.cholesky_solve", "Tensor.cross", "Tensor.logdet",
    "Tensor.pinverse", "Tensor.qr", "Tensor.svd", "Tensor.matmul", "Tensor.mm", "Tensor.bmm", "Tensor.mv",
    "Tensor.dot", "Tensor.vdot", "Tensor.outer", "Tensor.ger", "Tensor.addmm", "Tensor.addmv", "Tensor.addbmm",
    "Tensor.baddbmm",
    # neural-network functions in terms of other ops
    "batch_norm", "layer_norm", "group_norm", "embedding", "nn.functional.bilinear", "nn.functional.channel_shuffle",
    "nn.functional.cosine_embedding_loss", "nn.functional.cosine_similarity", "nn.functional.fold",
    "nn.functional.gaussian_nll_loss", "nn.functional.glu", "nn.functional.hardshrink",
    "nn.functional.hinge_embedding_loss", "nn.functional.instance_norm", "nn.functional.local_response_norm",
    "nn.functional.margin_ranking_loss", "nn.functional.multi_margin_loss",
    "nn.functional.multilabel_soft_margin_loss", "nn.functional.normalize", "nn.functional.pairwise_distance",
    "nn.functional.pixel_shuffle", "nn.functional.pixel_unshuffle", "nn.functional.poisson_nll_loss",
    "nn.functional.prelu", "nn.functional.rms_norm", "nn.functional.soft_margin_loss", "nn.functional.softmin",
    "nn.functional.softshrink", "nn.functional.triplet_margin_loss", "nn.functional.unfold",
    "nn.functional.upsample", "nn.functional.upsample_bilinear", "nn.functional.upsample_nearest",
    # in-place activations through the in-place Tensor methods
    "nn.functional.celu_", "nn.functional.elu_", "nn.functional.hardtanh_", "nn.functional.leaky_relu_",
    "nn.functional.relu_", "nn.functional.selu_", "nn.functional.threshold_",
    # dropout: the input times a random mask (the mask is not differentiated)
    # the recurrent ops: the recurrence in ember ops (ember/_ops/rnn.py)
    "lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell",
    "dropout", "nn.functional.dropout", "nn.functional.alpha_dropout", "nn.functional.dropout1d",
    "nn.functional.dropout2d",
    # 3-D pools, sampling (nn/functional/pooling3d.py, unpooling.py, lp_pool.py, fractional_pool.py,
    # sampling.py, dropouts.py): the 2-D / 1-D kernels, gathers, scatters and elementwise ops
    "nn.functional.max_pool3d",
    "nn.functional.avg_pool3d", "nn.functional.adaptive_avg_pool3d", "nn.functional.adaptive_max_pool3d",
    "nn.functional.max_pool1d_with_indices", "nn.functional.max_pool2d_with_indices",
    "nn.functional.max_pool3d_with_indices", "nn.functional.adaptive_max_pool1d_with_indices",
    "nn.functional.adaptive_max_pool2d_with_indices", "nn.functional.adaptive_max_pool3d_with_indices",
    "nn.functional.max_unpool1d", "nn.functional.max_unpool2d", "nn.functional.max_unpool3d",
    "nn.functional.lp_pool1d", "nn.functional.lp_pool2d", "nn.functional.lp_pool3d",
    "nn.functional.fractional_max_pool2d", "nn.functional.fractional_max_pool3d",
    "nn.functional.fractional_max_pool2d_with_indices", "nn.functional.fractional_max_pool3d_with_indices",
    "nn.functional.grid_sample", "nn.functional.affine_grid", "nn.functional.native_channel_shuffle",
    "nn.functional.dropout3d", "nn.functional.feature_alpha_dropout",
    # the nnrest composites (nn/functional/embedding_bag.py, ctc.py, random_activations.py,
    # distance_losses.py, multi_head_attention.py); ctc_loss's gradient is its autograd.Function's
    "nn.functional.embedding_bag", "nn.functional.ctc_loss", "nn.functional.gumbel_softmax", "nn.functional.rrelu",
    "nn.functional.rrelu_", "nn.functional.pdist", "nn.functional.multilabel_margin_loss",
    "nn.functional.triplet_margin_with_distance_loss", "nn.functional.conv_tbc",
    "nn.functional.multi_head_attention_forward", "nn.functional.linear_cross_entropy",
    # sparse COO tensors: over their values, with ember ops and ember.sparse's recorded kernels
    # (test_sparse.py, test_sparse_mm.py check their gradients)
    "sparse_coo_tensor", "spmm", "smm", "Tensor.to_sparse", "Tensor.to_sparse_coo", "Tensor.to_dense",
    # torch's top-level spellings (ember/_ops/toplevel_aliases.py): the F ops with ATen's signatures,
    # and the function transforms of ember.func
    "fill", "margin_ranking_loss", "hinge_embedding_loss", "kl_div", "poisson_nll_loss", "triplet_margin_loss",
    "cosine_embedding_loss", "binary_cross_entropy_with_logits", "instance_norm", "native_layer_norm",
    "native_batch_norm", "constant_pad_nd", "adaptive_max_pool1d", "dropout_", "alpha_dropout_", "feature_dropout",
    "feature_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_", "vmap",
    "i0", "polygamma", "igamma", "igammac", "mvlgamma",  # ember.special's composites (series, Euler-Maclaurin)
    "cartesian_prod", "combinations", "vander", "rsub", "chain_matmul", "trapz",  # ember/_ops/combinatorics.py
    "view_copy", "permute_copy", "transpose_copy", "expand_copy", "diagonal_copy", "select_copy", "slice_copy",
    "split_copy", "squeeze_copy", "unsqueeze_copy", "t_copy", "unbind_copy", "unfold_copy", "alias_copy",
    "narrow_copy", "view_as_real_copy", "view_as_complex_copy",  # ember/_ops/view_copies.py: a view, then clone
}
COMPOSITES |= surface_names.COMPOSITES  # the composites of torch's surface (ember/_ops/extra.py, ...)

# Differentiable primitives that are not ops (properties, generators): they must be
# composites of wrapped ops. Checked by behaviour in test_properties_and_iteration_record_the_graph.
MUST_BE_COMPOSITE = {"Tensor.T", "Tensor.mT", "Tensor.__iter__"}

_NOT_DIFFERENTIABLE_NAMES = set().union(*NOT_DIFFERENTIABLE.values())

# Dunders of the Python object protocol that are not ops at all.
_PROTOCOL = {"__init__", "__new__", "__str__", "__format__", "__reduce__", "__reduce_ex__", "__getstate__",
             "__setstate__", "__deepcopy__", "__copy__", "__init_subclass__", "__class_getitem__", "__sizeof__",
             "__subclasshook__", "__getattr__", "__getattribute__", "__setattr__", "__delattr__", "__dir__",
             "__contains__", "__array_wrap__", "__array_function__", "__array_ufunc__", "__reversed__"}


def _public_functions(module):
    out = {}
    for name in getattr(module, "__all__", dir(module)):
        obj = getattr(module, name, None)
        if name.startswith("_") or not callable(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
            continue
        if not getattr(obj, "__module__", "").startswith("ember"):
            continue
        out[name] = obj
    return out


def _surface():
    """{key: the object} for every public op; an alias (the same function under another name or
    in another namespace) is kept under each of its keys."""
    ops = {}
    for prefix, module in (("", ember), ("nn.functional.", ember.nn.functional), ("linalg.", ember.linalg)):
        for name, obj in _public_functions(module).items():
            ops[prefix + name] = obj
    for name, obj in vars(ember.Tensor).items():
        if isinstance(obj, property) or not callable(obj) or inspect.isclass(obj):
            continue
        if name.startswith("__") and name.endswith("__"):
            if name in _PROTOCOL:
                continue
        elif name.startswith("_"):
            continue
        ops["Tensor." + name] = obj
    return ops


def _base(key):
    return key.rsplit(".", 1)[-1] if not key.startswith("nn.functional.") else key[len("nn.functional."):]


def _not_differentiable(key):
    base = _base(key)
    return base in _NOT_DIFFERENTIABLE_NAMES or (
        base.endswith("_") and not base.startswith("_") and base[:-1] in _NOT_DIFFERENTIABLE_NAMES)


def _composite(key, ops):
    if key in COMPOSITES:
        return True
    # the same function object under another key (an alias, or a method bound to the function)
    obj = ops[key]
    return any(ops.get(k) is obj for k in COMPOSITES)


def _wrapped(obj):
    """Whether grad recording records `obj` by a rule of its own (an in-place op: its
    out-of-place form's)."""
    od = op_of(obj)
    if od is None:
        return False
    functional = od.functional
    return (functional if functional is not None else od).lookup(RULES) is not None


@pytest.mark.skipif(backend_is_torch(), reason="checks ember's autograd wiring")
def test_every_differentiable_primitive_has_an_autograd_rule():
    ops = _surface()
    missing = sorted(k for k, obj in ops.items()
                     if k not in MUST_BE_COMPOSITE and not _wrapped(obj) and not _not_differentiable(k)
                     and not _composite(k, ops))
    assert not missing, (
        f"{len(missing)} public ops are neither wrapped by an autograd rule, nor composites, nor listed as not "
        f"differentiable (no autograd rule for them: their results would silently not require grad): {missing}")


@pytest.mark.skipif(backend_is_torch(), reason="checks ember's own names")
def test_the_lists_name_existing_ops():
    ops = _surface()
    bases = {_base(k) for k in ops}
    stale = sorted(n for n in _NOT_DIFFERENTIABLE_NAMES if n not in bases)
    assert not stale, f"NOT_DIFFERENTIABLE names ops that do not exist: {stale}"
    stale = sorted(k for k in COMPOSITES if k not in ops)
    assert not stale, f"COMPOSITES names ops that do not exist: {stale}"
    both = sorted(k for k in COMPOSITES if _not_differentiable(k))
    assert not both, f"listed both as composite and as not differentiable: {both}"


@pytest.mark.skipif(backend_is_torch(), reason="checks ember's autograd wiring")
def test_non_differentiable_ops_are_not_wrapped():
    """A rule on an op listed as not differentiable is a mistake in one of the two."""
    ops = _surface()
    wrapped = sorted(k for k, obj in ops.items() if _not_differentiable(k) and _wrapped(obj)
                     and _base(k) not in NOT_DIFFERENTIABLE["the autograd API itself: detaching and graph bookkeeping"])
    assert not wrapped, f"ops listed as not differentiable have autograd rules: {wrapped}"


def test_properties_and_iteration_record_the_graph():
    """x.T, x.mT and iterating over x are differentiable (views and selections of x)."""
    x = ember.ones(2, 3, dtype=ember.float64, requires_grad=True)
    results = {"Tensor.T": x.T, "Tensor.mT": x.mT, "Tensor.__iter__": next(iter(x))}
    assert set(results) == MUST_BE_COMPOSITE
    lost = sorted(k for k, r in results.items() if not r.requires_grad)
    assert not lost, f"results do not require grad (no graph recorded): {lost}"
