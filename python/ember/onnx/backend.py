"""An ONNX backend (onnx.backend.base) over ember.onnx.load, for ONNX's backend tests and for
code written against that interface:

    from ember.onnx import backend
    rep = backend.prepare(model)        # an OnnxModule behind a BackendRep
    outputs = rep.run([x])              # numpy arrays in, numpy arrays out
"""
import numpy as np
import onnx
from onnx.backend.base import Backend, BackendRep, Device, DeviceType, namedtupledict

import ember

from .importer import load
from .importer.dtypes import numpy_to_onnx_type
from .importer.tensors import from_numpy, to_numpy


class EmberRep(BackendRep):
    """A prepared model: `run(inputs)` takes numpy arrays (or ember tensors) for the graph's
    inputs, in order or as a {name: array} dict, and returns its outputs as numpy arrays, in a
    namedtuple-like object keyed by output name."""

    def __init__(self, module):
        self.module = module

    def run(self, inputs, **kwargs):
        if isinstance(inputs, dict):
            args, named = [], {k: _as_tensor(v, k) for k, v in inputs.items()}
        else:
            if not isinstance(inputs, (list, tuple)):
                inputs = [inputs]
            names = self.module.input_names
            args = [_as_tensor(v, names[i] if i < len(names) else f"#{i}") for i, v in enumerate(inputs)]
            named = {}
        with ember.no_grad():
            outputs = self.module(*args, **named)
        if not isinstance(outputs, tuple):
            outputs = (outputs,)
        return namedtupledict("Outputs", self.module.output_names)(*[to_numpy(t) for t in outputs])


def _as_tensor(value, name):
    if isinstance(value, ember.Tensor):
        return value
    return from_numpy(np.asarray(value), f"input {name!r}")


class EmberBackend(Backend):
    """ONNX models on ember (CPU)."""

    @classmethod
    def is_compatible(cls, model, device="CPU", **kwargs):
        try:
            load(model)
        except Exception:
            return False
        return cls.supports_device(device)

    @classmethod
    def prepare(cls, model, device="CPU", **kwargs):
        if not cls.supports_device(device):
            raise RuntimeError(f"ember's ONNX backend runs on CPU, not {device!r}")
        return EmberRep(load(model))

    @classmethod
    def run_model(cls, model, inputs, device="CPU", **kwargs):
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node, inputs, device="CPU", outputs_info=None, **kwargs):
        """Runs one NodeProto on `inputs` (numpy arrays, one per non-empty node input), as a
        model of that single node at `opset_version` (default: the newest opset onnx knows)."""
        arrays = [np.asarray(x) for x in inputs]
        present = [name for name in node.input if name]
        graph_inputs = [onnx.helper.make_tensor_value_info(name, _elem_type(a), a.shape)
                        for name, a in zip(present, arrays)]
        graph_outputs = [onnx.helper.make_empty_tensor_value_info(name) for name in node.output if name]
        graph = onnx.helper.make_graph([node], "run_node", graph_inputs, graph_outputs)
        version = kwargs.get("opset_version", onnx.defs.onnx_opset_version())
        model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid(node.domain, version)])
        return cls.prepare(model, device).run(arrays)

    @classmethod
    def supports_device(cls, device):
        return Device(device).type == DeviceType.CPU


def _elem_type(array):
    elem_type = numpy_to_onnx_type(array.dtype)
    if elem_type is None:
        raise TypeError(f"run_node: numpy dtype {array.dtype} has no ember counterpart")
    return elem_type


prepare = EmberBackend.prepare
run_model = EmberBackend.run_model
run_node = EmberBackend.run_node
supports_device = EmberBackend.supports_device
