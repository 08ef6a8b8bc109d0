"""course.concepts: form checks that never tell right from wrong, normalisation, key checks and their records."""

import numpy as np
import pytest

from course import concepts
from course.checks import CheckError

WHY4 = {"a": "idea a fails here", "b": "b holds", "c": "idea c fails there", "d": "idea d is a different thing"}


@pytest.fixture(autouse=True)
def no_record():
    concepts.take_record()
    yield
    concepts.take_record()


@pytest.mark.parametrize("answer", ["b", "B", " b ", "(b)", "b)"])
def test_choice_accepts_every_written_form(answer):
    assert concepts.Choice("abcd").check_form(answer) == "b"
    concepts.Choice("abcd").check_key(answer, "b", WHY4)
    assert concepts.take_record() == {
        "answer": "b",
        "bucket": "b",
        "correct": True,
        "explanation": "b holds",
        "options": ["a", "b", "c", "d"],
    }


@pytest.mark.parametrize("answer", [None, "", "  "])
def test_a_blank_answer_fails_its_form(answer):
    with pytest.raises(CheckError, match="not set yet"):
        concepts.Choice("abcd").check_form(answer)
    with pytest.raises(CheckError, match="not set yet"):
        concepts.Choice("abcd").check_key(answer, "b", WHY4)
    assert concepts.record() is None


@pytest.mark.parametrize("answer", ["e", "ab", 2, ["b"], True])
def test_form_rejects_what_is_not_an_option(answer):
    with pytest.raises(CheckError, match="one option's letter"):
        concepts.Choice("abcd").check_form(answer)


def test_form_says_the_same_for_right_and_wrong():
    """The visible test cannot be used to find the key: a right and a wrong option pass it alike."""
    q = concepts.Choice("abcd")
    assert [q.check_form(x) for x in "abcd"] == list("abcd")


@pytest.mark.parametrize("wrong", ["a", "c", "d"])
def test_each_wrong_option_fails_with_its_own_explanation(wrong):
    with pytest.raises(CheckError) as raised:
        concepts.TrueFalse("abcd").check_key(wrong.upper(), "b", WHY4)
    assert WHY4[wrong] in str(raised.value)
    rec = concepts.take_record()
    assert rec["answer"] == wrong and rec["correct"] is False and rec["explanation"] == WHY4[wrong]


def test_an_option_without_explanation_is_an_authoring_error():
    with pytest.raises(ValueError, match="missing"):
        concepts.Choice("abcd").check_key("b", "b", {"a": "x", "b": "y", "c": "z"})


@pytest.mark.parametrize("options", ["a", "aab", "ab1", ""])
def test_options_are_distinct_letters(options):
    with pytest.raises(ValueError):
        concepts.Choice(options)


SELECT_WHY = {"a": "a applies", "b": "b is tempting but no", "c": "c applies", "d": "d is a myth"}


@pytest.mark.parametrize("answer", ["ac", "ca", "a, c", "A C", ["c", "a"], ("a", "c"), {"a", "c"}, "a;c"])
def test_select_all_accepts_any_order_and_separator(answer):
    q = concepts.SelectAll("abcd")
    assert q.check_form(answer) == "ac"
    q.check_key(answer, ["c", "a"], SELECT_WHY)
    assert concepts.take_record()["correct"] is True


@pytest.mark.parametrize("answer, first_wrong", [("a", "c"), ("abc", "b"), ("acd", "d"), ("b", "a")])
def test_select_all_names_the_first_option_it_gets_wrong(answer, first_wrong):
    with pytest.raises(CheckError) as raised:
        concepts.SelectAll("abcd").check_key(answer, "ac", SELECT_WHY)
    assert SELECT_WHY[first_wrong] in str(raised.value)
    assert concepts.take_record()["answer"] == "".join(sorted(set(answer)))


@pytest.mark.parametrize("answer", ["", "ae", [], ["a", 1], 3])
def test_select_all_form(answer):
    with pytest.raises(CheckError):
        concepts.SelectAll("abcd").check_form(answer)


NUM_WHY = {
    50: "50 is right",
    0.02: "that is 1 - beta, not 1 / (1 - beta)",
    100: "that is beta = 0.99",
    "other": "1 / (1 - beta) is the window",
}


@pytest.mark.parametrize("answer", [50, 50.0, 49, 51.0, np.float64(50.5), np.int64(50), np.array(50.2)])
def test_numeric_within_tolerance(answer):
    concepts.Numeric(tolerance=1).check_key(answer, 50, NUM_WHY)
    rec = concepts.take_record()
    assert rec["correct"] is True and rec["bucket"] == "50" and rec["explanation"] == "50 is right"


@pytest.mark.parametrize(
    "answer, said", [(0.02, "1 - beta"), (100, "beta = 0.99"), (52, "the window"), (-50, "the window")]
)
def test_numeric_wrong_values_get_their_explanation(answer, said):
    with pytest.raises(CheckError, match=said):
        concepts.Numeric(tolerance=1).check_key(answer, 50, NUM_WHY)
    rec = concepts.take_record()
    assert rec["correct"] is False and rec["options"] == ["50", "0.02", "100", "other"]


@pytest.mark.parametrize("answer", ["50", True, float("nan"), float("inf"), [50], None])
def test_numeric_form(answer):
    with pytest.raises(CheckError):
        concepts.Numeric(tolerance=1).check_form(answer)


def test_records_hold_only_course_text():
    """Whatever string a student sets, the record carries an option's label and the course's explanation."""
    attack = "<script>x</script>"
    with pytest.raises(CheckError):
        concepts.Choice("abcd").check_key(attack, "b", WHY4)
    assert concepts.record() is None
    with pytest.raises(CheckError):
        concepts.Choice("abcd").check_key("  D ", "b", WHY4)
    rec = concepts.take_record()
    assert set(map(str, rec.values())) <= {"d", "False", WHY4["d"], str(["a", "b", "c", "d"])}
