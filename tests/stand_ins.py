"""Finished answers that the widget tests hand to the notebooks' visualizers, as a student's notebook would.

Unit tests call these functions; browser tests send their source to a real kernel with :func:`source_of`, so
both drive a widget with the same answer. Each function imports what it needs itself, so its source runs alone.
"""

import inspect


def batchnorm_forward(Z, gamma, beta, eps=1e-5):  # a correct answer of notebook 03, with a tuple cache
    import numpy as np

    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z_hat, 1 / np.sqrt(var + eps), gamma)


def batchnorm_backward(dZ_tilde, cache):
    Z_hat, inv_std, gamma = cache
    d = dZ_tilde * gamma
    dZ = inv_std * (d - d.mean(axis=1, keepdims=True) - Z_hat * (d * Z_hat).mean(axis=1, keepdims=True))
    return dZ, (dZ_tilde * Z_hat).sum(axis=1, keepdims=True), dZ_tilde.sum(axis=1, keepdims=True)


def gradient_of(f, x):  # a correct answer of notebook 06
    import tensorflow as tf

    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


def second_derivative(f, x):
    import tensorflow as tf

    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as outer:
        outer.watch(x)
        first = gradient_of(f, x)
    return outer.gradient(first, x)


def source_of(*functions) -> str:
    """The functions' source, to define them in a kernel."""
    return "\n".join(inspect.getsource(f) for f in functions)
