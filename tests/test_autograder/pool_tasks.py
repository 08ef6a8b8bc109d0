"""Module-level task functions for test_pool.py (a spawned worker imports them by name)."""

import os


def square(x):
    return x * x


def fail(x):
    raise ValueError(f"bad {x}")


def die(x):
    os._exit(3)  # the whole worker process goes, as a segfault or the OOM killer would take it
