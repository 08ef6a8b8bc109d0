"""Submissions for 02_log_scale_sampling: the mistakes students make, and other correct ways to write each answer.

Every answer cell has at least one plausible mistake (which must lose that exercise's points, and those of a
later exercise that calls it, and show its own message) and one different-but-correct version (which must
keep every point).
"""

from tests.variants import Correct, Wrong, concept_answers

_LOG_DOC = '''def sample_log_uniform(low, high, size, rng):
    """Log-uniform samples in [low, high]."""
'''
_BETA_DOC = '''def sample_beta(low, high, size, rng):
    """beta in [low, high] with 1 - beta log-uniform."""
'''
_COUNTS_DOC = '''def decade_counts(samples, low, high):
    """Samples per decade of [low, high]."""
'''
_WINDOW_DOC = '''def effective_window(beta):
    """1 / (1 - beta)."""
'''
_SPACE_DOC = '''def sample_hyperparameters(space, n, rng):
    """n configurations drawn from space."""
'''
_LOG_CHECK = """    if not 0 < low < high:
        raise ValueError("need 0 < low < high")
"""
_BETA_CHECK = """    if not 0 <= low < high < 1:
        raise ValueError("need 0 <= low < high < 1")
"""

_SPACE_LOOP = _SPACE_DOC + (
    "    configs = []\n"
    "    for _ in RANGE:\n"
    "        config = {}\n"
    "        for name, (kind, *args) in space.items():\n"
    "            if kind == 'uniform':\n"
    "                config[name] = UNIFORM\n"
    "            elif kind == 'log':\n"
    "                config[name] = LOG\n"
    "            elif kind == 'beta':\n"
    "                config[name] = float(sample_beta(args[0], args[1], 1, rng)[0])\n"
    "            elif kind == 'int':\n"
    "                config[name] = INT\n"
    "            elif kind == 'choice':\n"
    "                config[name] = CHOICE\n"
    "            else:\n"
    "                raise ValueError(kind)\n"
    "        configs.append(config)\n"
    "    return configs\n"
)


def _space(
    range_="range(n)",
    uniform="float(rng.uniform(args[0], args[1]))",
    log="float(sample_log_uniform(args[0], args[1], 1, rng)[0])",
    int_="int(rng.integers(args[0], args[1] + 1))",
    choice="args[0][int(rng.integers(len(args[0])))]",
):
    """sample_hyperparameters written as one loop, with one of its expressions replaced by a mistake."""
    return (
        _SPACE_LOOP.replace("RANGE", range_)
        .replace("UNIFORM", uniform)
        .replace("LOG", log)
        .replace("INT", int_)
        .replace("CHOICE", choice)
    )


VARIANTS = [
    # --- sample_log_uniform --------------------------------------------------------------------------------
    Wrong(
        "log_uniform_sampled_linearly",
        "sample_log_uniform",
        _LOG_DOC + _LOG_CHECK + "    return rng.uniform(low, high, size)\n",
        message="of your samples are above 0.1: sample the exponent, not the value",
        also_loses=("sample_beta", "sample_hyperparameters"),
    ),
    Wrong(
        "log_uniform_without_logs",
        "sample_log_uniform",
        _LOG_DOC + _LOG_CHECK + "    return 10 ** rng.uniform(low, high, size)\n",
        message="draw the exponent r between log10(low) and log10(high)",
        also_loses=("sample_beta", "sample_hyperparameters"),
    ),
    Wrong(
        "log_uniform_no_validation",
        "sample_log_uniform",
        _LOG_DOC + "    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)\n",
        message="sample_log_uniform(0, 1, 10, rng) (log10(0) does not exist) should raise ValueError",
    ),
    Wrong(
        "log_uniform_global_random_state",
        "sample_log_uniform",
        _LOG_DOC + _LOG_CHECK + "    return 10 ** np.random.uniform(np.log10(low), np.log10(high), size)\n",
        message="take every random number from `rng`",
        also_loses=("sample_beta", "sample_hyperparameters"),
    ),
    Correct(
        "log_uniform_natural_log",
        "sample_log_uniform",
        _LOG_DOC + _LOG_CHECK + "    return np.exp(rng.uniform(np.log(low), np.log(high), size))\n",
    ),
    Correct(
        "log_uniform_from_rng_random",
        "sample_log_uniform",
        _LOG_DOC
        + _LOG_CHECK
        + (
            "    a, b = np.log10(low), np.log10(high)\n"
            "    r = a + (b - a) * rng.random(size)\n"
            "    return np.power(10.0, r)\n"
        ),
    ),
    Correct(
        "log_uniform_as_ratio_power",
        "sample_log_uniform",
        _LOG_DOC + _LOG_CHECK + "    return low * (high / low) ** rng.random(size)\n",
    ),
    # --- sample_beta ---------------------------------------------------------------------------------------
    Wrong(
        "beta_sampled_linearly",
        "sample_beta",
        _BETA_DOC + _BETA_CHECK + "    return rng.uniform(low, high, size)\n",
        message="of your betas are below 0.99, expected about half",
        also_loses=("sample_hyperparameters",),
    ),
    Wrong(
        "beta_log_on_the_beta_bounds",
        "sample_beta",
        _BETA_DOC + _BETA_CHECK + "    return 1 - sample_log_uniform(low, high, size, rng)\n",
        message="1 - beta runs from 1 - high to 1 - low",
        also_loses=("sample_hyperparameters",),
    ),
    Wrong(
        "beta_returns_one_minus_beta",
        "sample_beta",
        _BETA_DOC + _BETA_CHECK + "    return sample_log_uniform(1 - high, 1 - low, size, rng)\n",
        message="1 - beta runs from 1 - high to 1 - low",
        also_loses=("sample_hyperparameters",),
    ),
    Wrong(
        "beta_no_validation",
        "sample_beta",
        _BETA_DOC + "    return 1 - 10 ** rng.uniform(np.log10(1 - high), np.log10(1 - low), size)\n",
        message="sample_beta(0.9, 1, 10, rng) (1 - beta would reach 0) should raise ValueError",
    ),
    Correct(
        "beta_exponents_directly",
        "sample_beta",
        _BETA_DOC
        + _BETA_CHECK
        + ("    r = rng.uniform(np.log10(1 - high), np.log10(1 - low), size)\n    return 1.0 - 10.0 ** r\n"),
    ),
    Correct(
        "beta_natural_log1p",
        "sample_beta",
        _BETA_DOC + _BETA_CHECK + "    return 1 - np.exp(rng.uniform(np.log1p(-high), np.log1p(-low), size))\n",
    ),
    # --- decade_counts -------------------------------------------------------------------------------------
    Wrong(
        "decades_drop_high_at_the_top",
        "decade_counts",
        _COUNTS_DOC
        + (
            "    samples = np.asarray(samples)\n"
            "    ks = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))))\n"
            "    return np.array([np.sum((samples >= 10.0**k) & (samples < 10.0**(k + 1))) for k in ks])\n"
        ),
        message="the last decade is closed: a sample equal to `high` counts in it",
    ),
    Wrong(
        "decades_one_too_many",
        "decade_counts",
        _COUNTS_DOC
        + (
            "    samples = np.asarray(samples)\n"
            "    first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))\n"
            "    k = np.floor(np.log10(samples)).astype(int) - first\n"
            "    return np.bincount(k, minlength=last - first + 1)\n"
        ),
        message="has shape (5,), expected (4,)",
    ),
    Wrong(
        "decades_rounded_bounds",
        "decade_counts",
        _COUNTS_DOC
        + (
            "    first, last = int(np.round(np.log10(low))), int(np.round(np.log10(high)))\n"
            "    return np.histogram(samples, bins=10.0 ** np.arange(first, last + 1))[0]\n"
        ),
        message="floor the low exponent, ceil the high one",
    ),
    Correct(
        "decades_loop_with_closed_top",
        "decade_counts",
        _COUNTS_DOC
        + (
            "    samples = np.asarray(samples, dtype=float)\n"
            "    first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))\n"
            "    counts = []\n"
            "    for k in range(first, last):\n"
            "        upper = samples <= 10.0 ** (k + 1) if k == last - 1 else samples < 10.0 ** (k + 1)\n"
            "        counts.append(int(np.sum((samples >= 10.0 ** k) & upper)))\n"
            "    return np.array(counts, dtype=int)\n"
        ),
    ),
    Correct(
        "decades_floor_and_bincount",
        "decade_counts",
        _COUNTS_DOC
        + (
            "    import math\n"
            "    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))\n"
            "    k = np.floor(np.log10(np.asarray(samples, dtype=float))).astype(int) - first\n"
            "    k = np.minimum(k, last - first - 1)  # the top edge belongs to the last decade\n"
            "    return np.bincount(k[k >= 0], minlength=last - first)[: last - first]\n"
        ),
    ),
    # --- effective_window ----------------------------------------------------------------------------------
    Wrong(
        "window_missing_brackets",
        "effective_window",
        _WINDOW_DOC + "    return 1 / 1 - np.asarray(beta)\n",
        message="mind the brackets: 1 / (1 - beta)",
    ),
    Wrong(
        "window_beta_over_one_minus_beta",
        "effective_window",
        _WINDOW_DOC + "    beta = np.asarray(beta, dtype=float)\n    return beta / (1 - beta)\n",
        message="is 9, expected 10",
    ),
    Correct(
        "window_plain_python_for_numbers",
        "effective_window",
        _WINDOW_DOC
        + (
            "    if isinstance(beta, np.ndarray):\n"
            "        return np.reciprocal(1.0 - beta.astype(float))\n"
            "    return 1.0 / (1.0 - float(beta))\n"
        ),
    ),
    # --- sample_hyperparameters ----------------------------------------------------------------------------
    Wrong(
        "space_returns_numpy_scalars",
        "sample_hyperparameters",
        _space(
            uniform="rng.uniform(args[0], args[1])",
            log="sample_log_uniform(args[0], args[1], 1, rng)[0]",
            int_="rng.integers(args[0], args[1] + 1)",
            choice="args[0][rng.integers(len(args[0]))]",
        ).replace("float(sample_beta(args[0], args[1], 1, rng)[0])", "sample_beta(args[0], args[1], 1, rng)[0]"),
        message="expected a Python float: numpy numbers are not plain floats",
    ),
    Wrong(
        "space_one_config_too_few",
        "sample_hyperparameters",
        _space(range_="range(1, n)"),
        message="return a list of n dicts, one per configuration",
    ),
    Wrong(
        "space_int_excludes_high",
        "sample_hyperparameters",
        _space(int_="int(rng.integers(args[0], args[1]))"),
        message="an int range includes both ends",
    ),
    Wrong(
        "space_log_kind_sampled_uniformly",
        "sample_hyperparameters",
        _space(log="float(rng.uniform(args[0], args[1]))"),
        message="sample 'log' kinds like sample_log_uniform",
    ),
    Wrong(
        "space_int_rounds_a_uniform_float",
        "sample_hyperparameters",
        _space(int_="int(round(rng.uniform(args[0], args[1])))"),
        message="rounding a uniform float gives the two ends half the chance",
    ),
    Wrong(
        "space_choice_rounds_a_uniform_index",
        "sample_hyperparameters",
        _space(choice="args[0][round(rng.uniform(0, len(args[0]) - 1))]"),
        message="rounding a uniform float gives the first and last options half the chance",
    ),
    Correct(
        "space_column_by_column",
        "sample_hyperparameters",
        _SPACE_DOC
        + (
            "    columns = {}\n"
            "    for name, spec in space.items():\n"
            "        kind = spec[0]\n"
            "        if kind == 'uniform':\n"
            "            columns[name] = rng.uniform(spec[1], spec[2], n).tolist()\n"
            "        elif kind == 'log':\n"
            "            columns[name] = sample_log_uniform(spec[1], spec[2], n, rng).tolist()\n"
            "        elif kind == 'beta':\n"
            "            columns[name] = sample_beta(spec[1], spec[2], n, rng).tolist()\n"
            "        elif kind == 'int':\n"
            "            columns[name] = rng.integers(spec[1], spec[2], size=n, endpoint=True).tolist()\n"
            "        elif kind == 'choice':\n"
            "            options = list(spec[1])\n"
            "            columns[name] = [options[i] for i in rng.integers(0, len(options), size=n)]\n"
            "        else:\n"
            "            raise ValueError(f'unknown kind {kind}')\n"
            "    return [{name: columns[name][i] for name in space} for i in range(n)]\n"
        ),
    ),
    # concept questions (the first wrong answer is the class's common misconception: autograder/sample_class)
    *concept_answers(
        "log_scale",
        ('"B"', '"b."'),
        {
            '"c"': "The log scale favours no end",
            '"a"': "never leaves the range",
            '"d"': "Random is not enough",
        },
    ),
    *concept_answers(
        "average_window",
        ("50.0", "49", "1 / (1 - 0.98)", "np.float64(51.5)"),
        {
            "0.02": "0.02 is 1 - beta",
            "100": "100 is the window of beta = 0.99",
            "0.98": "0.98 is beta itself",
            "10": "10 is the window of beta = 0.9",
            "47.5": "about 1 / (1 - beta) values",
            "-50": "about 1 / (1 - beta) values",
        },
    ),
    *concept_answers(
        "beta_scale",
        ('"D"',),
        {
            '"a"': "The width on the beta axis misleads",
            '"b"': "It is the other way round",
            '"c"': "nearly a straight line",
        },
    ),
    *concept_answers(
        "which_scale",
        ('"da"', '["d", "a"]', '"A D"'),
        {
            '"acd"': "the log scale belongs to 1 - beta",
            '"a"': "16 to 1024 is six doublings",
            '"ade"': "a range that starts at 0 has no log scale",
            '"abd"': "20 to 30 is a narrow count",
        },
    ),
]
