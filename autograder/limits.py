"""Every limit the grader enforces, declared once (a leaf module: nbgrader settings, sandbox and worker read it).

Cell time comes from the course's ``nbgrader_config.py`` (``Execute.timeout``) or ``--timeout``; the rest is here.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CELL_TIMEOUT = 120  # seconds per cell when the course's nbgrader_config.py sets none
KERNEL_STARTUP_TIMEOUT = 60  # a kernel starts inside the sandbox in about a second
OUTPUT_MAX_LINES = 1000  # nbgrader's LimitOutput: lines kept per cell; more is an output flood
TRACEBACK_MAX_LINES = 100  # nbgrader's LimitOutput: traceback lines kept per error
FLOOD_BYTES = 1_000_000  # one stream output above this is cut (one huge line escapes the line limit)
FLOOD_KEEP_BYTES = 10_000  # what is kept of a cut stream output
CELL_OUTPUT_BYTES = 20_000_000  # a cell's streams and displays together, as they arrive; the rest is dropped
WIDGET_STATE_BYTES = (
    20_000_000  # every widget's state a notebook leaves in its metadata, together; the rest is not kept
)
MERGE_ABOVE_CELLS = 1000  # a notebook with more cells has each run of untagged cells run as one (nbcells.merged_runs)
MERGE_CHUNK_CELLS = 200  # ... at most this many at a time, well inside one cell's time limit
FEEDBACK_CELLS = 500  # a feedback page shows every graded cell and at most this many others
PLAIN_DATA_BYTES = 32 * 1024**2  # what one judged segment's values may take as plain data text (course.plain)
MESSAGE_CHARS = 300  # a test cell's message in cells.csv and the report
NOTEBOOK_DEADLINE_FLOOR = 300  # seconds: a whole job's wall time (from staging on) is at least this long ...
NOTEBOOK_DEADLINE_CELLS = 3  # ... or this many cell timeouts (a kernel ignoring interrupts cannot hold a worker)
TEMPLATE_UNUSED_DAYS = 30  # templates no run has used for this long are removed from the shared cache


# Read by the libraries a kernel loads to size their thread pools (TensorFlow reads its two at start-up).
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


@dataclass(frozen=True)
class Limits:
    """Resource caps for one grading kernel (``prlimit``)."""

    memory_bytes: int = 4 * 1024**3  # RLIMIT_DATA: heap and private mappings; TensorFlow needs ~1.5 GiB
    cpu_seconds: int = 1200  # RLIMIT_CPU over the whole kernel's life
    processes: int = 2048  # pids.max per job, else RLIMIT_NPROC of the worker's user; TensorFlow starts many threads
    file_bytes: int = 256 * 1024**2  # RLIMIT_FSIZE
    cpus: float = 1.0  # the job's CPU share: a cgroup quota (cores), so busy loops cannot slow a neighbour
    scratch_bytes: int = 512 * 1024**2  # each writable place of the kernel (home, /tmp, /dev/shm): a tmpfs this big

    @property
    def thread_env(self) -> dict[str, str]:
        """The kernel's thread pools (OpenMP, OpenBLAS, MKL, TensorFlow) sized to its CPU share. A library that
        starts one thread per core of the machine runs them inside a quota of ``cpus`` cores: they burn the
        quota early in each period and wait, throttled, for the rest, and the core they leave idle is lost to
        the neighbouring job as well. One thread per core of the share keeps the kernel busy instead. The same
        numbers as a student's server on the hub (``deploy/jupyterhub/jupyterhub_config.py``), whose CPU limit
        is one core too."""
        threads = str(max(1, int(self.cpus)))
        return {name: "1" if name == "TF_NUM_INTEROP_THREADS" else threads for name in THREAD_VARIABLES}

    @classmethod
    def with_memory_mb(cls, memory_mb: int | None) -> Limits:
        """The default caps, with the memory cap replaced when ``memory_mb`` is given."""
        return cls() if memory_mb is None else cls(memory_bytes=memory_mb * 1024**2)


def notebook_deadline(cell_timeout: int) -> int:
    """Seconds a whole notebook may run: cells that would start later are not run (and score nothing)."""
    return max(NOTEBOOK_DEADLINE_FLOOR, NOTEBOOK_DEADLINE_CELLS * cell_timeout)
