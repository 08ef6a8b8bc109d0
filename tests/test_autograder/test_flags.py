"""autograder.flags: every flag the grader can write is in the catalogue, and the README shows the catalogue."""

import re

from autograder import flags, integrity
from autograder.paths import AUTOGRADER_DIR, REPO


def flags_in_the_code() -> set[str]:
    """Flag names written as ``Flag("name", ...)`` anywhere in the grader, and those of integrity's rule tables."""
    names = set()
    for path in AUTOGRADER_DIR.rglob("*.py"):
        names |= set(re.findall(r"""Flag\(\s*["']([a-z_]+)["']""", path.read_text(encoding="utf-8")))
    names |= set(integrity._CODE_FLAGS)
    names |= {"missing_notebook", "invalid_notebook", "symlink"}  # api names them through a mapping
    return names


def test_every_flag_the_grader_writes_is_in_the_catalogue():
    missing = flags_in_the_code() - set(flags.FLAGS)
    assert not missing, f"add these to autograder/flags.py: {sorted(missing)}"


def test_the_catalogue_names_no_flag_the_grader_never_writes():
    assert set(flags.FLAGS) <= flags_in_the_code()


def test_the_readme_table_is_the_catalogue():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- flags:start -->\n(.*?)\n<!-- flags:end -->", readme, re.S)
    assert table, "README.md has lost its <!-- flags:start/end --> markers"
    assert table.group(1) == flags.markdown_table(), "regenerate with autograder.flags.markdown_table()"


def test_the_report_explains_the_flags_of_its_run():
    import html

    from autograder import report
    from autograder.results import Flag, SubmissionResult

    flagged = SubmissionResult("s", "a", "graded", 1, 2, flags=[Flag("tampered_during_test", "x"), Flag("odd", "y")])
    page = report.render([flagged])
    assert html.escape(flags.FLAGS["tampered_during_test"][0]) in page
    assert "not in autograder/flags.py" in page  # an unknown name is shown, never a crash
