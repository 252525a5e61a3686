"""ember.onnx.export: PyTorch's torch.onnx.export, by tracing one forward pass.

The model runs once on the example arguments with a Tracer active (tracing.py); each op it
calls is written as ONNX nodes by its exporter (ops/). Then the graph is finished: inputs and
outputs get their names, types and dynamic axes, unused nodes go, constant subgraphs fold, and
the model is checked with onnx's full checker before it is written.
"""
import contextlib
import enum
import inspect
import io
import os
import warnings

import numpy as np

from .. import _C
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .errors import OnnxExporterError
from .graph import ONNX_TYPES, Graph, onnx_type
from .tracing import Tracer, _tensors

DEFAULT_OPSET = 18
MIN_OPSET, MAX_OPSET = 13, 21

_exporting = [False]


class TrainingMode(enum.IntEnum):
    """The mode the model is exported in, as torch.onnx.TrainingMode."""
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OperatorExportTypes(enum.IntEnum):
    """torch.onnx.OperatorExportTypes: accepted for compatibility; ember always writes standard
    ONNX ops (an op without one raises rather than falling back to a custom node)."""
    ONNX = 0
    ONNX_ATEN = 1
    ONNX_ATEN_FALLBACK = 2
    ONNX_FALLTHROUGH = 3


@contextlib.contextmanager
def select_model_mode_for_export(model, mode):
    """Puts `model` in the training mode export would use (torch.onnx.select_model_mode_for_export)
    and restores its modes afterwards."""
    restore = _set_training(model, mode)
    try:
        yield
    finally:
        restore()


def is_in_onnx_export():
    """True while ember.onnx.export is tracing a model (torch.onnx.is_in_onnx_export)."""
    return _exporting[0]


class ONNXProgram:
    """What export returns (as torch.onnx.export does with dynamo=True): the ModelProto, which
    `save` writes; legacy scripts that pass `f` can ignore it."""

    def __init__(self, model_proto, input_names, output_names):
        self.model_proto = model_proto
        self.input_names = list(input_names)
        self.output_names = list(output_names)

    def save(self, destination, *, external_data=False):
        _write(self.model_proto, destination, external_data)

    def __repr__(self):
        return (f"ONNXProgram(inputs={self.input_names}, outputs={self.output_names}, "
                f"opset={self.model_proto.opset_import[0].version}, nodes={len(self.model_proto.graph.node)})")


def export(model, args=(), f=None, *, kwargs=None, export_params=True, verbose=False, training=TrainingMode.EVAL,
           input_names=None, output_names=None, operator_export_type=None, opset_version=None,
           do_constant_folding=True, dynamic_axes=None, keep_initializers_as_inputs=False, custom_opsets=None,
           export_modules_as_functions=False, autograd_inlining=True, dynamo=False, external_data=False,
           dynamic_shapes=None, custom_translation_table=None, report=False, optimize=False, verify=False,
           profile=False, dump_exported_program=False, artifacts_dir=".", fallback=False):
    """Exports `model` (an nn.Module or a function of tensors) to ONNX by tracing one call on
    `args` (a tensor, or a tuple of tensors and nested tuples/lists; a trailing dict is keyword
    arguments, as in torch.onnx.export). `f` is a path or a binary file; the ONNXProgram is
    returned either way. `dynamic_axes` ({name: {axis: "dim_name"} or [axes]}) or
    `dynamic_shapes` ({argument: {axis: name}} or a tuple per argument) make sizes symbolic.
    `dynamo` is accepted and ignored: there is one exporter. Options that only affect
    PyTorch's internal pipelines (operator_export_type, optimize, report, profile, ...) are
    accepted for compatibility; a custom_translation_table is refused (ember's exporters are
    the registry's, ember/onnx/ops/)."""
    import onnx

    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"ember.onnx.export: opset_version {opset} is not supported; use {MIN_OPSET} to {MAX_OPSET} "
                         f"(default {DEFAULT_OPSET})")
    if export_modules_as_functions:
        raise NotImplementedError("ember.onnx.export: export_modules_as_functions is not supported")
    if custom_translation_table:
        raise NotImplementedError("ember.onnx.export: custom_translation_table is not supported; ember's op "
                                  "exporters are registered with ember.onnx.registry.exports")
    args, kwargs = _split_args(args, kwargs)
    from ..nn import Module
    is_module = isinstance(model, Module)
    forward = model.forward if is_module else model
    if not callable(forward):
        raise TypeError(f"ember.onnx.export: model must be an nn.Module or a function, not {type(model).__name__}")

    parameter_names = {}
    if is_module:
        for key, t in model.state_dict(keep_vars=True).items():
            parameter_names.setdefault(id(t), key)
    graph = Graph(opset, parameter_names, export_params=export_params)

    flat_inputs, default_names = _flatten_inputs(forward, args, kwargs)
    names = _input_names(input_names, default_names, len(flat_inputs))
    graph_inputs = []
    for t, name in zip(flat_inputs, names):
        if id(t) in graph.values:
            raise OnnxExporterError(f"ember.onnx.export: the same tensor is passed as two inputs ({name!r} and "
                                    f"{graph.values[id(t)][1]!r}); pass a copy")
        if id(t) in parameter_names:
            raise OnnxExporterError(f"ember.onnx.export: input {name!r} is a parameter of the model")
        graph.reserve(name)
        graph.values[id(t)] = (t, name)
        graph_inputs.append((name, t))

    tracer = Tracer(graph)
    restore = _set_training(model, training) if is_module else None
    hooks = _scope_hooks(model, tracer) if is_module else []
    _exporting[0] = True
    try:
        with no_grad(), tracer:
            result = model(*args, **kwargs)
    finally:
        _exporting[0] = False
        for h in hooks:
            h.remove()
        if restore is not None:
            restore()

    out_tensors = list(_tensors(result))
    if not out_tensors:
        raise OnnxExporterError("ember.onnx.export: the model returned no tensors")
    out_names = _output_names(output_names, len(out_tensors))
    outputs = _name_outputs(graph, out_tensors, out_names, {name for name, _ in graph_inputs})

    model_proto = _build_model(graph, graph_inputs, outputs, keep_initializers_as_inputs)
    dims = _dynamic_dims(dynamic_axes, dynamic_shapes, forward, args, kwargs, graph_inputs, outputs)
    _set_dynamic_dims(model_proto, dims)
    from . import passes
    passes.remove_unused(model_proto)
    if do_constant_folding:
        passes.fold_constants(model_proto, keep=set(graph.parameter_names.values()))
        passes.remove_unused(model_proto)
    _set_output_shapes(model_proto, dims)
    onnx.checker.check_model(model_proto, full_check=True)
    if verbose:
        print(onnx.printer.to_text(model_proto.graph))
    program = ONNXProgram(model_proto, [n for n, _ in graph_inputs], [n for n, _, _ in outputs])
    if f is not None:
        _write(model_proto, f, external_data)
    return program


# ---- arguments and names ------------------------------------------------------------------------

def _split_args(args, kwargs):
    if isinstance(args, Tensor):
        args = (args,)
    elif isinstance(args, list):
        args = tuple(args)
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = dict(kwargs or {})
    if args and isinstance(args[-1], dict):  # torch.onnx.export's trailing keyword dict
        kwargs = {**args[-1], **kwargs}
        args = args[:-1]
    return args, kwargs


def _flatten_inputs(forward, args, kwargs):
    """The tensors among the arguments in order (nested tuples and lists flattened), and a
    default name for each: the forward's parameter name, with `.i` for nested positions."""
    try:
        params = [p.name for p in inspect.signature(forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    tensors, names = [], []

    def walk(x, name):
        if isinstance(x, Tensor):
            tensors.append(x)
            names.append(name)
        elif isinstance(x, (tuple, list)):
            for i, item in enumerate(x):
                walk(item, f"{name}.{i}")
        elif isinstance(x, dict):
            for k, item in x.items():
                walk(item, f"{name}.{k}")

    for i, a in enumerate(args):
        walk(a, params[i] if i < len(params) else f"input_{i}")
    for k, v in kwargs.items():
        walk(v, k)
    return tensors, names


def _input_names(given, defaults, n):
    return _names(given, defaults, "input_names", "input tensors")


def _output_names(given, n):
    return _names(given, ["output"] if n == 1 else [f"output_{i}" for i in range(n)], "output_names", "outputs")


def _names(given, defaults, option, what):
    """The names the caller gave, then the defaults for the rest."""
    if given is None:
        return defaults
    given = list(given)
    if len(given) > len(defaults):
        raise ValueError(f"ember.onnx.export: {len(given)} {option} for {len(defaults)} {what}")
    return given + defaults[len(given):]


def _name_outputs(graph, tensors, names, input_names):
    """(name, dtype, shape) per output. The node making each output's value takes the output's
    name; an Identity names a value that is an input, an initializer or already an output."""
    from onnx import helper
    outputs, used = [], set()
    for t, name in zip(tensors, names):
        traced = graph.values.get(id(t))
        source = traced[1] if traced is not None else graph.value(t)
        if source in input_names or source in used or not _rename_output(graph, source, name):
            graph.reserve(name)
            graph.nodes.append(helper.make_node("Identity", [source], [name], name=graph.fresh("Identity_node")))
        used.add(name)
        outputs.append((name, t.dtype, tuple(t._impl.shape)))
    return outputs


def _rename_output(graph, old, new):
    """Renames the node output `old` to `new` everywhere; False if no node makes `old`."""
    producer = None
    for node in graph.nodes:
        if old in node.output:
            producer = node
            break
    if producer is None:
        return False
    graph.reserve(new)
    for node in graph.nodes:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new
        for i, name in enumerate(node.output):
            if name == old:
                node.output[i] = new
    for key, (t, name) in list(graph.values.items()):
        if name == old:
            graph.values[key] = (t, new)
    return True


# ---- the model ------------------------------------------------------------------------------------

def _build_model(graph, inputs, outputs, keep_initializers_as_inputs):
    from onnx import helper

    def value_info(name, dtype, shape):
        return helper.make_tensor_value_info(name, onnx_type(dtype), list(shape))

    graph_inputs = [value_info(name, t.dtype, t._impl.shape) for name, t in inputs]
    graph_inputs += [value_info(name, t.dtype, t._impl.shape) for name, t in graph.parameter_inputs]
    initializers = [graph._tensor_proto(array, graph.initializer_types.get(name), name)
                    for name, array in graph.initializers.items()]
    if keep_initializers_as_inputs:
        graph_inputs += [helper.make_tensor_value_info(init.name, init.data_type, list(init.dims))
                         for init in initializers]
    graph_outputs = [value_info(name, dtype, shape) for name, dtype, shape in outputs]
    onnx_graph = helper.make_graph(graph.nodes, "main_graph", graph_inputs, graph_outputs, initializers)
    opset_imports = [helper.make_opsetid("", graph.opset)]
    model = helper.make_model(onnx_graph, opset_imports=opset_imports, producer_name="ember",
                              producer_version=_version())
    model.ir_version = helper.find_min_ir_version_for(opset_imports)
    return model


def _version():
    from .. import __version__
    return __version__


def _dynamic_dims(dynamic_axes, dynamic_shapes, forward, args, kwargs, inputs, outputs):
    """{value name: {axis: dim_param}} from torch's two spellings."""
    dims = {}
    known = {name for name, _ in inputs} | {name for name, _, _ in outputs}
    if dynamic_axes:
        for name, axes in dynamic_axes.items():
            if name not in known:
                raise ValueError(f"ember.onnx.export: dynamic_axes names {name!r}, which is neither an input nor an "
                                 f"output name ({sorted(known)})")
            if isinstance(axes, dict):
                dims[name] = {int(a): str(d) for a, d in axes.items()}
            else:
                dims[name] = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
    if dynamic_shapes:
        dims.update(_from_dynamic_shapes(dynamic_shapes, forward, args, kwargs, inputs))
    return dims


def _from_dynamic_shapes(dynamic_shapes, forward, args, kwargs, inputs):
    """torch.export-style dynamic_shapes: per argument (by name in a dict, or by position in a
    tuple) a {axis: name-or-Dim} dict or a sequence with None for static axes."""
    try:
        params = [p.name for p in inspect.signature(forward).parameters.values()]
    except (TypeError, ValueError):
        params = []
    if isinstance(dynamic_shapes, dict):
        by_arg = dynamic_shapes
    else:
        by_arg = {params[i] if i < len(params) else f"input_{i}": spec for i, spec in enumerate(dynamic_shapes)}
    names = {name for name, _ in inputs}
    dims = {}

    def dim_name(d, arg, axis):
        if isinstance(d, str):
            return d
        return getattr(d, "__name__", None) or getattr(d, "name", None) or f"{arg}_dim_{axis}"

    def walk(spec, name):
        if spec is None:
            return
        if isinstance(spec, dict) and name in names:
            dims[name] = {int(a): dim_name(d, name, a) for a, d in spec.items() if d is not None}
        elif isinstance(spec, (list, tuple)) and name in names and all(
                not isinstance(s, (dict, list, tuple)) for s in spec):
            dims[name] = {a: dim_name(d, name, a) for a, d in enumerate(spec) if d is not None}
        elif isinstance(spec, (list, tuple)):
            for i, s in enumerate(spec):
                walk(s, f"{name}.{i}")
        else:
            raise ValueError(f"ember.onnx.export: dynamic_shapes entry for {name!r} is not understood: {spec!r}")

    for arg, spec in by_arg.items():
        walk(spec, arg)
    return dims


def _set_dynamic_dims(model, dims):
    for vi in list(model.graph.input) + list(model.graph.output):
        for axis, name in dims.get(vi.name, {}).items():
            shape = vi.type.tensor_type.shape
            if not 0 <= axis < len(shape.dim):
                raise ValueError(f"ember.onnx.export: dynamic axis {axis} of {vi.name!r}, which has "
                                 f"{len(shape.dim)} dims")
            shape.dim[axis].Clear()
            shape.dim[axis].dim_param = name


def _set_output_shapes(model, dims):
    """Output dims as shape inference sees them with the dynamic inputs: a size, a symbol or
    unknown (never the traced size where it may change); the caller's names on dynamic axes."""
    import onnx
    if not any(dims.get(i.name) for i in model.graph.input):
        return
    outputs = {o.name: o for o in model.graph.output}
    ranks = {name: len(o.type.tensor_type.shape.dim) for name, o in outputs.items()}
    for o in outputs.values():
        o.type.tensor_type.ClearField("shape")
    inferred = onnx.shape_inference.infer_shapes(model)
    for o in inferred.graph.output:
        target = outputs[o.name]
        if o.type.tensor_type.HasField("shape"):
            target.type.tensor_type.shape.CopyFrom(o.type.tensor_type.shape)
        else:  # unknown to inference: the traced rank, sizes unknown
            for _ in range(ranks[o.name]):
                target.type.tensor_type.shape.dim.add()
        shape = target.type.tensor_type.shape
        for axis, name in dims.get(o.name, {}).items():
            if 0 <= axis < len(shape.dim):
                shape.dim[axis].Clear()
                shape.dim[axis].dim_param = name


def _write(model, f, external_data):
    import onnx
    if isinstance(f, (str, os.PathLike)):
        if external_data:
            location = os.path.basename(os.fspath(f)) + ".data"
            onnx.save_model(model, os.fspath(f), save_as_external_data=True, all_tensors_to_one_file=True,
                            location=location, size_threshold=1024)
        else:
            onnx.save_model(model, os.fspath(f))
    elif hasattr(f, "write"):
        if external_data:
            raise ValueError("ember.onnx.export: external_data=True needs a path, not a file object")
        f.write(model.SerializeToString())
    else:
        raise TypeError(f"ember.onnx.export: f must be a path or a binary file object, not {type(f).__name__}")


# ---- while tracing --------------------------------------------------------------------------------

def _set_training(model, training):
    was = [(m, m.training) for m in model.modules()]
    if training == TrainingMode.EVAL:
        model.train(False)
    elif training == TrainingMode.TRAINING:
        model.train(True)

    def restore():
        for m, mode in was:
            m.training = mode
    return restore


def _scope_hooks(model, tracer):
    """Forward hooks that keep the tracer's stack of running modules (for error messages)."""
    from ..nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
    names = {id(m): name for name, m in model.named_modules()}

    def pre(module, args):
        name = names.get(id(module))
        if name is not None:
            tracer.scopes.append(name or type(module).__name__)

    def post(module, args, output):
        if id(module) in names and tracer.scopes:
            tracer.scopes.pop()

    return [register_module_forward_pre_hook(pre), register_module_forward_hook(post)]
