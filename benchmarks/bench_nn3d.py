"""3-D and sampling benchmarks: ember against PyTorch (when installed) on volumetric shapes.

    python benchmarks/bench_nn3d.py [--repeats R] [--json out.json] [--only NAME]

conv3d / conv_transpose3d forward and the three gradients (the vol2col + GEMM kernels), the
3-D pools (2-D pool of each depth slice, then a 1-D pool over depth), trilinear interpolation
and grid_sample (gathers in ember ops). float32; one warm-up, then the median of R runs. The
ratio is torch time / ember time (above 1: ember is faster).
"""
import argparse
import json
import platform
import sys

import numpy as np

import ember
import ember.nn.functional as F
from ember.nn.functional import conv as _conv
from timing import git_commit, median_seconds

try:
    import torch
except ImportError:  # the peer is optional
    torch = None


def _pair(rng, *shape):
    a = rng.standard_normal(shape, dtype=np.float32)
    return ember.from_numpy(a), (torch.from_numpy(a) if torch is not None else None)


def cases():
    rng = np.random.default_rng(0)
    x, tx = _pair(rng, 4, 16, 16, 32, 32)
    w, tw = _pair(rng, 32, 16, 3, 3, 3)
    wt, twt = _pair(rng, 16, 8, 2, 2, 2)
    go, tgo = _pair(rng, 4, 32, 16, 32, 32)
    grid, tgrid = _pair(rng, 4, 32, 32, 2)
    img, timg = _pair(rng, 4, 16, 64, 64)
    tf = torch.nn.functional if torch is not None else None

    def peer(fn):
        if torch is None:
            return None

        def run():
            with torch.no_grad():
                return fn()
        return run

    yield ("conv3d 3x3x3 forward", "(4,16,16,32,32) * (32,16,3,3,3) pad 1",
           lambda: F.conv3d(x, w, padding=1), peer(lambda: tf.conv3d(tx, tw, padding=1)))
    yield ("conv3d 3x3x3 backward", "grads of input, weight, bias",
           lambda: _conv.conv3d_backward(go, x, w, padding=1),
           None if torch is None else lambda: torch.ops.aten.convolution_backward(
               tgo, tx, tw, [32], [1] * 3, [1] * 3, [1] * 3, False, [0] * 3, 1, [True, True, True]))
    yield ("conv_transpose3d 2x2x2 stride 2", "(4,16,16,32,32) * (16,8,2,2,2)",
           lambda: F.conv_transpose3d(x, wt, stride=2), peer(lambda: tf.conv_transpose3d(tx, twt, stride=2)))
    yield ("max_pool3d 2x2x2", "(4,16,16,32,32)", lambda: F.max_pool3d(x, 2), peer(lambda: tf.max_pool3d(tx, 2)))
    yield ("avg_pool3d 3x3x3 stride 2 pad 1", "(4,16,16,32,32)", lambda: F.avg_pool3d(x, 3, 2, 1),
           peer(lambda: tf.avg_pool3d(tx, 3, 2, 1)))
    yield ("interpolate trilinear x2", "(4,16,16,32,32)",
           lambda: F.interpolate(x, scale_factor=2, mode="trilinear"),
           peer(lambda: tf.interpolate(tx, scale_factor=2, mode="trilinear")))
    yield ("interpolate bicubic x2", "(4,16,64,64)", lambda: F.interpolate(img, scale_factor=2, mode="bicubic"),
           peer(lambda: tf.interpolate(timg, scale_factor=2, mode="bicubic")))
    yield ("grid_sample bilinear", "(4,16,64,64) at (4,32,32)",
           lambda: F.grid_sample(img, grid, align_corners=False),
           peer(lambda: tf.grid_sample(timg, tgrid, align_corners=False)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--only", help="run the cases whose name contains this")
    args = parser.parse_args()
    threads = ember.get_num_threads()
    if torch is not None:
        torch.set_num_threads(threads)
    print(f"ember {ember.__version__}, torch {torch.__version__ if torch else 'absent'}, {threads} threads, "
          f"median of {args.repeats}")
    print(f"{'case':34s} {'shapes':40s} {'ember':>10s} {'torch':>10s} {'torch/ember':>11s}")
    rows = []
    for name, what, ember_fn, torch_fn in cases():
        if args.only and args.only not in name:
            continue
        e = median_seconds(ember_fn, args.repeats)
        t = median_seconds(torch_fn, args.repeats) if torch_fn else None
        ratio = f"{t / e:11.2f}" if t else f"{'-':>11s}"
        t_str = f"{t * 1e3:8.2f}ms" if t else f"{'-':>10s}"
        print(f"{name:34s} {what:40s} {e * 1e3:8.2f}ms {t_str} {ratio}", flush=True)
        rows.append({"case": name, "shapes": what, "ember_s": e, "torch_s": t})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": platform.processor() or platform.machine(), "python": sys.version.split()[0],
                       "commit": git_commit(), "threads": threads, "numpy": np.__version__,
                       "torch": torch.__version__ if torch else None, "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
