"""autograder.pool: follow-up tasks, failures and dying workers, on real spawned processes (no nbgrader)."""

from autograder import pool
from tests.test_autograder import pool_tasks


def run(first, handle=None, workers=2):
    seen = []

    def record(task, result):
        seen.append((task.arg, result))
        return handle(task, result) if handle else []

    pool.run_tasks(first, workers, record, lambda task, exc: f"fault: {exc}", initializer=None)
    return sorted(seen, key=repr)


def test_results_come_back_and_follow_ups_run():
    def more(task, result):
        return [pool.Task(pool_tasks.square, result)] if task.arg < 10 and result < 10 else []

    seen = run([pool.Task(pool_tasks.square, 2), pool.Task(pool_tasks.square, 3)], more)
    assert seen == sorted([(2, 4), (3, 9), (4, 16), (9, 81)], key=repr)


def test_an_exception_becomes_a_fault_result():
    assert run([pool.Task(pool_tasks.fail, 1), pool.Task(pool_tasks.square, 5)]) == [(1, "fault: bad 1"), (5, 25)]


def test_only_the_task_that_kills_its_worker_fails():
    """Queued behind the killer in a one-worker pool, the healthy tasks break with it; run alone, they finish."""
    seen = run(
        [pool.Task(pool_tasks.die, 0), pool.Task(pool_tasks.square, 6), pool.Task(pool_tasks.square, 7)], workers=1
    )
    assert seen == [(0, f"fault: the grading worker process died {pool.TRIES} times"), (6, 36), (7, 49)]


def test_a_grading_runs_tasks_are_typed_and_reach_a_worker_as_plain_functions():
    import pickle

    from autograder import runner, templates

    task = templates.BuildTask(templates.BuildRequest("course", "a1", "dest"))
    assert isinstance(task, pool.Task) and task.run is templates.build
    assert pickle.loads(pickle.dumps(task.run)) is templates.build  # what the pool sends a worker
    assert runner.GradeTask.__dataclass_fields__["arg"].type in ("Job", runner.Job)
