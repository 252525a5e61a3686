"""What the results were measured on: the CPU, the code, the libraries, numpy's BLAS kernel, and
this machine's roofline (FMA peak and memory bandwidth), measured once at the start of a run."""
import ctypes
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

from timing import median_seconds

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def physical_cores():
    """Distinct (package, core) pairs in /proc/cpuinfo: cores, not SMT siblings."""
    cores, package = set(), "0"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "physical id":
                    package = value.strip()
                elif key.strip() == "core id":
                    cores.add((package, value.strip()))
    except OSError:
        pass
    return len(cores) or None


def usable_cores():
    """The CPUs this process may run on (its affinity mask), the default thread count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine_info(ember):
    return {"cpu_model": cpu_model(), "physical_cores": physical_cores(), "logical_cpus": os.cpu_count(),
            "usable_cpus": usable_cores(),
            "isa": ember._C.build_info()["cpu_capability"], "platform": platform.platform(),
            "python": sys.version.split()[0]}


def git_commit():
    """The checkout's commit, with "-dirty" when tracked files differ from it."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=BENCHMARKS).stdout.strip()
    try:
        commit = git("rev-parse", "--short", "HEAD")
        return commit + ("-dirty" if commit and git("status", "--porcelain", "--untracked-files=no") else "")
    except OSError:
        return ""


def versions(libs):
    out = {"python": sys.version.split()[0]}
    for name, lib in libs.items():
        out[name] = getattr(lib, "__version__", None)
    try:
        import threadpoolctl
        out["threadpoolctl"] = threadpoolctl.__version__
    except ImportError:
        pass
    return out


def numpy_blas():
    """The BLAS numpy calls and the kernel it picked on this CPU at load time (OpenBLAS chooses
    one per CPU unless OPENBLAS_CORETYPE forces another): threadpoolctl's report when it is
    installed, else OpenBLAS's own get_corename found in the loaded library, plus numpy's build
    configuration."""
    out = {}
    try:
        import threadpoolctl
        infos = threadpoolctl.threadpool_info()
        blas = [i for i in infos if i.get("user_api") == "blas" and "numpy" in i.get("filepath", "")]
        blas = blas or [i for i in infos if i.get("user_api") == "blas"]
        if blas:
            out.update(source="threadpoolctl", library=blas[0].get("internal_api"),
                       version=blas[0].get("version"), kernel=blas[0].get("architecture"),
                       threads=blas[0].get("num_threads"), path=blas[0].get("filepath"))
    except ImportError:
        pass
    if "kernel" not in out:
        kernel, path = _openblas_corename()
        if kernel:
            out.update(source="OpenBLAS get_corename", library="openblas", kernel=kernel, path=path)
    try:
        build = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        out["build"] = {k: build.get(k) for k in ("name", "version", "openblas configuration") if k in build}
    except Exception:  # older numpy: no dict mode; the runtime kernel above is what matters
        out["build"] = {}
    return out


def _openblas_corename():
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line})
    except OSError:
        return None, None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("openblas_get_corename", "scipy_openblas_get_corename64_", "scipy_openblas_get_corename_",
                       "openblas_get_corename64_"):
            fn = getattr(lib, symbol, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode(), path
    return None, None


# ---- roofline -------------------------------------------------------------------------------------

def fma_peak(threads):
    """The float32 and float64 FMA peak in GFLOP/s for one core and for `threads` cores, from
    benchmarks/fma_peak.cpp compiled here into a temporary directory.

    The per-CPU-second rate is used (flops over the CPU time the threads got), times the number of
    threads: on a machine that other work loads, wall time measures the other work too, and the
    peak should be what the cores do, not what was left of them. None when there is no g++ or
    no AVX-512 (the program is written in AVX-512 intrinsics)."""
    source = os.path.join(BENCHMARKS, "fma_peak.cpp")
    compiler = shutil.which("g++")
    if not compiler or not os.path.exists(source):
        return None, "no g++ or no benchmarks/fma_peak.cpp"
    if "avx512f" not in _cpu_flags():
        return None, "the CPU has no AVX-512 (fma_peak.cpp is written for it)"
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "fma_peak")
        build = subprocess.run([compiler, "-O3", "-mavx512f", "-mfma", "-fopenmp", source, "-o", exe],
                               capture_output=True, text=True)
        if build.returncode != 0:
            return None, "fma_peak.cpp did not compile: " + build.stderr.strip()[-300:]
        run = subprocess.run([exe], capture_output=True, text=True, timeout=600)
    rates = {}  # (threads, dtype) -> (wall GFLOP/s, GFLOP/s per CPU-second)
    for line in run.stdout.splitlines():
        m = re.match(r"(\d+) thread\(s\) (\w+): ([\d.]+) GFLOP/s wall, ([\d.]+) GFLOP/s per CPU-second", line)
        if m:
            rates[(int(m.group(1)), m.group(2))] = (float(m.group(3)), float(m.group(4)))
    if not rates:
        return None, "fma_peak printed nothing usable"
    top = max(t for t, _ in rates)
    used = min(threads, top)
    peak = {"method": "benchmarks/fma_peak.cpp (AVX-512 FMA chains), per-CPU-second rate x threads"}
    for dtype in ("float32", "float64"):
        one = rates[(1, dtype)][1]
        peak[dtype] = {"one_core_gflops": one, "threads": used,
                       "gflops": used * rates[(used, dtype)][1], "wall_gflops": rates[(used, dtype)][0],
                       "all_cores_gflops": top * rates[(top, dtype)][1]}
    return peak, None


def copy_bandwidth(ember, nbytes=128 << 20, repeats=5):
    """Memory bandwidth in GB/s from a copy of `nbytes` (far beyond the caches): numpy's copy and
    ember's, whichever is faster, counting the bytes read and written."""
    results = {"numpy": _numpy_copy_rate(nbytes, repeats), "ember": _ember_copy_rate(ember, nbytes, repeats)}
    best = max(results, key=results.get)
    return {"gbps": results[best], "by": best, "all": results, "bytes_per_copy": nbytes,
            "method": "copy of a float32 array (read + write bytes), best of numpy and ember, median of "
                      f"{repeats}"}


def _numpy_copy_rate(nbytes, repeats):
    src = np.ones(nbytes // 4, dtype=np.float32)
    dst = np.empty_like(src)
    return _median_rate(lambda: np.copyto(dst, src), 2 * nbytes, repeats)


def _ember_copy_rate(ember, nbytes, repeats):
    src = ember.ones(nbytes // 4)
    dst = ember.empty(nbytes // 4)
    return _median_rate(lambda: dst.copy_(src), 2 * nbytes, repeats)


def _median_rate(fn, nbytes, repeats):
    return nbytes / median_seconds(fn, repeats) / 1e9