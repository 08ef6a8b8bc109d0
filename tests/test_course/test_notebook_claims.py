"""Claims notebook 01's pictures make, checked for several data and initialisation seeds rather than one.

The notebook draws each picture once, with one seed; its text may only say what holds for every seed a
student might meet. (The panda/caviar claim is pinned in test_widgets_panda_caviar.py.)
"""

import numpy as np
import pytest

from course.data import make_moons_2d, train_dev_split
from course.models import sweep_one_at_a_time, train_mlp

SWEEPS = {  # section 1's one-knob-at-a-time sweeps, as in the notebook
    "learning_rate": [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0],
    "momentum": [0.0, 0.5, 0.8, 0.9, 0.95, 0.98],
    "mini_batch_size": [8, 16, 32, 64, 128, 300],
    "hidden_units": [2, 4, 8, 16, 32, 64],
    "num_layers": [1, 2, 3, 4],
    "decay": [0.0, 0.03, 0.1, 0.3, 1.0],
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_learning_rate_bar_is_the_longest(seed):
    moons = train_dev_split(*make_moons_2d(400, noise=0.2, seed=seed))
    default = dict(
        learning_rate=1.0,
        hidden_units=8,
        num_layers=1,
        momentum=0.9,
        mini_batch_size=32,
        decay=0.0,
        num_epochs=30,
        seed=seed,
    )
    spans = {}
    for name, losses in sweep_one_at_a_time(moons, default, SWEEPS).items():
        finite = losses[np.isfinite(losses)]
        spans[name] = finite.max() / finite.min()
    longest = max(spans, key=spans.get)
    assert longest == "learning_rate", spans


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_best_learning_rate_moves_when_the_data_grows_noisier(seed):
    rates = 10.0 ** np.arange(-2.0, 1.6, 0.5)
    best = []
    for m, noise in [(300, 0.1), (800, 0.3)]:
        era = train_dev_split(*make_moons_2d(m, noise=noise, seed=seed))
        losses = [
            train_mlp(
                era.X_train,
                era.Y_train,
                era.X_dev,
                era.Y_dev,
                learning_rate=rate,
                hidden_units=8,
                num_epochs=30,
                mini_batch_size=32,
                seed=seed,
            ).final_dev_loss
            for rate in rates
        ]
        best.append(rates[int(np.nanargmin(losses))])
    assert best[0] != best[1]


def test_sweep_one_at_a_time_changes_one_knob_only():
    moons = train_dev_split(*make_moons_2d(200, seed=0))
    default = dict(learning_rate=0.5, num_epochs=3)
    out = sweep_one_at_a_time(moons, default, {"learning_rate": [0.5, 2.0], "hidden_units": [8, 3]})
    assert {name: v.shape for name, v in out.items()} == {"learning_rate": (2,), "hidden_units": (2,)}
    alone = train_mlp(
        moons.X_train, moons.Y_train, moons.X_dev, moons.Y_dev, learning_rate=0.5, hidden_units=3, num_epochs=3
    ).final_dev_loss
    assert out["hidden_units"][1] == pytest.approx(alone)
    assert out["learning_rate"][0] == pytest.approx(out["hidden_units"][0])  # both are the default run
