"""course.data.make_xor_2d: the XOR-like set of notebook 05, shapes, balance, seeds, and why no line separates it."""

import numpy as np
import pytest

from course import data


@pytest.mark.parametrize("num_classes", [2, 3, 6])
def test_xor_shapes_labels_and_balance(num_classes):
    X, labels = data.make_xor_2d(60 * num_classes, num_classes=num_classes, seed=1)
    assert X.shape == (2, 60 * num_classes) and labels.shape == (60 * num_classes,)
    assert labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [60] * num_classes


def test_xor_is_seeded():
    X1, l1 = data.make_xor_2d(100, seed=3)
    X2, l2 = data.make_xor_2d(100, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(l1, l2)
    assert not np.array_equal(X1, data.make_xor_2d(100, seed=4)[0])


def test_each_class_sits_on_both_sides_of_the_origin():
    """The two blobs of a class are opposite, so each class's mean is near the origin: no line separates them."""
    X, labels = data.make_xor_2d(400, num_classes=2, spread=0.2, seed=0)
    for k in range(2):
        points = X[:, labels == k]
        assert np.linalg.norm(points.mean(axis=1)) < 0.3
        assert np.linalg.norm(points, axis=0).min() > 1.0  # yet no point of it is near the origin


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: data.make_xor_2d(3, num_classes=2), "m must be at least 4"),
        (lambda: data.make_xor_2d(40, num_classes=1), "num_classes must be at least 2"),
        (lambda: data.make_xor_2d(40, spread=0.0), "spread must be positive"),
        (lambda: data.make_xor_2d(40.0), "m must be an int"),
    ],
)
def test_xor_bad_arguments_say_what_was_expected(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
