"""ember.distributed against PyTorch's gloo backend, 2 processes on this machine: all_reduce
bandwidth from 1 KB to 64 MB, and a DistributedDataParallel training step with the share of its
gradient reduction that backward hides.

    python benchmarks/bench_distributed.py [--quick] [--sizes 1K,1M,...] [--nproc 2] [--json FILE]

The driver starts `--nproc` worker processes (this script with --worker and torchrun's
RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT in the environment, OMP_NUM_THREADS=1: the workers share
the cores). Every worker joins two groups, ember's (MPI) and torch's (gloo), and times both in
the same processes, taking turns by block (a round of ember's samples, then torch's, twice), so
that drift on a shared machine lands on both.

all_reduce: float32 SUM in place, `inner` calls per sample after a barrier; a sample's time is
the slowest rank's time per call. Algorithm bandwidth = bytes / time; bus bandwidth = 2(n-1)/n
* bytes / time (what each link carries in a ring all-reduce, comparable across process counts).
The `mpi` column is mpi4py's blocking Allreduce on numpy arrays over ember's own communicator:
MPI's own speed, without ember's Python layer (its non-blocking start and polled wait).

DDP step (an MLP, zero_grad + forward + MSE loss + backward + SGD step, per library):
  local   the same step on an unwrapped copy of the model: no communication at all
  comm    the all-reduces alone: async all_reduce of flat float32 buffers sized as the DDP
          buckets (the same layout for both libraries), then a wait on each
  serial  the local step, then the gradients copied into the bucket buffers, reduced (as in
          comm), averaged and copied back: reducing after backward, no overlap
  ddp     the step through DistributedDataParallel: reductions start from gradient hooks
          during backward and are waited for at its end
  hidden = (serial - ddp) / (serial - local): the share of what reducing after backward costs
          the step (the reductions and the copies into and out of the buckets) that DDP's overlap
          with backward takes away (1: all of it hidden; 0: none; below 0: DDP is slower than
          reducing after backward). `ddp - local` is what the step still pays for communication;
          `comm` shows the reductions' own time, without copies or backward beside them.
"""
import argparse
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time

SIZES_FULL = ["1K", "16K", "256K", "1M", "4M", "16M", "64M"]
SIZES_QUICK = ["4K", "1M"]
BUCKET_CAP_MB = 4     # both libraries' bucket_cap_mb: several buckets, so that some can overlap
FIRST_BUCKET_BYTES = 1 << 20


def parse_size(text):
    text = text.strip().upper().rstrip("B")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * scale)


def size_name(nbytes):
    for unit, scale in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if nbytes >= scale and nbytes % scale == 0:
            return f"{nbytes // scale}{unit}"
    return str(nbytes)


class Plan:
    """How hard to time: `warmup` calls, then `rounds` turns per library of min..max samples,
    each sample `inner` calls long enough to last `block_s`, as many as fit `budget_s`."""

    def __init__(self, quick):
        self.warmup = 2 if quick else 5
        self.rounds = 1 if quick else 3
        self.min_samples, self.max_samples = (3, 5) if quick else (4, 10)
        self.budget_s = 0.05 if quick else 0.6
        self.block_s = 2e-3 if quick else 10e-3
        self.ddp_width, self.ddp_depth, self.ddp_batch = (256, 3, 16) if quick else (1024, 5, 32)
        self.ddp_warmup = 1 if quick else 3
        self.ddp_min, self.ddp_max, self.ddp_budget = (3, 4, 0.05) if quick else (5, 8, 1.2)


# ---- in a worker -------------------------------------------------------------------------------

def _quantiles(values):
    s = sorted(values)

    def q(p):
        pos = (len(s) - 1) * p
        lo, hi = math.floor(pos), math.ceil(pos)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)
    return {"median_s": q(0.5), "q1_s": q(0.25), "q3_s": q(0.75), "samples": len(s), "samples_s": list(values)}


class Peer:
    """One library's tensors and process group, seen through torch's API."""

    def __init__(self, name, lib):
        self.name, self.lib, self.dist = name, lib, lib.distributed

    def slowest(self, seconds):
        """The largest of every rank's `seconds`: a collective is as slow as its last rank."""
        t = self.lib.tensor([seconds], dtype=self.lib.float64)
        self.dist.all_reduce(t, op=self.dist.ReduceOp.MAX)
        return float(t.item())

    def samples(self, fn, plan, count, inner):
        out = []
        for _ in range(count):
            self.dist.barrier()
            # a barrier lets the ranks go at different moments (ember's polled wait may be asleep
            # when it ends): one untimed call first, so that the timed ones start together
            fn()
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            out.append(self.slowest((time.perf_counter() - t0) / inner))
        return out


class MPIPeer(Peer):
    """mpi4py's blocking Allreduce over ember's communicator: the MPI library's own speed."""

    def __init__(self, ember):
        super().__init__("mpi", ember)
        self.comm = ember.distributed.distributed_c10d._get_default_group().comm


def _sample_plan(peer, fn, plan, inner_cap=1000):
    for _ in range(plan.warmup):
        fn()
    peer.dist.barrier()
    t0 = time.perf_counter()
    fn()
    once = peer.slowest(time.perf_counter() - t0)
    inner = max(1, min(inner_cap, int(plan.block_s / max(once, 1e-9))))
    count = max(plan.min_samples, min(plan.max_samples, int(plan.budget_s / plan.rounds / max(once * inner, 1e-9))))  # per round
    return inner, count


def all_reduce_case(peers, nbytes, plan):
    """Per library: the samples of an in-place float32 SUM all_reduce of `nbytes`."""
    import numpy as np
    n = nbytes // 4
    calls = {}
    for p in peers:
        if p.name == "mpi":
            from mpi4py import MPI
            array = np.ones(n, np.float32)
            calls[p.name] = (lambda a=array, c=p.comm: c.Allreduce(MPI.IN_PLACE, a, MPI.SUM))
        else:
            t = p.lib.ones(n, dtype=p.lib.float32)
            calls[p.name] = (lambda t=t, d=p.dist: d.all_reduce(t))
    plans = {p.name: _sample_plan(p, calls[p.name], plan) for p in peers}
    samples = {p.name: [] for p in peers}
    for _ in range(plan.rounds):
        for p in peers:
            inner, count = plans[p.name]
            samples[p.name] += p.samples(calls[p.name], plan, count, inner)
    return {name: dict(_quantiles(s), calls_per_sample=plans[name][0]) for name, s in samples.items()}


def bucket_numels(shapes):
    """The DDP bucket sizes in elements: parameters in reverse order, a first bucket of 1 MB,
    then BUCKET_CAP_MB each (both libraries' rule; a bucket closes once it reaches its cap)."""
    out, size, cap = [], 0, FIRST_BUCKET_BYTES
    for shape in reversed(shapes):
        size += math.prod(shape)
        if size * 4 >= cap:
            out.append(size)
            size, cap = 0, BUCKET_CAP_MB << 20
    if size:
        out.append(size)
    return out


def _mlp(lib, width, depth):
    layers = []
    for _ in range(depth - 1):
        layers += [lib.nn.Linear(width, width), lib.nn.ReLU()]
    layers.append(lib.nn.Linear(width, width))
    return lib.nn.Sequential(*layers)


def ddp_case(peer, plan, rank):
    """The four DDP-step variants of one library (see the module's docstring)."""
    lib, dist = peer.lib, peer.dist
    lib.manual_seed(0)
    width, depth, batch = plan.ddp_width, plan.ddp_depth, plan.ddp_batch
    local_model = _mlp(lib, width, depth)
    lib.manual_seed(0)
    ddp_model = lib.nn.parallel.DistributedDataParallel(_mlp(lib, width, depth), bucket_cap_mb=BUCKET_CAP_MB)
    lib.manual_seed(100 + rank)  # each rank its own shard of the batch
    x, y = lib.randn(batch, width), lib.randn(batch, width)
    params = list(local_model.parameters())
    shapes = [tuple(p.shape) for p in params]
    numels = bucket_numels(shapes)
    buffers = [lib.zeros(n) for n in numels]
    world = dist.get_world_size()
    opt_local = lib.optim.SGD(local_model.parameters(), lr=1e-4)
    opt_ddp = lib.optim.SGD(ddp_model.parameters(), lr=1e-4)
    mse = lib.nn.functional.mse_loss

    def local_step():
        opt_local.zero_grad()
        mse(local_model(x), y).backward()
        opt_local.step()

    def comm():
        works = [dist.all_reduce(b, async_op=True) for b in buffers]
        for w in works:
            w.wait()

    order = list(reversed(params))  # the buckets' parameter order

    def serial_step():
        opt_local.zero_grad()
        mse(local_model(x), y).backward()
        works, at = [], 0
        for b, n in zip(buffers, numels):
            grads, got = [], 0
            while got < n:
                g = order[at].grad
                grads.append(g.reshape(-1))
                got += g.numel()
                at += 1
            flat = lib.cat(grads)
            flat.div_(world)
            works.append((dist.all_reduce(flat, async_op=True), flat, grads))
        for w, flat, grads in works:
            w.wait()
            done = 0
            for g in grads:
                g.copy_(flat[done:done + g.numel()])
                done += g.numel()
        opt_local.step()

    def ddp_step():
        opt_ddp.zero_grad()
        mse(ddp_model(x), y).backward()
        opt_ddp.step()

    variants = {"local": local_step, "comm": comm, "serial": serial_step, "ddp": ddp_step}
    for fn in variants.values():
        for _ in range(plan.ddp_warmup):
            fn()
    counts = {}
    for name, fn in variants.items():
        dist.barrier()
        t0 = time.perf_counter()
        fn()
        once = peer.slowest(time.perf_counter() - t0)
        counts[name] = max(plan.ddp_min, min(plan.ddp_max, int(plan.ddp_budget / plan.rounds / max(once, 1e-9))))
    samples = {name: [] for name in variants}
    for _ in range(plan.rounds):  # the variants in turns, so that drift lands on each
        for name, fn in variants.items():
            samples[name] += peer.samples(fn, plan, counts[name], 1)
    out = {name: _quantiles(s) for name, s in samples.items()}
    out["param_bytes"] = sum(math.prod(s) for s in shapes) * 4
    out["buckets_bytes"] = [n * 4 for n in numels]
    return out


def worker(args):
    import ember
    import torch
    import torch.distributed as tdist
    import ember.distributed  # noqa: F401
    ember.set_num_threads(1)
    torch.set_num_threads(1)
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    host = os.environ["MASTER_ADDR"]
    ember.distributed.init_process_group("gloo", init_method=f"tcp://{host}:{args.ember_port}", rank=rank,
                                         world_size=world)
    tdist.init_process_group("gloo", init_method=f"tcp://{host}:{args.torch_port}", rank=rank, world_size=world)
    plan = Plan(args.quick)
    ember_peer, torch_peer = Peer("ember", ember), Peer("torch", torch)
    peers = [ember_peer, torch_peer] + ([MPIPeer(ember)] if args.with_mpi else [])
    result = {"all_reduce": [], "ddp": {}}
    for text in args.sizes.split(","):
        nbytes = parse_size(text)
        result["all_reduce"].append({"bytes": nbytes, "results": all_reduce_case(peers, nbytes, plan)})
    if not args.no_ddp:
        for peer in (ember_peer, torch_peer):
            result["ddp"][peer.name] = ddp_case(peer, plan, rank)
        result["ddp_model"] = {"width": plan.ddp_width, "depth": plan.ddp_depth, "batch_per_rank": plan.ddp_batch,
                               "bucket_cap_mb": BUCKET_CAP_MB}
    ember_peer.dist.barrier()
    tdist.barrier()
    if rank == 0:
        with open(args.out, "w") as f:
            json.dump(result, f)
    tdist.destroy_process_group()
    ember.distributed.destroy_process_group()


# ---- the driver --------------------------------------------------------------------------------

def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(nproc=2, sizes=None, quick=False, with_mpi=True, ddp=True, timeout=600):
    """Starts the workers, waits for them, and returns rank 0's results (raises if one fails)."""
    sizes = sizes or (SIZES_QUICK if quick else SIZES_FULL)
    here = os.path.abspath(__file__)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        ember_port, torch_port, master_port = _free_port(), _free_port(), _free_port()
        command = [sys.executable, here, "--worker", "--out", out, "--sizes", ",".join(sizes),
                   "--ember-port", str(ember_port), "--torch-port", str(torch_port)]
        command += (["--quick"] if quick else []) + ([] if with_mpi else ["--no-mpi"]) + ([] if ddp else ["--no-ddp"])
        procs, logs = [], []
        started = time.time()
        load_before = list(os.getloadavg())
        for rank in range(nproc):
            env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(nproc),
                       LOCAL_WORLD_SIZE=str(nproc), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(master_port),
                       OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")  # the workers share the cores
            log = open(os.path.join(tmp, f"rank{rank}.log"), "w+")
            logs.append(log)
            procs.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
        try:
            deadline = time.monotonic() + timeout
            while any(p.poll() is None for p in procs):
                if any(p.poll() not in (None, 0) for p in procs) or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait()
        failed = [(r, p.returncode) for r, p in enumerate(procs) if p.returncode != 0]
        if failed:
            text = []
            for r, log in enumerate(logs):
                log.seek(0)
                text.append(f"--- rank {r} ---\n" + log.read()[-3000:])
            raise RuntimeError(f"bench_distributed: workers failed (rank, code) {failed}\n" + "\n".join(text))
        with open(out) as f:
            result = json.load(f)
        for log in logs:
            log.close()
    result["nproc"] = nproc
    result["load_average_before_after"] = [load_before, list(os.getloadavg())]
    result["elapsed_s"] = time.time() - started
    result["quick"] = quick
    return result


def _seconds(s):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def _spread(e):
    return f"±{100 * (e['q3_s'] - e['q1_s']) / e['median_s']:.0f}%"


def _markdown(head, rows):
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    return [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows]


def hidden_share(d):
    """(serial - ddp) / (serial - local): see the module's docstring."""
    cost = d["serial"]["median_s"] - d["local"]["median_s"]
    return (d["serial"]["median_s"] - d["ddp"]["median_s"]) / cost if cost > 0 else float("nan")


def table(result):
    """Markdown tables of `launch`'s result: all_reduce by size, then the DDP step."""
    n = result["nproc"]
    bus = 2 * (n - 1) / n
    has_mpi = any("mpi" in c["results"] for c in result["all_reduce"])
    head = ["size", "ember", "spread", "ember algbw", "ember busbw", "torch", "spread", "torch algbw",
            "torch busbw", "torch/ember"] + (["mpi4py", "mpi/ember"] if has_mpi else [])
    rows = []
    for case in result["all_reduce"]:
        b, r = case["bytes"], case["results"]
        e, t = r["ember"], r["torch"]
        row = [size_name(b), _seconds(e["median_s"]), _spread(e), f"{b / e['median_s'] / 1e9:.2f} GB/s",
               f"{bus * b / e['median_s'] / 1e9:.2f} GB/s", _seconds(t["median_s"]), _spread(t),
               f"{b / t['median_s'] / 1e9:.2f} GB/s", f"{bus * b / t['median_s'] / 1e9:.2f} GB/s",
               f"{t['median_s'] / e['median_s']:.2f}"]
        if has_mpi:
            m = r["mpi"]
            row += [_seconds(m["median_s"]), f"{m['median_s'] / e['median_s']:.2f}"]
        rows.append(row)
    lines = [f"all_reduce, float32 SUM in place, {n} processes (median of the slowest rank's time per call; "
             "algbw = bytes/time, busbw = 2(n-1)/n * algbw)"]
    if result.get("load_average_before_after"):
        before, after = result["load_average_before_after"]
        lines.append(f"load average (1 min) {before[0]:.1f} at the start, {after[0]:.1f} at the end")
    lines += [""] + _markdown(head, rows)
    if result.get("ddp"):
        m = result["ddp_model"]
        lib0 = next(iter(result["ddp"].values()))
        buckets = ", ".join(f"{b / (1 << 20):.1f}" for b in lib0["buckets_bytes"])
        lines += ["", f"DDP step: MLP {m['depth']} x Linear({m['width']}, {m['width']}), batch {m['batch_per_rank']} "
                  f"per rank, {lib0['param_bytes'] / (1 << 20):.1f} MiB of float32 gradients in buckets of "
                  f"{buckets} MiB (bucket_cap_mb={m['bucket_cap_mb']}); hidden = (serial - ddp) / (serial - local)", ""]
        head = ["library", "local", "comm", "serial", "ddp", "spread", "ddp - local", "hidden"]
        rows = []
        for name, d in result["ddp"].items():
            exposed = d["ddp"]["median_s"] - d["local"]["median_s"]
            rows.append([name, _seconds(d["local"]["median_s"]), _seconds(d["comm"]["median_s"]),
                         _seconds(d["serial"]["median_s"]), _seconds(d["ddp"]["median_s"]), _spread(d["ddp"]),
                         ("-" if exposed < 0 else "") + _seconds(abs(exposed)),
                         f"{100 * hidden_share(d):.0f}%"])
        if {"ember", "torch"} <= set(result["ddp"]):
            e, t = result["ddp"]["ember"], result["ddp"]["torch"]
            lines_ratio = (f"torch/ember: ddp step {t['ddp']['median_s'] / e['ddp']['median_s']:.2f}, local step "
                           f"{t['local']['median_s'] / e['local']['median_s']:.2f}, comm "
                           f"{t['comm']['median_s'] / e['comm']['median_s']:.2f}")
        else:
            lines_ratio = None
        lines += _markdown(head, rows) + ([lines_ratio] if lines_ratio else [])
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"sizes {','.join(SIZES_QUICK)}, a small DDP model, "
                                                             "few samples (a few seconds)")
    parser.add_argument("--sizes", help="comma-separated message sizes in bytes (K, M suffixes), e.g. 1K,1M,64M")
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--no-mpi", dest="with_mpi", action="store_false",
                        help="leave out the mpi4py reference column")
    parser.add_argument("--no-ddp", action="store_true", help="all_reduce only")
    parser.add_argument("--json", metavar="FILE", help="write every result (medians, quartiles, samples) here")
    parser.add_argument("--timeout", type=float, default=600)
    # a worker's own flags (the driver passes them)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--ember-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--torch-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    if args.nproc < 2:
        parser.error("--nproc must be at least 2")
    sizes = args.sizes.split(",") if args.sizes else None
    result = launch(args.nproc, sizes, args.quick, args.with_mpi, not args.no_ddp, args.timeout)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    print(table(result))
    print(f"({result['elapsed_s']:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
