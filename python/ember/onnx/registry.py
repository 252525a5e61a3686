"""The op registry of ember.onnx: one table per direction, filled by the family files.

- EXPORTERS maps an ember op name (the op layer's name: "add", "Tensor.__add__",
  "nn.functional.relu", "linalg.inv") to the function that writes that op as ONNX nodes.
  An exporter is called while tracing as `fn(g, result, *args, **kwargs)`: `g` is the graph
  being built (ember.onnx.graph), `result` what the op returned (so output dtypes and shapes are
  known), `args`/`kwargs` the op's own arguments; it returns the ONNX value name of each tensor
  output, in order (one name, or a tuple).
- IMPORTERS maps an ONNX op type (in the default domain unless `domain=` says otherwise) to the
  function that runs the node with ember ops: `fn(node, *inputs)`, where `node` gives the
  attributes and the model's opset and `inputs` are ember tensors (None for an omitted optional
  input); it returns one tensor or a tuple, one per node output. `node` is an
  ember.onnx.importer.node.Node: `node.attr(name, default)` (ints, floats, strings, lists, ember
  tensors, callable subgraphs), `node.opset` (the model's version of the node's domain, for the
  semantics that changed between opsets), `node.num_outputs` / `node.output_used(i)`. Inputs
  the node omits at the end are not passed, so handlers give optional inputs None defaults.

Import handlers are written in public ember ops only, so a loaded model can be traced and
exported again; the exporter's constant folding runs ONNX nodes through the same IMPORTERS.
"""
EXPORTERS = {}
IMPORTERS = {}


def exports(*names):
    """Registers the decorated function as the ONNX exporter of the ember ops `names`."""
    def register(fn):
        for name in names:
            if name in EXPORTERS:
                raise ValueError(f"ONNX exporter for {name!r} registered twice")
            EXPORTERS[name] = fn
        return fn
    return register


def imports(*op_types, domain=""):
    """Registers the decorated function as the ember implementation of the ONNX ops `op_types`."""
    def register(fn):
        for op_type in op_types:
            key = (domain, op_type)
            if key in IMPORTERS:
                raise ValueError(f"ONNX importer for {domain + '::' if domain else ''}{op_type} registered twice")
            IMPORTERS[key] = fn
        return fn
    return register
