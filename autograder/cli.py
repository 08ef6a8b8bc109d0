"""Argument parsing over :mod:`autograder.api`; nothing here decides anything the API does not."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import GradingError
from .limits import Limits
from .paths import DEFAULT_OUT, DEFAULT_WORKERS, REPO, SAMPLE_CLASS, put_env_bin_on_path

EXIT_FAULT = 1  # the grader failed (a fault to fix); students' scores never set the exit status
EXIT_USAGE = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="autograde a folder of submissions into CSVs, feedback and a report")
    grade.add_argument(
        "--submissions",
        type=Path,
        metavar="DIR",
        help="folder of <student_id>/<assignment>/<assignment>.ipynb (default: the bundled sample class)",
    )
    grade.add_argument(
        "--zip",
        type=Path,
        metavar="DIR",
        dest="zip_dir",
        help="folder of LMS download zips, <assignment>/*.zip (instead of --submissions)",
    )
    grade.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT}/)"
    )
    grade.add_argument(
        "--workers",
        type=_positive_int,
        default=DEFAULT_WORKERS,
        metavar="N",
        help="submissions graded at once (default: the number of cores)",
    )
    grade.add_argument(
        "--timeout",
        type=_positive_int,
        metavar="SECONDS",
        help="per-cell time limit (default: the course's nbgrader_config.py)",
    )
    grade.add_argument(
        "--memory-mb",
        type=_positive_int,
        metavar="MB",
        help=f"kernel memory cap (default {Limits().memory_bytes // 1024**2})",
    )
    grade.add_argument(
        "--course",
        type=Path,
        default=None,
        metavar="DIR",
        help="nbgrader course root with source/ (default: this repository)",
    )
    grade.add_argument(
        "--force",
        action="store_true",
        help="regrade unchanged submissions too (templates are rebuilt only when source/ changed)",
    )
    grade.add_argument(
        "--template-cache",
        type=Path,
        metavar="DIR",
        help="where gradebook templates are kept, shared by every --out (default: $AUTOGRADER_CACHE "
        "or ~/.cache/dl-tuning-course/templates)",
    )
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="grade on a Dask cluster: tcp://127.0.0.1:PORT, tls://HOST:PORT or a scheduler file; "
        "--workers is then jobs at once per Dask worker (deploy/dask/README.md)",
    )
    grade.add_argument(
        "--cluster-wait",
        type=_positive_int,
        default=None,
        metavar="SECONDS",
        help="how long --cluster waits for a worker before giving up (default 120)",
    )
    grade.add_argument(
        "--cluster-insecure",
        action="store_true",
        help="allow a plain tcp:// scheduler on another machine (unencrypted, unauthenticated)",
    )
    grade.add_argument(
        "--allow-unconfined",
        action="store_true",
        help="with --cluster: grade on workers that cannot sandbox student code instead of refusing",
    )
    fb = sub.add_parser("feedback", help="release generated feedback to students through the nbgrader exchange")
    fb.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="the folder `grade` wrote")
    fb.add_argument("--assignment", action="append", help="only this assignment (repeatable; default: all)")
    fb.add_argument("--student", action="append", help="only this student (repeatable; default: all)")
    fb.add_argument("--exchange", type=Path, help="exchange root (default: the course's Exchange.root)")
    fb.add_argument("--course-id", help="course id in the exchange (default: the course's)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    put_env_bin_on_path()  # nbgrader runs `alembic` by name; .venv/bin/python may run without the venv active
    try:
        if args.command == "grade":
            return _grade(args, REPO)
        from .release import release_feedback

        released = release_feedback(
            args.out,
            assignments=args.assignment,
            students=args.student,
            exchange_root=args.exchange,
            course_id=args.course_id,
        )
        print(f"released {len(released)} feedback file(s) to the exchange")
        return 0
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: outputs were not (re)written", file=sys.stderr)
        return 130
    except Exception as exc:  # a grader fault: say what to do
        import traceback

        traceback.print_exc()
        print(
            f"error: the grader failed ({type(exc).__name__}: {exc}). This is a fault of the grader or the "
            "course set-up, not of a student: check that nbgrader works (`nbgrader validate source/...`) "
            "and report the traceback above.",
            file=sys.stderr,
        )
        return EXIT_FAULT


def _grade(args, repo: Path) -> int:
    from tqdm import tqdm

    from .api import discover, grade_class
    from .results import Status

    if args.zip_dir is not None and args.submissions is not None:
        raise GradingError("give either --submissions or --zip, not both")
    start = time.perf_counter()
    bar = None

    def on_done(result):
        nonlocal bar
        if bar is not None:
            bar.set_postfix_str(f"{result.student_id}/{result.assignment}", refresh=False)
            bar.update(1)

    cluster = None
    if args.cluster is not None:
        from .cluster import WAIT_SECONDS, ClusterOptions

        cluster = ClusterOptions(
            args.cluster,
            insecure=args.cluster_insecure,
            allow_unconfined=args.allow_unconfined,
            wait=args.cluster_wait or WAIT_SECONDS,
        )
    elif args.cluster_insecure or args.allow_unconfined or args.cluster_wait:
        raise GradingError("--cluster-wait, --cluster-insecure and --allow-unconfined go with --cluster")
    total = None
    if args.submissions is not None and args.submissions.is_dir():
        total = len(discover(args.submissions))
    elif args.submissions is None and args.zip_dir is None:
        total = len(discover(SAMPLE_CLASS)) if SAMPLE_CLASS.is_dir() else None
    bar = tqdm(total=total, desc="grading", unit="sub", disable=args.quiet, file=sys.stderr)
    try:
        results = grade_class(
            args.submissions,
            args.out,
            args.workers,
            args.timeout,
            course_root=args.course or repo,
            zip_dir=args.zip_dir,
            force=args.force,
            memory_mb=args.memory_mb,
            template_cache=args.template_cache,
            on_done=on_done,
            log=lambda m: tqdm.write(m, file=sys.stderr),
            cluster=cluster,
        )
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    graded = [r for r in results if r.status is Status.GRADED]
    flagged = {(r.student_id, r.assignment) for r in results if r.flags}
    faults = [r for r in results if r.status is Status.GRADER_ERROR]
    cached = sum(r.cached for r in results)
    print(
        f"graded {len(graded)} submission(s) of {len({r.student_id for r in results})} student(s) in "
        f"{seconds:.1f} s ({cached} unchanged, reused); {len(flagged)} flagged; {len(faults)} grader error(s); "
        f"outputs in {args.out}/ (open {args.out}/report.html)"
    )
    for r in faults:
        detail = r.flags[0].detail if r.flags else r.message.splitlines()[0]
        print(f"grader error for {r.student_id}/{r.assignment}: {detail}", file=sys.stderr)
    return EXIT_FAULT if faults else 0
