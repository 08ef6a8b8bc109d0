"""The contract lives in the repository: docs/COURSE_SPEC.md, edited here when an issue changes it."""

from autograder.paths import REPO


def test_the_contract_is_in_the_repository():
    text = (REPO / "docs" / "COURSE_SPEC.md").read_text(encoding="utf-8")
    assert text.startswith("# Course contract") and "## 5. Grading" in text
    assert "docs/COURSE_SPEC.md" in (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
