"""The grader's one result type: what a submission scored, cell by cell, and what looked wrong."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class CellResult:
    """One graded cell: ``kind`` is ``"test"`` (autograded) or ``"manual"`` (waits for a person)."""

    grade_id: str
    score: float
    max_score: float
    message: str = ""
    kind: str = "test"
    concept: dict = field(default_factory=dict)  # a concept question's record (``judge.CONCEPT_FIELDS``), or {}

    @property
    def answer(self) -> str:
        """A concept question's answer as the grader read it (an option's label, a number), or ""."""
        return self.concept.get("answer", "")


@dataclass
class Flag:
    """An integrity flag for ``integrity.csv``: tampering, suspicious code, or a submission that broke."""

    flag: str
    detail: str


STATUSES = ("graded", "not_submitted", "missing", "invalid", "unknown_assignment", "grader_error")


@dataclass
class SubmissionResult:
    """Everything the writer needs about one ``<student>/<assignment>`` submission.

    ``status`` is one of :data:`STATUSES`: ``graded``; ``not_submitted`` (no folder for the assignment: a
    zero row); ``missing`` (a folder without the notebook); ``invalid`` (not a notebook); ``unknown_assignment``
    (a folder matching no assignment: flagged, no grade row); ``grader_error`` (a fault of the grader, never of
    the student: the batch still finishes and the exit status says so).
    """

    student_id: str
    assignment: str
    status: str
    score: float = 0.0
    max_score: float = 0.0
    cells: list[CellResult] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    key: str = ""  # cache key: hash of everything the result depends on
    cached: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "SubmissionResult":
        data = json.loads(text)
        data["cells"] = [CellResult(**c) for c in data.get("cells", [])]
        data["flags"] = [Flag(**f) for f in data.get("flags", [])]
        return cls(**data)
