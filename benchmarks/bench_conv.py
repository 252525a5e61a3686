"""Convolution benchmarks: ember against PyTorch (when installed) on typical layer shapes.

    python benchmarks/bench_conv.py [--repeats R] [--device cpu|cuda] [--json out.json] [--only NAME]

With --device cuda both run on the GPU (torch through cuDNN, TF32 off) and each time is the
median per call over blocks timed by the library's CUDA events (timing.gpu_seconds).

Each case runs both on the same float32 data: one warm-up, then the median of R timed runs.
The ratio is torch time / ember time (above 1: ember is faster). Backward cases time the three
gradients together (ember.nn.functional.conv.conv2d_backward against aten's convolution_backward).
"""
import argparse
import json
import platform
import sys

import numpy as np

import ember
from timing import git_commit, gpu_seconds, median_seconds
from ember.nn.functional import conv as _nn_conv

try:
    import torch
except ImportError:  # the peer is optional
    torch = None

# name, input shape, weight shape, keyword arguments
LAYERS = [
    ("3x3 first layer", (32, 3, 32, 32), (16, 3, 3, 3), dict(padding=1)),
    ("3x3 resnet stage 1", (8, 64, 56, 56), (64, 64, 3, 3), dict(padding=1)),
    ("3x3 stride 2", (8, 64, 56, 56), (128, 64, 3, 3), dict(padding=1, stride=2)),
    ("1x1 pointwise", (8, 64, 56, 56), (256, 64, 1, 1), {}),
    ("3x3 depthwise", (8, 64, 56, 56), (64, 1, 3, 3), dict(padding=1, groups=64)),
    # a small ResNet at batch 32 and a digits CNN at batch 64
    ("resnet 3x3 64->64 16x16", (32, 64, 16, 16), (64, 64, 3, 3), dict(padding=1)),
    ("resnet 3x3 64->128 16x16", (32, 64, 16, 16), (128, 64, 3, 3), dict(padding=1)),
    ("resnet 3x3 stride 2", (32, 64, 16, 16), (128, 64, 3, 3), dict(padding=1, stride=2)),
    ("resnet 1x1 stride 2 shortcut", (32, 64, 16, 16), (128, 64, 1, 1), dict(stride=2)),
    ("resnet 3x3 128->128 8x8", (32, 128, 8, 8), (128, 128, 3, 3), dict(padding=1)),
    ("resnet 3x3 depthwise 32x32", (32, 64, 32, 32), (64, 1, 3, 3), dict(padding=1, groups=64)),
    ("digits 3x3 1->16 28x28", (64, 1, 28, 28), (16, 1, 3, 3), dict(padding=1)),
    ("digits 3x3 16->32 14x14", (64, 16, 14, 14), (32, 16, 3, 3), dict(padding=1)),
]



def cases(device="cpu"):
    rng = np.random.default_rng(0)
    for name, x_shape, w_shape, kw in LAYERS:
        x_np = rng.standard_normal(x_shape, dtype=np.float32)
        w_np = rng.standard_normal(w_shape, dtype=np.float32)
        b_np = rng.standard_normal(w_shape[0], dtype=np.float32)
        x, w, b = (ember.from_numpy(a).to(device) for a in (x_np, w_np, b_np))
        out_shape = tuple(ember.conv2d(x, w, b, **kw).shape)
        go_np = rng.standard_normal(out_shape, dtype=np.float32)
        go = ember.from_numpy(go_np).to(device)
        what = f"{x_shape} * {w_shape} {kw or ''}".strip()
        t_fwd = t_bwd = None
        if torch is not None:
            tx, tw, tb, tgo = (torch.from_numpy(a).to(device) for a in (x_np, w_np, b_np, go_np))
            stride, padding = kw.get("stride", 1), kw.get("padding", 0)
            groups = kw.get("groups", 1)

            def t_fwd(tx=tx, tw=tw, tb=tb, kw=kw):
                with torch.no_grad():
                    return torch.nn.functional.conv2d(tx, tw, tb, **kw)

            def t_bwd(tx=tx, tw=tw, tgo=tgo, stride=stride, padding=padding, groups=groups, n=w_shape[0]):
                return torch.ops.aten.convolution_backward(
                    tgo, tx, tw, [n], [stride] * 2, [padding] * 2, [1, 1], False, [0, 0], groups,
                    [True, True, True])

        yield (f"{name} forward", what, lambda x=x, w=w, b=b, kw=kw: ember.conv2d(x, w, b, **kw), t_fwd)
        yield (f"{name} backward", what,
               lambda go=go, x=x, w=w, kw=kw: _nn_conv.conv2d_backward(go, x, w, **kw), t_bwd)



def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--device", default="cpu", help="cpu, or cuda: ember and torch on the GPU")
    args = parser.parse_args()
    on_gpu = args.device.startswith("cuda")
    if on_gpu and not ember.cuda.is_available():
        sys.exit(f"bench_conv: --device {args.device}, but ember has no GPU here")
    global torch
    if on_gpu and torch is not None and not torch.cuda.is_available():
        torch = None
    if on_gpu and torch is not None:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    threads = ember.get_num_threads()
    if torch is not None:
        torch.set_num_threads(threads)
    print(f"ember {ember.__version__} ({ember._C.build_info().get('cpu_capability', '?')}), "
          f"torch {torch.__version__ if torch else 'absent'}, {threads} threads, median of {args.repeats}")
    print(f"{'case':34s} {'shapes':58s} {'ember':>10s} {'torch':>10s} {'torch/ember':>11s}")
    rows = []
    for name, what, ember_fn, torch_fn in cases(args.device):
        if args.only and args.only not in name:
            continue
        if on_gpu:
            try:
                e = gpu_seconds(ember_fn, ember, args.repeats)
            except Exception as exc:  # noqa: BLE001 - a missing GPU kernel: recorded, the run goes on
                print(f"{name:34s} ember failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}", flush=True)
                rows.append({"case": name, "shapes": what, "ember_s": None, "torch_s": None,
                             "error": f"{type(exc).__name__}: {exc}"})
                continue
            t = gpu_seconds(torch_fn, torch, args.repeats) if torch_fn else None
        else:
            e = median_seconds(ember_fn, args.repeats)
            t = median_seconds(torch_fn, args.repeats) if torch_fn else None
        ratio = f"{t / e:11.2f}" if t else f"{'-':>11s}"
        t_str = f"{t * 1e3:8.2f}ms" if t else f"{'-':>10s}"
        print(f"{name:34s} {what:58s} {e * 1e3:8.2f}ms {t_str} {ratio}", flush=True)
        rows.append({"case": name, "shapes": what, "ember_s": e, "torch_s": t})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": platform.processor() or platform.machine(), "python": sys.version.split()[0],
                       "commit": git_commit(), "threads": threads, "device": args.device, "numpy": np.__version__,
                       "torch": torch.__version__ if torch else None, "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
