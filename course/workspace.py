"""Seed a student's workspace from ``release/`` without ever overwriting their work (``make lab``).

``python -m course.workspace release workspace`` copies each released assignment folder into the
workspace. A notebook is (re)written only when the student has not changed it since it was last seeded:
the hash of every seeded file is kept in ``workspace/.seeded.json``. When a release notebook changed *and*
the student edited theirs, the new release is written beside it as ``<name>.updated.ipynb`` and a line
says so; the student's file is left alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".seeded.json"

__all__ = ["SeedReport", "seed_workspace", "main"]


@dataclass
class SeedReport:
    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    side_by_side: list[str] = field(default_factory=list)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed_workspace(release: Path, workspace: Path) -> SeedReport:
    """Copy ``release/`` into ``workspace/`` following the rules of the module docstring."""
    if not release.is_dir():
        raise FileNotFoundError(f"no release folder at {release}: run `make release` first.")
    workspace.mkdir(parents=True, exist_ok=True)
    manifest_path = workspace / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    report = SeedReport()
    for source in sorted(p for p in release.rglob("*") if p.is_file()):
        rel = source.relative_to(release).as_posix()
        target = workspace / rel
        new_hash = _digest(source)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            report.copied.append(rel)
        elif _digest(target) == new_hash:
            pass  # already the current release
        elif _digest(target) == manifest.get(rel):
            shutil.copy2(source, target)  # untouched by the student: take the new release
            report.updated.append(rel)
        elif manifest.get(rel) == new_hash:
            report.kept.append(rel)  # the student changed it; the release did not change
            continue
        else:
            side = target.with_name(f"{target.stem}.updated{target.suffix}")
            shutil.copy2(source, side)
            report.side_by_side.append(rel)
        manifest[rel] = new_hash
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.workspace", description=__doc__.splitlines()[0])
    parser.add_argument("release", type=Path, help="the release/ folder")
    parser.add_argument("workspace", type=Path, help="the student's workspace folder")
    args = parser.parse_args(argv)
    try:
        report = seed_workspace(args.release, args.workspace)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    for rel in report.copied:
        print(f"new:     {rel}")
    for rel in report.updated:
        print(f"updated: {rel}")
    for rel in report.side_by_side:
        print(f"kept your {rel}; the new release is beside it as *.updated.ipynb")
    print(f"workspace ready in {args.workspace}/ ({len(report.kept)} of your edited files left as they are)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
