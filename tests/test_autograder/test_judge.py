"""Tests judged outside the kernel (issue 21): the attacks of ``corpus_judge`` graded through the real pipeline on
notebooks 01 and 03 beside a correct neighbour, what reaches the kernel, and the judge's parts on their own."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from autograder import judge, nbcells
from autograder.api import grade_class
from autograder.paths import REPO
from course import plain
from tests.test_autograder import corpus_judge as cj

A = cj.ASSIGNMENT
JUDGED = sorted(p.parent.name for p in (REPO / "source").glob("*/*.ipynb"))  # every notebook's tests are judged
ATTACKS = {A: cj.ATTACKS, cj.ASSIGNMENT_03: cj.ATTACKS_03, cj.SOFTMAX_ASSIGNMENT: cj.SOFTMAX_ATTACKS}
CASES = [(assignment, attack) for assignment, attacks in ATTACKS.items() for attack in attacks]


def _source(assignment=A):
    return nbcells.read(REPO / "source" / assignment / f"{assignment}.ipynb")


def _release(assignment=A):
    return nbcells.read(REPO / "release" / assignment / f"{assignment}.ipynb")


@pytest.fixture(scope="module")
def judged_runs(tmp_path_factory):
    """assignment -> (student -> result, out): its attacks and the spy, each attack with a correct neighbour graded
    beside it (2 workers), graded once per module."""
    done = {}

    def run(assignment):
        if assignment not in done:
            done[assignment] = _grade_attacks(assignment, tmp_path_factory)
        return done[assignment]

    return run


def _grade_attacks(assignment, tmp_path_factory):
    subs, out = tmp_path_factory.mktemp("submitted"), tmp_path_factory.mktemp("graded")
    source = _source(assignment)
    answers = {g: code for g, code in nbcells.solutions(source).items() if g in nbcells.answer_ids(source)}

    def write(student, nb):
        folder = subs / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{assignment}.ipynb"))

    for attack in ATTACKS[assignment]:
        chosen = dict(attack.replace) if attack.blank else {**answers, **attack.replace}
        write(attack.name, nbcells.build_submission(_release(assignment), chosen))
        write(attack.name + cj.BESIDE, nbcells.build_submission(_release(assignment), answers))
    spied = cj.SPIED.get(assignment)
    if spied:
        write(cj.SPY_CASE, nbcells.build_submission(_release(assignment), {**answers, spied: cj.SPY + answers[spied]}))
    results = grade_class(subs, out, workers=2, log=lambda m: None)
    return {r.student_id: r for r in results if r.assignment == assignment}, out


@pytest.fixture(scope="module")
def judged_run(judged_runs):
    return judged_runs(A)


def _cells(result):
    return {c.grade_id: c for c in result.cells if c.kind == "test"}


@pytest.mark.parametrize("assignment, attack", CASES, ids=[attack.name for _, attack in CASES])
def test_an_attack_loses_what_it_did_wrong_and_its_neighbour_keeps_full_marks(judged_runs, assignment, attack):
    results, _ = judged_runs(assignment)
    neighbour = results[attack.name + cj.BESIDE]
    assert neighbour.status == "graded" and not [f for f in neighbour.flags if f.flag == "grader_error"]
    full = _cells(neighbour)
    assert all(c.score == c.max_score for c in full.values()), {
        g: c.message for g, c in full.items() if c.score < c.max_score
    }
    cells = _cells(results[attack.name])
    assert not [f for f in results[attack.name].flags if f.flag == "grader_error"], results[attack.name].flags
    for grade_id, cell in cells.items():
        if "*" in attack.loses or grade_id in attack.loses:
            assert cell.score == 0, f"{attack.name}: {grade_id} kept {cell.score:g} points"
        else:
            assert cell.score == cell.max_score, f"{attack.name}: {grade_id} lost points: {cell.message}"


def test_the_blank_notebook_behind_an_iopub_filter_scores_zero_and_says_why(judged_run):
    results, _ = judged_run
    result = results["blank_iopub_filter"]
    assert result.score == 0
    messages = {c.grade_id: c.message for c in _cells(result).values()}
    assert "did not come back from your kernel" in messages["test_grid_search"], messages
    assert "TUNING_PRIORITY" in messages["test_TUNING_PRIORITY"], messages


def test_a_blank_notebook_03_behind_the_iopub_filter_scores_zero_and_says_why(judged_runs):
    """Every probe's NameError hidden from the grader: the judge still finds no value, in a code test and in a
    concept question alike."""
    results, _ = judged_runs(cj.ASSIGNMENT_03)
    result = results["blank_iopub_filter_03"]
    assert result.score == 0
    messages = {c.grade_id: c.message for c in _cells(result).values()}
    for grade_id in ("test_batchnorm_forward", "test_batchnorm_backward", "test_forward_propagation_bn_values"):
        assert "did not come back from your kernel" in messages[grade_id], messages
    assert messages["test_concept_identity"], messages


def test_the_blank_05_notebook_behind_an_iopub_filter_scores_zero(judged_runs):
    results, _ = judged_runs(cj.SOFTMAX_ASSIGNMENT)
    result = results["blank_iopub_filter_05"]
    assert result.score == 0 and results["blank_iopub_filter_05" + cj.BESIDE].score == result.max_score
    messages = {c.grade_id: c.message for c in _cells(result).values()}
    assert "did not come back from your kernel" in messages["test_softmax"], messages


def _judged_cells(source_nb):
    return [c for c in source_nb.cells if nbcells.is_test_cell(c) and judge.is_judged(c.source)]


def _hidden_check_lines(source_nb) -> list[str]:
    """Lines of hidden check segments (the judge's alone), long enough to mean something, and not also in
    what the kernel runs."""
    lines = []
    for cell in _judged_cells(source_nb):
        kernel = judge.kernel_source(cell.source)
        for part in judge.segments(cell.source):
            if part.kind == judge.CHECK and part.hidden:
                lines += [
                    ln.strip()
                    for ln in part.code.splitlines()
                    if len(ln.strip()) >= nbcells.MIN_HIDDEN_LINE
                    and not ln.strip().startswith("#")
                    and ln.strip() not in kernel
                ]
    return lines


def _hidden_check_names(source_nb) -> set[str]:
    """Names bound by hidden check segments and by nothing the kernel runs under grading (other cells whole,
    test cells' probe and shared segments): if the kernel holds one, a hidden check's value got there."""
    names, kernel_bound = set(), set()
    for cell in source_nb.cells:
        if cell.cell_type != "code":
            continue
        if nbcells.is_test_cell(cell) and judge.is_judged(cell.source):
            names |= {
                n
                for part in judge.segments(cell.source)
                if part.kind == judge.CHECK and part.hidden
                for n in judge._names(part.code)[1]
            }
            kernel_bound |= judge._names(judge.kernel_source(cell.source))[1]
        else:
            kernel_bound |= judge._names(nbcells.solution_code(cell.source))[1]
    return names - kernel_bound


# What the spy must have seen (a hidden probe), and names only hidden checks bind, by notebook.
SPY_EXPECTS = {
    A: ("grid_search(cube_ranges, 4)", {"expected_tiers", "cube_expected", "expected3"}),
    cj.ASSIGNMENT_03: ("batchnorm_forward(Zw, gw, bw, eps=0.5)", {"exact", "no_eps", "bn1", "cost5"}),
}


@pytest.mark.parametrize("assignment", SPY_EXPECTS)
def test_no_hidden_expected_value_reaches_the_kernel_in_a_graded_run(judged_runs, assignment):
    """The spy printed every cell the kernel ran and every global it held, after each cell."""
    results, out = judged_runs(assignment)
    assert results[cj.SPY_CASE].score == results[ATTACKS[assignment][0].name + cj.BESIDE].score
    graded = nbcells.read(out / "autograded" / cj.SPY_CASE / assignment / f"{assignment}.ipynb")
    reports = [
        json.loads(line[4:])
        for cell in graded.cells
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream"
        for line in o.get("text", "").splitlines()
        if line.startswith("SPY ")
    ]
    sent = "\n".join(c for r in reports for c in r["cells"])
    held = {name for r in reports for name in r["globals"]}
    probe, expected_names = SPY_EXPECTS[assignment]
    assert probe in sent  # the spy saw the hidden probes, so it would see more
    leaked = [line for line in _hidden_check_lines(_source(assignment)) if line in sent]
    assert not leaked, leaked
    names = _hidden_check_names(_source(assignment))
    assert expected_names <= names
    assert not names & held, names & held


@pytest.mark.parametrize("assignment", JUDGED)
def test_what_a_graded_run_sends_the_kernel_holds_no_hidden_check(assignment):
    """Each judged cell's kernel code and the names its judge asks the kernel for, for every test cell."""
    source = _source(assignment)
    lines = _hidden_check_lines(source)
    hidden_names = _hidden_check_names(source)
    for cell in source.cells:
        if not nbcells.is_test_cell(cell):
            continue
        assert judge.is_judged(cell.source), f"{nbcells.grade_id(cell)} is not judged outside the kernel"
        parts = judge.segments(cell.source)
        sent = judge.kernel_source(cell.source) + "".join(
            judge.export_expression(judge.wanted_names(parts, i)) for i, p in enumerate(parts) if p.in_judge
        )
        assert not [line for line in lines if line in sent], nbcells.grade_id(cell)
        asked = {n for i, p in enumerate(parts) if p.in_judge for n in judge.wanted_names(parts, i)}
        assert not asked & hidden_names, (nbcells.grade_id(cell), asked & hidden_names)


def test_segments_follow_the_markers_and_the_hidden_blocks_do_not_change_them():
    source = (
        "# Checks: one\nx = f(1)\n### CHECK\nchecks.check_close(x, 2, 'x')\n### BEGIN HIDDEN TESTS\n"
        "### SHARED\nr = [1]\n### PROBE\ny = f(r)\n### CHECK\nwant = 3\nchecks.check_close(y, want, 'y')\n"
        "### END HIDDEN TESTS\nchecks.passed('f')\n"
    )
    parts = judge.segments(source)
    kinds = [judge.PROBE, judge.CHECK, judge.SHARED, judge.PROBE, judge.CHECK, judge.CHECK]
    assert [(p.kind, p.hidden) for p in parts] == list(zip(kinds, [False, False, True, True, True, False]))
    assert "want = 3" not in judge.kernel_source(source) and "r = [1]" in judge.kernel_source(source)
    assert judge.wanted_names(parts, 1) == ["x"]
    assert judge.wanted_names(parts, 4) == ["y"]  # r is the judge's own copy, want its own value
    later = judge.segments(
        "x = f(1)\n### CHECK\nx = checks.check_shape(x, (2,), 'x')\n### PROBE\nx = f(2)\n"
        "### CHECK\nchecks.check_close(x, 1, 'x')\n"
    )
    own = judge.segments("b = f(1)\n### CHECK\nchecks.check_true(all(map(lambda b: b > x, [y for y in b])), 'b')\n")
    assert judge.wanted_names(own, 1) == ["b", "x"]  # a lambda's and a comprehension's own names are not fetched
    assert judge.wanted_names(judge.segments("### CHECK\nh = lambda z: z + 1\n"), 0) == []
    assert judge.wanted_names(later, 1) == ["x"]  # read before the check binds it
    assert judge.wanted_names(later, 3) == ["x"]  # bound again by the probe since
    assert not judge.is_judged("x = f(1)\nassert x == 2\n")


def test_plain_data_never_builds_a_students_class():
    class Agreeable(np.ndarray):
        pass

    class Tier(np.int64):
        def __eq__(self, other):
            return True

        __hash__ = np.int64.__hash__

    class Loud(int):
        pass

    sent = {
        "grid": np.zeros((2, 2)).view(Agreeable),
        "tier": Tier(1),
        "n": Loud(3),
        "t": (1, [2.5, None]),
        "d": {1: "a", (2, 3): {"x"}},
        "nan": float("nan"),
        "gen": (i for i in range(2)),
        "f": np.float32(1.5),
    }
    back = plain.loads(plain.dumps(sent))
    assert type(back["grid"]) is np.ndarray and type(back["tier"]) is np.int64 and type(back["n"]) is int
    assert back["t"] == (1, [2.5, None]) and back["d"] == {1: "a", (2, 3): {"x"}} and np.isnan(back["nan"])
    assert type(back["gen"]).__name__ == "generator" and isinstance(back["gen"], plain.Opaque)
    assert type(back["f"]) is np.float32 and back["f"] == 1.5
    with pytest.raises(ValueError):
        plain.loads('{"x": {"npy": "AAAA", "evil": 1, "more": 2}}')
    with pytest.raises(ValueError):  # an object array is refused (it would need a pickle)
        import base64
        import io

        buffer = io.BytesIO()
        np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
        plain.loads(json.dumps({"x": {"npy": base64.b64encode(buffer.getvalue()).decode()}}))


def test_the_judge_reports_a_missing_value_and_survives_a_hang():
    j = judge.Judge(timeout=3)
    try:
        assert j.run("checks.check_close(x, 2, 'x')\n", plain.dumps({"x": 2.0}), ["x"], True).passed
        missing = j.run("checks.check_close(y, 2, 'y')\n", "{}", ["y"], True)
        assert (missing.passed, missing.ename) == (False, judge.MISSING)
        hung = j.run("while True:\n    pass\n", "{}", [], True)
        assert (hung.passed, hung.ename) == (False, judge.JUDGE_FAULT)
        assert j.run("print('again')\n", "{}", [], True).stdout == "again\n"
    finally:
        j.close()


def test_a_kept_judge_serves_the_next_job_with_nothing_of_the_last():
    """One judge per worker thread and course, so its imports are paid once: the next job gets the same process,
    a cell starts with none of an earlier cell's names or values, and a judge that hung is replaced."""
    import threading

    for left in judge._KEPT.__dict__.pop("judges", {}).values():  # one an earlier test of this process kept
        left.close()
    first = judge.kept(timeout=3)
    try:
        assert judge.kept(timeout=5) is first and first.timeout == 5
        assert first.run("secret = x\nchecks.check_close(x, 2, 'x')\n", plain.dumps({"x": 2.0}), ["x"], True).passed
        pid = first._proc.pid
        names = "print(sorted(n for n in globals() if not n.startswith('__')))\n"
        later = judge.kept(timeout=3).run(names, "{}", [], True)
        assert later.passed and later.stdout == "['checks', 'np']\n" and first._proc.pid == pid
        elsewhere = []
        thread = threading.Thread(target=lambda: elsewhere.append(judge.kept(timeout=3)))
        thread.start()
        thread.join()
        assert elsewhere[0] is not first  # a Dask worker's other thread: its own judge
        assert first.run("while True:\n    pass\n", "{}", [], True).ename == judge.JUDGE_FAULT
        assert first._proc is None  # the hung one is gone; the next cell starts a new one
        assert judge.kept(timeout=3).run("print('again')\n", "{}", [], True).stdout == "again\n"
        assert first._proc.pid != pid
        first.jobs = judge.KEPT_JOBS  # after so many notebooks, a fresh process serves the next
        assert judge.kept(timeout=3) is first and first._proc is None and first.jobs == 1
    finally:
        first.close()


def test_a_concept_key_check_comes_back_as_a_record_and_nothing_else_does():
    """The explanation channel's source: only ``course.concepts``' record in the judge, of its exact shape."""
    key_check = (
        "from course import concepts\nconcepts.Choice('abc').check_key(answer, 'b', "
        "{'a': 'why a fails', 'b': 'why b holds', 'c': 'why c fails'})\n"
    )
    j = judge.Judge(timeout=30)
    try:
        wrong = j.run(key_check, plain.dumps({"answer": "A"}), ["answer"], True)
        assert not wrong.passed and wrong.concept == {
            "answer": "a",
            "bucket": "a",
            "correct": False,
            "explanation": "why a fails",
            "options": ["a", "b", "c"],
        }
        assert j.run(key_check, plain.dumps({"answer": " b"}), ["answer"], True).concept["correct"] is True
        blank = j.run(key_check, plain.dumps({"answer": None}), ["answer"], True)
        assert not blank.passed and blank.concept is None
        printed = j.run("print({'answer': 'a', 'correct': True})\n", "{}", [], True)
        assert printed.passed and printed.concept is None
    finally:
        j.close()
    good = {"answer": "a", "bucket": "a", "correct": True, "explanation": "x", "options": ["a"]}
    assert judge.concept_record(good) == good
    for bad in (
        {**good, "correct": "yes"},
        {**good, "more": 1},
        {**good, "options": [1]},
        {**good, "answer": "a" * 99},
        "text",
        None,
    ):
        assert judge.concept_record(bad) is None


@pytest.mark.slow
def test_notebook_06_blank_behind_an_iopub_filter_scores_zero_beside_a_correct_neighbour(tmp_path):
    """The TensorFlow notebook's tests are judged outside the kernel too: hiding every error from nbgrader earns
    nothing, while the correct notebook graded beside it keeps every point."""
    tf06, attack = cj.TF_ASSIGNMENT, cj.TF_ATTACK
    subs = tmp_path / "submitted"
    answers = {
        g: code for g, code in nbcells.solutions(_source(tf06)).items() if g in nbcells.answer_ids(_source(tf06))
    }
    for student, chosen in ((attack.name, dict(attack.replace)), (attack.name + cj.BESIDE, answers)):
        folder = subs / student / tf06
        folder.mkdir(parents=True)
        nbformat.write(nbcells.build_submission(_release(tf06), chosen), str(folder / f"{tf06}.ipynb"))
    # 600 s a cell: TensorFlow's first import alone has taken over the course's 120 s on a loaded machine
    results = {
        r.student_id: r
        for r in grade_class(subs, tmp_path / "graded", workers=2, timeout=600, log=lambda m: None)
        if r.assignment == tf06
    }
    neighbour, blank = results[attack.name + cj.BESIDE], results[attack.name]
    for result in (neighbour, blank):
        assert result.status == "graded" and not [f for f in result.flags if f.flag == "grader_error"], result.flags
    full = _cells(neighbour)
    assert all(c.score == c.max_score for c in full.values()), {
        g: c.message for g, c in full.items() if c.score < c.max_score
    }
    assert blank.score == 0, {c.grade_id: c.score for c in _cells(blank).values() if c.score}
    messages = {c.grade_id: c.message for c in _cells(blank).values()}
    assert "did not come back from your kernel" in messages["test_linear_function"], messages
