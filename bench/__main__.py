"""Run every benchmark section and write ``bench/results.md`` (``python -m bench [topic ...]``)."""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import sys
from pathlib import Path

TOPICS = ["notebooks", "widgets", "grading", "hub", "batchnorm", "tensorflow", "hostile"]
RESULTS = Path(__file__).resolve().parent / "results.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("topics", nargs="*", metavar="topic",
                        help=f"sections to run (default: all of {', '.join(TOPICS)})")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.topics) - set(TOPICS))
    if unknown:
        parser.error(f"unknown topic {', '.join(unknown)}; choose from {', '.join(TOPICS)}")
    topics = args.topics or TOPICS
    header = (
        "# Benchmark results\n\n"
        f"Written by `make bench` on {datetime.date.today().isoformat()}: {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}.\n"
    )
    sections = []
    for topic in topics:
        print(f"[bench] {topic} ...", flush=True)
        sections.append(importlib.import_module(f"bench.{topic}").run())
    RESULTS.write_text(header + "\n" + "\n".join(sections), encoding="utf-8")
    print(f"[bench] wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
