"""The settings, queries and predicates of torch's surface that are not ops of the op layer
(they make no tensor, or read only metadata): the invariant suites (test_op_layer.py,
test_op_coverage.py, test_autograd_coverage.py) take these lists, and test_surface_*.py cover
them."""

# ember.<name>: test_surface_settings.py, test_surface_predicates.py
FUNCTIONS = {
    # the default dtype and device (ember/_defaults.py)
    "get_default_device", "get_default_dtype", "set_default_device", "set_default_dtype",
    # settings (ember/_settings.py) and compile (ember/_compile.py)
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode", "get_deterministic_debug_mode",
    "set_float32_matmul_precision", "get_float32_matmul_precision", "get_num_interop_threads",
    "set_num_interop_threads", "set_warn_always", "is_warn_always_enabled", "compile",
    # predicates and metadata queries (ember/_predicates.py)
    "is_complex", "is_conj", "is_neg", "is_signed", "is_nonzero", "is_same_size", "is_floating_point",
    "get_device", "is_storage", "typename",
    "set_printoptions",  # ember/_printing.py: test_surface_printing.py
    "isdtype",  # the array API's dtype query (ember/_ops/array_api.py): test_array_api.py
}

# ember.Tensor.<name>
TENSOR_METHODS = {
    "__new__",  # the legacy constructor, ember.Tensor(2, 3) (ember/_legacy_types.py)
    "is_complex", "is_conj", "is_neg", "is_signed", "is_nonzero", "is_same_size", "get_device", "is_shared",
    "is_pinned",
    "resize_", "resize_as_",  # new geometry and storage in place, refused for tensors that require grad
    "__array_namespace__", "__complex__",  # the array API's namespace and a Python number (test_array_api.py)
}

# Tensor methods that change a tensor's geometry in place by rebinding it to a view the view
# ops make (and record): not ops themselves, differentiable through those views.
REBINDING = {"squeeze_", "unsqueeze_", "t_", "transpose_", "swapaxes_", "swapdims_"}

# Ops without a gradient (creation from sizes or data, integer or boolean results), by name
# (ember.<name> and Tensor.<name>): test_autograd_coverage.py.
NOT_DIFFERENTIABLE = {
    "new", "new_empty_strided", "logspace", "tril_indices", "triu_indices",
    "gcd", "lcm", "isposinf", "isneginf", "isreal", "isin", "unravel_index",
    "heaviside",  # torch has no derivative for it either
    "frexp",  # its exponent is an integer; torch does not differentiate the mantissa either
    # the array API's (ember/_ops/array_api.py): the next float (a step, derivative 0 or undefined),
    # bitwise results, and the set functions (torch does not differentiate unique either)
    "nextafter", "bitwise_invert", "unique_all", "unique_counts", "unique_inverse", "unique_values",
}

# Ops written in other ember ops, differentiable through them (keys as COMPOSITES:
# "name", "Tensor.name"): test_autograd_coverage.py; their gradients are checked by
# test_autograd_op_db.py through their op_db_surface.py entries.
COMPOSITES = {
    # ember/_ops/complex.py: the conjugate transpose, transpose then conj
    "adjoint", "Tensor.adjoint",
    # ember/_ops/spectral.py: unfold, window, fft (gradients: test_stft.py)
    "stft", "istft", "Tensor.stft", "Tensor.istft",
    # ember/_ops/extra.py
    "addr", "aminmax", "dist", "float_power", "fmax", "fmin", "inner", "ldexp", "logit", "mode", "nanmean",
    "nansum", "positive", "renorm", "sinc",
    "Tensor.addr_", "Tensor.float_power_", "Tensor.ldexp_", "Tensor.logit_", "Tensor.renorm_", "Tensor.sgn_",
    "Tensor.sinc_", "Tensor.type_as",
    # ember/_ops/extra_shape.py
    "cartesian_prod", "combinations", "diagonal_scatter", "select_scatter", "slice_scatter", "scatter_reduce",
    "hsplit", "vsplit", "dsplit", "split_with_sizes", "put", "take", "ravel",
    "Tensor.put_", "Tensor.scatter_reduce_", "Tensor.fill_diagonal_", "Tensor.sum_to_size",
    # ember/_ops/array_api.py and array_api_linalg.py: the array API's names in ember ops
    "asarray", "astype", "broadcast_arrays", "conj", "real", "cumulative_prod", "cumulative_sum",
    "expand_dims", "matrix_transpose", "permute_dims", "repeat", "take_along_axis", "unstack", "vecdot",
    "linalg.matrix_transpose", "linalg.trace", "Tensor.to_device",
} | {f"Tensor.{name}" for name in REBINDING}
