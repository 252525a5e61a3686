"""Node: what an import handler sees of one ONNX node (attributes, opset, inputs, outputs)."""
import copy

import numpy as np

from onnx import AttributeProto, numpy_helper

from .tensors import from_numpy, proto_to_tensor


class Node:
    """One ONNX node, ready to run.

    - `op_type`, `domain`, `name`;
    - `inputs` / `outputs`: the value names ('' for an omitted optional one);
    - `opset`: the model's opset version for the node's domain (so a handler can follow the
      semantics of that version);
    - `attr(name, default)`: an attribute as a Python value: int, float, str, a list of them,
      an ember tensor (TENSOR and SPARSE_TENSOR attributes), a subgraph (GRAPH attributes)
      that is called with its inputs and returns the list of its outputs, or the
      AttributeProto itself for the other kinds (TYPE_PROTO);
    - `num_outputs` and `output_used(i)`: which outputs the graph asks for, so a handler can
      skip work for the others.
    """

    def __init__(self, proto, opset, compile_subgraph=None):
        self.proto = proto
        self.op_type = proto.op_type
        self.domain = proto.domain if proto.domain != "ai.onnx" else ""
        self.name = proto.name
        self.inputs = list(proto.input)
        self.outputs = list(proto.output)
        self.opset = opset
        self._attrs = {a.name: a for a in proto.attribute}
        self._values = {}  # decoded attributes, decoded once (tensors and subgraphs are costly)
        self._compile_subgraph = compile_subgraph
        self.has_subgraphs = any(a.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS)
                                 for a in proto.attribute)
        self.scope = None  # the values a subgraph may read from the enclosing graph's run

    def __repr__(self):
        return f"Node({self.describe()})"

    def describe(self):
        """'Conv (node "conv1")', with the domain for ops outside the default one."""
        op = f"{self.domain}::{self.op_type}" if self.domain else self.op_type
        return f"{op} (node {self.name!r})" if self.name else op

    @property
    def num_outputs(self):
        return len(self.outputs)

    def output_used(self, i):
        return i < len(self.outputs) and self.outputs[i] != ""

    def has_attr(self, name):
        return name in self._attrs

    def attr(self, name, default=None):
        if name not in self._attrs:
            return default
        if name not in self._values:
            self._values[name] = self._decode(self._attrs[name])
        value = self._values[name]
        if self.has_subgraphs and self._attrs[name].type == AttributeProto.GRAPH:
            return _BoundGraph(value, self.scope)
        if self.has_subgraphs and self._attrs[name].type == AttributeProto.GRAPHS:
            return [_BoundGraph(g, self.scope) for g in value]
        return value

    def in_scope(self, scope):
        """This node seeing `scope` (the running graph's values) from its subgraphs: a copy, so
        that the same model can run in several threads."""
        node = copy.copy(self)
        node.scope = scope
        return node

    def subgraphs(self):
        """The GraphProtos of this node's graph attributes (for the load-time checks)."""
        for a in self._attrs.values():
            if a.type == AttributeProto.GRAPH:
                yield a.g
            elif a.type == AttributeProto.GRAPHS:
                yield from a.graphs

    def _decode(self, a):
        kind = a.type
        if kind == AttributeProto.FLOAT:
            return float(a.f)
        if kind == AttributeProto.INT:
            return int(a.i)
        if kind == AttributeProto.STRING:
            return a.s.decode("utf-8")
        if kind == AttributeProto.FLOATS:
            return [float(x) for x in a.floats]
        if kind == AttributeProto.INTS:
            return [int(x) for x in a.ints]
        if kind == AttributeProto.STRINGS:
            return [s.decode("utf-8") for s in a.strings]
        if kind == AttributeProto.TENSOR:
            return proto_to_tensor(a.t)
        if kind == AttributeProto.TENSORS:
            return [proto_to_tensor(t) for t in a.tensors]
        if kind == AttributeProto.SPARSE_TENSOR:
            return from_numpy(_dense(a.sparse_tensor), f"attribute {a.name!r}")
        if kind == AttributeProto.GRAPH:
            return self._compile_subgraph(a.g)
        if kind == AttributeProto.GRAPHS:
            return [self._compile_subgraph(g) for g in a.graphs]
        return a  # TYPE_PROTO and other kinds: the AttributeProto itself, for handlers that need it


class _BoundGraph:
    """A subgraph attribute: called with the subgraph's inputs, returns the list of its outputs;
    names it does not define come from the scope of the node that holds it."""

    def __init__(self, graph, scope):
        self.graph = graph
        self.scope = scope

    @property
    def input_names(self):
        return self.graph.input_names

    @property
    def output_names(self):
        return self.graph.output_names

    def __call__(self, *inputs):
        return self.graph.run(list(inputs), outer=self.scope)


def _dense(sparse):
    """The dense numpy array of a SparseTensorProto (values at flat or coordinate indices)."""
    values = numpy_helper.to_array(sparse.values)
    indices = numpy_helper.to_array(sparse.indices).astype(np.int64)
    dense = np.zeros(list(sparse.dims), dtype=values.dtype)
    if indices.ndim == 1:
        dense.reshape(-1)[indices] = values
    else:
        dense[tuple(indices.T)] = values
    return dense
