"""nbgrader_config.py: TensorFlow's log lines and Python warnings on stderr never cost points, errors always do.

A small assignment is graded with real nbgrader and the course's own configuration.
"""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests import nbtools

pytestmark = pytest.mark.slow

ANSWER = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
TESTS = {
    # TensorFlow's import prints oneDNN / absl lines to stderr; the test itself is correct.
    "test_double_tensorflow": "import tensorflow as tf\nassert double(tf.constant(2.0)).numpy() == 4.0\nprint('ok')",
    "test_double_warning": "import warnings\nwarnings.warn('deprecated thing')\nassert double(3) == 6\nprint('ok')",
    "test_double_fails": "assert double(3) == 7, 'a real failure'",
    "test_double_stderr_then_error": "import sys\nprint('UserWarning: x', file=sys.stderr)\nraise ValueError('boom')",
}


def grade_cell(grade_id, source, answer):
    meta = {
        "grade": not answer,
        "grade_id": grade_id,
        "locked": not answer,
        "schema_version": 3,
        "solution": answer,
        "task": False,
    }
    if not answer:
        meta["points"] = 1
    return new_code_cell(source, metadata={"nbgrader": meta})


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("config")
    nb = new_notebook(
        cells=[grade_cell("double", ANSWER, True)] + [grade_cell(gid, src, False) for gid, src in TESTS.items()]
    )
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    (root / "source" / "toy").mkdir(parents=True)
    nbformat.write(nb, str(root / "source" / "toy" / "toy.ipynb"))
    submission = nbformat.read(str(root / "source" / "toy" / "toy.ipynb"), as_version=4)
    submission.cells[0].source = nbtools.solution_code(ANSWER)
    return nbtools.autograde("toy", {"student": submission}, tmp_path_factory.mktemp("course"), source=root / "source")


def test_tensorflow_log_lines_cost_nothing(graded):
    assert graded["student"].scores["test_double_tensorflow"].score == 1


def test_python_warnings_cost_nothing(graded):
    assert graded["student"].scores["test_double_warning"].score == 1


def test_real_failures_still_score_zero(graded):
    assert graded["student"].scores["test_double_fails"].score == 0
    assert graded["student"].scores["test_double_stderr_then_error"].score == 0


def course_config():
    from traitlets.config import Config

    config = Config()
    exec(
        (nbtools.REPO / "nbgrader_config.py").read_text(),
        {"get_config": lambda: config, "__file__": str(nbtools.REPO / "nbgrader_config.py")},
    )
    return config


@pytest.mark.parametrize(
    "line, ignored",
    [
        ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n", True),
        ("I0000 00:00:1795294501.239004    6574 port.cc:153] oneDNN custom operations are on.\n", True),
        ("2026-11-21 20:55:01.123456: W tensorflow/core/framework/op_kernel.cc:1] something\n", True),
        ("WARNING:tensorflow:5 out of the last 5 calls to <function> triggered tf.function retracing\n", True),
        ("/tmp/ipykernel_1/1.py:2: RuntimeWarning: overflow encountered in exp\n  return 1/(1+np.exp(-z))\n", True),
        ("training:  40%|####      | 4/10 [00:01<00:02,  3.10it/s]", True),
        ("[IPKernelApp] WARNING | Kernel is running over TCP without encryption.", True),
        ("\n", True),  # the newline a console tqdm bar writes when it closes
        ("  \n\n", True),
        ("Traceback (most recent call last):\nValueError: boom\n", False),
        ("my own debugging print\n", False),
    ],
)
def test_ignore_pattern_matches_log_lines_only(line, ignored):
    import re

    config = course_config()
    assert config.IgnorePattern.enabled is True
    assert bool(re.search(config.IgnorePattern.pattern, line)) is ignored
