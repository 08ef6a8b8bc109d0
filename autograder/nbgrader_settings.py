"""The grader's nbgrader settings, loaded on top of the course's ``nbgrader_config.py`` (whose timeout,
IgnorePattern and solution stubs stay in force). Paths and the per-run timeout are set by the worker."""

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from autograder import limits
from autograder.execute import CutFloods, ErrorsDecide, JudgeScores, SandboxExecute
from autograder.sandbox import KERNEL_NAME

c = get_config()  # noqa: F821 - provided by the traitlets config loader

# nbgrader's autograde pipeline with Execute swapped for the subclass that survives a dead kernel, and
# ErrorsDecide before the grades are saved (a failing test's stray result is no partial credit), and JudgeScores
# after: a test judged outside the kernel (autograder/judge.py) scores what its judge decided.
c.Autograde.autograde_preprocessors = [
    SandboxExecute,
    CutFloods,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    ErrorsDecide,
    SaveAutoGrades,
    JudgeScores,
    AssignLatePenalties,
    CheckCellMetadata,
]
# A deleted test cell comes back from the gradebook (and fails if the answer is missing).
c.OverwriteCells.add_missing_cells = True
# Every kernel is the confined one the worker writes for the submission (autograder/sandbox.py).
c.SandboxExecute.kernel_name = KERNEL_NAME
c.Execute.kernel_name = KERNEL_NAME
c.KernelManager.transport = "ipc"
c.AsyncKernelManager.transport = "ipc"
c.Execute.interrupt_on_timeout = True
c.Execute.raise_on_iopub_timeout = False
c.Execute.startup_timeout = limits.KERNEL_STARTUP_TIMEOUT
# Output floods: nbgrader keeps this many lines; the worker reads the same trait to flag a cell that printed more.
c.LimitOutput.max_lines = limits.OUTPUT_MAX_LINES
c.LimitOutput.max_traceback = limits.TRACEBACK_MAX_LINES
