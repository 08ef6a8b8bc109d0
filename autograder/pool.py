"""The worker pool: spawned processes that build templates and grade submissions, with follow-up work.

:func:`run_tasks` starts with a list of tasks; as each finishes, this process hands its result to ``handle``,
which may return more tasks (a finished template releases its assignment's submissions). A worker that dies
(a segfault, the OOM killer) breaks the whole ``ProcessPoolExecutor``: the tasks it held run again in a fresh
pool, and a task whose worker died :data:`TRIES` times becomes a ``fault`` result. Nothing is ever dropped.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable

TRIES = 3


@dataclass(frozen=True)
class Task:
    """``run(arg)`` in a worker: ``run`` is a module-level function, ``arg`` pickles."""

    run: Callable[[Any], Any]
    arg: Any


def warm_up() -> None:
    """Worker start-up: import nbgrader once per worker instead of once per task."""
    import warnings

    from . import sandbox

    # nbgrader's own SQLAlchemy usage warns on every autograde; it is noise here
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    import nbgrader.api  # noqa: F401
    import nbgrader.apps  # noqa: F401

    sandbox.probe()


def run_tasks(
    first: list[Task],
    workers: int,
    handle: Callable[[Task, Any], list[Task]],
    fault: Callable[[Task, BaseException], Any],
    initializer: Callable[[], None] | None = warm_up,
) -> None:
    """Run ``first`` and every task ``handle`` adds on at most ``workers`` processes, until none is left.

    ``handle(task, result)`` runs in this process for each finished task (``result`` is ``fault(task, exc)``
    when the task raised or its worker kept dying) and returns the tasks to run next.
    """
    pending = list(first)
    deaths: dict[Task, int] = {}  # times each task's worker died
    while pending:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context, initializer=initializer) as pool:
            running: dict = {}

            def start(tasks: list[Task]) -> None:
                for task in tasks:
                    try:
                        running[pool.submit(task.run, task.arg)] = task
                    except BrokenProcessPool:
                        pending.append(task)

            batch, pending = pending, []
            start(batch)
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        deaths[task] = deaths.get(task, 0) + 1
                        if deaths[task] < TRIES:
                            pending.append(task)  # run again in a fresh pool
                            continue
                        result = fault(task, RuntimeError(f"the grading worker process died {TRIES} times"))
                    except Exception as exc:
                        result = fault(task, exc)
                    start(handle(task, result))
