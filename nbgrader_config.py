"""Course-wide nbgrader settings. The repository root is the nbgrader course directory."""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

COURSE_ROOT = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "dl-tuning"
c.CourseDirectory.root = str(COURSE_ROOT)
# The six assignments, in the order students take them (COURSE_SPEC §1).
c.CourseDirectory.db_assignments = [
    {"name": name}
    for name in (
        "01_tuning_process",
        "02_log_scale_sampling",
        "03_batchnorm_from_scratch",
        "04_batchnorm_test_time",
        "05_softmax_regression",
        "06_tensorflow_intro",
    )
]

# The exchange lives in a folder the course controls, so a checkout works without root; a hub sets
# COURSE_EXCHANGE_ROOT to its shared exchange (e.g. /srv/nbgrader/exchange).
c.Exchange.root = os.environ.get("COURSE_EXCHANGE_ROOT", str(COURSE_ROOT / ".exchange"))

# Solution stubs students see in release/.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# TensorFlow's first import and a training cell take seconds, not milliseconds: 120 s per cell leaves room
# for a slow laptop while still stopping an infinite loop.
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120

# A warning on stderr must not zero a correct answer (nbgrader scores any stderr output as a failure).
# Drop the lines TensorFlow, absl, XLA, tqdm and Python's warnings module print; real errors are outputs of
# type "error" and are never touched by this preprocessor.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = (
    r"(?m)^(?:[IWEF]\d{4} \d\d:\d\d:\d\d"  # absl / glog lines: W0000 00:00:00.0 123 file.cc:12] ...
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.\d]*: [IWEF] "  # TensorFlow C++ logs with a timestamp
    r"|WARNING: All log messages before absl::InitializeLog"
    r"|WARNING:(?:tensorflow|absl):)"
    r"|\b\w*Warning: "  # Python's warnings module: "file.py:12: RuntimeWarning: overflow ..."
    r"|\d+%\|.*\|"  # tqdm progress bars: " 40%|####      | 4/10 [00:01<00:02, ...]"
    r"|\[IPKernelApp\] WARNING"  # the kernel's own start-up notices ("running over TCP without encryption")
)
# A console progress bar (tqdm) ends with a lone newline that can land in a stderr output of its own, after the
# bar itself was dropped: an output of whitespace alone is no failure either.
c.IgnorePattern.pattern += r"|\A\s+\Z"

# What the grader (autograder/, which names no course) needs to know of this one: autograder/description.py
# documents each trait. The helper package is mounted read-only in every grading kernel; its checks are what
# the guard protects and the judge runs; the notebooks may import TensorFlow and friends without a flag.
c.CourseDescription.helper_packages = ["course"]
c.CourseDescription.checks_module = "course.checks"
c.CourseDescription.guarded_modules = ["course", "course.checks", "course.gradcheck"]
c.CourseDescription.judge_data_module = "course.plain"
c.CourseDescription.concepts_module = "course.concepts"
c.CourseDescription.allowed_imports = ["tensorflow", "keras", "sklearn", "scipy", "pandas", "tqdm", "ipywidgets"]
