"""python -m ember.demo: the engine at work.

Shows a few ops on strided views, times one large elementwise op and one reduction against
numpy, and prints the build's configuration. (A training demo replaces this once ember has
autograd and nn.)
"""
import argparse
import time

import numpy as np

import ember


def _median_ms(fn, repeats):
    fn()  # warm-up: first touch of fresh memory, thread pool start
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * sorted(times)[len(times) // 2]


def show_ops():
    ember.manual_seed(0)
    x = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    print("x =", x, sep="\n")
    print("x.t()[::-1]  (a transposed, reversed view; no copy) =", x.t()[::-1], sep="\n")
    print("softmax(x, dim=1) =", x.softmax(dim=1), sep="\n")
    print("(x * 2 + 1).relu().sum(dim=0) =", (x * 2 + 1).relu().sum(dim=0))
    print("x.max(dim=1) ->", x.max(dim=1))
    print("int32 + 2.5 ->", (ember.ones(2, dtype=ember.int32) + 2.5).dtype,
          "| float16 * 3 ->", (ember.ones(2, dtype=ember.float16) * 3).dtype)
    y = ember.randn(2, 3)
    print("randn(2, 3) with seed 0 =", y, sep="\n")
    a = np.arange(6.0).reshape(2, 3)
    t = ember.from_numpy(a)
    t[0, 0] = 100.0
    print("from_numpy shares memory: numpy sees", a[0, 0])


def benchmark(n, repeats):
    a_np = np.random.default_rng(0).standard_normal(n, dtype=np.float32)
    b_np = np.random.default_rng(1).standard_normal(n, dtype=np.float32)
    a, b = ember.from_numpy(a_np), ember.from_numpy(b_np)
    rows = [
        ("add", lambda: a + b, lambda: a_np + b_np),
        ("exp", lambda: a.exp(), lambda: np.exp(a_np)),
        ("sum", lambda: a.sum(), lambda: a_np.sum()),
    ]
    print(f"\n{n:,} float32 elements, median of {repeats} runs:")
    for name, ours, theirs in rows:
        te, tn = _median_ms(ours, repeats), _median_ms(theirs, repeats)
        print(f"  {name:4s} ember {te:7.2f} ms   numpy {tn:7.2f} ms   ember is {tn / te:4.2f}x numpy's speed")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ember.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 24, help="elements in the benchmark (default 16M)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    show_ops()
    benchmark(args.size, args.repeats)
    info = ember._C.build_info()
    print("\nbuild:", ", ".join(f"{k}={v}" for k, v in info.items()))


if __name__ == "__main__":
    main()
