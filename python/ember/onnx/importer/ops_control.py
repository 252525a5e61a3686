"""Control flow: If, Loop, Scan. Their subgraphs run as graphs of their own that read the
enclosing graph's values by name; the loops unroll in Python (so autograd goes through every
iteration)."""
import ember

from ..registry import imports


def _results(outputs):
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


@imports("If")
def if_(node, cond):
    branch = node.attr("then_branch") if bool(cond.reshape(-1)[0].item()) else node.attr("else_branch")
    return _results(branch())


def _empty_like_output(body, index):
    """A zero-iteration scan output: empty, with the dtype the body declares (float32 if none)."""
    dtype = body.graph.output_dtypes[index] or ember.float32
    return ember.zeros(0, dtype=dtype)


@imports("Loop")
def loop(node, max_trips, cond, *carried):
    body = node.attr("body")
    carried = list(carried)
    num_scans = len(body.output_names) - 1 - len(carried)
    limit = None if max_trips is None else int(max_trips.reshape(-1)[0].item())
    keep_going = True if cond is None else bool(cond.reshape(-1)[0].item())
    scans = [[] for _ in range(num_scans)]
    i = 0
    while keep_going and (limit is None or i < limit):
        outputs = body(ember.tensor(i, dtype=ember.int64), ember.tensor(keep_going), *carried)
        keep_going = bool(outputs[0].reshape(-1)[0].item())
        carried = outputs[1:1 + len(carried)]
        for values, value in zip(scans, outputs[1 + len(carried):]):
            values.append(value)
        i += 1
    stacked = [ember.stack(values, 0) if values else _empty_like_output(body, 1 + len(carried) + k)
               for k, values in enumerate(scans)]
    return _results(list(carried) + stacked)


@imports("Scan")
def scan(node, *inputs):
    body = node.attr("body")
    n = node.attr("num_scan_inputs")
    if node.opset < 9:  # Scan-8: a leading batch axis, scanned along axis 1, optional lengths
        lengths, inputs = inputs[0], inputs[1:]
        batch = inputs[0].shape[0]
        per_batch = []
        for b in range(batch):
            length = None if lengths is None else int(lengths[b].item())
            parts = [x[b] if i < len(inputs) - n else x[b, :length] for i, x in enumerate(inputs)]
            per_batch.append(_scan(node, body, parts, n, batch_dims=False))
        return _results([ember.stack([outs[k] for outs in per_batch], 0) for k in range(len(per_batch[0]))])
    return _results(_scan(node, body, list(inputs), n))


def _scan(node, body, inputs, n, batch_dims=True):
    states, sequences = list(inputs[:len(inputs) - n]), inputs[len(inputs) - n:]
    in_axes = node.attr("scan_input_axes") or [0] * n
    in_dirs = (node.attr("scan_input_directions") if batch_dims else node.attr("directions")) or [0] * n
    in_axes = [a + seq.ndim if a < 0 else a for a, seq in zip(in_axes, sequences)]
    steps = sequences[0].shape[in_axes[0]] if sequences else 0
    collected = None
    for t in range(steps):
        slices = [seq.select(a, steps - 1 - t if d else t) for seq, a, d in zip(sequences, in_axes, in_dirs)]
        outputs = body(*states, *slices)
        states = outputs[:len(states)]
        if collected is None:
            collected = [[] for _ in outputs[len(states):]]
        for values, value in zip(collected, outputs[len(states):]):
            values.append(value)
    num_out = len(body.output_names) - len(states)
    out_axes = node.attr("scan_output_axes") or [0] * num_out
    out_dirs = node.attr("scan_output_directions") or [0] * num_out
    results = []
    for k in range(num_out):
        values = collected[k] if collected else []
        if not values:
            results.append(_empty_like_output(body, len(states) + k))
            continue
        if out_dirs[k]:  # reverse: the last step first
            values = values[::-1]
        stacked = ember.stack(values, 0)
        axis = out_axes[k] + stacked.ndim if out_axes[k] < 0 else out_axes[k]
        results.append(ember.movedim(stacked, 0, axis) if axis else stacked)
    return list(states) + results


# Optional values: a tensor is a present optional, an omitted input (None) an empty one.
@imports("Optional")
def optional(node, x=None):
    if x is None:
        raise NotImplementedError(f"{node.describe()}: an empty optional value cannot be held by "
                                  "an ember tensor")
    return x


@imports("OptionalHasElement")
def optional_has_element(node, x=None):
    return ember.tensor(x is not None)


@imports("OptionalGetElement")
def optional_get_element(node, x):
    return x
