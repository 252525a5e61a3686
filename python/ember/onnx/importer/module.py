"""OnnxModule: a loaded ONNX model as an ember nn.Module."""
from ember import nn

from . import naming
from .graph import Graph
from .signature import ValueSpec
from .tensors import proto_to_tensor


class OnnxModule(nn.Module):
    """An ONNX model that runs with ember ops.

    `forward(*inputs)` takes the graph's inputs (ember tensors or numpy arrays, positionally in
    the graph's order, or by name as keywords), checks them against the declared types and
    shapes, runs the nodes in order and returns the graph's output (a tuple when there are
    several).

    Floating-point initializers are Parameters (so the model can be fine-tuned), the others
    buffers; their state_dict keys are the initializer names: `fc1.weight` is the parameter
    `weight` of a plain submodule `fc1`. A name nn.Module cannot hold as it is (an empty dotted
    part, a `%`, a clash with a Module attribute or with another initializer) is kept at the top
    level as '%' + the name with `%` -> `%25` and `.` -> `%2E`; `initializer_name(key)` gives
    any key's ONNX name back (ember.onnx.importer.naming).
    Graph inputs that have an initializer (the defaults of models of IR version < 4) are
    parameters, not forward arguments.

    Also kept: `input_names`, `output_names`, `input_specs` / `output_specs` (declared types
    and shapes, ValueSpec), `opsets` ({domain: version}), `ir_version`, `producer_name`.
    """

    def __init__(self, model, base_dir=None):
        super().__init__()
        graph = model.graph
        self.opsets = _opsets(model)
        self.ir_version = model.ir_version
        self.producer_name = model.producer_name
        self.graph_name = graph.name
        self._graph = Graph(graph, self.opsets, base_dir=base_dir, own_initializers=False)
        runtime = set(self._graph.input_names)
        self.input_specs = [ValueSpec.from_proto(vi, "graph input") for vi in graph.input
                            if vi.name in runtime]
        self.output_specs = [ValueSpec.from_proto(vi, "graph output") for vi in graph.output]
        self.input_names = [s.name for s in self.input_specs]
        self.output_names = [s.name for s in self.output_specs]
        # Last, so that an initializer named like one of the attributes above gets encoded.
        self._keys = {}  # initializer name -> state_dict key
        for init in graph.initializer:
            tensor = proto_to_tensor(init, base_dir)
            if tensor.is_floating_point():
                tensor = nn.Parameter(tensor)
            self._keys[init.name] = naming.place(self, init.name, tensor)

    initializer_name = staticmethod(naming.initializer_name)

    def forward(self, *inputs, **named):
        tensors = self._bind(inputs, named)
        outputs = self._graph.run(tensors, values=self._initializers())
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def _bind(self, inputs, named):
        specs = self.input_specs
        if named:
            unknown = [k for k in named if k not in self.input_names]
            if unknown:
                raise TypeError(f"forward() got inputs the graph does not have: {unknown} "
                                f"(its inputs: {self.input_names})")
            given = dict(zip(self.input_names, inputs))
            twice = [k for k in named if k in given]
            if twice:
                raise TypeError(f"forward() got input {twice[0]!r} both by position and by name")
            given.update(named)
            missing = [n for n in self.input_names if n not in given]
            if missing:
                raise ValueError(f"forward() is missing inputs {missing} (the graph takes "
                                 f"{len(specs)}: {', '.join(s.describe() for s in specs)})")
            inputs = [given[n] for n in self.input_names]
        if len(inputs) != len(specs):
            raise ValueError(f"forward() takes {len(specs)} input{'s' if len(specs) != 1 else ''} "
                             f"({', '.join(s.describe() for s in specs)}), got {len(inputs)}")
        return [spec.check(x) for spec, x in zip(specs, inputs)]

    def _initializers(self):
        """{initializer name: its current tensor}, read each run, so that load_state_dict,
        .to(dtype) and assignments to the attributes are seen."""
        values = {}
        for name, key in self._keys.items():
            owner = self
            *path, leaf = [key] if key.startswith("%") else key.split(".")  # encoded keys: top level
            for part in path:
                owner = owner._modules[part]
            values[name] = getattr(owner, leaf)
        return values

    def extra_repr(self):
        ins = ", ".join(s.describe() for s in self.input_specs)
        outs = ", ".join(s.describe() for s in self.output_specs)
        return f"inputs=({ins}), outputs=({outs}), nodes={len(self._graph.steps)}"


def _opsets(model):
    opsets = {}
    for imp in model.opset_import:
        domain = "" if imp.domain == "ai.onnx" else imp.domain
        opsets[domain] = imp.version
    return opsets
