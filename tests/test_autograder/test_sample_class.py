"""The bundled sample class (the default of `make grade`) is committed and covers every assignment."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "autograder" / "sample_class" / "submitted"


def test_sample_class_is_committed_with_at_least_twelve_students():
    students = [p for p in SAMPLE.iterdir() if p.is_dir()]
    assert len(students) >= 12, f"{SAMPLE} holds {len(students)} students: run `python -m autograder.sample_class`"


def test_sample_class_covers_every_source_assignment():
    assignments = {p.parent.name for p in (REPO / "source").glob("*/*.ipynb")}
    submitted = {p.parent.name for p in SAMPLE.glob("*/*/*.ipynb")}
    missing = assignments - submitted
    assert not missing, f"no sample submissions for {sorted(missing)}: run `python -m autograder.sample_class`"
