"""Sparse x dense products: ember.sparse.mm against torch.sparse.mm and scipy.sparse (when
installed), in one process on the same data.

    python benchmarks/bench_sparse.py [--repeats R] [--quick] [--threads N] [--json out.json]

Cases are graph-network shapes: a random (n x n) adjacency with `deg` entries per row (COO,
uncoalesced as built) times a dense (n x f) feature matrix, float32; plus the backward pass
of one product (gradients to the dense operand and to the values; torch only where its dense
(n x n) intermediate for the values' gradient fits in 1 GB). scipy is timed on a CSR
matrix built outside the timed region (its COO product converts on every call), so its figure
is of the bare kernel; ember and torch take COO input as GCN code hands it to them.
Each peer runs on its own: one warm-up, then the median of R timed runs. Ratios are peer
time / ember time (above 1: ember is faster).
"""
import argparse
import json
import platform
import sys

import numpy as np

import ember
from timing import git_commit, median_seconds

try:
    import torch
except ImportError:  # peers are optional
    torch = None
try:
    import scipy.sparse as scipy_sparse
except ImportError:
    scipy_sparse = None


def cases(quick):
    """(n, entries per row, feature columns)."""
    out = [(2_000, 8, 64), (20_000, 10, 64), (20_000, 10, 256), (100_000, 5, 32)]
    return out[:2] if quick else out


def graph(rng, n, deg):
    rows = np.repeat(np.arange(n), deg)
    cols = rng.integers(0, n, n * deg)
    vals = rng.random(n * deg).astype(np.float32)
    return np.stack([rows, cols]).astype(np.int64), vals


def run(repeats, quick):
    rng = np.random.default_rng(0)
    results = []
    for n, deg, f in cases(quick):
        idx, vals = graph(rng, n, deg)
        x = rng.standard_normal((n, f)).astype(np.float32)
        name = f"spmm n={n} nnz={n * deg} f={f}"
        row = {"case": name}
        es = ember.sparse_coo_tensor(ember.tensor(idx), ember.tensor(vals), (n, n))
        ex = ember.tensor(x)
        row["ember"] = median_seconds(lambda: ember.sparse.mm(es, ex), repeats)
        if torch is not None:
            ts = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(vals), (n, n))
            tx = torch.tensor(x)
            row["torch"] = median_seconds(lambda: torch.sparse.mm(ts, tx), repeats)
        if scipy_sparse is not None:
            csr = scipy_sparse.coo_matrix((vals, (idx[0], idx[1])), shape=(n, n)).tocsr()
            row["scipy"] = median_seconds(lambda: csr @ x, repeats)
        results.append(row)

        # forward + backward to the dense operand and the values (learnable edge weights)
        row = {"case": f"spmm fwd+bwd n={n} nnz={n * deg} f={f}"}
        ev = ember.tensor(vals, requires_grad=True)
        ex = ember.tensor(x, requires_grad=True)
        eidx = ember.tensor(idx)

        def ember_step():
            ember.sparse.mm(ember.sparse_coo_tensor(eidx, ev, (n, n)), ex).sum().backward()
        row["ember"] = median_seconds(ember_step, repeats)
        # torch's gradient for the values goes through a dense (n x n) product: left out where
        # that matrix would pass 1 GB
        if torch is not None and n * n * 4 <= 1 << 30:
            tv = torch.tensor(vals, requires_grad=True)
            tx = torch.tensor(x, requires_grad=True)
            tidx = torch.tensor(idx)

            def torch_step():
                torch.sparse.mm(torch.sparse_coo_tensor(tidx, tv, (n, n)), tx).sum().backward()
            row["torch"] = median_seconds(torch_step, repeats)
        results.append(row)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, help="threads for ember and torch (scipy is single-threaded)")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.threads:
        ember.set_num_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    results = run(args.repeats, args.quick)
    print(f"ember {ember.__version__} ({git_commit()}), threads {ember.get_num_threads()}, "
          f"torch {getattr(torch, '__version__', '-')}, python {platform.python_version()}")
    print(f"{'case':44} {'ember':>10} {'torch':>10} {'torch/ember':>12} {'scipy':>10} {'scipy/ember':>12}")
    for r in results:
        def cell(peer):
            return (f"{r[peer] * 1e3:9.2f}ms", f"{r[peer] / r['ember']:12.2f}") if peer in r else (f"{'-':>10}",
                                                                                                  f"{'-':>12}")
        t, tr = cell("torch")
        s, sr = cell("scipy")
        print(f"{r['case']:44} {r['ember'] * 1e3:9.2f}ms {t} {tr} {s} {sr}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": platform.machine(), "python": sys.version, "commit": git_commit(),
                       "results": results}, fh, indent=1)


if __name__ == "__main__":
    main()
