"""ember's benchmark suite: ops and model training steps, ember beside numpy and PyTorch in one
process, against this machine's roofline.

    python benchmarks/run.py [--suite ops|fft|models|distributed|all] [--filter NAME] [--device cpu|cuda]
                             [--threads N] [--quick] [--check] [--json FILE] [--plot FILE.png]

Each case runs every installed peer on the same data, each in a block of its own calls (warm-up,
then timed samples; see suite/timer.py); the table gives the median, the interquartile range
as a share of it, GFLOP/s or GB/s where the case has a flop or byte count, the ratio best peer's
time / ember's time (above 1: ember is faster), and the share of the roofline, from the FMA peak
and the copy bandwidth measured at the start (suite/machine.py). The fft suite (suite/spectral.py)
times ember.fft against torch.fft and numpy.fft and reports like the ops suite. The models suite adds the peak
resident memory a training step adds, per library (suite/memory.py says how it is measured).
The distributed suite (asked for by name; `all` leaves it out, as a full run takes about a minute
and a half) runs bench_distributed.py: all_reduce and a DDP step on 2 processes of one thread
each, ember's process group against PyTorch's gloo (see that script for the method).
"""
import os
import sys

# This machine's image pins OpenBLAS's kernel (OPENBLAS_CORETYPE) and cache size
# (OPENBLAS_L2_SIZE) to values that halve numpy's GEMM. OpenBLAS reads them when it loads, so
# they are removed before anything imports numpy; the JSON records what was removed and which
# kernel numpy then ran. (Tests and CI keep the environment as it is.)
REMOVED_ENV = {name: os.environ.pop(name) for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
               if name in os.environ}


def _threads_from_argv(argv):
    """--threads N, read before numpy loads: OpenBLAS takes its thread count from the
    environment at load time. Default: every CPU this process may run on."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--threads=") else (
            argv[i + 1] if arg == "--threads" and i + 1 < len(argv) else None)
        if value is not None and value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


THREADS = _threads_from_argv(sys.argv)
os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import ember  # noqa: E402
from suite import machine, memory, models, ops, report, spectral, timer  # noqa: E402

import bench_distributed  # noqa: E402

torch = None  # a peer, optional: imported by import_torch() once a run is sure to time something


def import_torch():
    global torch
    try:
        import torch as module
        torch = module
    except ImportError:
        torch = None


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--suite", choices=["ops", "fft", "models", "distributed", "all"], default="all",
                        help="all: ops, fft and models (distributed runs only when named)")
    parser.add_argument("--filter", action="append", default=[], metavar="NAME",
                        help="run the cases whose name contains NAME (any case; may be repeated)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="cuda: ember and torch on GPU tensors, timed by CUDA events (numpy left out)")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="threads for ember, torch and numpy's BLAS (default: all usable CPUs)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (a couple of minutes)")
    parser.add_argument("--check", action="store_true",
                        help="also compare each ops case's ember result with its peers' before timing it")
    parser.add_argument("--list", action="store_true", help="print the selected cases' names and exit")
    parser.add_argument("--json", metavar="FILE", help="write the machine, versions and every result here")
    parser.add_argument("--plot", metavar="FILE.png", help="draw the roofline plot here (needs matplotlib)")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    return args


def set_threads(n):
    ember.set_num_threads(n)
    if torch is not None:
        torch.set_num_threads(n)
    try:  # numpy's BLAS already read OPENBLAS_NUM_THREADS; threadpoolctl also caps it where it is
        import threadpoolctl
        threadpoolctl.threadpool_limits(n, user_api="blas")
    except ImportError:
        pass


def select(args):
    """The (suite, case) pairs to run, in order."""
    def wanted(name):
        return not args.filter or any(f.lower() in name.lower() for f in args.filter)
    out = []
    if args.suite in ("ops", "all"):
        out += [("ops", c) for c in ops.cases("quick" if args.quick else "full") if wanted(c.name)]
    if args.suite in ("fft", "all"):  # op cases too: run and reported as the ops suite's are
        out += [("ops", c) for c in spectral.cases("quick" if args.quick else "full") if wanted(c.name)]
    if args.suite in ("models", "all"):
        out += [("models", name) for name in models.CASES if wanted(name)]
    if args.suite == "distributed" and wanted(DISTRIBUTED_CASE):
        out.append(("distributed", DISTRIBUTED_CASE))
    return out


DISTRIBUTED_CASE = "distributed all_reduce and DDP step"


def peers_for(args):
    """The libraries each suite runs, ember first."""
    libs = {"ember": ember}
    if args.device == "cpu":
        libs["numpy"] = np
    if torch is not None and (args.device == "cpu" or torch.cuda.is_available()):
        libs["torch"] = torch
        if args.device == "cuda":  # float32 means float32: no TF32 tensor-core rounding in cuDNN or cuBLAS
            torch.backends.cudnn.allow_tf32 = False
            torch.backends.cuda.matmul.allow_tf32 = False
    return libs


# ---- one case -------------------------------------------------------------------------------------

def rates(entry, flops, nbytes, dtype, roofline, peak_shares):
    """GFLOP/s, GB/s and the shares of the roofline for one library's timing of a case."""
    s = entry["median_s"]
    entry["gflops"] = flops / s / 1e9 if flops else None
    entry["gbps"] = nbytes / s / 1e9 if nbytes else None
    peak = ((roofline.get("peak") or {}).get(dtype) or {})
    bw = (roofline.get("bandwidth") or {}).get("gbps")
    top = peak.get("gflops")
    entry["bound"] = entry["roofline_share"] = None
    if flops and nbytes and top and bw:
        intensity = flops / nbytes
        entry["bound"] = "compute" if intensity * bw > top else "memory"
        entry["roofline_share"] = entry["gflops"] / min(top, intensity * bw)
    elif flops and top:
        entry["bound"], entry["roofline_share"] = "compute", entry["gflops"] / top
    elif nbytes and bw:
        entry["bound"], entry["roofline_share"] = "memory", entry["gbps"] / bw
    if peak_shares and flops and top:
        entry["one_core_peak_share"] = entry["gflops"] / peak["one_core_gflops"]
        entry["all_cores_peak_share"] = entry["gflops"] / peak["all_cores_gflops"]
    return entry


def best_peer(results):
    ours = results.get("ember")
    peers = {k: v["median_s"] for k, v in results.items() if k != "ember" and "median_s" in v}
    if not ours or "median_s" not in ours or not peers:
        return None, None
    name = min(peers, key=peers.get)
    return name, peers[name] / ours["median_s"]


def _time(fn, lib, args, profile):
    if args.device == "cuda":
        return timer.time_gpu(fn, lib, profile)
    return timer.time_cpu(fn, profile)


def _error(exc):
    return {"error": f"{type(exc).__name__}: {exc}"[:500]}


def run_op_case(case, libs, args, profile, roofline, progress):
    record = {"suite": "ops", "name": case.name, "group": case.group, "what": case.what, "flops": case.flops,
              "bytes": case.bytes, "dtype": case.dtype, "peak_shares": case.peak_shares, "results": {},
              "check": None}
    data = case.data()
    outputs = {}
    for name, lib in libs.items():
        if name == "numpy" and case.numpy is None:
            continue
        progress.start(f"{case.name} ({name})")
        try:
            fn = case.numpy(data) if name == "numpy" else case.torchlike(lib, args.device, data)
            if args.check:
                outputs[name] = ops.to_numpy(fn())
            record["results"][name] = rates(_time(fn, lib, args, profile), case.flops, case.bytes, case.dtype,
                                            roofline, case.peak_shares)
        except Exception as exc:  # one library's failure must not end the run
            record["results"][name] = _error(exc)
        finally:
            fn = None
            progress.advance(f"{case.name} ({name})")
    if args.check:
        record["check"] = _check(case, outputs)
    record["best_peer"], record["ratio"] = best_peer(record["results"])
    return record


def _check(case, outputs):
    if "ember" not in outputs:
        return "failed: ember gave no result"
    others = [n for n in ("torch", "numpy") if n in outputs]
    if not others:
        return "no peer"
    try:
        for name in others:
            ops.compare(case, outputs[name], outputs["ember"])
    except AssertionError as exc:
        return "failed: " + str(exc).strip()[:400]
    return "ok"


def run_model_case(name, libs, args, profile, progress):
    build = models.CASES[name]
    doc = (build.__doc__ or "").strip().split("\n\n")[0]
    record = {"suite": "models", "name": name, "what": " ".join(doc.split()), "flops": None, "bytes": None,
              "results": {}}
    for lib_name in ("ember", "torch"):
        lib = libs.get(lib_name)
        if lib is None:
            continue
        progress.start(f"{name} ({lib_name})")
        try:
            lib.manual_seed(0)
            step = build(lib, args.device)
            entry = _time(step, lib, args, profile)
            probe = memory.gpu_step_memory if args.device == "cuda" else memory.cpu_step_memory
            entry["step_memory_bytes"] = probe(step, lib, steps=1 if args.quick else 2)
            record["results"][lib_name] = entry
        except Exception as exc:
            record["results"][lib_name] = _error(exc)
        finally:
            step = None
            gc.collect()
            progress.advance(f"{name} ({lib_name})")
    record["best_peer"], record["ratio"] = best_peer(record["results"])
    return record


def run_distributed_case(name, args, progress):
    """bench_distributed.py's 2 worker processes (one thread each; --threads does not apply)."""
    record = {"suite": "distributed", "name": name, "what": " ".join(bench_distributed.__doc__.split("\n\n")[0].split()),
              "flops": None, "bytes": None, "results": {}}
    progress.start(name)
    try:
        record["distributed"] = bench_distributed.launch(nproc=2, quick=args.quick)
    except Exception as exc:
        record["results"]["ember"] = _error(exc)
    finally:
        progress.advance(name)
    return record


# ---- the run --------------------------------------------------------------------------------------

def measure_roofline(args):
    if args.device == "cuda":
        return {"note": "the roofline is measured for the CPU only; GPU cases report times and rates"}
    if args.suite == "distributed":
        return {"note": "not measured: the distributed suite reports times and bandwidths"}
    print("run.py: measuring this machine's FMA peak and memory bandwidth ...", file=sys.stderr, flush=True)
    peak, why = machine.fma_peak(args.threads)
    out = {"peak": peak, "bandwidth": machine.copy_bandwidth(ember)}
    if peak is None:
        out["peak_missing"] = why
        print(f"run.py: no FMA peak ({why}); compute shares are left out", file=sys.stderr)
    return out


def describe(meta):
    """The lines above the table: what ran where."""
    m, v, blas, roof = meta["machine"], meta["versions"], meta["numpy_blas"], meta["roofline"]
    lines = [f"ember {v['ember']} ({m['isa']} kernels); numpy {v['numpy']} "
             f"({blas.get('library', 'BLAS')} {blas.get('kernel', '?')} kernel)"
             + (f"; torch {v['torch']}" if v.get("torch") else "")
             + f"; commit {meta['commit'] or '?'}",
             f"{m['cpu_model']}, {m['usable_cpus']} usable CPUs, {meta['threads']} threads; device {meta['device']}"
             + ("; quick" if meta["options"]["quick"] else "")]
    if meta["environment_removed"]:
        lines.append("removed from the environment before numpy loaded: "
                     + ", ".join(f"{k}={val}" for k, val in meta["environment_removed"].items()))
    peak, bw = roof.get("peak"), roof.get("bandwidth")
    if peak or bw:
        parts = []
        if peak:
            parts.append(f"float32 FMA peak {peak['float32']['gflops']:.0f} GFLOP/s on {peak['float32']['threads']} "
                         f"cores ({peak['float32']['one_core_gflops']:.0f} on one), float64 "
                         f"{peak['float64']['gflops']:.0f}")
        if bw:
            parts.append(f"copy bandwidth {bw['gbps']:.1f} GB/s ({bw['by']})")
        lines.append("roofline: " + "; ".join(parts))
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    selected = select(args)
    if args.list:
        for suite_name, case in selected:
            print(f"{suite_name:7s} {case if suite_name in ('models', 'distributed') else case.name}")
        return 0
    if not selected:
        print(f"run.py: no case matches --filter {args.filter}; --list shows the names", file=sys.stderr)
        return 2

    if args.device == "cuda" and not ember.cuda.is_available():
        message = "run.py: --device cuda, but ember sees no GPU here (ember.cuda.is_available() is False); skipped"
        print(message, file=sys.stderr)
        _write_json(args.json, {"schema": 1, "options": {"suite": args.suite, "filter": args.filter,
                                                         "device": args.device},
                                "machine": machine.machine_info(ember), "commit": machine.git_commit(),
                                "skipped": message, "cases": []})
        return 0

    import_torch()
    started = time.time()
    set_threads(args.threads)
    libs = peers_for(args)
    meta = {
        "schema": 1, "command": [os.path.basename(sys.argv[0])] + (sys.argv[1:] if argv is None else list(argv)),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "options": {"suite": args.suite, "filter": args.filter, "device": args.device, "threads": args.threads,
                    "quick": args.quick, "check": args.check},
        "machine": machine.machine_info(ember), "commit": machine.git_commit(),
        "versions": machine.versions({"ember": ember, "numpy": np, "torch": torch} if torch else
                                     {"ember": ember, "numpy": np}),
        "numpy_blas": machine.numpy_blas(), "environment_removed": REMOVED_ENV,
        "device": args.device, "threads": args.threads,
        "thread_counts": {"ember": ember.get_num_threads(), "torch": torch.get_num_threads() if torch else None},
        "timing": {"method": "each library in a block of its own calls: warm-up, then samples of calls "
                             "(CUDA events on a GPU); median and interquartile range of the per-call times",
                   "ops_profile": (timer.QUICK if args.quick else timer.FULL).__dict__,
                   "models_profile": (timer.MODELS_QUICK if args.quick else timer.MODELS_FULL).__dict__},
        "memory_method": " ".join(memory.__doc__.split()),
    }
    meta["roofline"] = measure_roofline(args)
    profile = timer.QUICK if args.quick else timer.FULL
    model_profile = timer.MODELS_QUICK if args.quick else timer.MODELS_FULL
    steps = sum(sum(1 for n in libs if n != "numpy" or c.numpy is not None) if s == "ops"
                else 1 if s == "distributed" else sum(1 for n in ("ember", "torch") if n in libs)
                for s, c in selected)
    progress = report.Progress(steps)
    records = []
    try:
        for suite_name, case in selected:
            if suite_name == "ops":
                records.append(run_op_case(case, libs, args, profile, meta["roofline"], progress))
            elif suite_name == "distributed":
                records.append(run_distributed_case(case, args, progress))
            else:
                records.append(run_model_case(case, libs, args, model_profile, progress))
            gc.collect()
    finally:
        progress.close()
    meta["cases"] = records
    meta["elapsed_s"] = time.time() - started
    _write_json(args.json, meta)

    print(describe(meta))
    print()
    local = [r for r in records if r["suite"] != "distributed"]
    if local:
        print(report.table(local, list(libs)))
    for r in records:
        if r.get("distributed"):
            if local:
                print()
            print(bench_distributed.table(r["distributed"]))
    failed = [r["name"] for r in records if (r.get("check") or "").startswith("failed")]
    errors = [(r["name"], lib, e["error"]) for r in records for lib, e in r["results"].items() if "error" in e]
    for name, lib, message in errors:
        print(f"run.py: {name} ({lib}): {message}", file=sys.stderr)
    for name in failed:
        print(f"run.py: {name}: ember's result differs from its peers' "
              f"({next(r['check'] for r in records if r['name'] == name)})", file=sys.stderr)
    if args.plot:
        title = f"ember {ember.__version__}, {meta['machine']['cpu_model']}, {args.threads} threads"
        report.plot(args.plot, records, meta["roofline"], title)
        print(f"run.py: roofline plot in {args.plot}", file=sys.stderr)
    return 1 if failed else 0


def _write_json(path, meta):
    if path:
        with open(path, "w") as f:
            json.dump(meta, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
