"""ember.onnx.verify: export a model, check the file, and compare two ONNX runtimes with ember.

The exported file must pass onnx's full checker and strict shape inference; then onnxruntime
(CPU) and onnx's reference evaluator run it on the traced arguments and on arguments resized
along the dynamic axes (every dynamic dim set to each of `batch_sizes`), and each output is
compared with what ember's own forward returns for the same arguments. The report lists the
largest absolute and relative difference per size, output and runtime.
"""
import os
import tempfile

import numpy as np

from .. import _C
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .errors import VerificationError
from .exporter import _flatten_inputs, _input_names, _split_args, export
from .graph import numpy_of
from .tracing import _tensors


class VerificationReport:
    """The comparisons of one verify call: `rows` of (arguments, output, runtime, max abs diff,
    max rel diff, ok); prints as a table, `ok` is True when every row is within tolerance."""

    def __init__(self, rows, rtol, atol, path):
        self.rows = rows
        self.rtol, self.atol = rtol, atol
        self.path = path

    @property
    def ok(self):
        return all(r[5] for r in self.rows)

    def max_abs_diff(self):
        return max((r[3] for r in self.rows), default=0.0)

    def __str__(self):
        header = ("arguments", "output", "runtime", "max abs diff", "max rel diff", "")
        lines = [header] + [(a, o, rt, _fmt(d), _fmt(r), "ok" if ok else "FAIL") for a, o, rt, d, r, ok in self.rows]
        widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
        text = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
        text.insert(1, "  ".join("-" * w for w in widths))
        text.append(f"(rtol={self.rtol}, atol={self.atol})")
        return "\n".join(text)

    __repr__ = __str__


def _fmt(x):
    return x if isinstance(x, str) else f"{x:.3g}"


def verify(model, args, *, path=None, rtol=1e-4, atol=1e-5, batch_sizes=(1, 3), kwargs=None, input_names=None,
           output_names=None, dynamic_axes=None, dynamic_shapes=None, opset_version=None, runtimes=("onnxruntime",
                                                                                                    "reference"),
           **export_options):
    """Exports `model` on `args` (to `path`, or a temporary file), checks the file and compares
    onnxruntime's and the onnx reference evaluator's outputs with ember's, at the traced sizes
    and with every dynamic axis resized to each of `batch_sizes`. Without dynamic_axes or
    dynamic_shapes, dim 0 of every input is dynamic: "batch" where it has the first input's
    size, a name of its own elsewhere. Returns a VerificationReport; raises VerificationError
    with the report when a difference exceeds rtol/atol."""
    import onnx

    from ..nn import Module
    args, kwargs = _split_args(args, kwargs)
    if dynamic_axes is None and dynamic_shapes is None:
        forward = model.forward if isinstance(model, Module) else model
        tensors, defaults = _flatten_inputs(forward, args, kwargs)
        names = _input_names(input_names, defaults, len(tensors))
        # inputs whose dim 0 is the first input's size share the name "batch"; others (a decoder's
        # memory beside its target) get a name of their own
        first = next((t.shape[0] for t in tensors if t.dim() > 0), None)
        dynamic_axes = {name: {0: "batch" if t.shape[0] == first else f"{name}_batch"}
                        for name, t in zip(names, tensors) if t.dim() > 0}
    temporary = path is None
    if temporary:
        handle, path = tempfile.mkstemp(suffix=".onnx")
        os.close(handle)
    try:
        program = export(model, args, path, kwargs=kwargs, input_names=input_names, output_names=output_names,
                         dynamic_axes=dynamic_axes, dynamic_shapes=dynamic_shapes, opset_version=opset_version,
                         **export_options)
        proto = onnx.load(path)
        onnx.checker.check_model(proto, full_check=True)
        onnx.shape_inference.infer_shapes(proto, check_type=True, strict_mode=True)
        runners = _runners(path, proto, runtimes)
        was_training = model.training if isinstance(model, Module) else None
        if was_training:
            model.eval()
        rows = []
        try:
            for label, call_args, call_kwargs in _argument_sets(proto, args, kwargs, batch_sizes):
                with no_grad():
                    expected = model(*call_args, **call_kwargs)
                want = [numpy_of(t) for t in _tensors(expected)]
                feed = dict(zip(program.input_names, (numpy_of(t) for t in _tensors((call_args, call_kwargs)))))
                for runtime, run in runners:
                    try:
                        got = run(feed)
                    except Exception as e:  # a runtime that cannot run the file: a failure of the file
                        rows.append((label, "*", runtime, f"error: {type(e).__name__}: {str(e)[:120]}", "", False))
                        continue
                    for name, g, w in zip(program.output_names, got, want):
                        rows.append((label, name, runtime, *_compare(np.asarray(g), w, rtol, atol)))
        finally:
            if was_training:
                model.train()
        report = VerificationReport(rows, rtol, atol, None if temporary else path)
        if not report.ok:
            raise VerificationError(f"ember.onnx.verify: outputs differ from ember's\n{report}", report)
        return report
    finally:
        if temporary and os.path.exists(path):
            os.remove(path)


def _runners(path, proto, runtimes):
    runners = []
    for runtime in runtimes:
        if runtime == "onnxruntime":
            import onnxruntime as ort
            session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            runners.append((runtime, lambda feed, s=session: s.run(None, feed)))
        elif runtime == "reference":
            from onnx.reference import ReferenceEvaluator
            evaluator = ReferenceEvaluator(proto)
            runners.append((runtime, lambda feed, e=evaluator: e.run(None, feed)))
        else:
            raise ValueError(f"ember.onnx.verify: unknown runtime {runtime!r} (onnxruntime, reference)")
    return runners


def _compare(got, want, rtol, atol):
    if got.shape != want.shape:
        return f"shape {list(got.shape)} vs {list(want.shape)}", "", False
    if want.dtype.kind in "iub":
        same = np.array_equal(got.astype(want.dtype), want)
        diff = 0.0 if same or want.size == 0 else float(np.abs(got.astype(np.int64) - want.astype(np.int64)).max())
        return diff, 0.0 if same else float("inf"), same
    g, w = got.astype(np.float64), want.astype(np.float64)
    if w.size == 0:
        return 0.0, 0.0, True
    both_nan = np.isnan(g) & np.isnan(w)
    same_inf = np.isinf(g) & np.isinf(w) & (np.sign(g) == np.sign(w))
    special = both_nan | same_inf
    err = np.where(special, 0.0, np.abs(g - w))
    err = np.where(np.isnan(err), np.inf, err)
    rel = err / np.maximum(np.abs(w), np.finfo(np.float64).tiny)
    ok = bool(np.all(err <= atol + rtol * np.abs(np.where(special, 0.0, w))))
    return float(err.max()), float(rel.max()), ok


def _argument_sets(proto, args, kwargs, batch_sizes):
    """("traced", args, kwargs), then the arguments with every dynamic dim resized to each size."""
    yield "traced", args, kwargs
    dynamic = {}
    for i, vi in enumerate(proto.graph.input):
        dims = {a: d.dim_param for a, d in enumerate(vi.type.tensor_type.shape.dim) if d.dim_param}
        if dims:
            dynamic[i] = dims
    if not dynamic:
        return
    rng = np.random.default_rng(0)
    for size in batch_sizes:
        counter = [0]

        def resize(x):
            if isinstance(x, Tensor):
                i = counter[0]
                counter[0] += 1
                return _resized(x, dynamic.get(i, {}), size, rng)
            if isinstance(x, tuple):
                return tuple(resize(v) for v in x)
            if isinstance(x, list):
                return [resize(v) for v in x]
            if isinstance(x, dict):
                return {k: resize(v) for k, v in x.items()}
            return x
        label = ", ".join(f"{name}={size}" for name in sorted({n for d in dynamic.values() for n in d.values()}))
        new_args = resize(args)
        new_kwargs = resize(kwargs)
        yield label, new_args, new_kwargs


def _resized(t, axes, size, rng):
    """t with each axis in `axes` of length `size`: fresh values drawn like t's (floats from a
    normal of t's spread, integers within t's range, bools at random)."""
    if not axes:
        return t
    import ember
    shape = list(t.shape)
    for a in axes:
        shape[a] = size
    values = numpy_of(t)
    if t.dtype == _C.dtype.bool:
        data = rng.random(shape) < 0.5
    elif t.dtype.is_floating_point:
        spread = float(values.std()) if values.size else 1.0
        data = rng.standard_normal(shape) * (spread or 1.0) + (float(values.mean()) if values.size else 0.0)
    else:
        low, high = (int(values.min()), int(values.max())) if values.size else (0, 1)
        data = rng.integers(low, high + 1, shape)
    return ember.tensor(data, dtype=t.dtype)
