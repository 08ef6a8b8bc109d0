"""Submissions for 05_softmax_regression: the mistakes students make, and other correct ways to write each answer.

Every mistake must lose its exercise's points (and those of later exercises that call it) and show its own
message; every different-but-correct answer must keep every point.
"""

from tests.variants import Correct, Wrong, concept_answers

_SOFTMAX = 'def softmax(Z):\n    """Column-wise softmax of (C, m) scores."""\n'
_ONE_HOT = 'def one_hot(labels, num_classes):\n    """(C, m) one-hot columns."""\n'
_COST = 'def compute_cost(Y_hat, Y):\n    """Mean cross-entropy."""\n'
_GRADS = 'def softmax_gradients(X, Y, W, b):\n    """(cost, dW, db)."""\n'
_TRAIN = (
    "def train_softmax_regression(X, Y, learning_rate=0.5, num_iterations=1000, seed=0):\n"
    '    """Batch gradient descent."""\n'
)
_PREDICT = 'def predict_softmax(params, X):\n    """(m,) labels."""\n'
_LABEL_CHECK = (
    "    labels = np.asarray(labels)\n"
    "    if np.any(labels != np.floor(labels)) or np.any(labels < 0) or np.any(labels >= num_classes):\n"
    "        raise ValueError('labels must be whole numbers in 0..num_classes - 1')\n"
)
_TRAIN_LOOP = (
    "    rng = np.random.default_rng(seed)\n"
    "    W = 0.01 * rng.standard_normal((Y.shape[0], X.shape[0]))\n"
    "    b = np.zeros((Y.shape[0], 1))\n"
    "    costs = []\n"
    "    for i in range(num_iterations):\n"
    "        cost, dW, db = softmax_gradients(X, Y, W, b)\n"
    "        if i % 10 == 0:\n"
    "            costs.append(cost)\n"
)

VARIANTS = [
    # --- softmax -----------------------------------------------------------------------------------------------
    Wrong(
        "softmax_without_max_shift",
        "softmax",
        _SOFTMAX + "    E = np.exp(Z)\n    return E / E.sum(axis=0, keepdims=True)\n",
        message="subtract each column's own maximum",
    ),
    Wrong(
        "softmax_over_rows",
        "softmax",
        _SOFTMAX + "    E = np.exp(Z - Z.max(axis=0, keepdims=True))\n    return E / E.sum(axis=1, keepdims=True)\n",
        message="you normalised each row; each column is one example",
        also_loses=("softmax_gradients", "train_softmax_regression"),
    ),
    Wrong(
        "softmax_divides_by_whole_sum",
        "softmax",
        _SOFTMAX + "    E = np.exp(Z - np.max(Z))\n    return E / np.sum(E)\n",
        message="you divided by the sum of the whole matrix",
        also_loses=("softmax_gradients", "train_softmax_regression"),
    ),
    Wrong(
        "softmax_shifts_in_place",
        "softmax",
        _SOFTMAX
        + "    Z -= Z.max(axis=0, keepdims=True)\n    E = np.exp(Z)\n    return E / E.sum(axis=0, keepdims=True)\n",
        message="do not modify Z in place",
    ),
    Correct(
        "softmax_via_log_sum_exp",
        "softmax",
        _SOFTMAX
        + (
            "    top = np.max(Z, axis=0, keepdims=True)\n"
            "    lse = top + np.log(np.sum(np.exp(Z - top), axis=0, keepdims=True))\n"
            "    return np.exp(Z - lse)\n"
        ),
    ),
    Correct(
        "softmax_column_by_column",
        "softmax",
        _SOFTMAX
        + (
            "    Z = np.array(Z, dtype=float)\n"
            "    out = np.empty_like(Z)\n"
            "    for j in range(Z.shape[1]):\n"
            "        e = np.exp(Z[:, j] - Z[:, j].max())\n"
            "        out[:, j] = e / e.sum()\n"
            "    return out\n"
        ),
    ),
    # --- one_hot -----------------------------------------------------------------------------------------------
    Wrong(
        "one_hot_as_rows",
        "one_hot",
        _ONE_HOT + _LABEL_CHECK + "    return np.eye(num_classes)[labels.astype(int)]\n",
        message="one column per example: shape (C, m), not (m, C)",
    ),
    Wrong(
        "one_hot_accepts_any_label",
        "one_hot",
        _ONE_HOT
        + (
            "    labels = np.asarray(labels).astype(int)\n"
            "    Y = np.zeros((num_classes, labels.size))\n"
            "    Y[labels % num_classes, np.arange(labels.size)] = 1.0\n"
            "    return Y\n"
        ),
        message="check that every label lies in 0 .. num_classes - 1",
    ),
    Wrong(
        "one_hot_truncates_float_labels",
        "one_hot",
        _ONE_HOT
        + (
            "    labels = np.asarray(labels).astype(int)\n"
            "    if labels.min() < 0 or labels.max() >= num_classes:\n"
            "        raise ValueError('label out of range')\n"
            "    Y = np.zeros((num_classes, labels.size))\n"
            "    Y[labels, np.arange(labels.size)] = 1.0\n"
            "    return Y\n"
        ),
        message="astype(int) truncates 1.5 to 1 without a word",
    ),
    Correct(
        "one_hot_from_identity",
        "one_hot",
        _ONE_HOT + _LABEL_CHECK + "    return np.eye(num_classes)[labels.astype(int)].T\n",
    ),
    Correct(
        "one_hot_put_along_axis",
        "one_hot",
        _ONE_HOT
        + _LABEL_CHECK
        + (
            "    Y = np.zeros((num_classes, labels.size))\n"
            "    np.put_along_axis(Y, labels.astype(int)[None, :], 1.0, axis=0)\n"
            "    return Y\n"
        ),
    ),
    # --- compute_cost ------------------------------------------------------------------------------------------
    Wrong(
        "cost_summed_not_averaged",
        "compute_cost",
        _COST + "    return float(-np.sum(Y * np.log(np.clip(Y_hat, 1e-12, 1.0))))\n",
        message="you summed over the examples; the cost is their mean",
        also_loses=("softmax_gradients",),
    ),
    Wrong(
        "cost_binary_cross_entropy",
        "compute_cost",
        _COST
        + (
            "    P = np.clip(Y_hat, 1e-12, 1 - 1e-12)\n"
            "    return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / Y.shape[1])\n"
        ),
        message="that is the binary cross-entropy",
        also_loses=("softmax_gradients",),
    ),
    Wrong(
        "cost_log_of_zero",
        "compute_cost",
        _COST + "    return float(-np.sum(Y * np.log(Y_hat)) / Y.shape[1])\n",
        message="0 * np.log(0) is nan in numpy",
    ),
    Correct(
        "cost_of_the_true_class",
        "compute_cost",
        _COST
        + (
            "    m = Y.shape[1]\n"
            "    p = Y_hat[np.argmax(Y, axis=0), np.arange(m)]\n"
            "    return float(-np.mean(np.log(p)))\n"
        ),
    ),
    Correct(
        "cost_log_plus_epsilon",
        "compute_cost",
        _COST + "    return float(-np.sum(Y * np.log(Y_hat + 1e-8)) / Y.shape[1])\n",
    ),
    Correct(
        "cost_clipped",
        "compute_cost",
        _COST + "    return float(np.mean(-np.sum(Y * np.log(np.clip(Y_hat, 1e-15, 1.0)), axis=0)))\n",
    ),
    # --- softmax_gradients -------------------------------------------------------------------------------------
    Wrong(
        "gradients_sigmoid_style",
        "softmax_gradients",
        _GRADS
        + (
            "    m = X.shape[1]\n"
            "    Y_hat = softmax(W @ X + b)\n"
            "    dZ = (Y_hat - Y) * Y_hat * (1 - Y_hat)\n"
            "    return compute_cost(Y_hat, Y), dZ @ X.T / m, dZ.sum(axis=1, keepdims=True) / m\n"
        ),
        message="that is a sigmoid-style derivative",
        also_loses=("train_softmax_regression",),
    ),
    Wrong(
        "gradients_not_divided_by_m",
        "softmax_gradients",
        _GRADS
        + (
            "    Y_hat = softmax(W @ X + b)\n"
            "    dZ = Y_hat - Y\n"
            "    return compute_cost(Y_hat, Y), dZ @ X.T, dZ.sum(axis=1, keepdims=True)\n"
        ),
        message="divide by m, the number of examples",
    ),
    Wrong(
        "gradients_ascent",
        "softmax_gradients",
        _GRADS
        + (
            "    m = X.shape[1]\n"
            "    Y_hat = softmax(W @ X + b)\n"
            "    dZ = Y - Y_hat\n"
            "    return compute_cost(Y_hat, Y), dZ @ X.T / m, dZ.mean(axis=1, keepdims=True)\n"
        ),
        message="the sign is flipped: dZ = Y_hat - Y",
        also_loses=("train_softmax_regression",),
    ),
    Wrong(
        "gradients_db_flat",
        "softmax_gradients",
        _GRADS
        + (
            "    m = X.shape[1]\n"
            "    Y_hat = softmax(W @ X + b)\n"
            "    dZ = Y_hat - Y\n"
            "    return compute_cost(Y_hat, Y), dZ @ X.T / m, dZ.mean(axis=1)\n"
        ),
        message="db is a column like b",
        also_loses=("train_softmax_regression",),
    ),
    Correct(
        "gradients_cost_from_logits",
        "softmax_gradients",
        _GRADS
        + (
            "    m = X.shape[1]\n"
            "    Z = W @ X + b\n"
            "    top = Z.max(axis=0, keepdims=True)\n"
            "    log_probs = Z - top - np.log(np.exp(Z - top).sum(axis=0, keepdims=True))\n"
            "    cost = float(-np.sum(Y * log_probs) / m)\n"
            "    dZ = np.exp(log_probs) - Y\n"
            "    return cost, dZ @ X.T / m, np.mean(dZ, axis=1, keepdims=True)\n"
        ),
    ),
    Correct(
        "gradients_einsum",
        "softmax_gradients",
        _GRADS
        + (
            "    m = X.shape[1]\n"
            "    Y_hat = softmax(np.dot(W, X) + b)\n"
            "    dZ = (Y_hat - Y) / m\n"
            "    return compute_cost(Y_hat, Y), np.einsum('ci,ni->cn', dZ, X), dZ.sum(axis=1).reshape(-1, 1)\n"
        ),
    ),
    # --- train_softmax_regression ------------------------------------------------------------------------------
    Wrong(
        "train_climbs_the_gradient",
        "train_softmax_regression",
        _TRAIN
        + _TRAIN_LOOP
        + (
            "        W = W + learning_rate * dW\n"
            "        b = b + learning_rate * db\n"
            "    return {'W': W, 'b': b}, costs\n"
        ),
        message="step against the gradient",
    ),
    Wrong(
        "train_ignores_learning_rate",
        "train_softmax_regression",
        _TRAIN
        + _TRAIN_LOOP
        + ("        W = W - 0.01 * dW\n        b = b - 0.01 * db\n    return {'W': W, 'b': b}, costs\n"),
        message="use the learning_rate argument",
    ),
    Wrong(
        "train_records_every_iteration",
        "train_softmax_regression",
        _TRAIN
        + (
            "    W = np.zeros((Y.shape[0], X.shape[0]))\n"
            "    b = np.zeros((Y.shape[0], 1))\n"
            "    costs = []\n"
            "    for _ in range(num_iterations):\n"
            "        cost, dW, db = softmax_gradients(X, Y, W, b)\n"
            "        costs.append(cost)\n"
            "        W -= learning_rate * dW\n"
            "        b -= learning_rate * db\n"
            "    return {'W': W, 'b': b}, costs\n"
        ),
        message="you recorded the cost at every iteration",
    ),
    Wrong(
        "train_records_after_the_update",
        "train_softmax_regression",
        _TRAIN
        + (
            "    rng = np.random.default_rng(seed)\n"
            "    W = 0.01 * rng.standard_normal((Y.shape[0], X.shape[0]))\n"
            "    b = np.zeros((Y.shape[0], 1))\n"
            "    costs = []\n"
            "    for i in range(1, num_iterations + 1):\n"
            "        _, dW, db = softmax_gradients(X, Y, W, b)\n"
            "        W = W - learning_rate * dW\n"
            "        b = b - learning_rate * db\n"
            "        if i % 10 == 1:\n"
            "            costs.append(softmax_gradients(X, Y, W, b)[0])\n"
            "    return {'W': W, 'b': b}, costs\n"
        ),
        message="record the cost before the first update",
    ),
    Wrong(
        "train_appends_the_final_cost",
        "train_softmax_regression",
        _TRAIN
        + _TRAIN_LOOP
        + (
            "        W = W - learning_rate * dW\n"
            "        b = b - learning_rate * db\n"
            "    costs.append(softmax_gradients(X, Y, W, b)[0])\n"
            "    return {'W': W, 'b': b}, costs\n"
        ),
        message="one entry too many",
    ),
    Correct(
        "train_zero_init_costs_sliced",
        "train_softmax_regression",
        _TRAIN
        + (
            "    W = np.zeros((Y.shape[0], X.shape[0]))\n"
            "    b = np.zeros((Y.shape[0], 1))\n"
            "    every = []\n"
            "    for _ in range(num_iterations):\n"
            "        cost, dW, db = softmax_gradients(X, Y, W, b)\n"
            "        every.append(cost)\n"
            "        W -= learning_rate * dW\n"
            "        b -= learning_rate * db\n"
            "    return {'W': W, 'b': b}, every[::10]\n"
        ),
    ),
    Correct(
        "train_inline_gradients",
        "train_softmax_regression",
        _TRAIN
        + (
            "    rng = np.random.default_rng(seed)\n"
            "    params = {'W': rng.normal(0, 0.01, (Y.shape[0], X.shape[0])), 'b': np.zeros((Y.shape[0], 1))}\n"
            "    costs, m, step = [], X.shape[1], 0\n"
            "    while step < num_iterations:\n"
            "        Y_hat = softmax(params['W'] @ X + params['b'])\n"
            "        if step % 10 == 0:\n"
            "            costs.append(compute_cost(Y_hat, Y))\n"
            "        dZ = Y_hat - Y\n"
            "        params['W'] = params['W'] - learning_rate * dZ @ X.T / m\n"
            "        params['b'] = params['b'] - learning_rate * dZ.mean(axis=1, keepdims=True)\n"
            "        step += 1\n"
            "    return params, costs\n"
        ),
    ),
    # --- predict_softmax ---------------------------------------------------------------------------------------
    Wrong(
        "predict_returns_probabilities",
        "predict_softmax",
        _PREDICT + "    return softmax(params['W'] @ X + params['b'])\n",
        message="those look like probabilities",
    ),
    Wrong(
        "predict_returns_one_hot",
        "predict_softmax",
        _PREDICT
        + ("    Z = params['W'] @ X + params['b']\n    return (Z == Z.max(axis=0, keepdims=True)).astype(int)\n"),
        message="that looks like a one-hot matrix",
    ),
    Wrong(
        "predict_argmax_over_examples",
        "predict_softmax",
        _PREDICT + "    return np.argmax(params['W'] @ X + params['b'], axis=1)\n",
        message="one label per example: take np.argmax over the classes",
    ),
    Correct(
        "predict_from_probabilities",
        "predict_softmax",
        _PREDICT + "    return softmax(params['W'] @ X + params['b']).argmax(axis=0).astype(np.int64)\n",
    ),
    Correct(
        "predict_with_a_loop",
        "predict_softmax",
        _PREDICT
        + (
            "    Z = np.dot(params['W'], X) + params['b']\n"
            "    return np.array([int(np.argmax(Z[:, j])) for j in range(Z.shape[1])], dtype=int)\n"
        ),
    ),
]

# Concept questions: every wrong option loses its point with its own explanation; the right one in another form
# keeps it; a blank loses it. The first wrong answer listed is each question's common misconception.
VARIANTS += [
    *concept_answers(
        "two_classes",
        ('"C"', '"(c)"'),
        {
            '"a"': "the two probabilities always add up to 1",
            '"b"': "The hardmax is the limit of very large scores",
            '"d"': "Softmax works for any C of at least 2",
        },
    ),
    *concept_answers(
        "log_true_class",
        ('"B"',),
        {
            '"d"': "Nothing makes them small",
            '"a"': "The loss is not bounded",
            '"c"': "Every score gets a gradient",
        },
    ),
    *concept_answers(
        "straight_borders",
        ('" d "', '"D"'),
        {
            '"b"': "More steps move the lines but never bend them",
            '"a"': "being bounded does not decide the shape",
            '"c"': "The model does not adapt its shape to the data",
        },
    ),
    *concept_answers(
        "temperature",
        ('"C"',),
        {
            '"a"': "the top class stays the top class, only less sure",
            '"b"': "Temperature scaling fits how sure the model is",
            '"d"': "That holds for adding one number to every score",
        },
    ),
]
