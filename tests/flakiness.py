"""How often each statistical test of notebooks 01-06 fails correct code, and how often it catches a mistake.

``python -m tests.flakiness [--trials 200] [--only 01|02|03|04|05|06|...]`` runs every test cell that draws
random numbers (the samplers, ``random_search``, ``coarse_to_fine``, ``check_uniform``, ``check_decade_balance``) many
times against the instructor's solution and every variant of ``tests/variants/a0*.py``. Trial ``t`` runs the test
cell exactly as committed, except that every ``np.random.default_rng(seed)`` in it (and in the code under
test) becomes ``default_rng([seed, t])``: the same cell, a fresh and independent stream per trial (trial 0
keeps the committed seeds). Notebook 06 draws with TensorFlow, so there trial ``t`` also moves every ``seed`` and
``shuffle_seed`` that reaches ``initialize_parameters`` and ``make_dataset`` by ``7919 * t`` (a fresh
initialisation and shuffle order, the same "same seed, same result" behaviour). Slow cells (a full training
run) get at most ``TRIAL_CAP`` trials, and ``--only 05-tail`` / ``06-tail`` measure their accuracy margin
over many seeds instead. It prints a markdown table: for correct code the observed false-failure rate (and
a 95% upper bound when none failed), for each wrong variant its catch rate.

A rate below 1 in 10,000 cannot be observed in a few hundred trials, so for the checks whose tolerance is
analytic (six binomial standard deviations) the table also gives the bound, and for ``coarse_to_fine``'s
"ends near the minimum" check it measures the one-seed distance distribution over many seeds and turns it
into the probability that the median of the cell's seeds misses.

Lives in ``tests/`` because it imports the variants; it is a script, not a test (nothing here is collected).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import types
from pathlib import Path

import numpy as np

from tests.variants import variants_for

REPO = Path(__file__).resolve().parents[1]

# The test cells that draw random numbers, and the answer cells whose correct variants each one is run with
# (the first is the exercise it tests; its mistakes, and mistakes elsewhere that must lose it, are run too).
STATISTICAL = {
    "01_tuning_process": {
        "test_random_search": ("random_search",),
        "test_coarse_to_fine": ("coarse_to_fine", "random_search", "zoom_in"),
        "test_coarse_to_fine_search": ("coarse_to_fine", "random_search", "zoom_in"),
    },
    "02_log_scale_sampling": {
        "test_sample_log_uniform": ("sample_log_uniform",),
        "test_sample_log_uniform_decades": ("sample_log_uniform",),
        "test_sample_beta": ("sample_beta", "sample_log_uniform"),
        "test_sample_beta_scale": ("sample_beta", "sample_log_uniform"),
        "test_decade_counts": ("decade_counts",),
        # (the samplers' own correct variants are measured by their own tests above)
        "test_sample_hyperparameters": ("sample_hyperparameters",),
        "test_sample_hyperparameters_ranges": ("sample_hyperparameters",),
        "test_sample_hyperparameters_scales": ("sample_hyperparameters",),
    },
    # 03: the He-initialisation tests draw the student's weights (statistical for every correct answer); the
    # gradient checks draw their data, so re-seeding them measures how much margin their tolerance keeps.
    "03_batchnorm_from_scratch": {
        "test_initialize_parameters_bn": ("initialize_parameters_bn",),
        "test_initialize_parameters_bn_he": ("initialize_parameters_bn",),
        "test_batchnorm_forward": ("batchnorm_forward",),
        "test_batchnorm_backward_dZ": ("batchnorm_backward", "batchnorm_forward"),
        "test_backward_propagation_bn_gradcheck": (
            "backward_propagation_bn",
            "forward_propagation_bn",
            "batchnorm_backward",
            "batchnorm_forward",
        ),
    },
    # 04: no answer draws random numbers; the tests that draw their data are re-seeded for their margin.
    "04_batchnorm_test_time": {
        "test_update_running_average": ("update_running_average",),
        "test_batchnorm_forward_train_state": ("batchnorm_forward_train", "update_running_average"),
        "test_batchnorm_forward_test": ("batchnorm_forward_test",),
        "test_batchnorm_forward_test_single": ("batchnorm_forward_test",),
        "test_predict_bn_single": ("predict_bn", "batchnorm_forward_test"),
    },
    "05_softmax_regression": {
        "test_one_hot": ("one_hot",),
        "test_compute_cost": ("compute_cost",),
        "test_softmax_gradients": ("softmax_gradients", "softmax", "compute_cost"),
        "test_train_softmax_regression": ("train_softmax_regression", "softmax_gradients", "softmax", "compute_cost"),
        "test_train_softmax_regression_digits": (
            "train_softmax_regression",
            "softmax_gradients",
            "softmax",
            "compute_cost",
        ),
        "test_predict_softmax": ("predict_softmax",),
    },
    "06_tensorflow_intro": {
        "test_initialize_parameters": ("initialize_parameters",),
        "test_make_dataset": ("make_dataset", "normalize", "one_hot_matrix"),
        "test_make_train_step": ("make_train_step", "forward_propagation", "compute_total_loss"),
        "test_model": ("model", "initialize_parameters", "make_dataset", "make_train_step"),
    },
}

# What a notebook's setup cell imports that its test cells use, besides np and checks.
PREAMBLE = {
    "03_batchnorm_from_scratch": "from course.gradcheck import check_gradient, numeric_gradient, "
    "numeric_gradient_of_output, relative_error\n",
}

# Cells that train a whole model: at most this many trials each (their margin is measured by *_tail below).
TRIAL_CAP = {"test_train_softmax_regression_digits": 40, "test_model": 8}

# The code cells (by a line they contain) that set up what the test cells read, run once per assignment.
SETUP = {
    "05_softmax_regression": ("from course import checks, gradcheck",),
    "06_tensorflow_intro": ("import tensorflow as tf", "digits = load_digits_split(test_fraction=0.2, seed=0)"),
}


def _numpy_for_trial(trial: int) -> types.ModuleType:
    """``numpy`` itself, except that ``np.random.default_rng(seed)`` gives trial ``trial``'s stream for that seed."""
    random = types.ModuleType("numpy.random")
    random.__dict__.update(np.random.__dict__)

    def default_rng(seed=None):
        if trial == 0 or seed is None or isinstance(seed, np.random.Generator):
            return np.random.default_rng(seed)
        return np.random.default_rng([int(seed), trial])

    random.default_rng = default_rng
    proxy = types.ModuleType("numpy")
    proxy.__dict__.update(np.__dict__)
    proxy.random = random
    return proxy


def _cells(assignment: str) -> list[dict]:
    path = REPO / "source" / assignment / f"{assignment}.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _answers(cells: list[dict], replaced: dict[str, str]) -> list[tuple[str, str]]:
    """Every answer cell's (grade_id, code), with a variant's cells swapped in."""
    out = []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
            out.append((meta["grade_id"], replaced.get(meta["grade_id"], "".join(cell["source"]))))
    return out


_SETUP_CACHE: dict[str, dict] = {}


def _setup_namespace(assignment: str | None) -> dict:
    """What the notebook's set-up cells define (imports, data), computed once per assignment."""
    if assignment not in SETUP:
        return {}
    if assignment not in _SETUP_CACHE:
        import contextlib
        import io
        import os

        import matplotlib

        matplotlib.use("Agg")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        namespace = {"__name__": "__flakiness__"}
        sources = ["".join(c["source"]) for c in _cells(assignment) if c["cell_type"] == "code"]
        with contextlib.redirect_stdout(io.StringIO()):
            for marker in SETUP[assignment]:
                exec(next(s for s in sources if marker in s), namespace)  # noqa: S102 - our own notebook
        namespace.pop("__builtins__", None)
        _SETUP_CACHE[assignment] = namespace
        import matplotlib.pyplot as plt

        plt.close("all")
    return _SETUP_CACHE[assignment]


def _tf_seeds_for_trial(namespace: dict, trial: int) -> None:
    """Move the seeds that reach notebook 06's seeded functions by 7919 * trial (None stays None)."""
    import inspect

    for name, argument in (("initialize_parameters", "seed"), ("make_dataset", "shuffle_seed")):
        original = namespace.get(name)
        if original is None:
            continue
        signature = inspect.signature(original)

        def moved(*args, _original=original, _signature=signature, _argument=argument, **kwargs):
            bound = _signature.bind(*args, **kwargs)
            bound.apply_defaults()
            if bound.arguments.get(_argument) is not None:
                bound.arguments[_argument] = int(bound.arguments[_argument]) + 7919 * trial
            return _original(*bound.args, **bound.kwargs)

        namespace[name] = moved


def run_cell(
    answers: list[tuple[str, str]], test_source: str, trial: int, assignment: str | None = None
) -> str | None:
    """Run the answers then one test cell in a fresh namespace; the failure's first line, or None if it passed."""
    import contextlib
    import io

    from course import checks

    namespace = {
        **_setup_namespace(assignment),
        "np": _numpy_for_trial(trial),
        "checks": checks,
        "__name__": "__flakiness__",
    }
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(PREAMBLE.get(assignment, ""), namespace)  # noqa: S102 - the notebook's own imports
            for _, code in answers:
                exec(code, namespace)  # noqa: S102 - our own notebook and variants
            if trial and assignment == "06_tensorflow_intro":
                _tf_seeds_for_trial(namespace, trial)
            exec(test_source, namespace)  # noqa: S102
    except Exception as error:  # noqa: BLE001 - any failure of the test is what we count
        return f"{type(error).__name__}: {error}".splitlines()[0][:160]
    return None


def _rate_text(failures: int, trials: int) -> str:
    if failures == 0:
        return f"0/{trials} (< {3 / trials:.1%} at 95%)"
    return f"{failures}/{trials} = {failures / trials:.1%}"


def measure(assignment: str, trials: int, stream=sys.stdout) -> list[str]:
    cells = _cells(assignment)
    tests = {_grade_id(c): "".join(c["source"]) for c in cells if _grade_id(c) in STATISTICAL[assignment]}
    variants = variants_for(assignment)
    rows = []
    for test_id, uses in STATISTICAL[assignment].items():
        # The solution, every other correct way to write this exercise, and every mistake that must lose it
        # (its own, and those in the functions it calls).
        implementations = [("solution", {}, True)]
        for variant in variants:
            if (variant.correct and set(variant.code) & set(uses)) or uses[0] in variant.losing_exercises:
                implementations.append((variant.name, variant.code, variant.correct))
        for name, code, correct in implementations:
            answers = _answers(cells, code)
            started = time.perf_counter()
            failures, example = 0, None
            runs = min(trials, TRIAL_CAP.get(test_id, trials))
            for trial in range(runs):
                problem = run_cell(answers, tests[test_id], trial, assignment)
                if problem:
                    failures += 1
                    example = example or problem
            seconds = time.perf_counter() - started
            if correct:
                verdict = f"false failures {_rate_text(failures, runs)}"
            else:
                verdict = f"caught {failures}/{runs} = {failures / runs:.0%}"
            row = f"| {assignment[:2]} | `{test_id}` | {name} ({'correct' if correct else 'wrong'}) | {verdict} |"
            if example and correct:
                row += f" e.g. {example}"
            rows.append(row)
            print(row, f"[{seconds:.1f} s]", file=stream, flush=True)
    return rows


def _bowl(point):
    p = np.asarray(point, dtype=float)
    return float((p[0] - 0.3) ** 2 + (p[1] + 0.7) ** 2)


def _tilted(point):
    p = np.asarray(point, dtype=float)
    return float(2.0 * (p[0] - 40.0) ** 2 / 100.0 + (p[1] - 0.3) ** 2 * 50.0 + (p[2] + 3.0) ** 2)


# test_coarse_to_fine_search's two median-of-5 rules: (label, objective, ranges, n_per_round, n_rounds, top_k,
# statistic of the result, threshold)
_MEDIAN_RULES = [
    (
        "bowl: distance to the minimum",
        _bowl,
        [(-2.0, 2.0), (-2.0, 2.0)],
        40,
        5,
        10,
        lambda result: float(np.linalg.norm(np.asarray(result["best_point"], dtype=float) - [0.3, -0.7])),
        0.1,
    ),
    (
        "3-D: best score",
        _tilted,
        [(0.0, 100.0), (0.0, 1.0), (-5.0, 5.0)],
        60,
        5,
        12,
        lambda result: float(result["best_score"]),
        0.5,
    ),
]


def coarse_to_fine_tail(seeds: int = 2000, median_of: int = 5) -> list[str]:
    """Each median-of-5 rule of test_coarse_to_fine_search: the one-seed statistic over many seeds, for each
    correct coarse_to_fine, and the probability that the median of the cell's 5 seeds misses (binomial tail)."""
    cells = _cells("01_tuning_process")
    correct = [("solution", {})] + [
        (v.name, v.code)
        for v in variants_for("01_tuning_process")
        if v.correct and set(v.code) & {"coarse_to_fine", "random_search", "zoom_in"}
    ]
    rows = []
    for label, objective, ranges, n, rounds, top_k, statistic, threshold in _MEDIAN_RULES:
        for name, code in correct:
            namespace = {"np": np}
            for _, source in _answers(cells, code):
                exec(source, namespace)  # noqa: S102
            values = np.array(
                [
                    statistic(
                        namespace["coarse_to_fine"](
                            objective, ranges, n, rounds, top_k, np.random.default_rng([s, 7919])
                        )
                    )
                    for s in range(seeds)
                ]
            )
            misses = int(np.sum(values >= threshold))
            p = max(misses, 3) / seeds  # with no miss seen, the 95% upper bound (rule of three)
            need = median_of // 2 + 1
            tail = sum(math.comb(median_of, k) * p**k * (1 - p) ** (median_of - k) for k in range(need, median_of + 1))
            rows.append(
                f"| 01 | `test_coarse_to_fine_search` {label} < {threshold} (median of {median_of}) | {name} | "
                f"one seed: median {np.median(values):.4f}, 99.9% {np.quantile(values, 0.999):.4f}, max "
                f"{values.max():.4f}, {misses}/{seeds} at or above; the rule fails with p <= {tail:.1e} |"
            )
            print(rows[-1], flush=True)
    return rows


def decade_balance_rates(trials: int) -> list[str]:
    """``check_decade_balance`` on log-uniform (must pass) and uniform (must fail) samples of [1e-4, 1]."""
    from course import checks

    rows = []
    for label, draw, correct in (
        ("log-uniform 4,000 over 4 decades", lambda rng: 10 ** rng.uniform(-4, 0, 4000), True),
        ("uniform 4,000 over 4 decades", lambda rng: rng.uniform(1e-4, 1, 4000), False),
        (
            "log-uniform on the wrong ends (log10 of [1e-4, 1] scaled to [-4, -0.5])",
            lambda rng: 10 ** rng.uniform(-4, -0.5, 4000),
            False,
        ),
    ):
        failures = 0
        for trial in range(trials):
            samples = draw(np.random.default_rng([11, trial]))
            counts = np.histogram(samples, bins=10.0 ** np.arange(-4, 1))[0]
            try:
                checks.check_decade_balance(counts, "samples")
            except AssertionError:
                failures += 1
        verdict = f"false failures {_rate_text(failures, trials)}" if correct else f"caught {failures}/{trials}"
        rows.append(f"| course | `checks.check_decade_balance` | {label} | {verdict} |")
        print(rows[-1], flush=True)
    return rows


def _normal_tail(values: np.ndarray, floor: float) -> str:
    """P(value < floor) for a normal with the values' mean and standard deviation (a model of the seed spread)."""
    mean, std = float(values.mean()), float(values.std(ddof=1))
    if std == 0:
        return "0 (no spread)" if mean >= floor else "1"
    z = (mean - floor) / std
    return f"{0.5 * math.erfc(z / math.sqrt(2)):.1e} (z = {z:.1f})"


def _correct_implementations(assignment: str, uses: tuple[str, ...]) -> list[tuple[str, dict]]:
    others = [(v.name, v.code) for v in variants_for(assignment) if v.correct and set(v.code) & set(uses)]
    return [("solution", {})] + others


def softmax_digits_tail(seeds: int = 100) -> list[str]:
    """test_train_softmax_regression_digits: the held-out accuracy over many initialisation seeds, per correct
    trainer, and the normal-tail chance that one seed falls under the cell's 95% floor."""
    from course.data import load_digits_split

    assignment = "05_softmax_regression"
    cells = _cells(assignment)
    digits = load_digits_split(seed=0)
    X_fit, X_held = digits.X_train.T / 16.0, digits.X_dev.T / 16.0
    rows = []
    uses = STATISTICAL[assignment]["test_train_softmax_regression_digits"]
    for name, code in _correct_implementations(assignment, uses):
        namespace = {"np": np}
        for _, source in _answers(cells, code):
            exec(source, namespace)  # noqa: S102
        accuracies = []
        for seed in range(seeds):
            params, _ = namespace["train_softmax_regression"](X_fit, np.eye(10)[:, digits.Y_train], seed=seed)
            accuracies.append(float(np.mean(np.argmax(params["W"] @ X_held + params["b"], axis=0) == digits.Y_dev)))
        values = np.array(accuracies)
        rows.append(
            f"| 05 | `test_train_softmax_regression_digits` held-out accuracy >= 0.95, {seeds} init seeds | "
            f"{name} | min {values.min():.4f}, mean {values.mean():.4f}, std {values.std(ddof=1):.4f}; "
            f"P(< 0.95) ~ {_normal_tail(values, 0.95)} |"
        )
        print(rows[-1], flush=True)
    return rows


def model_tail(seeds: int = 12) -> list[str]:
    """test_model: the notebook's settings with many seeds (initialisation and shuffle), per correct
    initialisation: every number the cell checks, and the normal-tail chance of the test accuracy floor."""
    import contextlib
    import io

    assignment = "06_tensorflow_intro"
    cells = _cells(assignment)
    settings = dict(layer_dims=[64, 25, 12, 10], learning_rate=0.02, num_epochs=15, batch_size=128)  # the notebook's
    rows = []
    for name, code in _correct_implementations(assignment, ("initialize_parameters", "model", "make_dataset")):
        base = _setup_namespace(assignment)
        namespace = {**base, "np": np}
        test, train, fall, last = [], [], [], []
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for _, source in _answers(cells, code):
                exec(source, namespace)  # noqa: S102
            for seed in range(1, seeds + 1):
                _, costs, train_acc, test_acc = namespace["model"](
                    base["X_train"], base["y_train"], base["X_test"], base["y_test"], seed=seed, **settings
                )
                test.append(test_acc)
                train.append(train_acc)
                fall.append(costs[-1] / costs[0])
                last.append(costs[-1])
        test, train = np.array(test), np.array(train)
        rows.append(
            f"| 06 | `test_model`, seeds 1..{seeds} | {name} | test accuracy min {test.min():.3f} mean "
            f"{test.mean():.3f} (floor 0.90: P ~ {_normal_tail(test, 0.90)}); train accuracy min "
            f"{train.min():.3f} (P ~ {_normal_tail(train, 0.90)}); last/first cost max {max(fall):.3f} "
            f"(< 0.5); last cost max {max(last):.3f} (< 0.6) |"
        )
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.flakiness", description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="independent seeds per test and implementation")
    parser.add_argument(
        "--only",
        choices=["01", "02", "03", "04", "tail", "course", "05", "05-tail", "06", "06-tail"],
        help="one part of the table",
    )
    args = parser.parse_args(argv)
    rows = ["| nb | test | implementation | result |", "|---|---|---|---|"]
    if args.only in (None, "01"):
        rows += measure("01_tuning_process", args.trials)
    if args.only in (None, "tail"):
        rows += coarse_to_fine_tail()
    if args.only in (None, "02"):
        rows += measure("02_log_scale_sampling", args.trials)
    if args.only in (None, "03"):
        rows += measure("03_batchnorm_from_scratch", args.trials)
    if args.only in (None, "04"):
        rows += measure("04_batchnorm_test_time", args.trials)
    if args.only in (None, "course"):
        rows += decade_balance_rates(max(args.trials, 1000))
    if args.only in (None, "05"):
        rows += measure("05_softmax_regression", args.trials)
    if args.only in (None, "05-tail"):
        rows += softmax_digits_tail()
    if args.only in (None, "06"):
        rows += measure("06_tensorflow_intro", args.trials)
    if args.only in (None, "06-tail"):
        rows += model_tail()
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
