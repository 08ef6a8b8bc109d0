"""autograder.report: the numbers behind each plot, and a self-contained page."""

from autograder import report
from autograder.results import CellResult, Flag, SubmissionResult

EXERCISES = {"a1": ["f", "f_all"]}


def result(student, score, cells, status="graded", flags=()):
    return SubmissionResult(student, "a1", status, score, 4.0, cells, list(flags))


RESULTS = [
    result("ada", 4, [CellResult("test_f", 2, 2), CellResult("test_f_all", 1, 1), CellResult("test_f_all_x", 1, 1)]),
    result(
        "bob",
        1,
        [
            CellResult("test_f", 0, 2, "f(1) is 3"),
            CellResult("test_f_all", 1, 1),
            CellResult("test_f_all_x", 0, 1, "f(1) is 3"),
            CellResult("essay", 0, 1, "waits", "manual"),
        ],
        flags=[Flag("network", "socket")],
    ),
    result("cy", 0, [CellResult("test_f", 0, 2, "f(1) is 3")], flags=[Flag("network", "x"), Flag("timeout", "y")]),
    SubmissionResult("dan", "zz", "unknown_assignment", flags=[Flag("unknown_assignment", "zz/")]),
]


def test_score_percentages_per_assignment():
    assert report.score_percentages(RESULTS) == {"a1": [100.0, 25.0, 0.0]}


def test_test_cells_count_for_their_exercise_in_course_order():
    fractions = report.exercise_percentages(RESULTS, EXERCISES)
    assert list(fractions) == [("a1", "f"), ("a1", "f_all")]
    assert fractions[("a1", "f")] == [100.0, 0.0, 0.0]
    assert fractions[("a1", "f_all")] == [100.0, 50.0]  # cy has no f_all cells; manual cells never count


def test_failures_are_counted_once_per_failing_cell():
    assert report.failure_counts(RESULTS).most_common(1) == [(("a1", "test_f", "f(1) is 3"), 2)]
    assert report.message_counts(RESULTS) == {"f(1) is 3": 3}
    assert report.flag_counts(RESULTS) == {"network": 2, "timeout": 1, "unknown_assignment": 1}


def test_long_messages_are_shortened_for_the_plot():
    long = SubmissionResult("x", "a1", "graded", 0, 1, [CellResult("test_f", 0, 1, "m" * 200)])
    (message,) = report.message_counts([long])
    assert len(message) == 70 and message.endswith("\u2026")


def test_the_page_is_self_contained():
    page = report.render(RESULTS, None, EXERCISES)
    assert page.count("data:image/png;base64,") == 4
    assert "<script" not in page and "http" not in page
    assert "3 students" not in page and "4 students, 3 graded submissions, 3 flagged" in page


def test_an_empty_class_still_renders():
    page = report.render([], None, {})
    assert "0 students" in page and "data:image" not in page


def test_student_text_is_never_parsed_as_mathtext():
    """An assertion message like ``$\\notacommand{x}$`` once crashed matplotlib and cost the whole report."""
    bad = [result(f"s{i}", 0, [CellResult("test_f", 0, 2, r"$\notacommand{x}$ and $x^{$")]) for i in range(3)]
    page = report.render(RESULTS + bad, None, EXERCISES)
    assert "figure not drawn" not in page and page.count("<img") == 4


def test_grader_errors_get_their_own_section_with_the_cause():
    from autograder.runner import fault_result

    broken = fault_result("eve", "a1", RuntimeError("nbgrader autograde failed:\nMemoryError: kernel too big"))
    page = report.render(RESULTS + [broken], None, EXERCISES)
    section = page[page.index("Grader errors") :]
    assert "MemoryError: kernel too big" in section and "what to do" in section


def _concept(student, bucket, correct, explanation, score):
    record = (
        {
            "answer": bucket,
            "bucket": bucket,
            "correct": correct,
            "explanation": explanation,
            "options": ["a", "b", "c", "d"],
        }
        if bucket
        else {}
    )
    return SubmissionResult(
        student, "a1", "graded", score, 1, [CellResult("test_concept_where", score, 1, "", "test", record)]
    )


CLASS = [
    _concept("s1", "b", True, "b holds", 1),
    _concept("s2", "c", False, "c mixes up X and Y", 0),
    _concept("s3", "c", False, "c mixes up X and Y", 0),
    _concept("s4", "a", False, "a is tempting", 0),
    _concept("s5", "", False, "", 0),
]


def test_concept_answers_count_each_option_mark_the_right_one_and_name_the_common_wrong_idea():
    (question,) = report.concept_answers(CLASS)["a1"].values()
    assert question["options"] == ["a", "b", "c", "d", "blank"]
    assert question["counts"] == {"a": 1, "b": 1, "c": 2, "blank": 1}
    assert question["right"] == {"b"} and question["wrong_idea"] == (("c", "c mixes up X and Y"), 2)


def test_the_page_has_a_concept_section_per_notebook():
    page = report.render(RESULTS + CLASS, None, EXERCISES)
    section = page[page.index("Concept questions: a1") : page.index("<h2>Grades")]
    assert "<img" in section and "c (2 students): c mixes up X and Y" in section and "1/5" in section
    assert "Concept questions" not in report.render(RESULTS, None, EXERCISES)
