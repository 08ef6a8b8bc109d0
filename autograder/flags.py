"""Every integrity flag the grader writes, what it means, and what an instructor does about it.

Flags never change a score: the grader scores what the code earned (a test the kernel tampered with scores 0,
a cell nbgrader restored is graded restored) and the flag says where a person should look. The README's flag
table is this catalogue (``tests/test_autograder/test_flags.py`` keeps them equal, and checks that every flag
the code can write is here); ``report.html`` explains the flags a run produced with it.
"""

from __future__ import annotations

from enum import StrEnum

from .limits import MERGE_ABOVE_CELLS, MERGE_CHUNK_CELLS

# name -> (what happened, what to do). Grouped as the README shows them.
SUBMISSION = {
    "missing_notebook": ("the folder has no `<assignment>.ipynb`; scored 0", "ask the student for the notebook"),
    "invalid_notebook": (
        "the file is not a readable notebook (broken or too deeply nested JSON); scored 0",
        "ask for a fresh copy (File > Download in JupyterLab)",
    ),
    "symlink": ("a symbolic link in the submission was refused, never followed", "ask for real files"),
    "unknown_assignment": (
        "the folder names no assignment in `source/`; no grade row",
        "check the folder name, or release the assignment",
    ),
    "unreadable_name": (
        "the student's or assignment's folder name is not UTF-8; graded under the name shown, with "
        "U+FFFD for each byte that is not",
        "rename the folder to the student's id",
    ),
    "ambiguous_name": (
        "an LMS file name reads as two students (a Blackboard name whose assignment name and username "
        "both may hold `_`, with no receipt or other name to settle it); not graded, never guessed",
        "rename the file `<assignment>_<username>_attempt_...` and grade again",
    ),
    "refused_upload": (
        "the LMS archive's file for this student was not unpacked: larger than the cap, inflating like "
        "a zip bomb, or holding no readable notebook; scored 0",
        "ask the student for the notebook itself",
    ),
    "duplicate_submission": (
        "the LMS zips held a second submission for the same student; the first was kept",
        "check which one the student meant",
    ),
    "bad_exchange_file": (
        "`timestamp.txt` or `submission_secret.txt` is too large to be genuine; not used",
        "look at the file",
    ),
    "bad_timestamp": ("`timestamp.txt` is not a date; graded without any late penalty", "check the due date by hand"),
    "feedback_withheld": (
        "the feedback page would have shown a hidden test line; it was not written",
        "give the student their scores from `cells.csv`",
    ),
    "grader_error": (
        "the grader failed, not the student; the detail gives the cause",
        "regrade alone with `--workers 1 --force`; if it fails again, report it",
    ),
}
EDITS = {
    "deleted_cell": ("a test or locked cell was deleted; restored from the gradebook", "none needed: graded restored"),
    "edited_locked_cell": ("a locked cell was edited; restored from the gradebook", "none needed: graded restored"),
    "changed_cell_type": ("a graded cell changed type; restored", "none needed: graded restored"),
    "edited_points": ("a test cell's points were changed; restored", "none needed: graded restored"),
    "matched_cell": (
        "cells without their nbgrader metadata (pasted into a fresh notebook, or saved by a tool that "
        "drops it) were matched to the release by their text, the function they define or their place; "
        "graded as matched",
        "none needed; the detail says which cell became which",
    ),
    "answer_not_found": (
        "no cell holds an answer (its cell deleted, and no cell defines what it should); that exercise scored 0",
        "ask the student where the answer is",
    ),
    "merged_cells": (
        f"the notebook has more than {MERGE_ABOVE_CELLS:,} cells: runs of cells without nbgrader metadata ran up to "
        f"{MERGE_CHUNK_CELLS} at a time as one cell (each original cell still on its own, so an error does not skip "
        "the next)",
        "read the code: no course notebook comes near that many cells",
    ),
    "edited_metadata": (
        "nbgrader metadata of cells was edited (ids, points, grade or solution marks); graded with the release's",
        "look whether it was deliberate",
    ),
}
CODE = {
    "grading_env": ("the code reads nbgrader's environment (to behave differently when graded)", "read the code"),
    "file_access": ("the code reads or lists files", "read the code"),
    "network": ("the code opens network connections (the sandbox has no network)", "read the code"),
    "process_control": ("the code exits, kills or starts processes", "read the code"),
    "kernel_tampering": (
        "the code reaches into the kernel that runs the tests, or at run time the kernel's guard "
        "gave no verifiable answer around a test (that test scored 0)",
        "read the code",
    ),
    "monkeypatch": ("the code rebinds library, builtin or comparison behaviour", "read the code"),
    "shadows_checks": ("the code redefines the test helpers' names", "read the code"),
    "dynamic_code": (
        "the code builds or runs code or names at run time (eval, exec, computed getattr, pickle)",
        "read the code",
    ),
    "introspection": ("the code reaches into frames, closures, code objects or the object graph", "read the code"),
    "magic": ("the code runs IPython magics or shell commands", "usually harmless (`%matplotlib inline`)"),
    "unusual_import": ("the code imports modules this course never needs", "usually harmless; read the code"),
}
RUNTIME = {
    "timeout": ("a cell ran past its time limit and was interrupted", "an infinite loop, or a very slow answer"),
    "notebook_deadline": (
        "the job ran past its deadline (from its start); later cells were not run, in one step",
        "read the code (a very slow answer, or a huge number of cells)",
    ),
    "kernel_died": ("the kernel died (exit, crash, memory or CPU limit); later cells scored 0", "read the code"),
    "memory_limit": (
        "a cell ran out of memory, or the kernel's memory cap killed one of its processes",
        "an answer that builds huge arrays",
    ),
    "system_exit": ("a cell called `sys.exit()`", "read the code"),
    "output_flood": ("a cell printed or displayed too much; cut", "usually a debugging print in a loop"),
    "fake_result": ("a failing test cell showed a result (nbgrader's partial credit); ignored", "read the code"),
    "tampered_checks": ("the guard found and undid changes to the checks or the kernel's machinery", "read the code"),
    "tampered_during_test": (
        "a test's own run changed what the guard watches (a function it called replaced a check); that test scored 0",
        "read the code",
    ),
    "unjudged_test": (
        "a test judged outside the kernel could not be judged, so it scored 0: a value its checks "
        "need never came back from the kernel (the probe skipped or killed, the name deleted, a value "
        "that is not plain data or over the size cap), or the grader's judge process timed out or "
        "crashed; the detail says which",
        "a missing value: read the code (it hides its errors or unbinds names); the judge: regrade "
        "alone with `--workers 1 --force`, and report it if it fails again",
    ),
}
GROUPS = {"submission": SUBMISSION, "edits": EDITS, "code": CODE, "run": RUNTIME}
FLAGS = {name: entry for group in GROUPS.values() for name, entry in group.items()}
# The catalogue as a type: ``FlagName("symlink")`` is ``FlagName.symlink``, a name missing here a ValueError.
FlagName = StrEnum("FlagName", {name: name for name in FLAGS}, module=__name__)


def markdown_table() -> str:
    """The README's flag table."""
    rows = ["| flag | kind | what happened | what to do |", "|---|---|---|---|"]
    rows += [
        f"| `{name}` | {group} | {what} | {todo} |"
        for group, entries in GROUPS.items()
        for name, (what, todo) in entries.items()
    ]
    return "\n".join(rows)


__all__ = ["FLAGS", "FlagName", "GROUPS", "markdown_table"]
