"""The Python layer's cost per op call on one-element tensors: the op layer's fast path (no mode,
nothing requiring grad), recording a node, and a few common calls.

    python benchmarks/bench_overhead.py [--against PATH] [--rounds 5] [--json out.json]

--against PATH times a second ember (a directory holding an `ember` package, e.g. an older
checkout's python/ with its _C module) in the same run: the two are measured in alternating
fresh processes, `rounds` times each, and the medians compared. torch is timed as a peer
when installed.
"""
import argparse
import json
import os
import platform
import subprocess
import sys

CASES = {
    "a + b": "a + b",
    "a + b, b requires grad (records a node)": "a + w",
    "a * 2.0": "a * 2.0",
    "a < b": "a < b",
    "a.relu()": "a.relu()",
    "F.relu(a)": "F.relu(a)",
    "a.sum()": "a.sum()",
    "a[0]": "a[0]",
    "a.view(1)": "a.view(1)",
}

_TIMER = r"""
import json, sys, timeit
lib = __import__(sys.argv[1])
F = lib.nn.functional
a = lib.ones(1); b = lib.ones(1); w = lib.ones(1, requires_grad=True)
out = {}
for name, code in json.loads(sys.argv[2]).items():
    fn = eval("lambda: " + code)
    fn()
    out[name] = min(timeit.repeat(fn, number=20000, repeat=7)) / 20000
print(json.dumps(out))
"""


def _time(module, path=None):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    if path is not None:
        env["PYTHONPATH"] = os.path.abspath(path)
    result = subprocess.run([sys.executable, "-c", _TIMER, module, json.dumps(CASES)], env=env,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def _median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a directory with another ember package to time in the same run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python")
    ours = here if os.path.exists(os.path.join(here, "ember", "__init__.py")) else None
    peers = {"ember": ours}
    if args.against:
        peers["baseline"] = args.against
    try:
        import torch  # noqa: F401
        peers["torch"] = "torch"
    except ImportError:
        pass
    runs = {name: [] for name in peers}
    for _ in range(args.rounds):  # alternate, so that the machine's noise falls on all of them alike
        for name, where in peers.items():
            runs[name].append(_time("torch", None) if name == "torch" else _time("ember", where))
    medians = {name: {case: _median([r[case] for r in rs]) for case in CASES} for name, rs in runs.items()}
    names = list(peers)
    print(f"{'case':44s}" + "".join(f"{n:>12s}" for n in names) +
          "".join(f"{n + '/ember':>16s}" for n in names[1:]))
    for case in CASES:
        e = medians["ember"][case]
        print(f"{case:44s}" + "".join(f"{medians[n][case] * 1e6:10.3f}us" for n in names) +
              "".join(f"{medians[n][case] / e:16.2f}" for n in names[1:]))
    if args.json:
        from timing import git_commit
        with open(args.json, "w") as f:
            json.dump({"machine": platform.machine(), "cpus": os.cpu_count(), "commit": git_commit(),
                       "python": sys.version.split()[0], "rounds": args.rounds, "seconds": medians}, f, indent=1)


if __name__ == "__main__":
    main()
