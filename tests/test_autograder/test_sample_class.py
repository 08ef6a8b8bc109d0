"""The bundled sample class (the default of `make grade`) is committed and covers every assignment."""

from autograder.paths import REPO, SAMPLE_CLASS as SAMPLE


def test_sample_class_is_committed_with_at_least_twelve_students():
    students = [p for p in SAMPLE.iterdir() if p.is_dir()]
    assert len(students) >= 12, f"{SAMPLE} holds {len(students)} students: run `python -m autograder.sample_class --variants tests.variants`"


def test_sample_class_covers_every_source_assignment():
    assignments = {p.parent.name for p in (REPO / "source").glob("*/*.ipynb")}
    submitted = {p.parent.name for p in SAMPLE.glob("*/*/*.ipynb")}
    missing = assignments - submitted
    assert not missing, f"no sample submissions for {sorted(missing)}: run `python -m autograder.sample_class --variants tests.variants`"


def test_builder_is_deterministic_and_uses_the_mistakes_it_is_given(tmp_path):
    import shutil

    from autograder import nbcells
    from autograder.sample_class import build

    assignment = sorted(p.parent.name for p in (REPO / "release").glob("*/*.ipynb"))[0]
    course = tmp_path / "course"  # one assignment is enough, and keeps the test quick
    for kind in ("source", "release"):
        shutil.copytree(REPO / kind / assignment, course / kind / assignment)
    source = nbcells.read(course / "source" / assignment / f"{assignment}.ipynb")
    first_exercise = nbcells.answer_ids(source)[0]

    def mistakes(name):
        return [{first_exercise: "# a planted mistake"}] * 3

    first = build.build(mistakes, tmp_path / "one", root=course)
    second = build.build(mistakes, tmp_path / "two", root=course)
    assert len(first) == len(build.STUDENTS)  # one notebook each (misnamed or broken for two of them)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    average = (tmp_path / "one" / "grace_hopper" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
    assert "a planted mistake" in average
    strong = nbcells.read(tmp_path / "one" / "ada_lovelace" / assignment / f"{assignment}.ipynb")
    assert all(nbcells.cells_by_grade_id(strong)[g].source == code for g, code in nbcells.solutions(source).items())
