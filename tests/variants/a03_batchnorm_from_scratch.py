"""Submissions for 03_batchnorm_from_scratch: the mistakes students make with batch norm, and other correct ways.

The mistakes are those issue 10 lists: the wrong axis, the unbiased variance, no eps, no gamma/beta, dgamma and
dbeta not summed, mean and variance treated as constants, b kept in hidden layers, batch norm after the
activation, a cache mutated or tied to the caller's Z, and (n,) shapes instead of (n, 1). A mistake in
``batchnorm_forward`` also costs the exercises that call it. The correct ones: the step-by-step graph backward,
``np.einsum``, a dict cache, a float32-preserving forward, other ways to write the network.
"""

from tests.variants import Correct, Variant, Wrong, concept_answers

_FWD = '''def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    """Batch norm, training mode."""
'''
_BWD = '''def batchnorm_backward(dZ_tilde, cache):
    """Backward pass of batchnorm_forward."""
'''
_INIT = '''def initialize_parameters_bn(layer_dims, seed=0):
    """Parameters of the batch-norm network."""
'''
_FPROP = '''def forward_propagation_bn(X, parameters, eps=1e-5):
    """Forward pass of the batch-norm network."""
'''
_BPROP = '''def backward_propagation_bn(AL, Y, caches):
    """Gradients of the batch-norm network."""
'''


# A forward pass shaped like the solution's: cache = (Z_hat, inv_std, gamma)
def _forward(mean: str, var: str, out: str = "gamma * Z_hat + beta", inv: str = "1.0 / np.sqrt(var + eps)") -> str:
    return _FWD + (
        f"    mu = {mean}\n"
        f"    var = {var}\n"
        f"    inv_std = {inv}\n"
        "    Z_hat = (Z - mu) * inv_std\n"
        f"    return {out}, (Z_hat, inv_std, gamma)\n"
    )


def _init(*, scale="np.sqrt(2 / layer_dims[l - 1])", column="(layer_dims[l], 1)", hidden_b=False) -> str:
    """initialize_parameters_bn with one thing changed: the weight scale, gamma/beta's shape, hidden biases."""
    return _INIT + (
        "    rng = np.random.default_rng(seed)\n"
        "    parameters = {}\n"
        "    L = len(layer_dims) - 1\n"
        "    for l in range(1, L + 1):\n"
        f"        parameters[f'W{{l}}'] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * {scale}\n"
        + ("        parameters[f'b{l}'] = np.zeros((layer_dims[l], 1))\n" if hidden_b else "")
        + "        if l < L:\n"
        f"            parameters[f'gamma{{l}}'] = np.ones({column})\n"
        f"            parameters[f'beta{{l}}'] = np.zeros({column})\n"
        + ("" if hidden_b else "    parameters[f'b{L}'] = np.zeros((layer_dims[L], 1))\n")
        + "    return parameters\n"
    )


_HIDDEN_LAYER = (
    "        Z = parameters[f'W{l}'] @ A\n"
    "        Z_tilde, bn_cache = batchnorm_forward(Z, parameters[f'gamma{l}'], parameters[f'beta{l}'], eps)\n"
    "        caches.append((A, parameters[f'W{l}'], Z_tilde, bn_cache))\n"
    "        A = np.maximum(Z_tilde, 0)\n"
)


def _network(hidden_layer: str) -> str:
    """forward_propagation_bn with the solution's cache layout and the given body of a hidden layer."""
    return _FPROP + (
        "    L = len([k for k in parameters if k.startswith('W')])\n"
        "    A, caches = X, []\n"
        "    for l in range(1, L):\n"
        + ("" if "Z = " in hidden_layer else "        Z = parameters[f'W{l}'] @ A\n")
        + hidden_layer
        + "    ZL = parameters[f'W{L}'] @ A + parameters[f'b{L}']\n"
        "    caches.append((A, parameters[f'W{L}'], None, None))\n"
        "    return 1 / (1 + np.exp(-ZL)), caches\n"
    )


def _network_backward(*, output="    dZ = (AL - Y) / Y.shape[1]\n", hidden_db="") -> str:
    """backward_propagation_bn for the solution's cache layout, with the output dZ or a hidden db changed."""
    return _BPROP + (
        "    L = len(caches)\n"
        "    grads = {}\n"
        "    A_prev, W, _, _ = caches[L - 1]\n" + output + "    grads[f'dW{L}'] = dZ @ A_prev.T\n"
        "    grads[f'db{L}'] = dZ.sum(axis=1, keepdims=True)\n"
        "    dA = W.T @ dZ\n"
        "    for l in range(L - 1, 0, -1):\n"
        "        A_prev, W, Z_tilde, bn_cache = caches[l - 1]\n"
        "        dZ, grads[f'dgamma{l}'], grads[f'dbeta{l}'] = batchnorm_backward(dA * (Z_tilde > 0), bn_cache)\n"
        "        grads[f'dW{l}'] = dZ @ A_prev.T\n" + hidden_db + "        dA = W.T @ dZ\n"
        "    return grads\n"
    )


_DOWNSTREAM = ("batchnorm_backward", "forward_propagation_bn", "backward_propagation_bn")

# The solution's backward, for pairing with a forward that keeps the solution's cache layout.
_BWD_COMPACT = (
    _BWD
    + """    Z_hat, inv_std, gamma = cache
    m = dZ_tilde.shape[1]
    dbeta = dZ_tilde.sum(axis=1, keepdims=True)
    dgamma = (dZ_tilde * Z_hat).sum(axis=1, keepdims=True)
    dZ_hat = dZ_tilde * gamma
    dZ = inv_std / m * (m * dZ_hat - dZ_hat.sum(axis=1, keepdims=True) - Z_hat * (dZ_hat * Z_hat).sum(axis=1, keepdims=True))
    return dZ, dgamma, dbeta
"""
)

VARIANTS = [
    # --- batchnorm_forward ---------------------------------------------------------------------------------
    Wrong(
        "forward_wrong_axis",
        "batchnorm_forward",
        _forward("Z.mean(axis=0, keepdims=True)", "Z.var(axis=0, keepdims=True)"),
        message="axis=1",
        also_loses=_DOWNSTREAM,
    ),
    Wrong(
        "forward_unbiased_variance",
        "batchnorm_forward",
        _forward("Z.mean(axis=1, keepdims=True)", "Z.var(axis=1, ddof=1, keepdims=True)"),
        message="that is the unbiased variance",
        also_loses=_DOWNSTREAM,
    ),
    Wrong(
        "forward_without_eps",
        "batchnorm_forward",
        _forward("Z.mean(axis=1, keepdims=True)", "Z.var(axis=1, keepdims=True)", inv="1.0 / np.sqrt(var)"),
        message="add eps",
        also_loses=_DOWNSTREAM,
    ),
    Wrong(
        "forward_forgets_gamma_beta",
        "batchnorm_forward",
        _forward("Z.mean(axis=1, keepdims=True)", "Z.var(axis=1, keepdims=True)", out="Z_hat"),
        message="scale it by gamma and shift it by beta",
        also_loses=("forward_propagation_bn", "backward_propagation_bn"),
    ),
    Wrong(
        "forward_statistics_without_keepdims",
        "batchnorm_forward",
        _forward("Z.mean(axis=1)", "Z.var(axis=1)"),
        message="(n, 1)",
        also_loses=_DOWNSTREAM,
    ),
    Wrong(
        "forward_changes_Z_in_place",
        "batchnorm_forward",
        _FWD
        + (
            "    mu = Z.mean(axis=1, keepdims=True)\n"
            "    inv_std = 1.0 / np.sqrt(Z.var(axis=1, keepdims=True) + eps)\n"
            "    Z -= mu\n"
            "    Z *= inv_std\n"
            "    return gamma * Z + beta, (Z.copy(), inv_std, gamma)\n"
        ),
        message="changed its input Z in place",
    ),
    Variant(
        "cache_aliases_the_callers_Z",
        {
            "batchnorm_forward": _FWD
            + (
                "    mu = Z.mean(axis=1, keepdims=True)\n"
                "    var = Z.var(axis=1, keepdims=True)\n"
                "    return gamma * (Z - mu) / np.sqrt(var + eps) + beta, (Z, gamma, eps)\n"
            ),
            "batchnorm_backward": _BWD
            + (
                "    Z, gamma, eps = cache  # recomputed from the caller's array\n"
                "    m = Z.shape[1]\n"
                "    inv_std = 1.0 / np.sqrt(Z.var(axis=1, keepdims=True) + eps)\n"
                "    Z_hat = (Z - Z.mean(axis=1, keepdims=True)) * inv_std\n"
                "    dZ_hat = dZ_tilde * gamma\n"
                "    dZ = inv_std / m * (m * dZ_hat - dZ_hat.sum(axis=1, keepdims=True)\n"
                "                        - Z_hat * (dZ_hat * Z_hat).sum(axis=1, keepdims=True))\n"
                "    return dZ, (dZ_tilde * Z_hat).sum(axis=1, keepdims=True), dZ_tilde.sum(axis=1, keepdims=True)\n"
            ),
        },
        loses=("batchnorm_backward",),
        message="your cache refers to the caller's Z",
    ),
    Correct(
        "forward_by_hand_sums",
        "batchnorm_forward",
        _FWD
        + (
            "    m = Z.shape[1]\n"
            "    mu = np.sum(Z, axis=1, keepdims=True) / m\n"
            "    centred = Z - mu\n"
            "    var = np.sum(centred ** 2, axis=1, keepdims=True) / m\n"
            "    inv_std = (var + eps) ** -0.5\n"
            "    Z_hat = centred * inv_std\n"
            "    return Z_hat * gamma + beta, (Z_hat, inv_std, gamma)\n"
        ),
    ),
    Correct(
        "forward_keeps_float32",
        "batchnorm_forward",
        _FWD
        + (
            "    eps = Z.dtype.type(eps)  # stay in the input's precision\n"
            "    mu = Z.mean(axis=1, keepdims=True, dtype=Z.dtype)\n"
            "    var = Z.var(axis=1, keepdims=True, dtype=Z.dtype)\n"
            "    inv_std = 1 / np.sqrt(var + eps)\n"
            "    Z_hat = ((Z - mu) * inv_std).astype(Z.dtype)\n"
            "    return (gamma * Z_hat + beta).astype(Z.dtype), (Z_hat, inv_std, gamma)\n"
        ),
    ),
    Correct(
        "forward_in_float64",
        "batchnorm_forward",
        _FWD
        + (
            "    Z = np.asarray(Z, dtype=np.float64)\n"
            "    mu, var = Z.mean(axis=1)[:, None], Z.var(axis=1)[:, None]\n"
            "    inv_std = 1.0 / np.sqrt(var + eps)\n"
            "    Z_hat = (Z - mu) * inv_std\n"
            "    return gamma * Z_hat + beta, (Z_hat, inv_std, gamma)\n"
        ),
    ),
    # --- batchnorm_backward --------------------------------------------------------------------------------
    Wrong(
        "backward_mean_and_variance_as_constants",
        "batchnorm_backward",
        _BWD
        + (
            "    Z_hat, inv_std, gamma = cache\n"
            "    dZ = gamma * dZ_tilde * inv_std\n"
            "    return dZ, (dZ_tilde * Z_hat).sum(axis=1, keepdims=True), dZ_tilde.sum(axis=1, keepdims=True)\n"
        ),
        message="the mean and the variance depend on every z of the batch",
        also_loses=("backward_propagation_bn",),
    ),
    Wrong(
        "backward_gamma_beta_not_summed",
        "batchnorm_backward",
        _BWD_COMPACT.replace(
            "    dbeta = dZ_tilde.sum(axis=1, keepdims=True)\n    dgamma = (dZ_tilde * Z_hat).sum(axis=1, keepdims=True)\n",
            "    dbeta = dZ_tilde.copy()\n    dgamma = dZ_tilde * Z_hat\n",
        ),
        message="sum over the examples of the batch",
        also_loses=("backward_propagation_bn",),
    ),
    Wrong(
        "backward_flat_shapes",
        "batchnorm_backward",
        _BWD_COMPACT.replace(
            "    dbeta = dZ_tilde.sum(axis=1, keepdims=True)\n    dgamma = (dZ_tilde * Z_hat).sum(axis=1, keepdims=True)\n",
            "    dbeta = dZ_tilde.sum(axis=1)\n    dgamma = (dZ_tilde * Z_hat).sum(axis=1)\n",
        ),
        message="keep the shape (n, 1) with keepdims=True",
        also_loses=("backward_propagation_bn",),
    ),
    Wrong(
        "backward_changes_its_cache",
        "batchnorm_backward",
        _BWD
        + (
            "    Z_hat, inv_std, gamma = cache\n"
            "    m = dZ_tilde.shape[1]\n"
            "    dbeta = dZ_tilde.sum(axis=1, keepdims=True)\n"
            "    dgamma = (dZ_tilde * Z_hat).sum(axis=1, keepdims=True)\n"
            "    dZ_hat = dZ_tilde * gamma\n"
            "    projection = Z_hat\n"
            "    projection *= (dZ_hat * Z_hat).sum(axis=1, keepdims=True)  # reuses the cached array\n"
            "    dZ = inv_std / m * (m * dZ_hat - dZ_hat.sum(axis=1, keepdims=True) - projection)\n"
            "    return dZ, dgamma, dbeta\n"
        ),
        message="changed its cache in place",
    ),
    Correct(
        "backward_step_by_step_on_the_graph",
        "batchnorm_backward",
        _BWD
        + (
            "    Z_hat, inv_std, gamma = cache\n"
            "    m = dZ_tilde.shape[1]\n"
            "    centred = Z_hat / inv_std                     # z - mu\n"
            "    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)\n"
            "    dgamma = np.sum(dZ_tilde * Z_hat, axis=1, keepdims=True)\n"
            "    dZ_hat = dZ_tilde * gamma\n"
            "    dcentred = dZ_hat * inv_std                   # direct path\n"
            "    dinv_std = np.sum(dZ_hat * centred, axis=1, keepdims=True)\n"
            "    dvar = -0.5 * inv_std ** 3 * dinv_std\n"
            "    dcentred = dcentred + 2.0 / m * centred * dvar  # through the variance\n"
            "    dmu = -np.sum(dcentred, axis=1, keepdims=True)\n"
            "    dZ = dcentred + dmu / m                       # through the mean\n"
            "    return dZ, dgamma, dbeta\n"
        ),
    ),
    Correct(
        "backward_with_einsum",
        "batchnorm_backward",
        _BWD
        + (
            "    Z_hat, inv_std, gamma = cache\n"
            "    m = dZ_tilde.shape[1]\n"
            "    dbeta = np.einsum('nm->n', dZ_tilde)[:, None]\n"
            "    dgamma = np.einsum('nm,nm->n', dZ_tilde, Z_hat)[:, None]\n"
            "    dZ_hat = np.einsum('nm,n->nm', dZ_tilde, gamma[:, 0])\n"
            "    first = np.einsum('nm->n', dZ_hat)[:, None]\n"
            "    second = np.einsum('nm,nm->n', dZ_hat, Z_hat)[:, None]\n"
            "    return inv_std / m * (m * dZ_hat - first - Z_hat * second), dgamma, dbeta\n"
        ),
    ),
    Variant(
        "forward_and_backward_with_a_dict_cache",
        {
            "batchnorm_forward": _FWD
            + (
                "    cache = {'mu': Z.mean(axis=1, keepdims=True), 'var': Z.var(axis=1, keepdims=True), 'eps': eps}\n"
                "    cache['centred'] = Z - cache['mu']\n"
                "    cache['gamma'] = gamma.copy()\n"
                "    return gamma * cache['centred'] / np.sqrt(cache['var'] + eps) + beta, cache\n"
            ),
            "batchnorm_backward": _BWD
            + (
                "    std = np.sqrt(cache['var'] + cache['eps'])\n"
                "    Z_hat = cache['centred'] / std\n"
                "    m = dZ_tilde.shape[1]\n"
                "    dZ_hat = dZ_tilde * cache['gamma']\n"
                "    dZ = (dZ_hat - dZ_hat.mean(axis=1, keepdims=True) - Z_hat * (dZ_hat * Z_hat).mean(axis=1, keepdims=True)) / std\n"
                "    return dZ, np.sum(dZ_tilde * Z_hat, axis=1, keepdims=True), np.sum(dZ_tilde, axis=1, keepdims=True)\n"
            ),
        },
        correct=True,
    ),
    # --- initialize_parameters_bn --------------------------------------------------------------------------
    Wrong(
        "init_keeps_hidden_biases",
        "initialize_parameters_bn",
        _init(hidden_b=True),
        message="a batch-norm layer has no b",
    ),
    Wrong(
        "init_xavier_scale",
        "initialize_parameters_bn",
        _init(scale="np.sqrt(1 / layer_dims[l - 1])"),
        message="He initialisation",
    ),
    Wrong(
        "init_flat_gamma_beta",
        "initialize_parameters_bn",
        _init(column="layer_dims[l]"),
        message="gamma, beta and b are columns",
    ),
    Correct(
        "init_with_rng_normal",
        "initialize_parameters_bn",
        _INIT
        + (
            "    rng = np.random.default_rng(seed)\n"
            "    L = len(layer_dims) - 1\n"
            "    parameters = {f'W{l}': rng.normal(0.0, np.sqrt(2.0 / layer_dims[l - 1]), size=(layer_dims[l], layer_dims[l - 1]))\n"
            "                  for l in range(1, L + 1)}\n"
            "    parameters.update({f'gamma{l}': np.ones((n, 1)) for l, n in enumerate(layer_dims[1:-1], start=1)})\n"
            "    parameters.update({f'beta{l}': np.zeros((n, 1)) for l, n in enumerate(layer_dims[1:-1], start=1)})\n"
            "    parameters[f'b{L}'] = np.zeros((layer_dims[-1], 1))\n"
            "    return parameters\n"
        ),
    ),
    # --- forward_propagation_bn ----------------------------------------------------------------------------
    Wrong(
        "network_batch_norm_after_relu",
        "forward_propagation_bn",
        _network(
            "        R = np.maximum(Z, 0)\n"
            "        A_next, bn_cache = batchnorm_forward(R, parameters[f'gamma{l}'], parameters[f'beta{l}'], eps)\n"
            "        caches.append((A, parameters[f'W{l}'], Z, bn_cache))\n"
            "        A = A_next\n"
        ),
        message="you applied batch norm after the ReLU",
        also_loses=("backward_propagation_bn",),
    ),
    Wrong(
        "network_keeps_hidden_bias",
        "forward_propagation_bn",
        _network(_HIDDEN_LAYER.replace("@ A\n", "@ A + parameters[f'b{l}']\n")),
        message="hidden layers have no b with batch norm",
        also_loses=("backward_propagation_bn",),
    ),
    Wrong(
        "network_ignores_eps",
        "forward_propagation_bn",
        _network(_HIDDEN_LAYER.replace(", eps)", ")")),
        message="pass eps on to batchnorm_forward",
    ),
    Variant(
        "network_with_dict_caches",
        {
            "forward_propagation_bn": _FPROP
            + (
                "    L = sum(1 for k in parameters if k[0] == 'W')\n"
                "    caches = []\n"
                "    A = X\n"
                "    for l in range(1, L + 1):\n"
                "        entry = {'A_prev': A, 'W': parameters[f'W{l}']}\n"
                "        Z = np.dot(parameters[f'W{l}'], A)\n"
                "        if l == L:\n"
                "            A = 1 / (1 + np.exp(-(Z + parameters[f'b{L}'])))\n"
                "        else:\n"
                "            Z_tilde, entry['bn'] = batchnorm_forward(Z, parameters[f'gamma{l}'], parameters[f'beta{l}'], eps=eps)\n"
                "            entry['mask'] = Z_tilde > 0\n"
                "            A = Z_tilde * entry['mask']\n"
                "        caches.append(entry)\n"
                "    return A, caches\n"
            ),
            "backward_propagation_bn": _BPROP
            + (
                "    m = AL.shape[1]\n"
                "    grads = {}\n"
                "    dZ = (AL - Y) / m\n"
                "    for l in reversed(range(1, len(caches) + 1)):\n"
                "        entry = caches[l - 1]\n"
                "        if l < len(caches):\n"
                "            dZ, grads[f'dgamma{l}'], grads[f'dbeta{l}'] = batchnorm_backward(dA * entry['mask'], entry['bn'])\n"
                "        else:\n"
                "            grads[f'db{l}'] = dZ.sum(axis=1, keepdims=True)\n"
                "        grads[f'dW{l}'] = np.dot(dZ, entry['A_prev'].T)\n"
                "        dA = np.dot(entry['W'].T, dZ)\n"
                "    return grads\n"
            ),
        },
        correct=True,
    ),
    # --- backward_propagation_bn ---------------------------------------------------------------------------
    Wrong(
        "network_backward_sum_not_mean",
        "backward_propagation_bn",
        _network_backward(output="    dZ = AL - Y\n"),
        message="dZ of the output layer is (AL - Y) / m",
    ),
    Wrong(
        "network_backward_hidden_db",
        "backward_propagation_bn",
        _network_backward(hidden_db="        grads[f'db{l}'] = dZ.sum(axis=1, keepdims=True)\n"),
        message="there is no db for hidden layers",
    ),
    Correct(
        "network_backward_with_np_dot",
        "backward_propagation_bn",
        _BPROP
        + (
            "    m = AL.shape[1]\n"
            "    L = len(caches)\n"
            "    grads = {}\n"
            "    dA = None\n"
            "    for l in range(L, 0, -1):\n"
            "        A_prev, W, Z_tilde, bn_cache = caches[l - 1]\n"
            "        if l == L:\n"
            "            dZ = (AL - Y) / m\n"
            "            grads['db' + str(l)] = np.sum(dZ, axis=1).reshape(-1, 1)\n"
            "        else:\n"
            "            dZ, grads['dgamma' + str(l)], grads['dbeta' + str(l)] = batchnorm_backward(np.where(Z_tilde > 0, dA, 0.0), bn_cache)\n"
            "        grads['dW' + str(l)] = np.dot(dZ, A_prev.T)\n"
            "        dA = np.dot(W.T, dZ)\n"
            "    return grads\n"
        ),
    ),
]

# Concept questions: every wrong option loses its point with its own explanation; the right one in another form
# keeps it; a blank loses it.
VARIANTS += [
    *concept_answers(
        "identity",
        ('"B"', '" b "'),
        {
            '"a"': "hold for z-hat, the value before gamma and beta",
            '"c"': "gamma sets the spread too",
            '"d"': "gamma and beta start at 1 and 0 but are learnt",
        },
    ),
    *concept_answers(
        "no_bias",
        ('"C"',),
        {
            '"a"': "The output is centred at beta, not zero",
            '"b"': "A parameter that never moves helps nothing",
            '"d"': "gamma scales z-hat",
        },
    ),
    *concept_answers(
        "regularisation",
        ('"ace"', '["e", "c", "a"]', '"a, c, e"', '{"c", "a", "e"}'),
        {
            '"ac"': "the same image gets a slightly different z-tilde",
            '"abce"': "a larger batch has steadier statistics",
            '"ce"': "carries a little noise, which acts a little like dropout",
            '"acde"': "with m = 512 the batch statistics barely move",
            '"ae"': "the noise is a by-product, weak and uncontrolled",
        },
    ),
    *concept_answers(
        "what_is_fixed",
        ('"B"',),
        {
            '"a"': "not a whole distribution",
            '"c"': "which is a measurement, not a guarantee",
            '"d"': "No dead ReLUs was measured on the digits, not proven",
        },
    ),
]
