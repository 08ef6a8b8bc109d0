"""Honest toy-assignment answers, heavily commented the way students write, and the notebook shapes students'
tools save (issue 22): each must be graded as what it is, with no code flag and no grader error.

Comments, docstrings and messages here name files, processes, exits and dunders on purpose: code flags come from
the syntax tree, never from text.
"""

from __future__ import annotations

import json

import nbformat

from autograder import nbcells

# The sentences, each once a false flag, in comments, docstrings, strings and messages.
DOUBLE = '''# np.arange is half-open (it leaves out high), so I never use it here.
# each column is an independent signal.
def double(x):
    """Twice x. An early exit (one round) still returns: nothing here calls exit() or open() on a file."""
    x = np.asarray(x, dtype=float)
    if x.ndim > 2:
        raise ValueError(f"double wants a vector or matrix, not a {x.__class__.__name__} with {x.ndim} axes")
    note = "the first version I submitted read ../source/ and the gradebook; this one reads nothing"
    return 2 * x
'''
MEAN = '''def mean_of(values):
    """Mean of a list. os.listdir, sys.exit(), subprocess.run, socket and pathlib.Path are not needed:
    the signal. is all in the values, and builtins/__builtins__/setattr(...) stay untouched (__eq__ too)."""
    # TODO: NBGRADER_EXECUTION? No: I never read the environment. In[3] was my scratch cell.
    values = list(values)
    if not values:
        raise ZeroDivisionError("mean_of([]) is undefined: quit( early rather than divide by zero")
    return float(np.mean(values))
'''
COUNT = '''import numpy as np  # numpy's own name, as the setup cell has it

def count_positive(values):
    """How many values are > 0, as an int (the autograded/ and submitted/ folders do not matter)."""
    signal = np.asarray(values)  # a variable called signal: signal.shape is an array's, not the module's
    assert signal.ndim == 1, f"expected one axis, got {signal.shape}"
    return int((signal > 0).sum())
'''
HONEST = {"double": DOUBLE, "mean_of": MEAN, "count_positive": COUNT}


def honest_commented(release_nb):
    """The release with every answer written by :data:`HONEST`."""
    return nbcells.build_submission(release_nb, HONEST)


def answers_of(source_nb) -> dict[str, str]:
    """The instructor's code answers (markers removed): a correct submission."""
    return {nbcells.grade_id(c): nbcells.solution_code(c.source) for c in source_nb.cells if nbcells.is_answer_cell(c)}


def pasted_without_metadata(release_nb, source_nb):
    """Every cell pasted into a fresh notebook: no nbgrader metadata, new ids, correct answers."""
    nb = nbcells.build_submission(release_nb, answers_of(source_nb))
    fresh = nbformat.v4.new_notebook()
    for cell in nb.cells:
        make = nbformat.v4.new_code_cell if cell.cell_type == "code" else nbformat.v4.new_markdown_cell
        fresh.cells.append(make(cell.source))
    return fresh


def retyped_answer(release_nb, source_nb):
    """``mean_of``'s answer cell and its test cell deleted, the answer retyped in a new cell at the end."""
    answers = answers_of(source_nb)
    nb = nbcells.build_submission(release_nb, answers)
    nb.cells = [c for c in nb.cells if nbcells.grade_id(c) not in ("mean_of", "test_mean_of")]
    nb.cells.append(nbformat.v4.new_code_cell(answers["mean_of"]))
    return nb


def lost_answer(release_nb, source_nb):
    """``count_positive``'s answer cell deleted and never retyped: that exercise scores 0, the rest stands."""
    nb = nbcells.build_submission(release_nb, answers_of(source_nb))
    nb.cells = [c for c in nb.cells if nbcells.grade_id(c) != "count_positive"]
    return nb


def malformed_json(release_nb, source_nb) -> dict:
    """Readable JSON nbformat's validator repairs or tolerates: an answer cell with no ``cell_type`` whose source
    list holds a number and a null, an output's text as one string and as a list holding a number, an execution
    count written as a string."""
    raw = json.loads(nbformat.writes(nbcells.build_submission(release_nb, answers_of(source_nb))))
    for cell in raw["cells"]:
        grade = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade == "double":
            del cell["cell_type"]
            cell["source"] = ["def double(x):\n", "    return 2 * np.asarray(x, dtype=float)\n", 0, None]
        elif grade == "setup":
            cell["outputs"] = [
                {"output_type": "stream", "name": "stdout", "text": "one string, not a list\n"},
                {"output_type": "stream", "name": "stdout", "text": ["a number: ", 2, "\n"]},
            ]
            cell["execution_count"] = "3"
    return raw
