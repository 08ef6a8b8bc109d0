"""The contract lives in the repository: docs/COURSE_SPEC.md is the team's shared COURSE_SPEC.md, word for word."""

import pytest

from autograder.paths import REPO

SHARED = REPO.parent / "shared" / "COURSE_SPEC.md"


def test_the_contract_is_in_the_repository():
    text = (REPO / "docs" / "COURSE_SPEC.md").read_text(encoding="utf-8")
    assert text.startswith("# Course contract") and "## 5. Grading" in text
    assert "docs/COURSE_SPEC.md" in (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_the_copy_equals_the_shared_contract():
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is not beside this checkout (only the course team's machines have it)")
    assert (REPO / "docs" / "COURSE_SPEC.md").read_bytes() == SHARED.read_bytes(), (
        f"docs/COURSE_SPEC.md differs from {SHARED}: copy the shared contract over it")
