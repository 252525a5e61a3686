"""Runs ONNX's node test cases (shipped with the onnx package) through ember's ONNX backend.

    PYTHONPATH=python python tools/onnx_node_tests.py [-k SUBSTRING] [--verbose] [--jobs N]

A case is *eligible* when every graph input and output is a tensor of a dtype ember has
(float32/64, float16, bfloat16, int8/16/32/64, uint8, bool); the others are counted but not
run. Each eligible case runs in a worker process with a time limit, so that an error, a hang or
a crash fails that case alone; outputs are compared with numpy as ONNX's own runner does
(shape and dtype equal, values within the case's rtol/atol; integer and bool outputs exactly).
Prints passed / eligible / total and the failures per op type (--verbose: each failure).
"""
import argparse
import collections
import multiprocessing
import os
import sys
import time
import traceback
import warnings

import numpy as np

_SUPPORTED = {1, 2, 3, 5, 6, 7, 9, 10, 11, 16}  # TensorProto element types ember has


def collect(substring=None):
    """[(case, eligible)] for every node test case whose name contains `substring`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case.node import collect_testcases
        cases = collect_testcases("")
    return [(c, is_eligible(c)) for c in cases if not substring or substring in c.name]


def is_eligible(case):
    graph = case.model.graph
    return all(_tensor_types_supported(vi.type) for vi in list(graph.input) + list(graph.output))


def _tensor_types_supported(type_proto):
    return type_proto.WhichOneof("value") == "tensor_type" and type_proto.tensor_type.elem_type in _SUPPORTED


def op_types(cases):
    """{case name: the op type it tests}: its node's op type, or for an expanded function
    (several nodes) the op of the case it expands, marked '(expanded)'."""
    single = {c.name: c.model.graph.node[0].op_type for c in cases if len(c.model.graph.node) == 1}
    ops = {}
    for c in cases:
        if c.name in single:
            ops[c.name] = single[c.name]
        else:
            base = c.name.split("_expanded")[0]
            ops[c.name] = single.get(base, base[len("test_"):]) + " (expanded)"
    return ops


def run_case(model_bytes, data_sets, rtol, atol):
    """Runs one case in this process; returns None when it passes, else a message."""
    from ember.onnx import backend

    rep = backend.prepare(model_bytes)
    for inputs, expected in data_sets:
        outputs = rep.run(list(inputs))
        message = compare(list(expected), list(outputs), rtol, atol)
        if message:
            return message
    return None


def compare(expected, outputs, rtol, atol):
    """None when `outputs` match `expected`, else what differs."""
    if len(outputs) != len(expected):
        return f"{len(outputs)} outputs, expected {len(expected)}"
    for i, (out, ref) in enumerate(zip(outputs, expected)):
        out, ref = np.asarray(out), np.asarray(ref)
        if out.shape != ref.shape:
            return f"output {i}: shape {out.shape}, expected {ref.shape}"
        if out.dtype != ref.dtype:
            return f"output {i}: dtype {out.dtype}, expected {ref.dtype}"
        if ref.dtype.name == "bfloat16":  # numpy cannot compare ml_dtypes' bfloat16 directly
            out, ref, rtol_i = out.astype(np.float32), ref.astype(np.float32), max(rtol, 2 ** -6)
        else:
            rtol_i = rtol
        if ref.dtype.kind in "biu":
            if not np.array_equal(out, ref):
                bad = np.argwhere(out != ref)
                return f"output {i}: {len(bad)} of {ref.size} values differ (first at {tuple(bad[0])}: " \
                       f"{out[tuple(bad[0])]} vs {ref[tuple(bad[0])]})"
        elif not np.allclose(out, ref, rtol=rtol_i, atol=atol, equal_nan=True):
            a, b = out.astype(np.float64), ref.astype(np.float64)
            with np.errstate(invalid="ignore"):
                excess = np.abs(a - b) - (atol + rtol_i * np.abs(b))  # > 0 where out of tolerance
            excess = np.where(np.isnan(a) != np.isnan(b), np.inf, np.nan_to_num(excess, nan=-1.0))
            worst = np.unravel_index(np.argmax(excess), excess.shape) if excess.ndim else ()
            count = int((excess > 0).sum())
            return f"output {i}: {count} of {ref.size} values out of tolerance (worst at {worst}: " \
                   f"{out[worst]} vs {ref[worst]})"
    return None


def _array(value):
    """A case's input or output as numpy (some cases hold TensorProtos, as ONNX's runner knows)."""
    import onnx
    if isinstance(value, onnx.TensorProto):
        return onnx.numpy_helper.to_array(value)
    return value


# ---- worker processes -------------------------------------------------------------------------
def _worker(conn, memory_gb):
    import resource
    import signal

    def timed_out(signum, frame):
        raise TimeoutError("time limit")
    signal.signal(signal.SIGALRM, timed_out)
    if memory_gb:  # a case that allocates without bound fails alone (MemoryError), not the machine
        limit = int(memory_gb * 2 ** 30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    threads = int(os.environ.get("EMBER_NODE_TEST_THREADS", "1"))
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import ember
    ember.set_num_threads(threads)  # the workers share the cores
    while True:
        job = conn.recv()
        if job is None:
            return
        model_bytes, data_sets, rtol, atol, limit = job
        signal.alarm(limit)
        try:
            message = run_case(model_bytes, data_sets, rtol, atol)
        except BaseException as e:  # a failure of this case, reported, never the end of the run
            last = traceback.extract_tb(e.__traceback__)[-1]
            notes = "".join(f" [{n}]" for n in getattr(e, "__notes__", []))
            message = f"{type(e).__name__}: {e}{notes} ({os.path.basename(last.filename)}:{last.lineno})"
        finally:
            signal.alarm(0)
        conn.send(message)


class Worker:
    """A process running cases one at a time; replaced when it hangs or dies."""

    def __init__(self, ctx, memory_gb):
        self.ctx = ctx
        self.memory_gb = memory_gb
        self._start()

    def _start(self):
        self.conn, child = self.ctx.Pipe()
        self.process = self.ctx.Process(target=_worker, args=(child, self.memory_gb), daemon=True)
        self.process.start()
        child.close()

    def run(self, case, limit):
        data_sets = [([_array(x) for x in i], [_array(x) for x in o]) for i, o in case.data_sets]
        try:
            self.conn.send((case.model.SerializeToString(), data_sets, case.rtol, case.atol, limit))
            if self.conn.poll(limit + 5):
                return self.conn.recv()
            message = f"timed out after {limit} s"
        except (EOFError, BrokenPipeError, ConnectionResetError):
            message = None
        self.process.kill()
        self.process.join()
        if message is None:
            message = f"the worker process died (exit code {self.process.exitcode})"
        self._start()
        return message

    def close(self):
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="substring", help="run only the cases whose name contains this")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failure with its error")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes (default: 2 or the CPU count)")
    parser.add_argument("--timeout", type=int, default=60, help="seconds allowed per case (default 60)")
    parser.add_argument("--memory-gb", type=float, default=8,
                        help="address space allowed per worker process, GiB (default 8; 0: no limit)")
    args = parser.parse_args(argv)

    started = time.time()
    cases = collect(args.substring)
    eligible = [c for c, ok in cases if ok]
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding OpenMP threads
    workers = [Worker(ctx, args.memory_gb) for _ in range(max(1, args.jobs))]
    failures = {}
    results = _run_all(eligible, workers, args.timeout, failures)
    for w in workers:
        w.close()

    passed = results.count(None)
    ops = op_types([c for c, _ in cases])
    by_op = collections.Counter(ops[name] for name in failures)
    if args.verbose:
        for name, message in sorted(failures.items()):
            print(f"FAIL {name}: {message}")
        print()
    if by_op:
        print("failures by op type:")
        for op, n in by_op.most_common():
            print(f"  {op}: {n}")
        print()
    share = f" ({100 * passed / len(eligible):.1f}%)" if eligible else ""
    print(f"passed {passed} / eligible {len(eligible)}{share}; total {len(cases)} cases "
          f"({len(cases) - len(eligible)} use dtypes or types ember lacks); "
          f"{time.time() - started:.0f} s")
    return 0 if passed == len(eligible) else 1


def _run_all(cases, workers, limit, failures):
    """Hands cases to the workers round robin, each worker on its own thread."""
    import threading

    results = [None] * len(cases)
    next_index = iter(range(len(cases)))
    lock = threading.Lock()

    def drain(worker):
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            message = worker.run(cases[i], limit)
            results[i] = message
            if message is not None:
                with lock:
                    failures[cases[i].name] = message

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


if __name__ == "__main__":
    sys.exit(main())
