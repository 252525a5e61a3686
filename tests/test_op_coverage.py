"""Every public op is described in a catalogue: op_catalogue.py (elementwise, reductions) or
op_db_<family>.py (everything else). A new op without an entry fails here, so the generated
forward, layout, parity and bad-input tests reach every op.

Functions that are not ops of the library (creation, random sampling, interop, configuration)
have focused suites of their own and are listed in NOT_OPS with the suite that covers them.
"""
import inspect

import ember
import ember.nn.functional
from op_catalogue import BINARY_OPS, REDUCTION_OPS, UNARY_OPS
from op_db import all_entries
import surface_names

NOT_OPS = {
    # creation: test_creation.py
    "arange", "as_tensor", "empty", "empty_like", "empty_strided", "eye", "from_numpy", "full",
    "full_like", "linspace", "ones", "ones_like", "scalar_tensor", "tensor", "zeros", "zeros_like",
    # random sampling: test_random.py, test_random_philox.py
    "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "rand", "rand_like",
    "randn", "randn_like", "randint", "randint_like", "randperm", "normal", "bernoulli",
    "multinomial", "Generator", "default_generator", "poisson",
    # interop: test_interop.py, test_interop_sharing.py
    "from_dlpack", "to_dlpack",
    # dtypes and configuration: test_promotion.py, test_tensor_api.py
    "promote_types", "can_cast", "result_type", "is_tensor", "numel", "get_num_threads",
    "set_num_threads", "is_floating_point", "is_nonzero", "set_printoptions", "get_default_dtype",
    "set_default_dtype", "is_grad_enabled", "is_inference_mode_enabled", "broadcast_shapes",
    # serialization: test_serialization.py
    "save", "load",
    # random masks: test_pool_dropout.py checks their statistics and reproducibility
    "dropout", "dropout1d", "dropout2d", "alpha_dropout",
    # the same, channel-wise in 3-D and alpha: test_nn3d_modules.py
    "dropout3d", "feature_alpha_dropout",
    # random samples: test_nnrest.py checks gumbel_softmax's distribution and gradient
    "gumbel_softmax",
    # sparse COO tensors and their products: test_sparse.py, test_sparse_mm.py
    "sparse_coo_tensor", "spmm", "smm",
    # torch's top-level dropouts (input, p, train) and function transforms: test_toplevel.py, test_func.py
    "dropout_", "alpha_dropout_", "feature_dropout", "feature_dropout_", "feature_alpha_dropout",
    "feature_alpha_dropout_", "vmap",
    # windows and spaced sequences (ember/_ops/windows.py): test_toplevel_creation.py
    "hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window", "logspace", "range",
    "tril_indices", "triu_indices",
    # autocast's per-thread state: test_amp_autocast.py
    "autocast_decrement_nesting", "autocast_increment_nesting", "clear_autocast_cache", "get_autocast_cpu_dtype",
    "get_autocast_dtype", "get_autocast_gpu_dtype", "is_autocast_cache_enabled", "is_autocast_cpu_enabled",
    "is_autocast_enabled", "set_autocast_cache_enabled", "set_autocast_cpu_dtype", "set_autocast_cpu_enabled",
    "set_autocast_dtype", "set_autocast_enabled", "set_autocast_gpu_dtype",
}
NOT_OPS |= surface_names.FUNCTIONS  # settings, queries and predicates: test_surface_*.py

# Other names of catalogued ops (PyTorch's aliases and deprecated spellings).
ALIASES = {
    "bitwise_left_shift": "lshift", "bitwise_right_shift": "rshift", "concatenate": "cat",
    "pinverse": "pinv", "upsample": "interpolate", "upsample_bilinear": "interpolate", "upsample_nearest": "interpolate",
    # top-level in-place functions under alias spellings (ember/_ops/toplevel_aliases.py)
    "arccos_": "acos", "arccosh_": "acosh", "arcsin_": "asin", "arcsinh_": "asinh", "arctan_": "atan",
    "arctanh_": "atanh", "clip_": "clamp", "fix_": "trunc", "negative_": "neg",
}


def _entry_name(name):
    """'nn.functional.max_pool2d', 'Tensor.repeat', 'mse_loss weighted' -> the op's name."""
    name = name.split(" ")[0]
    for prefix in ("nn.functional.", "Tensor.", "linalg."):
        if name.startswith(prefix):
            return name[len(prefix):].split(".")[0]
    return name


def _catalogued():
    names = {op.name for op in UNARY_OPS + BINARY_OPS + REDUCTION_OPS}
    names |= {_entry_name(e.name) for e in all_entries()}
    return names


def _is_covered(name, module, covered, covered_objects):
    base = name.split(".")[-1]
    if base in covered or ALIASES.get(base) in covered or id(getattr(module, base, None)) in covered_objects:
        return True
    return base.endswith("_") and base[:-1] in covered  # an in-place form of a catalogued op


def _public_functions(module):
    out = set()
    for name in getattr(module, "__all__", dir(module)):
        obj = getattr(module, name, None)
        if name.startswith("_") or not callable(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
            continue
        if not getattr(obj, "__module__", "").startswith("ember"):
            continue
        out.add(name)
    return out


def test_every_public_op_has_a_catalogue_entry():
    covered = _catalogued() | NOT_OPS
    modules = (ember, ember.nn.functional, ember.linalg)
    # The objects bound to a covered name in any namespace (an alias is the same function).
    covered_objects = {id(getattr(m, n)) for m in modules for n in covered if hasattr(m, n)}
    missing = sorted(f"{m.__name__}.{n}" for m in modules for n in _public_functions(m)
                     if not _is_covered(n, m, covered, covered_objects))
    assert not missing, f"ops without a catalogue entry (op_catalogue.py or op_db_*.py): {missing}"
