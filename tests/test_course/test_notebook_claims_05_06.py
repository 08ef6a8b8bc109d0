"""Claims notebooks 05 and 06 make in prose, checked on the notebooks' own code and data.

Each test names the cell's claim it pins. The instructor's solutions are taken from the source notebooks (the
answer cells), and cells that demonstrate something are run as they are committed, so a claim and the code
that shows it cannot drift apart.
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from course.data import load_digits_split
from course.widgets.classifier_report import best_temperature, calibration

REPO = Path(__file__).resolve().parents[2]
NB05 = REPO / "source" / "05_softmax_regression" / "05_softmax_regression.ipynb"
NB06 = REPO / "source" / "06_tensorflow_intro" / "06_tensorflow_intro.ipynb"


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def cell_with(path, text):
    hits = ["".join(c["source"]) for c in cells(path) if text in "".join(c["source"])]
    assert len(hits) == 1, f"{len(hits)} cells of {path.name} contain {text!r}"
    return hits[0]


def solutions(path, namespace):
    """Run every answer cell of the notebook (the instructor's solutions) in ``namespace``."""
    for cell in cells(path):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
            exec("".join(cell["source"]), namespace)  # noqa: S102 - our own notebook
    return namespace


# --- notebook 05 ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nb05():
    return solutions(NB05, {"np": np})


@pytest.fixture(scope="module")
def digits05():
    d = load_digits_split(seed=0)
    return d.X_train.T / 16.0, d.Y_train, d.X_dev.T / 16.0, d.Y_dev


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_05_temperature_is_picked_on_one_half_and_sharpens_an_underconfident_model(nb05, digits05, seed):
    """Cells 52-54: at T = 1 the model is underconfident; the T picked on the validation half is below 1 and, on
    the other half, cuts the calibration gap to at most half of T = 1's (the notebook says "about a third")."""
    X_train, y_train, X_test, y_test = digits05
    params, _ = nb05["train_softmax_regression"](X_train, nb05["one_hot"](y_train, 10), seed=seed)
    logits = params["W"] @ X_test + params["b"]
    whole = calibration(nb05["softmax"](logits), y_test)
    assert whole.mean_confidence < whole.accuracy_overall - 0.03  # underconfident, "above the diagonal"
    assert 0.97 <= whole.accuracy_overall <= 0.99  # "about 98% held-out accuracy"
    half = X_test.shape[1] // 2
    T = best_temperature(logits[:, :half], y_test[:half], np.arange(0.1, 3.0, 0.05).round(2))
    assert T < 1
    at_one = calibration(nb05["softmax"](logits[:, half:]), y_test[half:])
    at_T = calibration(nb05["softmax"](logits[:, half:] / T), y_test[half:])
    assert at_T.gap < 0.5 * at_one.gap


def test_05_the_temperature_cell_picks_and_judges_on_different_images():
    source = cell_with(NB05, "best_temperature(")
    assert "best_temperature(logits[:, pick], y_test[pick]" in source
    assert "logits[:, judge]" in source and "y_test[judge]" in source
    assert "pick, judge = slice(None, half), slice(half, None)" in source


def test_05_the_cost_curve_puts_entry_k_at_iteration_10k(nb05):
    """Exercise 5 states the cadence (before the update of iterations 0, 10, ...); the digits plot relies on it."""
    assert "10 * np.arange(len(costs))" in cell_with(NB05, 'ax.set(xlabel="iteration", ylabel="cost"')
    X = np.random.default_rng(0).standard_normal((2, 30))
    Y = np.eye(3)[:, np.arange(30) % 3]
    _, costs = nb05["train_softmax_regression"](X, Y, num_iterations=25)
    assert len(costs) == 3  # iterations 0, 10, 20


def test_05_the_epsilon_idiom_costs_a_perfect_prediction_less_than_the_tolerance():
    """Exercise 3 says np.log(Y_hat + 1e-8) is accepted: it gives -1e-8, inside the test's atol of 1e-6."""
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    cost = float(-np.sum(Y * np.log(Y + 1e-8)) / 2)
    assert 0 < abs(cost) < 1e-6
    assert "atol=1e-6" in cell_with(NB05, "compute_cost(Y, Y) for a perfect prediction")


# --- notebook 06 ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow

    return tensorflow


@pytest.fixture(scope="module")
def nb06(tf):
    return solutions(NB06, {"np": np, "tf": tf, "tqdm": lambda it, **_: it})


def _prefix_correlation(A, B):
    small, large = sorted((np.ravel(A), np.ravel(B)), key=len)
    return abs(float(np.corrcoef(large[: small.size], small)[0, 1]))


def test_06_a_seeded_keras_initializer_repeats_its_numbers_and_a_seed_generator_does_not(tf):
    """Exercise 8: GlorotNormal(seed=s) returns the same stream on every call (W2 a rescaled copy of W1's first
    entries); one SeedGenerator advances between calls and is reproducible."""
    init = tf.keras.initializers.GlorotNormal(seed=3)
    assert _prefix_correlation(init((400, 300)).numpy(), init((300, 10)).numpy()) > 0.999
    draws = []
    for _ in range(2):
        init = tf.keras.initializers.GlorotNormal(seed=tf.keras.random.SeedGenerator(3))
        draws.append((init((400, 300)).numpy(), init((300, 10)).numpy()))
    assert _prefix_correlation(*draws[0]) < 0.1
    np.testing.assert_array_equal(draws[0][0], draws[1][0])
    np.testing.assert_array_equal(draws[0][1], draws[1][1])


def test_06_the_solution_gives_every_layer_its_own_numbers(nb06):
    params = nb06["initialize_parameters"]([400, 300, 10], seed=1)
    assert _prefix_correlation(params["W1"].numpy(), params["W2"].numpy()) < 0.1


def test_06_truncation_shrinks_the_spread_by_0_8796_and_keras_undoes_it(tf):
    """Exercise 8's sentence: Keras divides by 0.8796 so the weights have std sqrt(2 / (n_in + n_out)); a plain
    truncated normal with that stddev ends at 0.88 of it, and dividing by 0.87962566 first puts it back."""
    target = np.sqrt(2 / 700)
    keras = tf.keras.initializers.GlorotNormal(seed=0)((400, 300)).numpy()
    plain = tf.random.stateless_truncated_normal((400, 300), seed=[0, 1], stddev=target).numpy()
    rescaled = tf.random.stateless_truncated_normal((400, 300), seed=[0, 2], stddev=target / 0.87962566).numpy()
    assert keras.std() / target == pytest.approx(1.0, abs=0.01)
    assert plain.std() / target == pytest.approx(0.8796, abs=0.01)
    assert rescaled.std() / target == pytest.approx(1.0, abs=0.01)
    assert np.abs(keras).max() <= 2 * target / 0.87962566 + 1e-6  # truncated at two of the normal's stds


def test_06_training_set_and_parameter_counts(nb06):
    """Cell 70: the notebook prints these numbers; its prose says "about 1,400 images for about 2,000 numbers"."""
    digits = load_digits_split(test_fraction=0.2, seed=0)
    assert len(digits.Y_train) == 1438
    params = nb06["initialize_parameters"]([64, 25, 12, 10], seed=1)
    assert sum(int(np.prod(v.shape)) for v in params.values()) == 2067
    assert "{len(y_train):,} training images" in cell_with(NB06, "SETTINGS = dict(layer_dims=[64, 25, 12, 10]")


def test_06_batch_norm_holds_four_variables_of_one_number_per_unit(tf):
    layer = tf.keras.layers.BatchNormalization()
    layer.build((None, 25))
    assert len(layer.variables) == 4
    assert all(tuple(v.shape) == (25,) for v in layer.variables)
    assert len(layer.trainable_variables) == 2 and len(layer.non_trainable_variables) == 2


def test_06_the_none_gradient_cases_show_what_they_say(tf):
    """Cell 24: "computed outside the tape" is w**2 of the same w (so y depends on w) and still gives None."""
    namespace = {"tf": tf, "np": np, "print": lambda *a, **k: None}
    exec(cell_with(NB06, "def gradient_or_none(build):"), namespace)  # noqa: S102
    results = namespace["results"]
    assert results["correct: y = w**2 inside the tape"] == 4.0
    for case in (
        "computed outside the tape",
        "went through NumPy (w.numpy())",
        "y does not depend on w",
        "an integer Variable",
        "a constant that was never watched",
    ):
        assert results[case] is None, case
    w = tf.Variable(2.0)
    outside = namespace["cases"]["computed outside the tape"]
    assert float(outside(w, w**2)) == 4.0  # it is the same w's square


def _run_cell(tf, text, extra=None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course.plots import PALETTE

    namespace = {"tf": tf, "np": np, "plt": plt, "PALETTE": PALETTE, "print": lambda *a, **k: None, **(extra or {})}
    exec(cell_with(NB06, text), namespace)  # noqa: S102
    plt.close("all")
    return namespace


def test_06_the_first_program_finds_w_equals_5(tf):
    namespace = _run_cell(tf, "return w**2 - 10.0 * w + 25.0")
    assert abs(float(namespace["w"]) - 5.0) < 1e-3
    assert namespace["trajectory"][0] == 0.0


def test_06_a_summed_loss_scales_the_gradient_with_the_batch_and_adam_ignores_the_scale(tf, nb06):
    digits = load_digits_split(test_fraction=0.2, seed=0)
    params = nb06["initialize_parameters"]([64, 25, 12, 10], seed=0)
    variables = list(params.values())
    sizes = {}
    for b in (16, 64):
        X = tf.constant(digits.X_train[:b] / 16.0, tf.float32)
        Y = tf.one_hot(digits.Y_train[:b], 10)
        with tf.GradientTape(persistent=True) as tape:
            total = nb06["compute_total_loss"](nb06["forward_propagation"](X, params), Y)
            mean = total / b
        sizes[b] = [float(tf.linalg.global_norm(tape.gradient(loss, variables))) for loss in (total, mean)]
    assert 1.8 <= sizes[64][0] / sizes[16][0] <= 4.0  # summed: grows with the batch, about sqrt(4) to 4 times
    assert sizes[64][1] / sizes[16][1] <= 1.0  # mean: does not grow
    moves = {}
    optimizers = [("sgd", lambda: tf.keras.optimizers.SGD(0.01)), ("adam", lambda: tf.keras.optimizers.Adam(0.01))]
    for name, make in optimizers:
        for scale in (1.0, 100.0):
            v, opt = tf.Variable([1.0, -2.0]), make()
            opt.apply_gradients([(scale * tf.constant([0.3, 0.05]), v)])
            moves[name, scale] = v.numpy() - [1.0, -2.0]
    np.testing.assert_allclose(moves["adam", 100.0], moves["adam", 1.0], rtol=1e-4)
    np.testing.assert_allclose(moves["sgd", 100.0], 100 * moves["sgd", 1.0], rtol=1e-4)


def test_06_tf_nn_batch_normalization_is_notebook_03s_formula_and_keras_training_mode(tf):
    rng = np.random.default_rng(0)
    Z = rng.normal(2.0, 3.0, size=(64, 5)).astype(np.float32)
    layer = tf.keras.layers.BatchNormalization(epsilon=1e-3)
    layer.build((None, 5))
    layer.gamma.assign(rng.uniform(0.5, 2.0, 5).astype(np.float32))
    layer.beta.assign(rng.normal(size=5).astype(np.float32))
    mean, var = tf.nn.moments(tf.constant(Z), axes=[0])
    with_tf_nn = tf.nn.batch_normalization(Z, mean, var, offset=layer.beta, scale=layer.gamma, variance_epsilon=1e-3)
    formula = layer.gamma.numpy() * (Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + 1e-3) + layer.beta.numpy()
    np.testing.assert_allclose(with_tf_nn.numpy(), formula, atol=1e-4)
    np.testing.assert_allclose(layer(Z, training=True).numpy(), formula, atol=1e-4)
    np.testing.assert_allclose(var.numpy(), Z.var(axis=0), rtol=1e-4)  # biased: divided by m


def test_06_forgetting_the_training_flag_leaves_the_running_statistics_at_zero(tf, nb06):
    """The custom-loop cell: without training=True the running mean never moves; with it, it does; a batch of
    one in training mode gives every image the same logits."""
    digits = load_digits_split(test_fraction=0.2, seed=0)
    namespace = {"tf": tf, "np": np}
    network_cell = cell_with(NB06, "def keras_network(batch_norm):")
    exec(network_cell.split("tf.keras.utils.set_random_seed(1)")[0], namespace)  # noqa: S102
    scope = {
        **namespace,
        "compute_total_loss": nb06["compute_total_loss"],
        "keras_train": nb06["make_dataset"](digits.X_train, digits.Y_train, 128, 10, shuffle_seed=1),
    }
    exec(cell_with(NB06, "def train_bn_network(pass_training_flag").split("X_test_tf = ")[0], scope)  # noqa: S102
    moved = {}
    for flag in (True, False):
        network = scope["train_bn_network"](flag, epochs=1)
        layer = next(l for l in network.layers if isinstance(l, tf.keras.layers.BatchNormalization))
        moved[flag] = float(np.abs(layer.moving_mean.numpy()).max())
        if flag:
            other = int(np.argmax(digits.Y_dev != digits.Y_dev[0]))
            X = tf.constant(digits.X_dev / 16.0, tf.float32)
            alone = [network(X[j : j + 1], training=True).numpy() for j in (0, other)]
            np.testing.assert_allclose(alone[0], alone[1], atol=1e-5)
    assert moved[False] == 0.0 and moved[True] > 0.01


def test_06_the_variable_cell_prints_what_it_asks(tf):
    """Cell 13 asks whether a constant has assign_add and prints the answer (it printed "has no ...: False")."""
    printed = []
    namespace = {"tf": tf, "print": lambda *a, **k: printed.append(a)}
    exec(cell_with(NB06, 'hasattr(c, "assign_add")'), namespace)  # noqa: S102
    assert ("does a constant have assign_add?", False) in printed


def test_06_the_concept_keys_are_what_tensorflow_does(tf):
    """concept_tape_records: a value computed before the tape started gives None; concept_retracing: new values of
    the same shape and dtype reuse the graph, a new shape, Python value or dtype traces again (key "bcd")."""
    w = tf.Variable(3.0)
    y = w**2
    with tf.GradientTape() as tape:
        z = y + 1.0
    assert tape.gradient(z, w) is None
    with tf.GradientTape() as tape:
        z = w**2 + 1.0
    assert float(tape.gradient(z, w)) == 6.0

    traces = []

    @tf.function
    def f(x, scale):
        traces.append(1)
        return scale * x

    f(tf.constant([1.0, 2.0, 3.0]), 2.0)
    retraced = {}
    for option, args in {
        "a": (tf.constant([7.0, 8.0, 9.0]), 2.0),
        "b": (tf.constant([1.0, 2.0, 3.0, 4.0]), 2.0),
        "c": (tf.constant([1.0, 2.0, 3.0]), 3.0),
        "d": (tf.constant([1.0, 2.0, 3.0], tf.float64), 2.0),
    }.items():
        before = len(traces)
        f(*args)
        retraced[option] = len(traces) > before
    assert "".join(o for o, again in retraced.items() if again) == "bcd"
