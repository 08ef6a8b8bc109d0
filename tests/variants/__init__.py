"""Student answers that are not the instructor's: mistakes that must lose points, other correct ways that
must keep them. One module per assignment, ``a<assignment>.py`` (``a01_tuning_process.py``), holding
``VARIANTS: list[Variant]``; ``tests/test_notebooks/test_autograde.py`` grades them all with real nbgrader.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    """One submission: the solution notebook with the answer cells in ``code`` replaced.

    ``name``: a short scenario name, also the fake student id.
    ``code``: grade_id of an answer cell -> the code the student wrote there.
    ``correct``: True for a different-but-correct answer (must keep every point).
    ``loses``: for a mistake, the exercises whose tests must lose points (default: those in ``code``);
      every other exercise must keep all of its points.
    ``message``: a fragment the failing test must show the student (the mistake-specific message).
    """

    name: str
    code: dict[str, str]
    correct: bool = False
    loses: tuple[str, ...] = field(default=())
    message: str | None = None

    @property
    def losing_exercises(self) -> tuple[str, ...]:
        return () if self.correct else (self.loses or tuple(self.code))


def Wrong(name: str, grade_id: str, code: str, *, message: str | None = None, also_loses: tuple[str, ...] = ()):
    """A plausible mistake in one exercise."""
    return Variant(name, {grade_id: code}, correct=False, loses=(grade_id, *also_loses), message=message)


def Correct(name: str, grade_id: str, code: str):
    """A different correct implementation of one exercise."""
    return Variant(name, {grade_id: code}, correct=True)


def concept_answers(topic: str, right: tuple[str, ...], wrong: dict[str, str]) -> list[Variant]:
    """A concept question's variants (answer cell ``concept_<topic>``): every ``right`` answer (Python literals in
    another valid form than the solution's, ``'"B"'``, ``'["c", "a"]'``) keeps its point; every ``wrong`` answer
    loses it and shows its message (a fragment of that option's explanation); a blank cell loses it too, even
    after an earlier question set ``ANSWER``."""
    cell = f"concept_{topic}"
    return [
        *(Correct(f"{topic}_right_{i}", cell, f"ANSWER = {answer}\n") for i, answer in enumerate(right)),
        *(
            Wrong(f"{topic}_wrong_{i}", cell, f"ANSWER = {answer}\n", message=message)
            for i, (answer, message) in enumerate(wrong.items())
        ),
        Wrong(f"{topic}_blank", cell, "# YOUR CODE HERE\n", message="is not set yet"),
    ]


def variants_for(assignment: str) -> list[Variant]:
    try:
        module = importlib.import_module(f"tests.variants.a{assignment}")
    except ModuleNotFoundError:
        return []
    return list(module.VARIANTS)
