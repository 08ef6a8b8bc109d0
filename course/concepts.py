"""Concept questions: the lecture ideas no code exercise reaches, asked in the notebook and graded like code.

A question is two nbgrader cells (``CONTRIBUTING.md``, "Concept questions"):

- an autograded answer cell, ``grade_id`` ``concept_<topic>``, where the student sets one value,
  ``ANSWER = "b"``;
- a judged test cell after it. Its probe binds the kernel's ``ANSWER``; its visible check calls
  :meth:`Question.check_form` (an allowed option, a number: never whether it is right); its hidden check calls
  :meth:`Question.check_key` with the key and one explanation per option. Under grading the hidden check runs
  only in the grader's judge (``autograder/judge.py``), so the key never enters the student's kernel, and it is
  never in ``release/`` or in this module.

:meth:`Question.check_key` leaves a :func:`record` of the answer and the chosen option's explanation: the judge
hands it to the grader, which shows it on the feedback page and counts it in the class report. Only what this
module builds goes into a record: an option's label from the question, the explanation the course wrote, and
a number formatted here; never a string the student's code made.

Kinds: :class:`Choice` (one option), :class:`TrueFalse` (a choice whose options are "true, because ..." /
"false, because ..."), :class:`SelectAll` (every option that applies, as ``"ac"``, ``"a, c"`` or
``["c", "a"]``), :class:`Numeric` (a number within a stated tolerance).
"""

from __future__ import annotations

import math
import numbers
import re

from .checks import CheckError

__all__ = ["Choice", "TrueFalse", "SelectAll", "Numeric", "take_answer", "record", "take_record", "BLANK"]

BLANK = "blank"  # the label of an answer that was never set
_last_record: dict | None = None


def _remember(answer: str, correct: bool, explanation: str, options: list[str], bucket: str | None = None) -> None:
    """``bucket``: what the class report counts (the option; a numeric answer's nearest tempting value)."""
    global _last_record
    _last_record = {
        "answer": answer,
        "bucket": answer if bucket is None else bucket,
        "correct": bool(correct),
        "explanation": explanation,
        "options": options,
    }


def record() -> dict | None:
    """The last key check's record (answer label, whether right, the option's explanation, the labels)."""
    return None if _last_record is None else dict(_last_record)


def take_record() -> dict | None:
    """:func:`record`, then forget it: the judge takes one per test cell."""
    global _last_record
    found, _last_record = record(), None
    return found


def take_answer(namespace: dict, name: str = "ANSWER"):
    """In a test cell's probe: the answer cell's value, removed from the kernel's names, so that a question left
    blank (its cell never bound ``ANSWER``) is never judged on the previous question's answer. None if unset."""
    return namespace.pop(name, None)


def _fail(sentence: str) -> None:
    raise CheckError(sentence)


class Question:
    """What every kind shares: form check, normalisation, key check with one explanation per option."""

    kind = "question"

    def normalise(self, answer) -> str:
        """The answer as its canonical label; ``CheckError`` (a sentence on the form) when it has none."""
        raise NotImplementedError

    def check_form(self, answer, name: str = "ANSWER") -> str:
        """Visible test: the answer has an allowed form. Says nothing about whether it is right."""
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            _fail(
                f"`{name}` is not set yet: {self.instructions()} in the answer cell above, run it, then run "
                "this cell again."
            )
        return self.normalise(answer)

    def instructions(self) -> str:
        raise NotImplementedError

    def labels(self, why: dict) -> list[str]:
        """The labels the report draws a bar for, in order."""
        return [self._label_of_key(k) for k in why]

    def _label_of_key(self, key) -> str:
        return self.normalise(key)

    def check_key(self, answer, key, why: dict) -> None:
        """Hidden test: the answer is the key. ``why`` maps every option (the key's too) to its explanation:
        why that idea is tempting and where it fails, or why the key holds. Records the chosen option's
        explanation and, for a wrong one, fails with it."""
        self._check_authoring(key, why)
        chosen = self.check_form(answer)
        explanation = self._explanation(chosen, why)
        correct = self._matches(chosen, key)
        _remember(self._shown(chosen), correct, explanation, self.labels(why))
        if not correct:
            _fail(f"Not this one ({self._shown(chosen)}): {explanation}")

    # per kind
    def _check_authoring(self, key, why: dict) -> None:
        missing = [o for o in self.options if o not in {self.normalise(k) for k in why}]
        if missing:
            raise ValueError(f"every option needs an explanation; missing: {missing}")
        self.normalise(key)

    def _explanation(self, chosen: str, why: dict) -> str:
        return {self.normalise(k): v for k, v in why.items()}.get(chosen, "")

    def _matches(self, chosen, key) -> bool:
        return chosen == self.normalise(key)

    def _shown(self, chosen) -> str:
        return str(chosen)


def _letters(options) -> tuple[str, ...]:
    found = tuple(str(o).strip().lower() for o in options)
    if len(found) < 2 or len(set(found)) != len(found) or not all(re.fullmatch(r"[a-z]", o) for o in found):
        raise ValueError(f"options must be two or more distinct single letters, got {options!r}")
    return found


class Choice(Question):
    """One option out of ``options`` (letters, ``"abcd"``). ``"B"``, ``" b "`` and ``"b"`` are the same."""

    kind = "choice"

    def __init__(self, options: str = "abcd"):
        self.options = _letters(options)

    def instructions(self) -> str:
        return "set it to one of " + ", ".join(f'"{o}"' for o in self.options)

    def normalise(self, answer) -> str:
        if not isinstance(answer, str):
            _fail(
                f"the answer must be a string, one option's letter ({self.instructions()}); "
                f"yours is a {type(answer).__name__}."
            )
        letter = answer.strip().lower().strip("()").strip(".)")
        if letter not in self.options:
            _fail(f"the answer must be one option's letter: {self.instructions()}.")
        return letter


class TrueFalse(Choice):
    """True or false *with the reason*: each option is a verdict and a reason, chosen as one letter."""

    kind = "true_false"


class SelectAll(Question):
    """Every option that applies, at least one: ``"ac"``, ``"a, c"``, ``"A C"``, ``["c", "a"]`` or ``{"a", "c"}``
    are the same answer. Only an answer that selects exactly the key's options is right."""

    kind = "select_all"

    def __init__(self, options: str = "abcde"):
        self.options = _letters(options)

    def instructions(self) -> str:
        return (
            'set it to the letters of every option that applies, e.g. "'
            + self.options[0]
            + self.options[-1]
            + '" or ["'
            + self.options[0]
            + '", "'
            + self.options[-1]
            + '"]'
        )

    def normalise(self, answer) -> str:
        if isinstance(answer, str):
            parts = [p for p in re.split(r"[\s,;]+", answer.strip().lower()) if p]
            if len(parts) == 1 and len(parts[0]) > 1:
                parts = list(parts[0])
        elif isinstance(answer, (list, tuple, set, frozenset)) and all(isinstance(p, str) for p in answer):
            parts = [p.strip().lower() for p in answer]
        else:
            _fail(
                f"the answer must be a string or a list of letters ({self.instructions()}); "
                f"yours is a {type(answer).__name__}."
            )
        unknown = sorted({p for p in parts if p not in self.options})
        if unknown or not parts:
            _fail(f"the answer must name at least one option, and only options: {self.instructions()}.")
        return "".join(o for o in self.options if o in parts)

    def _check_authoring(self, key, why: dict) -> None:
        missing = [o for o in self.options if o not in why]
        if missing:
            raise ValueError(f"every option needs an explanation (why it applies or not); missing: {missing}")
        self.normalise(key)

    def labels(self, why: dict) -> list[str]:
        return []  # a selection is any subset: the report draws the selections the class made

    def check_key(self, answer, key, why: dict) -> None:
        """The explanation shown is the first option the answer gets wrong (selected but not in the key, or in
        the key but left out): the idea behind the mistake; the key's first option's when it is right."""
        self._check_authoring(key, why)
        chosen, key = self.check_form(answer), self.normalise(key)
        wrong = [o for o in self.options if (o in chosen) != (o in key)]
        shown = wrong[0] if wrong else key[0]
        explanation = f"Option {shown}: {why[shown]}"
        _remember(chosen, not wrong, explanation, self.labels(why))
        if wrong:
            _fail(f"Not this selection ({chosen}): {explanation}")


class Numeric(Question):
    """A number, right within ``tolerance`` of the key (absolute; the instructions state it). ``why`` maps
    tempting wrong values to their explanation (each matched within the same tolerance) and ``"other"`` to the
    explanation of any other number."""

    kind = "numeric"
    OTHER = "other"

    def __init__(self, tolerance: float):
        if not (isinstance(tolerance, numbers.Real) and math.isfinite(tolerance) and tolerance >= 0):
            raise ValueError("tolerance must be a finite number >= 0")
        self.tolerance = float(tolerance)
        self.options = ()

    def instructions(self) -> str:
        return f"set it to a number (it counts as right within {self.tolerance:g} of the answer)"

    def normalise(self, answer) -> float:
        if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
            try:  # a numpy scalar or 0-d array arrives as numpy's own type
                import numpy as np

                if isinstance(answer, np.ndarray) and answer.shape == () and answer.dtype.kind in "iuf":
                    answer = answer.item()
                else:
                    raise TypeError
            except TypeError:
                _fail(f"the answer must be a number ({self.instructions()}); yours is a {type(answer).__name__}.")
        value = float(answer)
        if not math.isfinite(value):
            _fail(f"the answer must be a finite number; yours is {value}.")
        return value

    def _check_authoring(self, key, why: dict) -> None:
        if self.OTHER not in why:
            raise ValueError('a numeric question needs an explanation for "other" numbers')
        self.normalise(key)

    def _near(self, value: float, target) -> bool:
        return abs(value - float(target)) <= self.tolerance + 1e-12 * max(1.0, abs(float(target)))

    def _bucket(self, value: float, key, why: dict):
        if self._near(value, key):
            return key
        near = [k for k in why if k != self.OTHER and self._near(value, k)]
        return min(near, key=lambda k: abs(value - float(k))) if near else self.OTHER

    def labels(self, why: dict) -> list[str]:
        return [self._shown(k) if k != self.OTHER else self.OTHER for k in why]

    def _shown(self, value) -> str:
        return value if value == self.OTHER else f"{float(value):g}"

    def check_key(self, answer, key, why: dict) -> None:
        self._check_authoring(key, why)
        value = self.check_form(answer)
        bucket = self._bucket(value, key, why)
        correct = self._near(value, key)
        explanation = why.get(bucket, why.get(key, ""))
        labels = self.labels(why)
        if self._shown(key) not in labels:
            labels.insert(0, self._shown(key))
        _remember(f"{value:g}", correct, explanation, labels, self._shown(bucket))
        if not correct:
            _fail(f"Not this number ({value:g}): {explanation}")

    def check_form(self, answer, name: str = "ANSWER") -> float:
        if answer is None:
            _fail(
                f"`{name}` is not set yet: {self.instructions()} in the answer cell above, run it, then run "
                "this cell again."
            )
        return self.normalise(answer)
