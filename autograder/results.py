"""The grader's one result type: what a submission scored, cell by cell, and what looked wrong."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum

from .flags import FlagName

SURROGATES = re.compile("[\ud800-\udfff]")  # a lone UTF-16 half: JSON's "\ud800", a file name's undecodable byte


def encodable(text):
    """``text`` with every lone surrogate replaced by U+FFFD, so that it encodes as UTF-8 (non-text unchanged)."""
    return SURROGATES.sub("\ufffd", text) if isinstance(text, str) else text


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
    """An integrity flag for ``integrity.csv``: tampering, suspicious code, or a submission that broke. ``flag`` is
    a :class:`FlagName` (a name given as text must be one: ``ValueError`` otherwise); it writes as its text."""

    flag: FlagName
    detail: str

    def __post_init__(self):
        self.flag = FlagName(self.flag)


def _with_detail(flag: Flag, detail: str) -> Flag:
    """A copy of ``flag`` with ``detail`` (its name is the catalogue's, already valid text: not checked again)."""
    copied = copy.copy(flag)
    copied.detail = detail
    return copied


class Status(StrEnum):
    """What became of one ``<student>/<assignment>``; each writes as its text (``graded``, ...)."""

    GRADED = "graded"
    NOT_SUBMITTED = "not_submitted"  # no folder for the assignment: a zero row
    MISSING = "missing"  # a folder without the notebook
    INVALID = "invalid"  # not a notebook
    UNKNOWN_ASSIGNMENT = "unknown_assignment"  # a folder matching no assignment: flagged, no grade row
    UNIDENTIFIED = "unidentified"  # an LMS file name open to two readings: flagged under its name, no grade row
    GRADER_ERROR = "grader_error"  # a fault of the grader, never of the student


STATUSES = tuple(Status)
NO_GRADE_ROW = (Status.UNKNOWN_ASSIGNMENT, Status.UNIDENTIFIED)  # in integrity.csv only: there is no student


@dataclass
class SubmissionResult:
    """Everything the writer needs about one ``<student>/<assignment>`` submission.

    ``status`` is a :class:`Status` (text is turned into one): ``graded``; ``not_submitted`` (no folder for the
    assignment: a zero row); ``missing`` (a folder without the notebook); ``invalid`` (not a notebook);
    ``unknown_assignment`` (a folder matching no assignment: flagged, no grade row); ``unidentified`` (an LMS file name
    open to two readings: flagged under its name, no grade row); ``grader_error`` (a fault of the grader, never of
    the student: the batch still finishes and the exit status says so).
    """

    student_id: str
    assignment: str
    status: Status
    score: float = 0.0
    max_score: float = 0.0
    cells: list[CellResult] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    key: str = ""  # cache key: hash of everything the result depends on
    cached: bool = False

    def __post_init__(self):
        self.status = Status(self.status)

    def encodable(self) -> SubmissionResult:
        """A copy whose every string (ids, messages, flags' details) encodes as UTF-8: a student's lone surrogate
        once stopped the CSV and report writing for the whole class."""
        return replace(
            self,
            student_id=encodable(self.student_id),
            assignment=encodable(self.assignment),
            message=encodable(self.message),
            cells=[replace(c, grade_id=encodable(c.grade_id), message=encodable(c.message)) for c in self.cells],
            flags=[_with_detail(f, encodable(f.detail)) for f in self.flags],
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SubmissionResult:
        data = json.loads(text)
        data["cells"] = [CellResult(**c) for c in data.get("cells", [])]
        data["flags"] = [Flag(**f) for f in data.get("flags", [])]
        return cls(**data)
