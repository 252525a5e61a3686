"""A model's graph for TensorBoard: one forward pass traced by ember.onnx's exporter, its ONNX
nodes written as a GraphDef (each node's inputs are the nodes that produced them)."""
import io

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.versions_pb2 import VersionDef


def graph_of(model, inputs):
    import onnx  # the exporter needs it; ImportError says so

    from ... import onnx as ember_onnx

    if inputs is None:
        raise ValueError("add_graph needs input_to_model to run the model once")
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    buffer = io.BytesIO()
    was_training = getattr(model, "training", False)
    try:
        ember_onnx.export(model, args, buffer)
    finally:
        if was_training:
            model.train()
    proto = onnx.load_from_string(buffer.getvalue())
    g = proto.graph
    producer = {}  # tensor name -> the GraphDef node that makes it
    nodes = []
    initializers = {t.name for t in g.initializer}
    for value in g.input:
        if value.name not in initializers:
            producer[value.name] = f"input/{value.name}"
            nodes.append(NodeDef(name=producer[value.name], op="IO Node"))
    for name in sorted(initializers):
        producer[name] = f"parameter/{name}"
        nodes.append(NodeDef(name=producer[name], op="Parameter"))
    for i, node in enumerate(g.node):
        name = node.name or f"{node.op_type}_{i}"
        inputs_of = [producer[t] for t in node.input if t in producer]
        nodes.append(NodeDef(name=name, op=node.op_type, input=inputs_of,
                             attr={"outputs": AttrValue(s=", ".join(node.output).encode())}))
        for t in node.output:
            producer[t] = name
    for value in g.output:
        if value.name in producer:
            nodes.append(NodeDef(name=f"output/{value.name}", op="IO Node", input=[producer[value.name]]))
    return GraphDef(node=nodes, versions=VersionDef(producer=22))
