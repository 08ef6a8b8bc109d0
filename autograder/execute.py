"""nbgrader's ``Execute`` preprocessor, made to survive a kernel that dies.

nbgrader aborts a whole submission when the kernel dies (``os._exit()``, a memory kill, a segfault): its
converter catches the ``DeadKernelError``, deletes the autograded notebook, and every cell, even the ones
already passed, goes unscored. Here the cell that killed the kernel gets an error output, every later code
cell gets one too (a test cell without an error output would score full points), and grading carries on
with SaveAutoGrades as usual, so the submission keeps what it earned before the crash.

The same way, a notebook has a deadline (``notebook_deadline`` seconds from its first cell): a cell that would
start later is not run and gets an error output. A cell that catches the interrupt and keeps sleeping once
made every later cell time out in turn (85 minutes at the default cell timeout), holding a worker.
"""

from __future__ import annotations

import time

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Integer

from .nbcells import is_test_cell

DEAD_KERNEL = "DeadKernelError"
DEADLINE = "NotebookDeadline"


class SandboxExecute(Execute):
    """``Execute`` that records a dead kernel per cell instead of failing the submission."""

    notebook_deadline = Integer(0, help="seconds the whole notebook may run (0: no deadline)").tag(config=True)
    _dead_reason: str | None = None
    _started: float | None = None

    def preprocess(self, nb, resources=None, km=None):
        self._dead_reason = None
        self._started = time.monotonic()
        try:
            return super().preprocess(nb, resources, km)
        except DeadKernelError:
            # raised while shutting the dead kernel down; the cells already carry their errors
            self.set_widgets_metadata()
            return self.nb, self.resources

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._dead_reason is not None:
            cell.outputs = [_error(f"not run: {self._dead_reason} in an earlier cell")]
            return cell, resources
        if self._started is not None and 0 < self.notebook_deadline < time.monotonic() - self._started:
            message = f"not run: the notebook ran past its deadline of {self.notebook_deadline} s"
            cell.outputs = [new_output("error", ename=DEADLINE, evalue=message, traceback=[f"{DEADLINE}: {message}"])]
            return cell, resources
        restored = self._reset_kernel() if is_test_cell(cell) else []
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
            if restored:  # the guard's marker, first in the cell: the grader flags it (tampered_checks)
                cell.outputs.insert(0, new_output("display_data", data={
                    "text/plain": "[autograder] restored tampered " + ", ".join(restored),
                    GUARD_MIME: {"restored": restored}}))
            return cell, resources
        except DeadKernelError:
            self._dead_reason = "the kernel died (os._exit, sys.exit in a thread, memory or CPU limit, crash)"
            cell.outputs.append(_error(f"{self._dead_reason} while running this cell"))
            return cell, resources


    def _reset_kernel(self) -> list[str]:
        """Ask the kernel guard to put the shell back as it started (see ``guard.py``) before a test cell runs:
        through ``user_expressions`` of a silent request, which no input transformer or cell hook sees.
        Returns what it restored; a kernel that cannot answer is left to the cell itself (timeout, dead kernel)."""
        import ast

        from jupyter_core.utils import run_sync

        try:
            msg_id = self.kc.execute("pass", silent=True, store_history=False,
                                     user_expressions={"restored": RESET_EXPRESSION})
            reply = run_sync(self.async_wait_for_reply)(msg_id)
            result = (reply or {}).get("content", {}).get("user_expressions", {}).get("restored", {})
            if result.get("status") != "ok":
                return ["(the guard could not run: " + str(result.get("ename", "no reply")) + ")"]
            return [str(x) for x in ast.literal_eval(result["data"]["text/plain"])]
        except DeadKernelError:
            raise
        except Exception as exc:  # never a grader fault: the test cell still runs and the attempt is flagged
            return [f"(the guard could not run: {type(exc).__name__})"]


RESET_EXPRESSION = "__import__('sys').modules['_autograder_guard'].reset()"
GUARD_MIME = "application/x-autograder-guard+json"  # integrity.GUARD_MIME: the guard's marker


def _error(message: str):
    return new_output("error", ename=DEAD_KERNEL, evalue=message, traceback=[f"{DEAD_KERNEL}: {message}"])


RESULT_MIME = "application/x-autograder-dropped-result+json"  # marks a result this module set aside


class ErrorsDecide(NbGraderPreprocessor):
    """Before ``SaveAutoGrades``: in a test cell that failed (an error or stderr output), every result output is
    set aside. nbgrader reads a test cell's first ``execute_result`` as partial credit, before any error, and
    counts non-numeric text as full credit, so a student's ``pre_run_cell`` hook that displays a result once
    turned every failing test into a pass. The marker left in its place becomes a ``fake_result`` flag."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_test_cell(cell):
            return cell, resources
        failed = any(o.output_type == "error" or (o.output_type == "stream" and o.get("name") == "stderr")
                     for o in cell.outputs)
        if failed:
            cell.outputs = [new_output("display_data", data={
                "text/plain": "[autograder] a result shown in a failing test cell was ignored",
                RESULT_MIME: {"dropped": 1}}) if o.output_type == "execute_result" else o for o in cell.outputs]
        return cell, resources


class CutFloods(NbGraderPreprocessor):
    """Right after execution: flooded streams and huge display outputs are cut before nbgrader keeps, checks
    and writes the notebook (:func:`autograder.runner.cut_floods`), not after."""

    def preprocess(self, nb, resources):
        from .runner import cut_floods

        cut_floods(nb)
        return nb, resources
