"""Graph: an ONNX graph compiled to a list of (node, handler) steps, run with ember tensors.

The same class runs a model's main graph and the subgraphs of If, Loop and Scan; a subgraph
reads the names it does not define from the scope of the node that holds it.
"""
from ember import Tensor

from ..registry import IMPORTERS
from .dtypes import is_supported, to_ember_dtype
from .errors import InvalidModelError, UnsupportedOpError
from .node import Node
from .tensors import proto_to_tensor


class Scope:
    """The values of one graph run, falling back on the enclosing graph's (for subgraphs)."""

    __slots__ = ("values", "parent")

    def __init__(self, values, parent=None):
        self.values = values
        self.parent = parent

    def __getitem__(self, name):
        scope = self
        while scope is not None:
            value = scope.values.get(name, _MISSING)
            if value is not _MISSING:
                return value
            scope = scope.parent
        raise KeyError(name)


_MISSING = object()


class Graph:
    """A compiled ONNX graph.

    `input_names`: the graph's inputs that a run binds (those without an initializer);
    `output_names`: what a run returns, in order; `initializer_names`: the names a run expects in
    `values` (for the main graph: the module's parameters and buffers). A subgraph's own
    initializers are constants of the Graph.
    """

    def __init__(self, proto, opsets, outer_names=frozenset(), base_dir=None, own_initializers=True):
        self.name = proto.name
        self.opsets = opsets
        self.initializer_names = [t.name for t in proto.initializer]
        initialized = set(self.initializer_names)
        self.input_names = [vi.name for vi in proto.input if vi.name not in initialized]
        self.output_names = [vi.name for vi in proto.output]
        self.output_dtypes = [_declared_dtype(vi) for vi in proto.output]
        self.constants = {}
        if own_initializers:
            self.constants = {t.name: proto_to_tensor(t, base_dir) for t in proto.initializer}
        self.steps = self._compile(proto, outer_names, base_dir)

    # ---- compiling ----------------------------------------------------------------------------
    def _compile(self, proto, outer_names, base_dir):
        defined = set(self.input_names) | set(self.initializer_names)
        visible = set(outer_names) | defined
        nodes, missing = [], []
        for i, node_proto in enumerate(proto.node):
            domain = "" if node_proto.domain == "ai.onnx" else node_proto.domain
            label = node_proto.name or f"#{i}"
            for name in node_proto.input:
                if name and name not in visible:
                    raise InvalidModelError(
                        f"graph {self.name!r}: node {label} ({node_proto.op_type}) reads {name!r}, "
                        "which no graph input, initializer or earlier node defines (is the file "
                        "truncated, or the nodes out of order?)")
            handler = IMPORTERS.get((domain, node_proto.op_type))
            if handler is None:
                missing.append(f"{node_proto.op_type} (domain {domain or 'ai.onnx'!r}, node {label!r})")
                visible.update(n for n in node_proto.output if n)  # so that one error is reported once
                continue
            if domain not in self.opsets:
                raise InvalidModelError(f"graph {self.name!r}: node {label} uses domain "
                                        f"{domain or 'ai.onnx'!r}, which the model imports no opset of")
            scope_names = frozenset(visible)

            def compile_subgraph(g, scope_names=scope_names):
                return Graph(g, self.opsets, scope_names, base_dir)

            node = Node(node_proto, self.opsets[domain], compile_subgraph)
            for a in node_proto.attribute:  # decode tensors and compile subgraphs now, so that
                node.attr(a.name)           # load reports their problems (dtypes, unknown ops)
            nodes.append((node, handler))
            visible.update(n for n in node_proto.output if n)
        if missing:
            raise UnsupportedOpError("ember has no implementation of the ONNX op"
                                     f"{'s' if len(missing) > 1 else ''} " + ", ".join(missing))
        for name in self.output_names:
            if name not in visible:
                raise InvalidModelError(f"graph {self.name!r}: output {name!r} is not computed by any "
                                        "node, nor is it an input or initializer (is the file truncated?)")
        return self._schedule_releases(nodes)

    def _schedule_releases(self, nodes):
        """Each step with the names whose last reader it is, so a run drops intermediate values
        as soon as nothing needs them (big activations are then freed during the run)."""
        keep = set(self.output_names)
        last_use = {}
        for i, (node, _) in enumerate(nodes):
            for name in node.inputs:
                last_use[name] = i
            for g in node.subgraphs():
                for name in _free_names(g):
                    last_use[name] = i
        releases = [[] for _ in nodes]
        for name, i in last_use.items():
            if name and name not in keep:
                releases[i].append(name)
        return [(node, handler, releases[i]) for i, (node, handler) in enumerate(nodes)]

    # ---- running ------------------------------------------------------------------------------
    def run(self, inputs, outer=None, values=None):
        """Runs the graph on `inputs` (tensors for `input_names`, in order) and returns the list
        of output tensors. `values` supplies initializers by name; `outer` is the Scope of the
        enclosing graph."""
        if len(inputs) != len(self.input_names):
            raise ValueError(f"graph {self.name!r} takes {len(self.input_names)} inputs "
                             f"({', '.join(self.input_names)}), got {len(inputs)}")
        env = dict(self.constants)
        if values:
            env.update(values)
        env.update(zip(self.input_names, inputs))
        scope = Scope(env, outer)
        for node, handler, release in self.steps:
            args = [scope[name] if name else None for name in node.inputs]
            run_node = node.in_scope(scope) if node.has_subgraphs else node
            try:
                result = handler(run_node, *args)
            except Exception as e:
                if hasattr(e, "add_note"):
                    e.add_note(f"while running ONNX node {node.describe()} of graph {self.name!r}")
                raise
            self._store(env, node, result)
            for name in release:
                env.pop(name, None)
        return [scope[name] for name in self.output_names]

    @staticmethod
    def _store(env, node, result):
        results = result if isinstance(result, tuple) else (result,)
        for i, name in enumerate(node.outputs):
            if not name:
                continue
            if i >= len(results) or not isinstance(results[i], Tensor):
                raise RuntimeError(f"ONNX node {node.describe()}: the importer gave no tensor for "
                                   f"output {i} ({name!r})")
            env[name] = results[i]


def _declared_dtype(value_info):
    """The ember dtype a graph output declares, or None (no type, or not a tensor ember has)."""
    t = value_info.type
    if t.WhichOneof("value") != "tensor_type" or not is_supported(t.tensor_type.elem_type):
        return None
    return to_ember_dtype(t.tensor_type.elem_type)


def _free_names(graph_proto):
    """The names a subgraph (and the subgraphs inside it) reads from enclosing scopes."""
    defined = {vi.name for vi in graph_proto.input} | {t.name for t in graph_proto.initializer}
    free = set()
    for node in graph_proto.node:
        free.update(n for n in node.input if n and n not in defined)
        for a in node.attribute:
            for g in ([a.g] if a.HasField("g") else []) + list(a.graphs):
                free.update(n for n in _free_names(g) if n not in defined)
        defined.update(node.output)
    free.update(n for n in (vi.name for vi in graph_proto.output) if n not in defined)
    return free
