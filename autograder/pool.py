"""The worker pool: spawned processes that build templates and grade submissions, with follow-up work.

:func:`run_tasks` starts with a list of tasks; as each finishes, this process hands its result to ``handle``,
which may return more tasks (a finished template releases its assignment's submissions). A worker that dies
(a segfault, the OOM killer) breaks the whole ``ProcessPoolExecutor`` and every task it held: those run
again in a fresh pool. A task caught in :data:`TRIES` - 1 broken pools then runs alone, so only the task
that really kills its worker becomes a ``fault`` result; the others finish. Nothing is ever dropped.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

TRIES = 3


@dataclass(frozen=True)
class Task:
    """``run(arg)`` in a worker: ``run`` is a module-level function, ``arg`` pickles."""

    run: Callable[[Any], Any]
    arg: Any


def warm_up() -> None:
    """Worker start-up: take a sandbox slot (this worker's kernels get a user of their own), import nbgrader once
    per worker instead of once per task."""
    import warnings

    from . import sandbox

    # nbgrader's own SQLAlchemy usage warns on every autograde; it is noise here
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    import nbgrader.api  # noqa: F401
    import nbgrader.apps  # noqa: F401

    sandbox.claim_slot()  # before the first probe: its user is this slot's
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
    when the task raised or killed its worker) and returns the tasks to run next.
    """
    pending, deaths = list(first), {}  # deaths: task -> pools that broke while it was in them
    while pending:
        suspects = [t for t in pending if deaths.get(t, 0) >= TRIES - 1]
        pending = [t for t in pending if deaths.get(t, 0) < TRIES - 1]
        for task in suspects:
            pending += _run_alone(task, handle, fault, initializer)
        if pending:
            pending = _run_pool(pending, workers, handle, fault, deaths, initializer)


def _pool(workers: int, initializer) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn"), initializer=initializer
    )


def _run_pool(tasks: list[Task], workers: int, handle, fault, deaths: dict, initializer) -> list[Task]:
    """Run ``tasks`` and their follow-ups in one pool; returns those to run again because the pool broke."""
    again: list[Task] = []
    with _pool(workers, initializer) as pool:
        running: dict = {}

        def start(batch: list[Task]) -> None:
            for task in batch:
                try:
                    running[pool.submit(task.run, task.arg)] = task
                except BrokenProcessPool:
                    again.append(task)

        start(tasks)
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                task = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    deaths[task] = deaths.get(task, 0) + 1
                    again.append(task)
                    continue
                except Exception as exc:
                    result = fault(task, exc)
                start(handle(task, result))
    return again


def _run_alone(task: Task, handle, fault, initializer) -> list[Task]:
    """A task that was in every broken pool, in a pool of its own: if that breaks too, the task is the cause."""
    with _pool(1, initializer) as pool:
        try:
            result = pool.submit(task.run, task.arg).result()
        except BrokenProcessPool:
            result = fault(task, RuntimeError(f"the grading worker process died {TRIES} times"))
        except Exception as exc:
            result = fault(task, exc)
    return handle(task, result)
