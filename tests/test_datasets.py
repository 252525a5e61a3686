"""ember.datasets.load_digits: the UCI handwritten digits shipped inside the package."""
import os

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, TensorDataset

# From the original digits.csv.gz of scikit-learn (1,797 rows of 64 pixels and a label).
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
PIXEL_SUM = 561718
PIXEL_POSITION_WEIGHTED_SUM = 17660653  # sum over rows of sum(pixel[k] * k), k = 0..63 row-major
FIRST_ROW = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0,
             0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0]
LAST_ROW = [0, 0, 10, 14, 8, 1, 0, 0, 0, 2, 16, 14, 6, 1, 0, 0, 0, 0, 15, 15, 8, 15, 0, 0, 0, 0, 5, 16, 16, 10, 0, 0,
            0, 0, 12, 15, 15, 12, 0, 0, 0, 4, 16, 6, 4, 16, 6, 0, 0, 8, 16, 10, 8, 16, 8, 0, 0, 1, 8, 12, 14, 12, 1, 0]


def test_shapes_dtypes_and_scale():
    x, y = ember.datasets.load_digits()
    assert tuple(x.shape) == (1797, 8, 8) and x.dtype == ember.float32
    assert tuple(y.shape) == (1797,) and y.dtype == ember.int64
    xn = x.numpy()
    assert xn.min() == 0.0 and xn.max() == 1.0
    # Every pixel is a multiple of 1/16 (the data are counts 0..16).
    np.testing.assert_array_equal(xn * 16, np.round(xn * 16))


def test_values_match_the_original_csv():
    x, y = ember.datasets.load_digits(scale=False)
    xn = x.numpy().astype(np.int64).reshape(1797, 64)
    assert np.bincount(y.numpy(), minlength=10).tolist() == CLASS_COUNTS
    assert xn.sum() == PIXEL_SUM
    assert (xn * np.arange(64)).sum() == PIXEL_POSITION_WEIGHTED_SUM
    assert xn[0].tolist() == FIRST_ROW and xn[-1].tolist() == LAST_ROW
    assert y.numpy()[:20].tolist() == list(range(10)) * 2
    assert y.numpy()[-1] == 8


def test_n_class_keeps_the_first_digits_in_order():
    x, y = ember.datasets.load_digits(n_class=3)
    assert len(y) == sum(CLASS_COUNTS[:3])
    assert set(y.tolist()) == {0, 1, 2}
    full_x, full_y = ember.datasets.load_digits()
    keep = full_y.numpy() < 3
    np.testing.assert_array_equal(x.numpy(), full_x.numpy()[keep])
    for bad in (0, 11, 2.5, True):
        with pytest.raises(ValueError):
            ember.datasets.load_digits(n_class=bad)


def test_as_dataset_feeds_a_data_loader():
    ds = ember.datasets.load_digits(as_dataset=True)
    assert isinstance(ds, TensorDataset) and len(ds) == 1797
    image, label = ds[0]
    assert tuple(image.shape) == (8, 8) and label.item() == 0
    batches = list(DataLoader(ds, batch_size=256))
    assert len(batches) == 8
    assert tuple(batches[0][0].shape) == (256, 8, 8) and tuple(batches[-1][0].shape) == (1797 - 7 * 256, 8, 8)
    assert batches[0][0].unsqueeze(1).shape == (256, 1, 8, 8)


def test_the_data_file_is_small_and_documented():
    data_dir = os.path.join(os.path.dirname(ember.__file__), "data")
    assert os.path.getsize(os.path.join(data_dir, "digits.npz")) < 100_000
    with open(os.path.join(data_dir, "README.md")) as f:
        text = f.read()
    assert "CC BY 4.0" in text and "Optical Recognition of" in text


def test_results_are_fresh_tensors():
    x1, _ = ember.datasets.load_digits()
    x1.zero_()
    x2, _ = ember.datasets.load_digits()
    assert x2.numpy().max() == 1.0
