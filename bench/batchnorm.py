"""Notebook 03: the solution's batch norm, forward + backward, beside Keras' ``BatchNormalization``.

One training step of one batch-norm layer on the same input, 256 examples x 512 units, float32 on the CPU:

- **solution**: the notebook's ``batchnorm_forward`` then ``batchnorm_backward`` (numpy, columns are examples,
  so the input is the transposed ``(512, 256)`` array), read from the source notebook;
- **Keras, tf.function**: ``tf.keras.layers.BatchNormalization`` called with ``training=True`` under a
  ``GradientTape``, the input's and the layer's gradients taken, the whole step traced once with
  ``tf.function`` (how a Keras training step runs);
- **Keras, eager**: the same step without ``tf.function``.

Each round times every implementation once (several steps each), alternating, so all see the same machine
load; the table gives the median over the rounds. Goal: the solution within 3x of Keras (tf.function).
TensorFlow is imported here only.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from autograder import nbcells
from autograder.paths import REPO, notebook_path

ASSIGNMENT = "03_batchnorm_from_scratch"
M, N = 256, 512
ROUNDS, STEPS = 15, 10
GOAL_RATIO = 3.0


def _solution() -> dict:
    namespace = {"np": np}
    answers = nbcells.solutions(nbcells.read(notebook_path(REPO, "source", ASSIGNMENT)))
    for name in ("batchnorm_forward", "batchnorm_backward"):
        exec(answers[name], namespace)  # noqa: S102 - our own committed notebook
    return namespace


def _steps() -> dict:
    """Name -> a function running one training step of the layer (forward, backward) on the same data."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 2.0, size=(M, N)).astype(np.float32)  # batch-first, as Keras wants it
    upstream = rng.normal(size=(M, N)).astype(np.float32)
    solution = _solution()
    forward, backward = solution["batchnorm_forward"], solution["batchnorm_backward"]
    Z, dZ_tilde = np.ascontiguousarray(x.T), np.ascontiguousarray(upstream.T)  # columns are examples
    gamma, beta = np.ones((N, 1), np.float32), np.zeros((N, 1), np.float32)

    def numpy_step():
        _, cache = forward(Z, gamma, beta)
        return backward(dZ_tilde, cache)

    layer = tf.keras.layers.BatchNormalization(axis=-1, momentum=0.9, epsilon=1e-5)
    x_tf, upstream_tf = tf.constant(x), tf.constant(upstream)
    layer(x_tf, training=False)  # build the variables

    def keras_step(inputs, dout):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            out = layer(inputs, training=True)
            loss = tf.reduce_sum(out * dout)
        return tape.gradient(loss, [inputs, *layer.trainable_variables])

    traced = tf.function(keras_step)
    traced(x_tf, upstream_tf)  # trace once, outside the timing
    # the same numbers: the solution's dZ is the transpose of Keras' input gradient
    ours = numpy_step()[0]
    theirs = keras_step(x_tf, upstream_tf)[0].numpy().T
    agree = float(np.max(np.abs(ours - theirs)) / (np.max(np.abs(theirs)) + 1e-12))
    return {
        "solution (numpy)": numpy_step,
        "Keras BatchNormalization, tf.function": lambda: traced(x_tf, upstream_tf),
        "Keras BatchNormalization, eager": lambda: keras_step(x_tf, upstream_tf),
    }, agree


def measure() -> tuple[dict[str, float], float]:
    """Median milliseconds per training step for each implementation, and their relative disagreement."""
    steps, agree = _steps()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():
        step()  # warm-up
    for _ in range(ROUNDS):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(STEPS):
                step()
            times[name].append((time.perf_counter() - start) * 1000 / STEPS)
    return {name: statistics.median(values) for name, values in times.items()}, agree


def run() -> str:
    medians, agree = measure()
    keras = medians["Keras BatchNormalization, tf.function"]
    rows = [f"| {name} | {ms:.2f} | {ms / keras:.2f}x |" for name, ms in medians.items()]
    ratio = medians["solution (numpy)"] / keras
    return (
        "## Batch norm: the solution beside Keras\n\n"
        f"One training step (forward + backward) of a batch-norm layer on {M} examples x {N} units, float32, CPU; "
        f"median of {ROUNDS} rounds of {STEPS} steps, implementations alternating, `python -m bench batchnorm`. "
        f"The solution's dZ matches Keras' input gradient to a relative {agree:.1e}.\n\n"
        "| implementation | ms per step | vs Keras (tf.function) |\n|---|---:|---:|\n" + "\n".join(rows) + "\n\n"
        f"- Solution within {GOAL_RATIO:.0f}x of Keras: **{ratio:.2f}x** "
        f"({'yes' if ratio <= GOAL_RATIO else '**no**'}).\n"
    )


if __name__ == "__main__":
    print(run())
