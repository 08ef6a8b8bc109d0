"""course.bn_network (the deep network of notebooks 03 and 04) and course.data.load_digits_binary."""

import warnings

import numpy as np
import pytest

from course import bn_network as bn
from course.data import load_digits_binary
from course.gradcheck import numeric_gradient, numeric_gradient_of_output, relative_error

DIMS = [4, 5, 3, 1]


def tiny_problem(seed=0, m=7):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((DIMS[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return X, Y


# ------------------------------------------------------------------ layers and gradients


def test_bn_layer_backward_matches_central_differences():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((3, 6)) * 2 + 1
    gamma, beta = rng.standard_normal((3, 1)), rng.standard_normal((3, 1))
    upstream = rng.standard_normal((3, 6))
    _, cache = bn.bn_layer_forward(Z, gamma, beta)
    dZ, dgamma, dbeta = bn.bn_layer_backward(upstream, cache)
    assert (
        relative_error(dZ, numeric_gradient_of_output(lambda z: bn.bn_layer_forward(z, gamma, beta)[0], Z, upstream))
        < 1e-7
    )
    assert (
        relative_error(
            dgamma, numeric_gradient_of_output(lambda g: bn.bn_layer_forward(Z, g, beta)[0], gamma, upstream)
        )
        < 1e-7
    )
    assert (
        relative_error(
            dbeta, numeric_gradient_of_output(lambda b: bn.bn_layer_forward(Z, gamma, b)[0], beta, upstream)
        )
        < 1e-7
    )


def test_bn_layer_forward_normalises_each_unit_over_the_batch():
    Z = np.random.default_rng(2).standard_normal((4, 50)) * 3 + 5
    out, cache = bn.bn_layer_forward(Z, np.ones((4, 1)), np.zeros((4, 1)))
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(cache["var"], Z.var(axis=1, keepdims=True))  # biased


def test_ln_layer_normalises_each_example_over_the_units_and_its_backward_is_exact():
    rng = np.random.default_rng(5)
    Z = rng.standard_normal((6, 4)) * 2 + 1
    gamma, beta = rng.standard_normal((6, 1)), rng.standard_normal((6, 1))
    out, cache = bn.ln_layer_forward(Z, np.ones((6, 1)), np.zeros((6, 1)))
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1, atol=1e-4)
    alone = bn.ln_layer_forward(Z[:, [2]], gamma, beta)[0]  # one example needs no batch
    np.testing.assert_allclose(alone, bn.ln_layer_forward(Z, gamma, beta)[0][:, [2]])
    upstream = rng.standard_normal((6, 4))
    dZ, dgamma, dbeta = bn.bn_layer_backward(upstream, bn.ln_layer_forward(Z, gamma, beta)[1])
    for got, wrt, forward in [
        (dZ, Z, lambda z: bn.ln_layer_forward(z, gamma, beta)[0]),
        (dgamma, gamma, lambda g: bn.ln_layer_forward(Z, g, beta)[0]),
        (dbeta, beta, lambda b: bn.ln_layer_forward(Z, gamma, b)[0]),
    ]:
        assert relative_error(got, numeric_gradient_of_output(forward, wrt.copy(), upstream)) < 1e-7


@pytest.mark.parametrize("batchnorm, layernorm", [(True, False), (False, False), (False, True)])
def test_network_gradients_match_central_differences(batchnorm, layernorm):
    X, Y = tiny_problem()
    params = bn.init_network_params(DIMS, batchnorm or layernorm, 3)
    if batchnorm or layernorm:  # move gamma, beta away from their initial values so every term matters
        rng = np.random.default_rng(4)
        for l in (1, 2):
            params[f"gamma{l}"] += 0.3 * rng.standard_normal(params[f"gamma{l}"].shape)
            params[f"beta{l}"] += 0.3 * rng.standard_normal(params[f"beta{l}"].shape)

    def cost_and_gradients():
        return bn.network_cost_and_gradients(params, X, Y, batchnorm=batchnorm, layernorm=layernorm)

    _, grads = cost_and_gradients()
    assert set(grads) == {"d" + k for k in params}
    for key, value in params.items():
        numeric = numeric_gradient(lambda v: cost_and_gradients()[0], value)
        assert relative_error(grads["d" + key], numeric) < 1e-7, key


def test_a_layer_norm_network_keeps_no_state_and_predicts_each_example_alone():
    X, Y = tiny_problem(m=40)
    net = bn.train_network(X, Y, DIMS, learning_rate=0.05, num_epochs=3, mini_batch_size=8, layernorm=True)
    assert net.layernorm and not net.batchnorm and net.norm == "layer" and net.states == {}
    assert "gamma1" in net.params and "b1" not in net.params
    AL, _ = bn.forward_network(net, X)
    np.testing.assert_allclose(bn.forward_network(net, X[:, 5:6])[0], AL[:, 5:6])
    np.testing.assert_allclose(bn.forward_network(net, X[:, 5:7], statistics="batch")[0], AL[:, 5:7])


def test_parameters_follow_the_contract_layout():
    with_bn = bn.init_network_params([6, 4, 3, 1], True, 0)
    assert sorted(with_bn) == ["W1", "W2", "W3", "b3", "beta1", "beta2", "gamma1", "gamma2"]
    assert with_bn["gamma1"].shape == (4, 1) and with_bn["W2"].shape == (3, 4)
    without = bn.init_network_params([6, 4, 3, 1], False, 0)
    assert sorted(without) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    big = bn.init_network_params([400, 300, 1], True, 0)
    assert abs(big["W1"].std() - np.sqrt(2 / 400)) < 0.003  # He


# ------------------------------------------------------------------ training


def test_running_statistics_follow_the_keras_formula():
    X, Y = tiny_problem(m=9)
    net = bn.train_network(X, Y, DIMS, learning_rate=0.1, num_epochs=1, mini_batch_size=9, momentum=0.7)
    W1 = bn.init_network_params(DIMS, True, np.random.default_rng(0))["W1"]  # same seed, same first draws
    Z1 = W1 @ X
    state = net.states[1]
    np.testing.assert_allclose(state["running_mean"], 0.7 * 0 + 0.3 * Z1.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(state["running_var"], 0.7 * 1 + 0.3 * Z1.var(axis=1, keepdims=True))
    assert set(net.states) == {1, 2} and net.states[2]["running_var"].shape == (3, 1)


def test_test_mode_does_not_depend_on_the_batch():
    X, Y = tiny_problem(m=40)
    net = bn.train_network(X, Y, DIMS, learning_rate=0.05, num_epochs=3, mini_batch_size=8)
    AL, Zs = bn.forward_network(net, X)
    alone, _ = bn.forward_network(net, X[:, 5:6])
    np.testing.assert_allclose(alone, AL[:, 5:6])
    assert AL.shape == (1, 40) and [Z.shape for Z in Zs] == [(5, 40), (3, 40)]
    batch_alone, _ = bn.forward_network(net, X[:, 5:7], statistics="batch")
    assert not np.allclose(batch_alone, AL[:, 5:7])  # train mode does depend on the batch


def test_population_statistics_are_exact_and_reproduce_batch_mode():
    X, Y = tiny_problem(m=30)
    net = bn.train_network(X, Y, DIMS, learning_rate=0.05, num_epochs=2, mini_batch_size=10)
    stats = bn.population_statistics(net, X)
    Z1 = net.params["W1"] @ X
    np.testing.assert_allclose(stats[1]["mean"], Z1.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(stats[1]["var"], Z1.var(axis=1, keepdims=True))
    # normalising the whole set with its own exact statistics is train mode on that set
    np.testing.assert_allclose(
        bn.forward_network(net, X, statistics=stats)[0], bn.forward_network(net, X, statistics="batch")[0]
    )
    plain = bn.train_network(X, Y, DIMS, batchnorm=False, learning_rate=0.05, num_epochs=1)
    _, Zs = bn.forward_network(plain, X)
    np.testing.assert_allclose(bn.population_statistics(plain, X)[2]["var"], Zs[1].var(axis=1, keepdims=True))


def test_a_stack_of_runs_equals_separate_runs():
    X, Y = tiny_problem(m=30)
    rates = [0.01, 0.3]
    stack = bn.train_networks(X, Y, DIMS, rates, num_epochs=3, mini_batch_size=8, seed=5, X_dev=X, Y_dev=Y)
    for rate, net in zip(rates, stack):
        alone = bn.train_network(
            X, Y, DIMS, learning_rate=rate, num_epochs=3, mini_batch_size=8, seed=5, X_dev=X, Y_dev=Y
        )
        np.testing.assert_allclose(net.params["W2"], alone.params["W2"], rtol=1e-12)
        np.testing.assert_allclose(net.history["dev_accuracy"], alone.history["dev_accuracy"])
        assert net.history.keys() == {"cost", "train_accuracy", "dev_accuracy"}


def test_training_lowers_the_cost_and_records_every_epoch():
    X, Y = tiny_problem(m=64)
    net = bn.train_network(X, Y, DIMS, learning_rate=0.1, num_epochs=15, mini_batch_size=16)
    assert len(net.history["cost"]) == 15 and "dev_accuracy" not in net.history
    assert net.history["cost"][-1] < net.history["cost"][0]
    assert not net.diverged


def test_a_diverged_run_keeps_nan_and_never_raises_or_warns():
    X, Y = tiny_problem(m=32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = bn.train_network(X * 1e3, Y, DIMS, batchnorm=False, learning_rate=1e6, num_epochs=4, X_dev=X, Y_dev=Y)
        assert np.isnan(net.history["cost"][-1]) and np.isnan(net.history["dev_accuracy"][-1])
        assert len(net.history["cost"]) == 4 and net.diverged


def test_snapshots_record_every_hidden_layer_on_the_probe():
    X, Y = tiny_problem(m=40)
    net = bn.train_network(
        X, Y, DIMS, learning_rate=0.05, num_epochs=2, mini_batch_size=10, snapshot_every=3, probe_size=12
    )
    assert [s.iteration for s in net.snapshots] == [0, 3, 6]
    assert [z.shape for z in net.snapshots[-1].Z] == [(5, 12), (3, 12)]
    first = net.snapshots[0]
    np.testing.assert_allclose(first.Z_tilde[1].var(axis=1), 1, atol=1e-3)  # gamma 1, beta 0 at the start
    assert not np.allclose(net.snapshots[-1].Z[0], first.Z[0])  # the weights moved
    plain = bn.train_network(X, Y, DIMS, batchnorm=False, num_epochs=1, snapshot_every=100)
    assert len(plain.snapshots) == 1
    np.testing.assert_array_equal(plain.snapshots[0].Z[1], plain.snapshots[0].Z_tilde[1])  # nothing normalised


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"layer_dims": [4, 3, 2]}, "end in 1"),
        ({"layer_dims": [5, 3, 1]}, r"\(5, m\)"),
        ({"learning_rate": -1.0}, "positive"),
        ({"momentum": 1.0}, "momentum"),
        ({"num_epochs": 0}, "num_epochs"),
        ({"X_dev": np.zeros((4, 3))}, "both"),
    ],
)
def test_bad_arguments_say_what_was_expected(kwargs, message):
    X, Y = tiny_problem()
    arguments = {"layer_dims": DIMS, **kwargs}
    with pytest.raises(ValueError, match=message):
        bn.train_network(X, Y, **arguments)


def test_bad_labels_and_statistics_are_refused():
    X, Y = tiny_problem()
    with pytest.raises(ValueError, match="0 or 1"):
        bn.train_network(X, Y * 2, DIMS)
    net = bn.train_network(X, Y, DIMS, num_epochs=1)
    with pytest.raises(ValueError, match="statistics"):
        bn.forward_network(net, X, statistics="exact")
    with pytest.raises(ValueError, match="layers"):
        bn.forward_network(net, X, statistics={1: {"mean": 0, "var": 1}})


# ------------------------------------------------------------------ data


def test_digits_binary_split_shapes_scale_and_balance():
    data = load_digits_binary()
    assert data.X_train.shape[0] == 64 and data.X_train.shape[1] + data.X_dev.shape[1] + data.X_test.shape[1] == 1797
    assert data.X_dev.shape == (64, 359) and data.Y_test.shape == (1, 359)
    assert data.X_train.min() >= 0 and data.X_train.max() <= 1 and data.X_train.dtype == np.float64
    for Y in (data.Y_train, data.Y_dev, data.Y_test):
        assert set(np.unique(Y)) == {0.0, 1.0} and 0.4 < Y.mean() < 0.6
    again = load_digits_binary()
    np.testing.assert_array_equal(again.X_dev, data.X_dev)
    assert data.task == "digit >= 5"


def test_digits_binary_refuses_impossible_fractions():
    with pytest.raises(ValueError, match="sum below 1"):
        load_digits_binary(dev_fraction=0.6, test_fraction=0.5)


# ------------------------------------------------------------------ notebook 03's claim


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_batch_norm_widens_the_range_of_good_learning_rates(seed):
    """The notebook's experiment, at several seeds a student may pick: with batch norm at least two more of
    the log-spaced rates reach 90% dev accuracy, covering at least two decades (without: less), and the
    largest good rate is at least three times larger (checked by hand for seeds 0 to 19)."""
    sweep = bn.sweep_learning_rates(load_digits_binary(), seed=seed)
    with_bn, without = sweep.good(True), sweep.good(False)
    assert with_bn.sum() >= without.sum() + 2, (with_bn, without)
    assert sweep.good_decades(True) >= 2.0 > sweep.good_decades(False)
    rates = sweep.learning_rates
    assert rates[with_bn].max() >= 3 * rates[without].max()
