"""Small data sets shipped inside the package, so that examples and tests need no download.

`load_digits()`: the UCI handwritten digits (1,797 images of 8x8 pixels, labels 0..9), the
set scikit-learn ships as `load_digits`. Source and license (CC BY 4.0): ember/data/README.md.
"""
import os

import numpy as np

__all__ = ["load_digits"]

_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def _digits_arrays():
    with np.load(os.path.join(_DATA_DIR, "digits.npz")) as f:
        return f["images"], f["labels"]


def load_digits(*, n_class=10, scale=True, as_dataset=False):
    """The handwritten digits as ember tensors.

    Returns `(images, labels)`: images float32 of shape [N, 8, 8], labels int64 of shape [N]
    (N = 1797 for all ten classes). Pixels are integers 0..16 in the data; with `scale=True`
    (the default) they are divided by 16, so images lie in [0, 1]; with `scale=False` they keep
    their 0..16 values (still float32). `n_class=k` keeps only the digits 0..k-1, in their
    original order. With `as_dataset=True` the result is a
    `ember.utils.data.TensorDataset(images, labels)` instead. For a convolution, add the
    channel dim: `images.unsqueeze(1)` is [N, 1, 8, 8].
    """
    import ember
    if isinstance(n_class, bool) or not isinstance(n_class, int) or not 1 <= n_class <= 10:
        raise ValueError(f"load_digits: n_class must be an int in 1..10, got {n_class!r}")
    images, labels = _digits_arrays()
    if n_class < 10:
        keep = labels < n_class
        images, labels = images[keep], labels[keep]
    x = images.astype(np.float32)
    if scale:
        x /= 16.0
    x = ember.from_numpy(np.ascontiguousarray(x))
    y = ember.from_numpy(labels.astype(np.int64))
    if as_dataset:
        from .utils.data import TensorDataset
        return TensorDataset(x, y)
    return x, y
