"""nbgrader's ``Execute`` preprocessor, made to survive a kernel that dies.

nbgrader aborts a whole submission when the kernel dies (``os._exit()``, a memory kill, a segfault): its
converter catches the ``DeadKernelError``, deletes the autograded notebook, and every cell, even the ones
already passed, goes unscored. Here the cell that killed the kernel gets an error output, every later code
cell gets one too (a test cell without an error output would score full points), and grading carries on
with SaveAutoGrades as usual, so the submission keeps what it earned before the crash.

The same way, a job has a deadline (``notebook_deadline`` seconds from the job's start, ``job_started``, or
else from the first cell): once it passes, no further cell is run, and every cell left is settled in one step
(the first gets the error that says why, each later test cell one error so that it scores 0, the rest nothing).
A cell that catches the interrupt and keeps sleeping once made every later cell time out in turn (85 minutes
at the default cell timeout), and 40,000 tiny cells each still got an error output after the deadline, holding
a worker 492 s against 300.

And a test cell counts only if the kernel's guard (``guard.py``) vouches for it: before the first cell the guard
gets this job's random key, and before and after every test cell it restores what the tests rely on and
answers, signed with that key over a fresh nonce, what it restored. No verifiable answer (the guard replaced
or silenced), or anything restored right after the test (the test's own run tampered), and the test gets an
error output, so nbgrader scores it 0; ``integrity.runtime_flags`` turns those errors into flags.

A test cell written for the judge (``### PROBE`` / ``### CHECK`` / ``### SHARED`` lines, see ``judge.py``) runs
here segment by segment: its probes in the kernel, its checks in the grader's judge process on the plain data
the kernel hands back. The judge's verdict is the cell's score (``JudgeScores``); the guard still vouches for
the kernel around it, for the few properties only the kernel can compute.

Outputs are capped as they arrive: once a cell's streams and displays pass ``limits.CELL_OUTPUT_BYTES`` (since
its last ``clear_output``), the rest is dropped and one marker says so (errors are always kept: they decide the
score). A cell that printed 200 MB once
made the worker hold it all, several times over, before anything could cut it. Widget state (comm messages,
which nbclient keeps for the notebook's metadata) is capped the same way, at ``limits.WIDGET_STATE_BYTES`` for the
whole notebook: 20 widgets of 40 MB once took a worker to 4.9 GiB and wrote an 800 MB notebook.
"""

from __future__ import annotations

import copy
import hmac
import secrets
import time
from dataclasses import dataclass

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Dict, Float, Integer

from . import judge, limits
from .nbcells import grade_id, is_test_cell

DEAD_KERNEL = "DeadKernelError"
DEADLINE = "NotebookDeadline"
CAPPED_OUTPUTS = ("stream", "display_data", "execute_result")  # errors always pass


class SandboxExecute(Execute):
    """``Execute`` that records a dead kernel per cell instead of failing the submission."""

    notebook_deadline = Integer(0, help="seconds the whole job may run (0: no deadline)").tag(config=True)
    job_started = Float(0.0, help="when the job started (time.time()); 0: when the first cell runs").tag(config=True)
    judge_settings = Dict(
        help="the judge's modules and path (autograder.description.Located.judge_settings); "
        "empty: those of the course in this checkout"
    ).tag(config=True)
    _dead_reason: str | None = None
    _started: float | None = None
    _settled = False  # every cell left was settled in one step: later calls do nothing
    _armed = False
    _key = b""
    _output_bytes: dict
    _judge_process: judge.Judge | None = None
    _verdicts: dict
    _widget_bytes = 0

    def preprocess(self, nb, resources=None, km=None):
        self._dead_reason = None
        self._start_clock()
        self._settled = False
        self._armed = False
        self._output_bytes = {}  # cell index -> bytes of stream and display output kept so far
        self._verdicts = {}  # grade_id -> whether the judge passed the cell (judged cells only)
        self._judge_process = judge.kept(timeout=self.timeout or 60, settings=self.judge_settings or None)
        self._widget_bytes = 0
        for cell in nb.cells:  # only the judge writes a concept record: none comes in with the submission
            cell.get("metadata", {}).pop(judge.CONCEPT_KEY, None)
        try:
            nb, resources = super().preprocess(nb, resources, km)
        except DeadKernelError:
            # raised while shutting the dead kernel down; the cells already carry their errors
            self.set_widgets_metadata()
            nb, resources = self.nb, self.resources
        resources[judge.RESOURCE_KEY] = dict(self._verdicts)
        return nb, resources

    def _start_clock(self) -> None:
        """The deadline's clock: from the job's start when the runner gave it, else from now."""
        already = time.time() - self.job_started if self.job_started else 0.0
        self._started = time.monotonic() - max(0.0, already)

    def output(self, outs, msg, display_id, cell_index):
        """nbclient's handler of one output message, with the cell's output capped at ``limits.CELL_OUTPUT_BYTES``."""
        if msg.get("msg_type") not in CAPPED_OUTPUTS:
            return super().output(outs, msg, display_id, cell_index)
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(
            len(v) if isinstance(v, str) else len(str(v)) for v in content.get("data", {}).values()
        )
        kept = self._output_bytes.get(cell_index, 0)
        if kept > limits.CELL_OUTPUT_BYTES:  # already cut: the marker is there
            return None
        self._output_bytes[cell_index] = kept + size
        if kept + size > limits.CELL_OUTPUT_BYTES:
            from .integrity import TRUNCATED

            marker = new_output(
                "stream",
                name="stdout",
                text=f"\n[output past {limits.CELL_OUTPUT_BYTES} bytes in one cell was dropped]\n{TRUNCATED}\n",
            )
            outs.append(marker)
            return marker
        return super().output(outs, msg, display_id, cell_index)

    def handle_comm_msg(self, outs, msg, cell_index):
        """nbclient keeps every widget's state for the notebook's metadata: past ``limits.WIDGET_STATE_BYTES`` for
        the whole notebook, further state is not kept (the widget still works in the kernel) and one marker in
        the cell says so (``output_flood``)."""
        data = msg.get("content", {}).get("data", {})
        if not isinstance(data, dict) or "state" not in data:
            return super().handle_comm_msg(outs, msg, cell_index)
        size = len(str(data.get("state"))) + sum(len(b) for b in msg.get("buffers") or [])
        if self._widget_bytes + size > limits.WIDGET_STATE_BYTES:
            if self._widget_bytes <= limits.WIDGET_STATE_BYTES:
                from .integrity import TRUNCATED

                outs.append(
                    new_output(
                        "stream",
                        name="stdout",
                        text=f"\n[widget state past {limits.WIDGET_STATE_BYTES} bytes was not kept]\n{TRUNCATED}\n",
                    )
                )
            self._widget_bytes = limits.WIDGET_STATE_BYTES + 1
            return None
        self._widget_bytes += size
        return super().handle_comm_msg(outs, msg, cell_index)

    def clear_output(self, outs, msg, cell_index):
        """A cleared cell holds nothing: its byte count starts again (a live plot redrawn each epoch is no flood)."""
        self._output_bytes[cell_index] = 0
        return super().clear_output(outs, msg, cell_index)

    def preprocess_cell(self, cell, resources, index):
        if self._settled or cell.cell_type != "code":
            return cell, resources
        if self._dead_reason is not None:
            self._settle(index, f"not run: {self._dead_reason} in an earlier cell", DEAD_KERNEL, cell)
            return cell, resources
        if self._started is not None and 0 < self.notebook_deadline < time.monotonic() - self._started:
            self._settle(
                index, f"not run: the job ran past its deadline of {self.notebook_deadline} s", DEADLINE, cell
            )
            return cell, resources
        if not self._armed:  # before the first cell: no student code has run yet
            self._arm_guard()
        if not is_test_cell(cell):
            return self._run(cell, resources, index)
        before = self._reset_kernel()
        if self._dead_reason is not None:
            cell.outputs = [_error(f"{self._dead_reason} before this cell")]
            return cell, resources
        if judge.is_judged(cell.source):
            cell, resources = self._run_judged(cell, resources, index)
        else:
            cell, resources = self._run(cell, resources, index)
        if self._dead_reason is not None:  # the cell has its error
            return cell, resources
        after = self._reset_kernel()
        if self._dead_reason is not None:
            cell.outputs.append(_error(f"{self._dead_reason} right after this cell"))
            return cell, resources
        self._judge(cell, before, after)
        return cell, resources

    def _settle(self, index: int, message: str, ename: str, cell) -> None:
        """Every code cell from ``index`` on is not run, in one step: the first says why, each test cell gets an
        error (a test without one would score full points), the others are left without outputs."""
        first = True
        for left in self.nb.cells[index:] if self.nb is not None else [cell]:
            if left.get("cell_type") != "code":
                continue
            if first or is_test_cell(left):
                left.outputs = [_error(message, ename)]
                first = False
            else:
                left.outputs = []
        self._settled = True

    def _run(self, cell, resources, index):
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._dead_reason = "the kernel died (os._exit, sys.exit in a thread, memory or CPU limit, crash)"
            cell.outputs.append(_error(f"{self._dead_reason} while running this cell"))
            return cell, resources

    def _run_judged(self, cell, resources, index):
        """A judged test cell, segment by segment: probes in the kernel (an error there ends the cell), checks in
        the judge on the names they read, fetched from the kernel as plain data. The first failure ends it."""
        try:
            return self._run_segments(cell, resources, index)
        finally:
            self.nb.cells[index] = cell  # nbclient put each segment's copy there

    def _run_segments(self, cell, resources, index):
        parts = judge.segments(cell.source)
        cell.outputs = []
        fresh = True
        self._verdicts[grade_id(cell)] = False
        for i, seg in enumerate(parts):
            if seg.in_kernel:
                # one execution per segment; the trailing `pass` keeps a last expression from showing a result
                part = copy.deepcopy(cell)
                part.source = seg.code + "pass\n"
                part, resources = self._run(part, resources, index)
                cell.outputs.extend(part.outputs)
                cell.execution_count = part.get("execution_count")
                if self._dead_reason is not None or any(o.output_type == "error" for o in part.outputs):
                    return cell, resources
            if seg.in_judge:
                wanted = judge.wanted_names(parts, i, judge.judge_names(self._judge_process.settings))
                data, why = self._export(wanted) if wanted else ("{}", "")
                if self._dead_reason is not None:  # the kernel died sending them: kernel_died says it
                    cell.outputs.append(_error(f"{self._dead_reason} while sending this test's values"))
                    return cell, resources
                if data is None:  # never sent to the judge: nothing came back to judge
                    verdict = judge.Verdict(False, **judge.missing(", ".join(wanted), why))
                else:
                    verdict = self._judge_process.run(seg.code, data, wanted, fresh)
                    fresh = False
                if verdict.stdout:
                    cell.outputs.append(new_output("stream", name="stdout", text=verdict.stdout))
                if verdict.concept is not None:
                    cell.metadata[judge.CONCEPT_KEY] = verdict.concept
                if not verdict.passed:
                    cell.outputs.append(_error(verdict.evalue, verdict.ename or "Error"))
                    return cell, resources
        self._verdicts[grade_id(cell)] = True
        return cell, resources

    def _export(self, names: list[str]) -> tuple[str | None, str]:
        """The kernel's values of ``names`` as ``course.plain`` text, or (None, why it did not come back: fixed
        words, ``judge.NO_ANSWER`` and the like). A kernel that dies meanwhile sets ``_dead_reason``."""
        try:
            text = self._request(judge.export_expression(names, self._judge_process.settings["data"]))
        except DeadKernelError:
            self._dead_reason = "the kernel died"
            return None, judge.NO_ANSWER
        except ExpressionError as exc:  # export raised in the kernel: over the cap, or a value it cannot walk
            return None, judge.TOO_LARGE if exc.ename == "TooLarge" else judge.NOT_PLAIN
        except Exception:  # no answer in time (the kernel was interrupted), or not text
            return None, judge.NO_ANSWER
        if len(text) > limits.PLAIN_DATA_BYTES:  # a kernel whose export was replaced: never sent to the judge
            return None, judge.TOO_LARGE
        return text, ""

    @staticmethod
    def _judge(cell, before: GuardAnswer, after: GuardAnswer) -> None:
        """A test counts only if the guard answered, verified, before and after it, and its own run changed
        nothing the guard watches. What the guard restored before it is shown first (``tampered_checks``)."""
        if before.restored:
            cell.outputs.insert(0, _marker(before.restored))
        for when, answer in (("before", before), ("after", after)):
            if not answer.verified:
                cell.outputs.append(
                    _error(
                        f"the kernel's guard gave no verifiable answer {when} this test ({answer.reason}): "
                        "the guard was replaced or silenced, so this test is not counted",
                        UNVERIFIED,
                    )
                )
                return
        if after.restored:
            cell.outputs.append(_marker(after.restored))
            cell.outputs.append(
                _error(
                    "this test's own run changed what the tests rely on ("
                    + ", ".join(after.restored[:8])
                    + "), so it is not counted",
                    TAMPERED,
                )
            )

    def _request(self, expression: str):
        """Evaluate ``expression`` in the kernel through a silent request's ``user_expressions`` (no input
        transformer or cell hook sees it); its ``text/plain`` value, or None."""
        import ast

        from jupyter_core.utils import run_sync

        msg_id = self.kc.execute("pass", silent=True, store_history=False, user_expressions={"guard": expression})
        reply = run_sync(self.async_wait_for_reply)(msg_id)
        if reply is None:
            raise GuardSilent("no reply in time")
        result = reply.get("content", {}).get("user_expressions", {}).get("guard", {})
        if result.get("status") != "ok":
            if "ename" in result:
                raise ExpressionError(str(result["ename"]))
            raise GuardSilent("no answer")
        value = ast.literal_eval(result["data"]["text/plain"])
        if not isinstance(value, str):
            raise GuardSilent("an answer that is not the guard's")
        return value

    def _arm_guard(self) -> None:
        """Give the guard this job's secret key before any student code runs (see ``guard.py``)."""
        self._armed = True
        self._key = secrets.token_bytes(32)
        try:
            self._request(f"__import__('sys').modules['_autograder_guard'].arm({self._key.hex()!r})")
        except DeadKernelError:
            self._dead_reason = "the kernel died"
        except Exception:  # every reset will then fail to verify: each test says so and counts 0
            pass

    def _reset_kernel(self) -> GuardAnswer:
        """Ask the guard to put the kernel back as it started and to say, signed, what it restored.
        A kernel that cannot answer is recorded (or dies: ``_dead_reason``), never a grader fault."""
        nonce = secrets.token_hex(16)
        try:
            answer = self._request(f"__import__('sys').modules['_autograder_guard'].reset({nonce!r})")
            mac, *restored = answer.split("\n")
            expected = hmac.new(self._key, "\n".join([nonce, *restored]).encode(), "sha256").hexdigest()
            if not hmac.compare_digest(mac, expected):
                return GuardAnswer(False, [], "the signature does not match")
            return GuardAnswer(True, restored)
        except DeadKernelError:
            self._dead_reason = "the kernel died"
            return GuardAnswer(False, [], self._dead_reason)
        except GuardSilent as exc:
            return GuardAnswer(False, [], str(exc))
        except Exception as exc:
            return GuardAnswer(False, [], f"{type(exc).__name__} reading its answer")


class GuardSilent(Exception):
    """The guard gave no answer of its own (gone, replaced by a stand-in, or the request was broken)."""


class ExpressionError(GuardSilent):
    """The kernel answered a silent request with an error (its name only: the message is the kernel's words)."""

    def __init__(self, ename: str):
        super().__init__(f"{ename} calling it")
        self.ename = ename


@dataclass
class GuardAnswer:
    """What the guard answered to one reset: whether it verified, what it restored, and why not."""

    verified: bool
    restored: list[str]
    reason: str = ""


def _marker(restored: list[str]):
    """The guard's marker (``tampered_checks``): what it restored, as a display output of the test cell."""
    return new_output(
        "display_data",
        data={
            "text/plain": "[autograder] restored tampered " + ", ".join(restored),
            GUARD_MIME: {"restored": restored},
        },
    )


GUARD_MIME = "application/x-autograder-guard+json"  # integrity.GUARD_MIME: the guard's marker
UNVERIFIED = "GuardUnverified"  # integrity: kernel_tampering
TAMPERED = "TamperedDuringTest"  # integrity: tampered_during_test


def _error(message: str, ename: str = DEAD_KERNEL):
    return new_output("error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


class JudgeScores(NbGraderPreprocessor):
    """After ``SaveAutoGrades``: a judged test cell's score is the judge's verdict, written into the gradebook
    through nbgrader's API: full points when the judge passed it and no error (the guard's included) stands in
    the cell, else zero. A result or a stderr line the kernel showed decides nothing here."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        verdicts = resources.get(judge.RESOURCE_KEY) or {}
        if not verdicts:
            return nb, resources
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                name = grade_id(cell)
                if name not in verdicts or not is_test_cell(cell):
                    continue
                grade = gb.find_grade(name, info["notebook"], info["assignment"], info["student"])
                failed = not verdicts[name] or any(o.output_type == "error" for o in cell.outputs)
                grade.auto_score = 0.0 if failed else float(grade.max_score)
                grade.needs_manual_grade = grade.manual_score is not None
            gb.db.commit()
        return nb, resources


RESULT_MIME = "application/x-autograder-dropped-result+json"  # marks a result this module set aside


class ErrorsDecide(NbGraderPreprocessor):
    """Before ``SaveAutoGrades``: in a test cell that failed (an error or stderr output), every result output is
    set aside. nbgrader reads a test cell's first ``execute_result`` as partial credit, before any error, and
    counts non-numeric text as full credit, so a student's ``pre_run_cell`` hook that displays a result once
    turned every failing test into a pass. The marker left in its place becomes a ``fake_result`` flag."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_test_cell(cell):
            return cell, resources
        failed = any(
            o.output_type == "error" or (o.output_type == "stream" and o.get("name") == "stderr") for o in cell.outputs
        )
        if failed:
            cell.outputs = [
                new_output(
                    "display_data",
                    data={
                        "text/plain": "[autograder] a result shown in a failing test cell was ignored",
                        RESULT_MIME: {"dropped": 1},
                    },
                )
                if o.output_type == "execute_result"
                else o
                for o in cell.outputs
            ]
        return cell, resources


class CutFloods(NbGraderPreprocessor):
    """Right after execution: flooded streams and huge display outputs are cut before nbgrader keeps, checks
    and writes the notebook (:func:`autograder.runner.cut_floods`), not after; lone surrogates in outputs and
    widget state are made encodable."""

    def preprocess(self, nb, resources):
        from .nbcells import without_surrogates
        from .runner import cut_floods

        cut_floods(nb)
        for cell in nb.cells:  # a kernel's lone surrogate (print("\\ud800")) would stop nbgrader writing the notebook
            without_surrogates(cell.get("outputs", []))
        without_surrogates(nb.metadata)
        return nb, resources
