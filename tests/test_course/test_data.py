"""course.data: shapes, label ranges, seeds, and clear errors."""

import numpy as np
import pytest

from course import data


def test_moons_shapes_labels_and_seed():
    X, Y = data.make_moons_2d(101, seed=3)
    assert X.shape == (2, 101) and Y.shape == (1, 101)
    assert set(np.unique(Y)) == {0.0, 1.0} and abs(Y.mean() - 0.5) < 0.01
    X2, _ = data.make_moons_2d(101, seed=3)
    np.testing.assert_array_equal(X, X2)
    assert not np.array_equal(X, data.make_moons_2d(101, seed=4)[0])


def test_blobs_shapes_and_labels():
    X, labels = data.make_blobs_2d(90, num_classes=3)
    assert X.shape == (2, 90) and labels.shape == (90,)
    assert np.bincount(labels).tolist() == [30, 30, 30]


def test_split_is_column_wise():
    X, Y = data.make_moons_2d(100)
    split = data.train_dev_split(X, Y, dev_fraction=0.2)
    assert split.X_train.shape == (2, 80) and split.X_dev.shape == (2, 20) and split.Y_dev.shape == (1, 20)


def test_digits_ship_with_scikit_learn():
    split = data.load_digits_split()
    assert split.X_train.shape[1] == 64 and split.X_train.dtype == np.float32
    assert len(split.Y_train) + len(split.Y_dev) == 1797
    assert split.X_train.max() <= 16 and set(np.unique(split.Y_dev)) <= set(range(10))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: data.make_moons_2d(1), "m must be at least 2"),
        (lambda: data.make_moons_2d(10, noise=-1), "noise must be non-negative"),
        (lambda: data.make_moons_2d(10.5), "m must be an int"),
        (lambda: data.make_blobs_2d(10, num_classes=1), "num_classes must be at least 2"),
        (lambda: data.train_dev_split(np.zeros((2, 5)), np.zeros((1, 4))), "has 5 examples"),
        (lambda: data.train_dev_split(np.zeros((2, 5)), np.zeros((1, 5)), 1.5), "dev_fraction"),
    ],
)
def test_bad_arguments_say_what_was_expected(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_the_digits_are_scikit_learns_read_without_importing_sklearn_datasets():
    import subprocess
    import sys

    from sklearn.datasets import load_digits

    pixels, labels = data.digits_pixels_and_labels()
    reference = load_digits()
    assert np.array_equal(pixels, reference.data) and np.array_equal(labels, reference.target)
    # a fresh interpreter: loading the digits must not pay for importing sklearn.datasets (1-4 s per kernel)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, course.data as d; d.load_digits_split(); "
            "d.load_digits_binary(); print('sklearn.datasets' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"
