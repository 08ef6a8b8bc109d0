"""The bundled sample class (the default of `make grade`) is committed and covers every assignment."""

from autograder.paths import REPO
from autograder.paths import SAMPLE_CLASS as SAMPLE


def test_sample_class_is_committed_with_at_least_twelve_students():
    students = [p for p in SAMPLE.iterdir() if p.is_dir()]
    assert len(students) >= 12, (
        f"{SAMPLE} holds {len(students)} students: run `python -m autograder.sample_class --variants tests.variants`"
    )


def test_sample_class_covers_every_source_assignment():
    assignments = {p.parent.name for p in (REPO / "source").glob("*/*.ipynb")}
    submitted = {p.parent.name for p in SAMPLE.glob("*/*/*.ipynb")}
    missing = assignments - submitted
    assert not missing, (
        f"no sample submissions for {sorted(missing)}: "
        "run `python -m autograder.sample_class --variants tests.variants`"
    )


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


def test_concept_questions_get_a_class_with_misconceptions(tmp_path):
    """Strong students answer every concept question right; the others' wrong answers lean to each question's
    common misconception (the first wrong answer its variants list), and their code mistakes are drawn as in a
    class without questions."""
    import shutil

    from autograder import nbcells
    from autograder.sample_class import build

    assignment = "03_batchnorm_from_scratch"
    course = tmp_path / "course"
    for kind in ("source", "release"):
        shutil.copytree(REPO / kind / assignment, course / kind / assignment)
    source = nbcells.read(course / "source" / assignment / f"{assignment}.ipynb")
    solutions = nbcells.solutions(source)
    concept_ids = [g for g in solutions if g.startswith("concept_")]
    mistakes = build.mistakes_from("tests.variants")
    build.build(mistakes, tmp_path / "out", root=course)
    common = {g: next(m[g] for m in mistakes(assignment) if set(m) == {g} and "ANSWER" in m[g]) for g in concept_ids}
    chosen = []
    for student, kind in build.STUDENTS.items():
        path = tmp_path / "out" / student / assignment / f"{assignment}.ipynb"
        if kind in ("blank", "missing", "broken") or not path.exists():
            continue
        cells = nbcells.cells_by_grade_id(nbcells.read(path))
        if kind == "strong":
            assert all(cells[g].source == solutions[g] for g in concept_ids), student
        if kind in ("average", "weak"):
            chosen += [cells[g].source == common[g] for g in concept_ids]
    assert 0 < sum(chosen) < len(chosen)
