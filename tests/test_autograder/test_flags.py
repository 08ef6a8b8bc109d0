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

    odd = Flag("symlink", "y")
    odd.flag = "odd"  # a name the catalogue lost since (Flag refuses one at creation)
    flagged = SubmissionResult("s", "a", "graded", 1, 2, flags=[Flag("tampered_during_test", "x"), odd])
    page = report.render([flagged])
    assert html.escape(flags.FLAGS["tampered_during_test"][0]) in page
    assert "not in autograder/flags.py" in page  # an unknown name is shown, never a crash


def test_a_flag_is_a_name_of_the_catalogue_and_writes_as_its_text():
    import csv
    import io

    import pytest

    from autograder.results import Flag, Status, SubmissionResult

    flag = Flag("symlink", "x")
    assert flag.flag is flags.FlagName.symlink and set(flags.FlagName) == set(flags.FLAGS)
    with pytest.raises(ValueError):
        Flag("symlnk", "a typo is an error where it is made, not a silent row")
    result = SubmissionResult("s", "a", "grader_error", flags=[flag])
    assert result.status is Status.GRADER_ERROR and SubmissionResult.from_json(result.to_json()) == result
    out = io.StringIO()
    csv.writer(out).writerow([result.status, flag.flag])
    assert out.getvalue() == "grader_error,symlink\r\n"  # the CSVs are what they were with plain strings
