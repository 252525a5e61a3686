"""GPU benchmarks: ember's CUDA backend against PyTorch on the same GPU, with the targets of
the CUDA backend checked as ratios.

    python benchmarks/bench_cuda.py [--repeats R] [--quick] [--only NAME ...] [--json out.json]

Every case runs ember and torch on the same data on the GPU: a few warm-up calls, then R timed
blocks, each timed by the library's own CUDA events around enough calls to last about 2 ms
(after a synchronize); the result is the median time per call. Cases:

- copy: a device-to-device copy of a 1 GiB float32 buffer (bytes read + written over time),
  by ember and by torch: the card's measured copy bandwidth is the better of the two;
- elementwise: add, mul, exp, in-place add on 64M float32 and add on bfloat16, as GB/s and as a
  fraction of that copy bandwidth;
- GEMM at 4096: float32 with TF32 off (SGEMM), bfloat16, and float32 with TF32 on (reported,
  no target), as TFLOP/s against torch's cuBLAS;
- softmax and layer_norm on 8192x4096 (float32 and bfloat16), scaled dot-product attention
  (8x16x1024x64, bfloat16, causal and not, forward and forward + backward);
- a training step (forward, cross-entropy, backward, Adam) of the demo's CNN on a batch of 512
  digits, and of a small GPT (4 layers, width 256, 4 heads, 256 tokens, batch 16).

Targets (ratios; above the goal passes): SGEMM >= 0.9x cuBLAS, bf16 GEMM >= 0.7x, elementwise
>= 90% of the measured copy bandwidth, softmax / layer_norm >= 1.0x PyTorch, attention >= 0.7x,
the training steps >= 1.0x PyTorch eager. A case that fails on either side is recorded with
its error and the run goes on.
"""
import argparse
import json
import math
import os
import platform
import sys
import traceback

import numpy as np

import ember
from timing import git_commit, gpu_seconds

try:
    import torch
except ImportError:
    torch = None


# ---- cases -----------------------------------------------------------------------------------------

class Case:
    """One measurement: `make(lib)` builds the data on the GPU and returns the callable to time;
    `work` (bytes or flops of one call) turns times into rates; `target` = (kind, goal)."""

    def __init__(self, name, what, make, work=None, unit=None, target=None, group=None):
        self.name, self.what, self.make, self.work, self.unit = name, what, make, work, unit
        self.target, self.group = target, group


def _randn(lib, shape, dtype="float32", seed=0):
    a = np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)
    t = lib.from_numpy(a).to("cuda")
    return t.to(getattr(lib, dtype)) if dtype != "float32" else t


def _set_tf32(lib, on):
    if lib is torch:
        torch.backends.cuda.matmul.allow_tf32 = on
    else:
        ember.backends.cuda.matmul.allow_tf32 = on


def copy_case(n):
    def make(lib):
        src = lib.empty(n, device="cuda").fill_(1.0)
        dst = lib.empty(n, device="cuda")
        return lambda: dst.copy_(src)
    return Case("copy", f"device-to-device copy, {n * 4 / 2**30:.0f} GiB float32", make, work=2 * 4 * n,
                unit="GB/s", group="bandwidth")


def elementwise_cases(n):
    def binary(op, dtype="float32"):
        def make(lib):
            a, b = _randn(lib, (n,), dtype, 1), _randn(lib, (n,), dtype, 2)
            return {"add": lambda: a + b, "mul": lambda: a * b, "add_": lambda: a.add_(b)}[op]
        return make

    def exp(lib):
        a = _randn(lib, (n,), "float32", 1) * 0.1
        return lambda: lib.exp(a)

    target = ("fraction_of_copy_bandwidth", 0.9)
    return [
        Case("add", f"a + b, {n:,} float32", binary("add"), 3 * 4 * n, "GB/s", target, "elementwise"),
        Case("mul", f"a * b, {n:,} float32", binary("mul"), 3 * 4 * n, "GB/s", target, "elementwise"),
        Case("exp", f"exp(a), {n:,} float32", exp, 2 * 4 * n, "GB/s", target, "elementwise"),
        Case("add_", f"a.add_(b), {n:,} float32", binary("add_"), 3 * 4 * n, "GB/s", target, "elementwise"),
        Case("add_bf16", f"a + b, {n:,} bfloat16", binary("add", "bfloat16"), 3 * 2 * n, "GB/s", target,
             "elementwise"),
    ]


def gemm_cases(side):
    def make(dtype, tf32):
        def build(lib):
            a, b = _randn(lib, (side, side), dtype, 3), _randn(lib, (side, side), dtype, 4)
            _set_tf32(lib, tf32)
            return lambda: a @ b
        return build
    flops = 2 * side ** 3
    return [
        Case("sgemm", f"{side}^3 float32 matmul, TF32 off", make("float32", False), flops, "TFLOP/s",
             ("vs_torch_rate", 0.9), "gemm"),
        Case("gemm_bf16", f"{side}^3 bfloat16 matmul", make("bfloat16", False), flops, "TFLOP/s",
             ("vs_torch_rate", 0.7), "gemm"),
        Case("gemm_tf32", f"{side}^3 float32 matmul, TF32 on", make("float32", True), flops, "TFLOP/s",
             None, "gemm"),
    ]


def norm_cases(rows, cols):
    def softmax(dtype):
        def make(lib):
            x = _randn(lib, (rows, cols), dtype, 5)
            return lambda: lib.softmax(x, dim=-1)
        return make

    def layer_norm(dtype):
        def make(lib):
            x = _randn(lib, (rows, cols), dtype, 6)
            w, b = _randn(lib, (cols,), dtype, 7), _randn(lib, (cols,), dtype, 8)
            return lambda: lib.nn.functional.layer_norm(x, (cols,), w, b)
        return make
    size = {"float32": 4, "bfloat16": 2}
    target = ("vs_torch_time", 1.0)
    return [Case(f"{kind}_{dt}", f"{kind}, {rows}x{cols} {dt}", make(dt), 2 * size[dt] * rows * cols, "GB/s",
                 target, "normalization")
            for kind, make in (("softmax", softmax), ("layer_norm", layer_norm)) for dt in ("float32", "bfloat16")]


def attention_cases(batch, heads, length, dim):
    def make(causal, backward):
        def build(lib):
            q, k, v = (_randn(lib, (batch, heads, length, dim), "bfloat16", s) for s in (9, 10, 11))
            F = lib.nn.functional
            if not backward:
                return lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal)
            q, k, v = (t.requires_grad_(True) for t in (q, k, v))
            grad = _randn(lib, (batch, heads, length, dim), "bfloat16", 12)

            def step():
                out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                out.backward(grad)
                q.grad = k.grad = v.grad = None
            return step
        return build
    flops = 4 * batch * heads * length * length * dim
    out = []
    for causal in (False, True):
        for backward in (False, True):
            work = flops * (3.5 if backward else 1) / (2 if causal else 1)
            out.append(Case(f"sdpa{'_causal' if causal else ''}{'_fwd_bwd' if backward else ''}",
                            f"attention {batch}x{heads}x{length}x{dim} bf16{', causal' if causal else ''}"
                            f"{', forward + backward' if backward else ''}", make(causal, backward), work, "TFLOP/s",
                            ("vs_torch_time", 0.7), "attention"))
    return out


def _digits_cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))


def _gpt(lib, vocab, width, heads, layers, length):
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
            self.fc, self.out = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
            q, k, v = (y.view(b, t, heads, c // heads).transpose(1, 2) for y in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).reshape(b, t, c))
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(vocab, width), nn.Embedding(length, width)
            self.blocks = nn.ModuleList([Block() for _ in range(layers)])
            self.ln, self.head = nn.LayerNorm(width), nn.Linear(width, vocab, bias=False)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(lib.arange(idx.shape[1], device=idx.device))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln(x))

    return GPT()


def training_cases(quick):
    def cnn(lib):
        lib.manual_seed(0)
        model = _digits_cnn(lib).to("cuda")
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)
        x = _randn(lib, (512, 1, 8, 8), "float32", 13)
        y = lib.from_numpy(np.random.default_rng(14).integers(0, 10, 512)).to("cuda")

        def step():
            loss = lib.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return step

    def gpt(lib):
        vocab, width, heads, layers, length, batch = 512, 256, 4, 4, 256, (8 if quick else 16)
        lib.manual_seed(0)
        model = _gpt(lib, vocab, width, heads, layers, length).to("cuda")
        opt = lib.optim.AdamW(model.parameters(), lr=3e-4)
        rng = np.random.default_rng(15)
        idx = lib.from_numpy(rng.integers(0, vocab, (batch, length))).to("cuda")
        tgt = lib.from_numpy(rng.integers(0, vocab, (batch, length))).to("cuda")

        def step():
            logits = model(idx)
            loss = lib.nn.functional.cross_entropy(logits.reshape(-1, vocab), tgt.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
        return step

    target = ("vs_torch_time", 1.0)
    return [Case("train_cnn", "demo CNN training step, batch 512, Adam", cnn, None, None, target, "training"),
            Case("train_gpt", "small GPT training step (4x256, 256 tokens), AdamW", gpt, None, None, target,
                 "training")]


def all_cases(quick):
    n = 1 << (24 if quick else 26)
    return ([copy_case(1 << (26 if quick else 28))] + elementwise_cases(n) + gemm_cases(4096)
            + norm_cases(8192, 4096) + attention_cases(8, 16, 1024, 64) + training_cases(quick))


# ---- running -------------------------------------------------------------------------------------

def measure(case, lib, repeats):
    try:
        fn = case.make(lib)
        return gpu_seconds(fn, lib, repeats), None
    except Exception as e:  # noqa: BLE001 - a failing case is recorded and the run goes on
        return None, f"{type(e).__name__}: {e}".splitlines()[0][:300] + "\n" + traceback.format_exc(limit=3)
    finally:
        _set_tf32(lib, False)
        try:
            lib.cuda.synchronize()
            lib.cuda.empty_cache()
        except Exception:  # noqa: BLE001
            pass


def rate(case, seconds):
    if seconds is None or case.work is None:
        return None
    return case.work / seconds / (1e9 if case.unit == "GB/s" else 1e12)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="smaller buffers and batches")
    parser.add_argument("--only", nargs="*", help="case names to run (copy always runs)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)

    if not ember.cuda.is_available():
        sys.exit(f"bench_cuda: ember has no GPU here (built with CUDA: {ember.cuda.is_built()})")
    have_torch = torch is not None and torch.cuda.is_available()
    if not have_torch:
        print("bench_cuda: PyTorch with CUDA is missing: ember's times only, no ratios", file=sys.stderr)
    ember.set_float32_matmul_precision("highest")
    if have_torch:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False

    results = []
    print(f"{'case':22s} {'ember':>10s} {'torch':>10s} {'torch/ember':>11s} {'ember rate':>16s} {'torch rate':>16s}")
    for case in all_cases(args.quick):
        if args.only and case.name not in args.only and case.name != "copy":
            continue
        te, ee = measure(case, ember, args.repeats)
        tt, et = measure(case, torch, args.repeats) if have_torch else (None, "torch with CUDA is missing")
        re_, rt = rate(case, te), rate(case, tt)
        row = {"case": case.name, "what": case.what, "group": case.group, "ember_s": te, "torch_s": tt,
               "unit": case.unit, "ember_rate": re_, "torch_rate": rt, "ember_error": ee, "torch_error": et}
        results.append(row)

        def fmt_t(t):
            return "failed" if t is None else (f"{t * 1e3:8.3f}ms" if t >= 1e-4 else f"{t * 1e6:8.2f}us")

        def fmt_r(r):
            return "" if r is None else f"{r:9.1f} {case.unit}"
        ratio = f"{tt / te:11.2f}" if te and tt else f"{'':11s}"
        print(f"{case.name:22s} {fmt_t(te):>10s} {fmt_t(tt):>10s} {ratio} {fmt_r(re_):>16s} {fmt_r(rt):>16s}")
        if ee:
            print(f"    ember failed: {ee.splitlines()[0]}")
        sys.stdout.flush()

    by_name = {r["case"]: r for r in results}
    copy = by_name.get("copy", {})
    copy_bw = max([r for r in (copy.get("ember_rate"), copy.get("torch_rate")) if r] or [float("nan")])
    targets = []
    for case in all_cases(args.quick):
        r = by_name.get(case.name)
        if r is None or case.target is None:
            continue
        kind, goal = case.target
        value = None
        if kind == "fraction_of_copy_bandwidth" and r["ember_rate"] and not math.isnan(copy_bw):
            value = r["ember_rate"] / copy_bw
        elif kind == "vs_torch_rate" and r["ember_rate"] and r["torch_rate"]:
            value = r["ember_rate"] / r["torch_rate"]
        elif kind == "vs_torch_time" and r["ember_s"] and r["torch_s"]:
            value = r["torch_s"] / r["ember_s"]
        targets.append({"case": case.name, "kind": kind, "goal": goal, "value": value,
                        "met": None if value is None else value >= goal})

    print(f"\nmeasured copy bandwidth: {copy_bw:.0f} GB/s (ember {copy.get('ember_rate') or float('nan'):.0f}, "
          f"torch {copy.get('torch_rate') or float('nan'):.0f})")
    print(f"{'target':22s} {'kind':28s} {'goal':>6s} {'value':>7s}  met")
    for t in targets:
        value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
        met = {True: "yes", False: "NO", None: "?"}[t["met"]]
        print(f"{t['case']:22s} {t['kind']:28s} {t['goal']:6.2f} {value:>7s}  {met}")

    if args.json:
        props = ember.cuda.get_device_properties(0)
        meta = {
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "gpu": props.name, "capability": [props.major, props.minor],
                        "gpu_memory": props.total_memory, "sms": props.multi_processor_count},
            "commit": git_commit(),
            "versions": {"ember": ember.__version__, "numpy": np.__version__,
                         "torch": torch.__version__ if torch else None,
                         "torch_cuda": getattr(torch.version, "cuda", None) if torch else None},
            "build": ember._C.build_info(),
            "repeats": args.repeats, "quick": args.quick,
            "copy_bandwidth_gbs": None if math.isnan(copy_bw) else copy_bw,
            "results": results, "targets": targets,
        }
        with open(args.json, "w") as f:
            json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
