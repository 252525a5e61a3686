"""Passes over an exported ModelProto: dead code removal and constant folding."""
import numpy as np

# Ops that must not be folded even with constant inputs: they draw random numbers.
_NEVER_FOLD = {"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial", "Bernoulli",
               "Dropout"}
_MAX_FOLDED = 1 << 16  # elements: a folded value may not grow the file by more than this


def remove_unused(model):
    """Drops nodes whose outputs reach no graph output, then initializers nothing reads."""
    graph = model.graph
    needed = {o.name for o in graph.output}
    keep = []
    for node in reversed(graph.node):
        if any(o in needed for o in node.output):
            keep.append(node)
            needed.update(i for i in node.input if i)
    keep.reverse()
    del graph.node[:]
    graph.node.extend(keep)
    inputs = {i.name for i in graph.input}
    kept_inits = [init for init in graph.initializer if init.name in needed or init.name in inputs]
    del graph.initializer[:]
    graph.initializer.extend(kept_inits)


def fold_constants(model, keep=()):
    """Replaces each node whose inputs are all constants (initializers that are not graph
    inputs, Constant outputs, or the Shape of a value of static shape) by a Constant of its
    value, computed with onnx's reference evaluator. Repeats until nothing changes. The
    initializers named in `keep` (the model's parameters and buffers) are not folded into
    others, so they stay in the file under their state_dict names."""
    import onnx
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    graph = model.graph
    inputs = {i.name for i in graph.input}
    keep = set(keep)
    constants = {init.name: numpy_helper.to_array(init) for init in graph.initializer
                 if init.name not in inputs and init.name not in keep}
    opset = {o.domain: o.version for o in model.opset_import}
    changed = True
    while changed:
        changed = False
        static = _static_shapes(model)
        nodes = []
        for node in graph.node:
            if node.op_type == "Constant" and not node.input:
                constants[node.output[0]] = numpy_helper.to_array(node.attribute[0].t) \
                    if node.attribute[0].name == "value" else None
                nodes.append(node)
                continue
            value = None
            if node.op_type == "Shape" and node.input[0] in static and not node.attribute:
                value = [np.array(static[node.input[0]], dtype=np.int64)]
            elif node.op_type not in _NEVER_FOLD and node.domain in ("", "ai.onnx") and node.input and all(
                    (i == "" or (i in constants and constants[i] is not None)) for i in node.input) \
                    and not any(a.type == onnx.AttributeProto.GRAPH for a in node.attribute):
                value = _evaluate(node, constants, opset, helper, ReferenceEvaluator)
                if value is not None:
                    grown = sum(v.size for v in value)
                    given = sum(constants[i].size for i in node.input if i)
                    if grown > _MAX_FOLDED and grown > given:
                        value = None
            if value is None:
                nodes.append(node)
                continue
            for name, array in zip(node.output, value):
                constants[name] = array
                nodes.append(helper.make_node("Constant", [], [name], name=node.name + "_folded",
                                              value=numpy_helper.from_array(np.asarray(array), name)))
            changed = True
        del graph.node[:]
        graph.node.extend(nodes)


def _evaluate(node, constants, opset, helper, ReferenceEvaluator):
    import onnx
    from onnx import numpy_helper
    try:
        ins = [helper.make_tensor_value_info(i, _type_of(constants[i]), None) for i in node.input if i]
        outs = [helper.make_tensor_value_info(o, onnx.TensorProto.UNDEFINED, None) for o in node.output]
        one = helper.make_model(helper.make_graph([node], "fold", ins, outs),
                                opset_imports=[helper.make_opsetid(d, v) for d, v in opset.items()])
        evaluator = ReferenceEvaluator(one)
        results = evaluator.run(None, {i: constants[i] for i in node.input if i})
        return [np.asarray(r) for r in results]
    except Exception:  # a value the reference cannot compute: the node stays as it is
        return None
    finally:
        del numpy_helper


def _type_of(array):
    from onnx import helper
    return helper.np_dtype_to_tensor_dtype(np.asarray(array).dtype)


def _static_shapes(model):
    """{value name: shape} for the values whose shape inference finds every dim's size."""
    import onnx
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:
        return {}
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        t = vi.type.tensor_type
        if not t.HasField("shape"):
            continue
        dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
        if all(d is not None for d in dims):
            shapes[vi.name] = dims
    return shapes
