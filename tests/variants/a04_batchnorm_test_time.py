"""Submissions for 04_batchnorm_test_time: the mistakes students make, and other correct ways to write each answer.

Every answer cell has plausible mistakes (each must lose that exercise's points, and those of a later exercise
that calls it, and show its own message) and different-but-correct versions (which must keep every point).
``batchnorm_forward_train`` calls ``update_running_average`` and ``predict_bn`` calls
``batchnorm_forward_test``, as the notebook asks, so a mistake in the first also costs the second.
"""

from tests.variants import Correct, Wrong, concept_answers

_UPDATE_DOC = '''def update_running_average(running, batch_value, momentum):
    """momentum * running + (1 - momentum) * batch_value."""
'''
_TRAIN_DOC = '''def batchnorm_forward_train(Z, gamma, beta, state, momentum=0.9, eps=1e-5):
    """Training-mode batch norm with running statistics."""
'''
_TEST_DOC = '''def batchnorm_forward_test(Z, gamma, beta, state, eps=1e-5):
    """Test-mode batch norm with the running statistics."""
'''
_PREDICT_DOC = '''def predict_bn(X, parameters, states, eps=1e-5):
    """0/1 predictions in test mode."""
'''
_CHECK = """    if not 0 <= momentum <= 1:
        raise ValueError("momentum must be in [0, 1]")
"""
_STATS = """    mu = np.mean(Z, axis=1, keepdims=True)
    var = np.var(Z, axis=1, keepdims=True)
    Z_tilde = gamma * (Z - mu) / np.sqrt(var + eps) + beta
"""
_TRAIN_MODE_LOSSES = ("batchnorm_forward_train",)


def _train(state_lines: str, stats: str = _STATS) -> str:
    return _TRAIN_DOC + stats + state_lines


def _predict(body: str) -> str:
    return _PREDICT_DOC + body


_LAYERS = """    L = len([k for k in parameters if k.startswith("W")])
    A = X
    for l in range(1, L):
        Z = parameters[f"W{l}"] @ A
        A = np.maximum(0, batchnorm_forward_test(Z, parameters[f"gamma{l}"], parameters[f"beta{l}"], states[l], eps))
    AL = 1 / (1 + np.exp(-(parameters[f"W{L}"] @ A + parameters[f"b{L}"])))
"""

VARIANTS = [
    # --- update_running_average -------------------------------------------------------------------------------
    Wrong(
        "update_weights_swapped",
        "update_running_average",
        _UPDATE_DOC + _CHECK + "    return (1 - momentum) * running + momentum * batch_value\n",
        message="yours weighs them the other way round, like PyTorch's momentum",
        also_loses=_TRAIN_MODE_LOSSES,
    ),
    Wrong(
        "update_in_place",
        "update_running_average",
        _UPDATE_DOC
        + _CHECK
        + ("    running *= momentum\n    running += (1 - momentum) * batch_value\n    return running\n"),
        message="`running *= momentum` or `running[...] = ...` change the caller's array",
        also_loses=_TRAIN_MODE_LOSSES,
    ),
    Wrong(
        "update_no_validation",
        "update_running_average",
        _UPDATE_DOC + "    return momentum * running + (1 - momentum) * batch_value\n",
        message="update_running_average(0.0, 1.0, 1.5) (momentum above 1) should raise ValueError",
    ),
    Correct(
        "update_as_a_step_towards_the_batch",
        "update_running_average",
        _UPDATE_DOC + _CHECK + "    return running + (1 - momentum) * (batch_value - running)\n",
    ),
    Correct(
        "update_with_numpy_calls",
        "update_running_average",
        _UPDATE_DOC
        + (
            "    if momentum < 0 or momentum > 1:\n"
            "        raise ValueError(f'momentum {momentum} is outside [0, 1]')\n"
            "    new = np.multiply(momentum, running)\n"
            "    new = np.add(new, np.multiply(1.0 - momentum, batch_value))\n"
            "    return new if np.ndim(new) else float(new)\n"
        ),
    ),
    # --- batchnorm_forward_train ------------------------------------------------------------------------------
    Wrong(
        "train_stores_the_std",
        "batchnorm_forward_train",
        _train(
            "    new_state = {'running_mean': update_running_average(state['running_mean'], mu, momentum),\n"
            "                 'running_var': update_running_average(state['running_var'], np.sqrt(var), momentum)}\n"
            "    return Z_tilde, (Z, mu, var), new_state\n"
        ),
        message="running_var must average the batch variance var, not its square root",
    ),
    Wrong(
        "train_running_var_unbiased",
        "batchnorm_forward_train",
        _train(
            "    m = Z.shape[1]\n"
            "    new_state = {'running_mean': update_running_average(state['running_mean'], mu, momentum),\n"
            "                 'running_var': update_running_average(state['running_var'], var * m / (m - 1), momentum)}\n"
            "    return Z_tilde, (Z, mu, var), new_state\n"
        ),
        message="yours divides by m - 1 (PyTorch stores that one)",
    ),
    Wrong(
        "train_mutates_state",
        "batchnorm_forward_train",
        _train(
            "    state['running_mean'] = update_running_average(state['running_mean'], mu, momentum)\n"
            "    state['running_var'] = update_running_average(state['running_var'], var, momentum)\n"
            "    return Z_tilde, (Z, mu, var), state\n"
        ),
        message="build a new dict for new_state and leave `state` alone",
    ),
    Wrong(
        "train_shallow_copy_updated_in_place",
        "batchnorm_forward_train",
        _train(
            "    new_state = dict(state)\n"
            "    new_state['running_mean'] *= momentum\n"
            "    new_state['running_mean'] += (1 - momentum) * mu\n"
            "    new_state['running_var'] *= momentum\n"
            "    new_state['running_var'] += (1 - momentum) * var\n"
            "    return Z_tilde, (Z, mu, var), new_state\n"
        ),
        message="updating its arrays in place (+=, *=) changes the caller's state",
    ),
    Wrong(
        "train_starts_from_the_first_batch",
        "batchnorm_forward_train",
        _train(
            "    fresh = np.all(state['running_mean'] == 0) and np.all(state['running_var'] == 1)\n"
            "    if fresh:  # nothing remembered yet: start from this batch\n"
            "        return Z_tilde, (Z, mu, var), {'running_mean': mu, 'running_var': var}\n"
            "    new_state = {'running_mean': update_running_average(state['running_mean'], mu, momentum),\n"
            "                 'running_var': update_running_average(state['running_var'], var, momentum)}\n"
            "    return Z_tilde, (Z, mu, var), new_state\n"
        ),
        message="the running statistics must start from the state you are given, zeros and ones for a fresh layer",
    ),
    Wrong(
        "train_normalises_with_running_statistics",
        "batchnorm_forward_train",
        _train(
            "    Z_tilde = gamma * (Z - state['running_mean']) / np.sqrt(state['running_var'] + eps) + beta\n"
            "    new_state = {'running_mean': update_running_average(state['running_mean'], mu, momentum),\n"
            "                 'running_var': update_running_average(state['running_var'], var, momentum)}\n"
            "    return Z_tilde, (Z, mu, var), new_state\n"
        ),
        message="the running statistics are for test mode only",
    ),
    Wrong(
        "train_mean_without_keepdims",
        "batchnorm_forward_train",
        _train(
            "    new_state = {'running_mean': update_running_average(state['running_mean'], mu.ravel(), momentum),\n"
            "                 'running_var': update_running_average(state['running_var'], var.ravel(), momentum)}\n"
            "    return Z_tilde, (Z, mu, var), new_state\n"
        ),
        message="keep the batch mean a column",
    ),
    Correct(
        "train_copy_dict_then_assign",
        "batchnorm_forward_train",
        _train(
            "    new_state = dict(state)\n"
            "    new_state['running_mean'] = update_running_average(state['running_mean'], mu, momentum)\n"
            "    new_state['running_var'] = update_running_average(state['running_var'], var, momentum)\n"
            "    return Z_tilde, {'mu': mu, 'var': var}, new_state\n"
        ),
    ),
    Correct(
        "train_deepcopy_updated_in_place",
        "batchnorm_forward_train",
        _TRAIN_DOC
        + (
            "    import copy\n"
            "    m = Z.shape[1]\n"
            "    mu = Z.sum(axis=1, keepdims=True) / m\n"
            "    var = ((Z - mu) ** 2).sum(axis=1, keepdims=True) / m\n"
            "    Z_norm = (Z - mu) * (1.0 / np.sqrt(var + eps))\n"
            "    new_state = copy.deepcopy(state)\n"
            "    new_state['running_mean'] += (1 - momentum) * (mu - new_state['running_mean'])\n"
            "    new_state['running_var'] += (1 - momentum) * (var - new_state['running_var'])\n"
            "    return gamma * Z_norm + beta, None, new_state\n"
        ),
    ),
    # --- batchnorm_forward_test -------------------------------------------------------------------------------
    Wrong(
        "test_uses_batch_statistics",
        "batchnorm_forward_test",
        _TEST_DOC
        + (
            "    mu = np.mean(Z, axis=1, keepdims=True)\n"
            "    var = np.var(Z, axis=1, keepdims=True)\n"
            "    return gamma * (Z - mu) / np.sqrt(var + eps) + beta\n"
        ),
        message="not with the mean and variance of the test batch itself",
        also_loses=("predict_bn",),
    ),
    Wrong(
        "test_skips_normalising_one_example",
        "batchnorm_forward_test",
        _TEST_DOC
        + (
            "    if Z.shape[1] == 1:  # a single example has no statistics to normalise with\n"
            "        return gamma * Z + beta\n"
            "    return gamma * (Z - state['running_mean']) / np.sqrt(state['running_var'] + eps) + beta\n"
        ),
        message="the same for a single example (m = 1) as inside a batch",
        also_loses=("predict_bn",),
    ),
    Wrong(
        "test_divides_by_the_variance",
        "batchnorm_forward_test",
        _TEST_DOC + "    return gamma * (Z - state['running_mean']) / (state['running_var'] + eps) + beta\n",
        message="divide by the standard deviation np.sqrt(running_var + eps), not by the variance",
        also_loses=("predict_bn",),
    ),
    Wrong(
        "test_eps_outside_the_root",
        "batchnorm_forward_test",
        _TEST_DOC + "    return gamma * (Z - state['running_mean']) / (np.sqrt(state['running_var']) + eps) + beta\n",
        message="eps goes inside the square root",
    ),
    Correct(
        "test_folded_into_scale_and_shift",
        "batchnorm_forward_test",
        _TEST_DOC
        + (
            "    scale = gamma / np.sqrt(state['running_var'] + eps)\n"
            "    shift = beta - scale * state['running_mean']\n"
            "    return scale * Z + shift\n"
        ),
    ),
    Correct(
        "test_column_by_column",
        "batchnorm_forward_test",
        _TEST_DOC
        + (
            "    mean, std = state['running_mean'], np.sqrt(state['running_var'] + eps)\n"
            "    columns = [gamma * (Z[:, [j]] - mean) / std + beta for j in range(Z.shape[1])]\n"
            "    return np.hstack(columns)\n"
        ),
    ),
    # --- predict_bn -------------------------------------------------------------------------------------------
    Wrong(
        "predict_returns_probabilities",
        "predict_bn",
        _predict(_LAYERS + "    return AL\n"),
        message="these look like probabilities",
    ),
    Wrong(
        "predict_returns_a_flat_vector",
        "predict_bn",
        _predict(_LAYERS + "    return (AL > 0.5).astype(int).ravel()\n"),
        message="return a (1, m) row",
    ),
    Wrong(
        "predict_with_batch_statistics",
        "predict_bn",
        _predict(
            "    L = len([k for k in parameters if k.startswith('W')])\n"
            "    A = X\n"
            "    for l in range(1, L):\n"
            "        Z = parameters[f'W{l}'] @ A\n"
            "        Z_tilde, _, _ = batchnorm_forward_train(Z, parameters[f'gamma{l}'], parameters[f'beta{l}'], states[l])\n"
            "        A = np.maximum(0, Z_tilde)\n"
            "    ZL = parameters[f'W{L}'] @ A + parameters[f'b{L}']\n"
            "    return (ZL > 0).astype(int)\n"
        ),
        message="an example's prediction must not depend on the other examples",
    ),
    Wrong(
        "predict_ignores_eps",
        "predict_bn",
        _predict(_LAYERS.replace("states[l], eps)", "states[l])") + "    return (AL > 0.5).astype(int)\n"),
        message="pass eps on to batchnorm_forward_test",
    ),
    Correct(
        "predict_rounds_float_probabilities",
        "predict_bn",
        _predict(_LAYERS + "    return np.round(AL)\n"),
    ),
    Correct(
        "predict_sign_of_the_logit_inline",
        "predict_bn",
        _predict(
            "    A = X\n"
            "    for l in sorted(states):\n"
            "        Z = parameters['W' + str(l)] @ A\n"
            "        s = states[l]\n"
            "        Z = (Z - s['running_mean']) / np.sqrt(s['running_var'] + eps)\n"
            "        A = np.maximum(parameters['gamma' + str(l)] * Z + parameters['beta' + str(l)], 0.0)\n"
            "    L = len(states) + 1\n"
            "    logits = parameters['W' + str(L)] @ A + parameters['b' + str(L)]\n"
            "    return np.where(logits > 0, 1, 0)\n"
        ),
    ),
    Correct(
        "predict_boolean_row",
        "predict_bn",
        _predict(_LAYERS + "    return AL > 0.5\n"),
    ),
]

# Concept questions: every wrong option loses its point with its own explanation; the right one in another form
# keeps it; a blank loses it.
VARIANTS += [
    *concept_answers(
        "one_example",
        ('"B"', '"(b)"'),
        {
            '"a"': "the mean of a unit is the example's own value",
            '"c"': "eps keeps the division finite",
            '"d"': "It is not noise around the right answer",
        },
    ),
    *concept_answers(
        "pytorch_momentum",
        ('"b"',),
        {
            '"a"': "Same name, opposite weights",
            '"c"': "0.1 is PyTorch's default, not a conversion of 0.01",
            '"d"': "0.9 is Keras' momentum for PyTorch's default of 0.1",
        },
    ),
    *concept_answers(
        "window",
        ("10.0", "9.5", "np.float64(10.4)", "1 / (1 - 0.9)"),
        {
            "0.1": "0.1 is 1 - rho",
            "0.9": "0.9 is rho itself",
            "100": "100 is the window of rho = 0.99",
            "5": "about 1 / (1 - rho) values",
            "-10": "about 1 / (1 - rho) values",
        },
    ),
    *concept_answers(
        "layer_norm",
        ('"B"',),
        {
            '"a"': "layer norm takes them over one example's units",
            '"c"': "the statistics layer norm divides by are computed afresh",
            '"d"': "Layer norm keeps a learnt gamma and beta per unit",
        },
    ),
    *concept_answers(
        "fine_tuning",
        ('"ac"', '["a", "c"]', '"A, C"'),
        {
            '"a"': "new statistics shift every normalised value",
            '"abc"': "code that copies only trainable parameters loses them",
            '"acd"': "can only come from passing data through the network",
            '"c"': "the layers above learnt to work with the stored statistics",
        },
    ),
]
