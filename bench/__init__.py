"""Benchmarks (``make bench``): wall time, memory and latency figures, written to ``bench/results.md``.

Each ``bench/<topic>.py`` module exposes ``run() -> str``, a Markdown section with its own table. Speed and
memory are measured here and never asserted in the test suite.
"""
