"""Run benchmark sections and write them into ``bench/results.md`` (``python -m bench [topic ...]``).

Each topic's section sits between ``<!-- bench:<topic> -->`` markers with the date it was measured, so running
some topics replaces only their sections and keeps the others (``make bench`` runs them all).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import re
import sys
from pathlib import Path

TOPICS = ["notebooks", "widgets", "grading", "cluster", "hub", "batchnorm", "tensorflow", "hostile"]
RESULTS = Path(__file__).resolve().parent / "results.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "topics", nargs="*", metavar="topic", help=f"sections to run (default: all of {', '.join(TOPICS)})"
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.topics) - set(TOPICS))
    if unknown:
        parser.error(f"unknown topic {', '.join(unknown)}; choose from {', '.join(TOPICS)}")
    topics = args.topics or TOPICS
    sections = kept_sections(RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "")
    machine = (
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}"
    )
    for topic in topics:
        print(f"[bench] {topic} ...", flush=True)
        text = importlib.import_module(f"bench.{topic}").run().rstrip("\n")
        sections[topic] = f"{text}\n\n_Measured on {datetime.date.today().isoformat()} ({machine})._"
        RESULTS.write_text(render(sections), encoding="utf-8")  # after each topic: a long run keeps what it did
    print(f"[bench] wrote {RESULTS}")
    return 0


_SECTION = re.compile(r"<!-- bench:(\w+) -->\n(.*?)\n<!-- /bench:\1 -->", re.S)


def kept_sections(text: str) -> dict[str, str]:
    """The sections of an earlier ``results.md``, by topic (a file without markers keeps nothing)."""
    return {topic: body for topic, body in _SECTION.findall(text) if topic in TOPICS}


def render(sections: dict[str, str]) -> str:
    parts = [f"<!-- bench:{t} -->\n{sections[t]}\n<!-- /bench:{t} -->" for t in TOPICS if t in sections]
    return (
        "# Benchmark results\n\nWritten by `make bench` (`python -m bench [topic ...]` reruns some sections and "
        "keeps the others). Each section says when and where it was measured.\n\n" + "\n\n".join(parts) + "\n"
    )


if __name__ == "__main__":
    sys.exit(main())
