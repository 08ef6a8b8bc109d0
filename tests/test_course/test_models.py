"""course.models: the tiny network learns, records divergence instead of raising, and is seeded."""

import numpy as np
import pytest

from course.data import make_moons_2d, train_dev_split
from course.models import TinyMLP, train_mlp


@pytest.fixture(scope="module")
def split():
    return train_dev_split(*make_moons_2d(300, seed=0))


def test_a_good_learning_rate_learns(split):
    result = train_mlp(
        split.X_train,
        split.Y_train,
        split.X_dev,
        split.Y_dev,
        learning_rate=0.3,
        hidden_units=8,
        num_epochs=60,
        mini_batch_size=32,
    )
    assert result.train_costs[-1] < 0.5 * result.train_costs[0]
    assert result.dev_accuracy > 0.85
    assert result.final_dev_loss == result.dev_losses[-1]


def test_a_huge_learning_rate_diverges_without_raising(split):
    result = train_mlp(
        split.X_train, split.Y_train, split.X_dev, split.Y_dev, learning_rate=1e6, hidden_units=8, num_epochs=5
    )
    assert len(result.dev_losses) == 5
    assert not np.isfinite(result.dev_losses[-1]) or result.dev_losses[-1] > 1.0


def test_runs_are_reproducible(split):
    kwargs = dict(learning_rate=0.5, hidden_units=4, num_epochs=5, mini_batch_size=16, seed=7)
    a = train_mlp(split.X_train, split.Y_train, split.X_dev, split.Y_dev, **kwargs)
    b = train_mlp(split.X_train, split.Y_train, split.X_dev, split.Y_dev, **kwargs)
    np.testing.assert_array_equal(a.dev_losses, b.dev_losses)


def test_gradients_match_finite_differences(split):
    model = TinyMLP(2, 3, seed=1)
    X, Y = split.X_train[:, :10], split.Y_train[:, :10]
    grads = model._gradients(X, Y)
    h = 1e-6
    for key in ("W1", "b2"):
        param = model.params[key]
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            old = param[index]
            param[index] = old + h
            up = model.loss(X, Y)
            param[index] = old - h
            down = model.loss(X, Y)
            param[index] = old
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-4, atol=1e-8)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(learning_rate=0), "learning_rate must be positive"),
        (dict(learning_rate=0.1, momentum=1.0), "momentum must be in"),
        (dict(learning_rate=0.1, hidden_units=0), "hidden_units must be a positive integer"),
    ],
)
def test_bad_arguments(split, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_mlp(split.X_train, split.Y_train, split.X_dev, split.Y_dev, **kwargs)
