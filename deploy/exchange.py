"""A private nbgrader exchange: each student submits into, and fetches feedback from, a folder of their own.

These are nbgrader exchange plugins (nbgrader's own ``ExchangeFactory`` picks them; see :data:`FACTORY`), not a
fork: each class subclasses nbgrader's default one and changes only where files go and which modes they get.
The folders and their owners come from :mod:`deploy.exchange_layout`:

- submissions go to ``inbound/<student>/<student>+<assignment>+<timestamp>+<random>`` (mode 0750/0640, group
  the instructors') instead of a world-writable ``inbound/``; collect only accepts a submission whose folder
  name and parent folder name the same student, and copies only that student's own regular files and folders
  (:mod:`deploy.student_tree`: no link is followed at any depth, FIFOs and devices are refused, sizes are
  capped). The time that counts is the later of the name's and the last change the filesystem recorded (ctime,
  which no student can set back): renaming a late submission or rewriting its ``timestamp.txt`` backdates
  nothing. One student's refused submission is reported and the rest of the class is collected;
- feedback goes to ``feedback/<student>/<hash>.html``, a folder only instructors write, instead of one shared
  ``feedback/`` folder; each page is written to a new file (``O_EXCL|O_NOFOLLOW``) and renamed into place;
- the exchange root and course folders are the admin's: nobody's ``release`` or ``submit`` changes their modes.

On Kubernetes, where every pod runs as the same uid, the same classes work unchanged on per-student volume
mounts (``deploy/z2jh``): a student's pod only has its own ``inbound/<student>`` and ``feedback/<student>``.
"""

from __future__ import annotations

import datetime
import glob
import os
import re
import secrets
import shutil
import stat
from stat import S_IRGRP, S_IROTH, S_IRUSR, S_IWUSR, S_IXGRP, S_IXUSR

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange import default
from nbgrader.utils import check_mode, get_username, notebook_hash, parse_utc
from traitlets import Integer

from deploy.student_tree import Caps, Refused, copy_tree, open_folder

# What `c.ExchangeFactory` needs to use this exchange (deploy/jupyterhub/jupyter-config/nbgrader_config.py).
FACTORY = {
    "exchange": "deploy.exchange.PrivateExchange",
    "fetch_assignment": "deploy.exchange.PrivateFetchAssignment",
    "fetch_feedback": "deploy.exchange.PrivateFetchFeedback",
    "release_assignment": "deploy.exchange.PrivateReleaseAssignment",
    "release_feedback": "deploy.exchange.PrivateReleaseFeedback",
    "list": "deploy.exchange.PrivateList",
    "submit": "deploy.exchange.PrivateSubmit",
    "collect": "deploy.exchange.PrivateCollect",
}
# A submission: the folder the student may write, then the files only they and the instructors may read.
SUBMISSION_DIR_MODE = S_IRUSR | S_IWUSR | S_IXUSR | S_IRGRP | S_IXGRP
SUBMISSION_FILE_MODE = S_IRUSR | S_IWUSR | S_IRGRP
# Pages are readable by all: their folder decides who reaches them (root:graders 2770 and an ACL for the student;
# without ACLs 2771, where a page's name, a hash of the submission's secret, is what keeps it private).
FEEDBACK_FILE_MODE = S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
_SUBMISSION = re.compile(r"^(?P<student_id>[^+]+)\+(?P<assignment_id>[^+]+)\+(?P<timestamp>[^+]+)(?:\+.*)?$")


class PrivateExchange(default.Exchange):
    """The root and course folders belong to the admin: check them, never create or chmod them."""

    def ensure_root(self):
        if not os.path.isdir(self.root) or not check_mode(self.root, read=True, execute=True):
            self.fail(
                f"The exchange {self.root} is missing or unreadable: ask your hub's admin to run "
                "`python -m deploy.exchange_layout`."
            )

    def course_folder(self, name: str) -> str:
        if not self.coursedir.course_id:
            self.fail("No course id specified. Re-run with --course flag.")
        return os.path.join(self.root, self.coursedir.course_id, name)

    def own_student_id(self) -> str:
        """The student this process acts for: an explicit ``CourseDirectory.student_id``, else the Unix user."""
        student_id = self.coursedir.student_id
        if student_id in ("", "*"):
            student_id = get_username()
        if "*" in student_id or "+" in student_id or "/" in student_id:
            self.fail(f"The student ID should contain no '*', '+' or '/'; got {student_id}")
        return student_id


class PrivateFetchAssignment(PrivateExchange, default.ExchangeFetchAssignment):
    """Unchanged: ``outbound/`` is readable by everyone and writable by instructors only."""


class PrivateReleaseAssignment(PrivateExchange, default.ExchangeReleaseAssignment):
    """Release into ``outbound/`` (group-writable by instructors); never chmod the exchange root."""

    def init_dest(self):
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.outbound_path = self.course_folder("outbound")
        self.inbound_path = self.course_folder("inbound")
        self.dest_path = os.path.join(self.outbound_path, self.coursedir.assignment_id)
        if not check_mode(self.outbound_path, write=True, execute=True):
            self.fail(
                f"You cannot write to {self.outbound_path}: instructors must be in the course's "
                "graders group (deploy/README.md)."
            )


class PrivateSubmit(PrivateExchange, default.ExchangeSubmit):
    """Submit into ``inbound/<student>/``, readable by the student and the instructors' group only."""

    def init_dest(self):
        student_id = self.own_student_id()
        if not self.authenticator.has_access(student_id, self.coursedir.course_id):
            self.fail("You do not have access to this course.")
        self.inbound_path = os.path.join(self.course_folder("inbound"), student_id)
        if not os.path.isdir(self.inbound_path) or not check_mode(self.inbound_path, write=True, execute=True):
            self.fail(
                f"Your submission folder {self.inbound_path} is missing or not yours: ask your hub's admin "
                "(the hub creates it when your server starts)."
            )
        self.cache_path = os.path.join(self.cache, self.coursedir.course_id)
        name = f"{student_id}+{self.coursedir.assignment_id}+{self.timestamp}"
        # The random tail keeps two submissions in the same second apart; the cache copy goes without it.
        self.assignment_filename = name + ("+" + secrets.token_hex(6) if self.add_random_string else "")
        self.cache_filename = name

    def copy_files(self):
        self.init_release()
        self.check_filename_diff()
        secret = secrets.token_hex(64)
        # The cache copy first, with its timestamp and secret; then that whole folder into the exchange, so every
        # file is created inside inbound/<student>/ and inherits its group (the instructors') from the
        # set-group-id bit. Unlike nbgrader's default (files 0644 in a 0777 folder) the copy is 0750/0640:
        # readable by the student and the instructors, even if the student opens their own folder to others.
        cache = os.path.join(self.cache_path, self.cache_filename)
        os.makedirs(self.cache_path, exist_ok=True)
        if os.path.isdir(cache):
            shutil.rmtree(cache)
        self.do_copy(self.src_path, cache)
        for name, text in (("timestamp.txt", self.timestamp), ("submission_secret.txt", secret)):
            with open(os.path.join(cache, name), "w") as handle:
                handle.write(text)
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        self.do_copy(cache, dest)
        self.set_perms(dest, fileperms=SUBMISSION_FILE_MODE, dirperms=SUBMISSION_DIR_MODE)
        self.log.info("Source: %s", self.src_path)
        self.log.info("Destination: %s", dest)
        self.log.info("Submitted as: %s %s %s", self.coursedir.course_id, self.coursedir.assignment_id, self.timestamp)


class PrivateCollect(PrivateExchange, default.ExchangeCollect):
    """Collect from ``inbound/*/``: a submission counts only if its name and its folder name the same student.

    Everything in a submission is the student's to change after submitting, so nothing in it is trusted: the
    copy follows no link (:func:`deploy.student_tree.copy_tree`), takes only files the student owns, stops at
    the size caps, and the submission's time is the later of its name's and its last recorded change (ctime).
    A refused submission is that student's error: the others are collected, then the command fails naming her.
    """

    max_files = Integer(2000, help="Most files and folders collected from one submission.").tag(config=True)

    def init_src(self):
        self.inbound_path = self.course_folder("inbound")
        if not os.path.isdir(self.inbound_path) or not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You cannot read {self.inbound_path}: instructors must be in the course's graders group.")
        student = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, student, f"{student}+{self.coursedir.assignment_id}+*")
        latest: dict[str, list[dict]] = {}
        for path in sorted(glob.glob(pattern)):
            record = self._path_to_record(path)
            if record is not None:
                latest.setdefault(record["username"], []).append(record)
        # glob skips an inbox its student made unreadable: name her rather than pass over her in silence.
        self.unreadable = {
            os.path.basename(inbox): "her inbox cannot be read (she changed its mode)"
            for inbox in glob.glob(os.path.join(self.inbound_path, student))
            if not os.access(inbox, os.R_OK | os.X_OK)
        }
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            try:
                self.duedate = gradebook.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for records in latest.values():
            records = self._sort_by_timestamp(records)
            if self.duedate is not None and self.before_duedate:
                on_time = [r for r in records if r["timestamp"] <= self.duedate]
                records = on_time or records
            self.src_records.append(records[0])

    def _path_to_record(self, path):
        folder, name = os.path.split(path)
        match = _SUBMISSION.match(name)
        if match is None or match["student_id"] != os.path.basename(folder):
            self.log.warning("Ignoring %s: it is not named after the student whose folder holds it", path)
            return None
        try:
            claimed = parse_utc(match["timestamp"])
            changed = _utc(os.lstat(path).st_ctime_ns)
        except (ValueError, OverflowError, OSError) as error:
            self.log.warning("Ignoring %s: its name holds no date (%s)", path, error)
            return None
        # copy_files joins inbound_path and filename: keep the student's folder in it.
        return {
            "username": match["student_id"],
            "filename": os.path.join(os.path.basename(folder), name),
            "timestamp": max(claimed, changed),
            "claimed": claimed,
        }

    def copy_files(self):
        if not self.src_records:
            self.log.warning(
                "No submissions of '%s' for course '%s' to collect",
                self.coursedir.assignment_id,
                self.coursedir.course_id,
            )
        refused = dict(self.unreadable)
        for record in sorted(self.src_records, key=lambda r: r["username"]):
            try:
                self._collect(record)
            except (Refused, OSError) as error:
                refused[record["username"]] = str(error)
                self.log.error("Not collected: %s's submission %s: %s", record["username"], record["filename"], error)
        if refused:
            self.fail(
                f"Collected {len(self.src_records) + len(self.unreadable) - len(refused)} of "
                f"{len(self.src_records) + len(self.unreadable)} submissions; refused (the student must "
                "submit again): " + "; ".join(f"{student}: {why}" for student, why in refused.items())
            )

    def _collect(self, record: dict) -> None:
        student = record["username"]
        dest = self.coursedir.format_path(self.coursedir.submitted_directory, student, self.coursedir.assignment_id)
        if os.path.isdir(dest):
            existing = self.coursedir.get_existing_timestamp(dest)
            newer = existing is None or record["timestamp"] > existing
            if not ((self.update and newer) or (self.before_duedate and existing != record["timestamp"])):
                self.log.info(
                    "%s: %s %s",
                    "No newer submission to collect"
                    if self.update
                    else "Submission already exists, use --update to update",
                    student,
                    self.coursedir.assignment_id,
                )
                return
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        partial = f"{dest}.collecting-{secrets.token_hex(4)}"
        try:
            copied = self._copy_submission(record, partial)
            # The time that counts: the later of the name's and the newest change to anything collected.
            when = max(record["timestamp"], _utc(copied.newest_ctime_ns))
            if when - record["claimed"] > datetime.timedelta(seconds=2):
                self.log.warning(
                    "%s's submission %s names %s but was last changed at %s: collected as %s",
                    student,
                    record["filename"],
                    record["claimed"],
                    when,
                    when,
                )
            with open(os.path.join(partial, "timestamp.txt"), "w") as handle:
                handle.write(when.strftime(TIMESTAMP_FORMAT))
            if os.path.isdir(dest):
                self.log.info("Updating submission: %s %s", student, self.coursedir.assignment_id)
                shutil.rmtree(dest)
            else:
                self.log.info("Collecting submission: %s %s", student, self.coursedir.assignment_id)
            os.rename(partial, dest)
        finally:
            if os.path.isdir(partial):
                shutil.rmtree(partial)

    def _copy_submission(self, record: dict, dest: str):
        student_folder, name = record["filename"].split("/")
        caps = Caps(
            max_bytes=1000 * self.coursedir.max_dir_size,
            max_file_bytes=1000 * self.coursedir.max_file_size,
            max_entries=self.max_files,
        )
        inbox = open_folder(self.inbound_path, student_folder)
        try:
            owner = os.fstat(inbox).st_uid  # the hub made inbound/<student> the student's
            submission = open_folder(self.inbound_path, student_folder, name)
        finally:
            os.close(inbox)
        try:
            return copy_tree(
                submission,
                dest,
                caps,
                owner=owner,
                ignore=tuple(self.coursedir.ignore),
                include=tuple(self.coursedir.include),
            )
        finally:
            os.close(submission)


class PrivateReleaseFeedback(PrivateExchange, default.ExchangeReleaseFeedback):
    """Release each student's feedback into ``feedback/<student>/`` (created by the hub for each student)."""

    def init_dest(self):
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.dest_path = self.outbound_feedback_path = self.course_folder("feedback")
        if not os.path.isdir(self.dest_path):
            self.fail(f"{self.dest_path} is missing: run `python -m deploy.exchange_layout`.")

    def copy_files(self):
        excluded = set(filter(None, self.coursedir.student_id_exclude.split(",")))
        pattern = self.coursedir.format_path(self.coursedir.feedback_directory, "*", self.coursedir.assignment_id)
        failed = {}
        for html_file in sorted(glob.glob(os.path.join(pattern, "*.html"))):
            folder = os.path.dirname(html_file)
            student_id = self._student_of(folder)
            if student_id in excluded or self.coursedir.student_id not in ("", "*", student_id):
                continue
            secret_file = os.path.join(folder, "submission_secret.txt")
            if not os.path.isfile(secret_file):
                self.log.error("No submission_secret.txt beside %s: it did not come through the exchange", html_file)
                continue
            notebook_id = os.path.splitext(os.path.basename(html_file))[0]
            with open(secret_file) as handle:
                checksum = notebook_hash(secret=handle.read(), notebook_id=notebook_id)
            try:
                final = self._release_page(student_id, html_file, f"{checksum}.html")
            except (Refused, OSError) as error:
                failed[student_id] = str(error)
                self.log.error("Feedback for %s not released: %s", student_id, error)
                continue
            self.log.info("Feedback for %s released to %s", student_id, final)
        if failed:
            self.fail("Feedback not released for: " + "; ".join(f"{s}: {why}" for s, why in failed.items()))

    def _release_page(self, student_id: str, html_file: str, name: str) -> str:
        """Write the page into ``feedback/<student>/`` through a descriptor of that folder: a new file of a random
        name (``O_EXCL|O_NOFOLLOW``), then renamed over ``name``. Nothing is opened, followed or chmod-ed by a
        path that something in the folder could redirect."""
        try:
            folder = open_folder(self.dest_path, student_id)
        except Refused as error:
            raise Refused(
                [
                    f"{os.path.join(self.dest_path, student_id)}: {error} (the hub creates it when their "
                    f"server starts, or run `python -m deploy.exchange_layout ... {student_id}`)"
                ]
            ) from None
        partial = f".{name}.{secrets.token_hex(8)}.tmp"
        try:
            if os.fstat(folder).st_uid not in (0, os.geteuid()):
                self.log.warning(
                    "%s/%s is not the admin's: run `python -m deploy.exchange_layout` to repair it",
                    self.dest_path,
                    student_id,
                )
            out = os.open(
                partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=folder
            )
            try:
                with open(html_file, "rb") as source:
                    while chunk := source.read(1 << 20):
                        os.write(out, chunk)
                os.fchmod(out, FEEDBACK_FILE_MODE)
            finally:
                os.close(out)
            os.rename(partial, name, src_dir_fd=folder, dst_dir_fd=folder)  # atomic: never half a page
        except BaseException:
            try:
                os.unlink(partial, dir_fd=folder)
            except OSError:
                pass
            raise
        finally:
            os.close(folder)
        return os.path.join(self.dest_path, student_id, name)

    def _student_of(self, folder: str) -> str:
        # format_path(feedback_directory, <student>, <assignment>) is .../feedback/<student>/<assignment>
        return os.path.basename(os.path.dirname(folder))


class PrivateFetchFeedback(PrivateExchange, default.ExchangeFetchFeedback):
    """Fetch from ``feedback/<student>/``: the hashes of this student's cached submissions, as nbgrader does."""

    def init_src(self):
        student_id = self.own_student_id()
        self.src_path = self.outbound_path = os.path.join(self.course_folder("feedback"), student_id)
        self.cache_path = os.path.join(self.cache, self.coursedir.course_id)
        # The folder lets the student pass, not list: the pages' names come from her cached submissions.
        if not os.path.isdir(self.src_path) or not check_mode(self.src_path, execute=True):
            self.fail(f"Your feedback folder {self.src_path} is missing: ask your hub's admin.")
        self.feedback_files = []
        for submission, notebook_id, feedback in _cached_feedback(
            self.cache_path, self.src_path, self.coursedir.assignment_id or "*"
        ):
            timestamp = _SUBMISSION.match(os.path.basename(submission))["timestamp"]
            if os.path.isfile(feedback):
                self.feedback_files.append((notebook_id, timestamp, feedback))
                self.log.info(
                    "Found feedback for %s/%s submitted at %s", self.coursedir.course_id, notebook_id, timestamp
                )
            else:
                self.log.warning(
                    "No feedback yet for %s/%s submitted at %s", self.coursedir.course_id, notebook_id, timestamp
                )


class PrivateList(PrivateExchange, default.ExchangeList):
    """List as nbgrader does, with submissions under ``inbound/<student>/`` and feedback under
    ``feedback/<student>/``."""

    def init_dest(self):
        if not self.inbound:
            return super().init_dest()
        course_id = self.coursedir.course_id or "*"
        student = self.coursedir.student_id or "*"
        assignment = self.coursedir.assignment_id or "*"
        self.assignments = sorted(
            glob.glob(os.path.join(self.root, course_id, "inbound", student, f"{student}+{assignment}+*"))
        )

    def parse_assignment(self, assignment):
        if not (self.inbound or self.cached):
            return super().parse_assignment(assignment)
        match = _SUBMISSION.match(os.path.basename(assignment))
        if match is None:
            raise RuntimeError(f"Could not parse the submission folder name {assignment}")
        levels = 3 if self.inbound else 1  # <course>/inbound/<student>/<name> or <course>/<name>
        course_id = os.path.basename(_parents(assignment, levels))
        return {"course_id": course_id, **match.groupdict()}

    def parse_assignments(self):
        if self.inbound:
            return self._inbound_submissions()
        assignments = super().parse_assignments()
        if self.cached:  # nbgrader looked for feedback in feedback/: look in feedback/<student>/
            for info in assignments:
                for submission in info["submissions"]:
                    folder = os.open(submission["path"], os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
                    try:
                        _mark_feedback(self.root, submission, _secret_in(folder))
                    finally:
                        os.close(folder)
        return assignments

    def _inbound_submissions(self) -> list[dict]:
        """An instructor's listing of ``inbound/``, in nbgrader's shape, built without following or opening
        anything a student could have replaced (her submission folder, notebooks, secret): a link to /dev/zero
        or a FIFO there must not hang it, and a bad folder is skipped with a warning, never stops it."""
        grouped: dict[tuple, list[dict]] = {}
        for path in self.assignments:
            inbound, student_folder, name = _parents(path, 2), *path.split(os.sep)[-2:]
            try:
                info = self.parse_assignment(path)
                folder = open_folder(inbound, student_folder, name)
            except (RuntimeError, Refused) as error:
                self.log.warning("Not listing %s: %s", path, error)
                continue
            try:
                notebooks = sorted(
                    entry.name
                    for entry in os.scandir(folder)
                    if entry.name.endswith(".ipynb") and entry.is_file(follow_symlinks=False)
                )
                secret = _secret_in(folder)
            finally:
                os.close(folder)
            info.update(
                status="submitted",
                path=path,
                has_local_feedback=False,
                local_feedback_path=None,
                has_exchange_feedback=False,
                feedback_updated=False,
                notebooks=[
                    {
                        "notebook_id": os.path.splitext(notebook)[0],
                        "path": os.path.join(path, notebook),
                        "has_local_feedback": False,
                        "has_exchange_feedback": False,
                        "local_feedback_path": None,
                        "feedback_updated": False,
                    }
                    for notebook in notebooks
                ],
            )
            _mark_feedback(self.root, info, secret)
            grouped.setdefault((info["course_id"], info["student_id"], info["assignment_id"]), []).append(info)
        return [
            {
                "course_id": course,
                "student_id": student,
                "assignment_id": assignment,
                "status": "submitted",
                "submissions": sorted(submissions, key=lambda info: info["timestamp"]),
            }
            for (course, student, assignment), submissions in sorted(grouped.items())
        ]


def _secret_in(folder: int) -> str | None:
    """``submission_secret.txt`` in the folder open at ``folder``, if it is a small regular file (not a link, FIFO
    or device: opened with ``O_NOFOLLOW|O_NONBLOCK`` and checked before reading)."""
    try:
        handle = os.open(
            "submission_secret.txt", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder
        )
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_size > 4096:
            return None
        return os.read(handle, 4096).decode(errors="replace")
    finally:
        os.close(handle)


def _utc(ns: int) -> datetime.datetime:
    """A filesystem time as nbgrader's timestamps are: naive UTC."""
    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.UTC).replace(tzinfo=None)


def _parents(path: str, levels: int) -> str:
    for _ in range(levels):
        path = os.path.dirname(path)
    return path


def _cached_feedback(cache_path: str, feedback_folder: str, assignment: str):
    """(cached submission, notebook id, where its feedback would be) for every cached submission's notebook."""
    for submission in sorted(glob.glob(os.path.join(cache_path, f"*+{assignment}+*"))):
        secret_file = os.path.join(submission, "submission_secret.txt")
        if not os.path.isfile(secret_file):
            continue  # submitted before nbgrader 0.8 wrote secrets: not through this exchange
        with open(secret_file) as handle:
            secret = handle.read()
        for notebook in sorted(glob.glob(os.path.join(submission, "*.ipynb"))):
            notebook_id = os.path.splitext(os.path.basename(notebook))[0]
            yield (
                submission,
                notebook_id,
                os.path.join(feedback_folder, f"{notebook_hash(secret=secret, notebook_id=notebook_id)}.html"),
            )


def _mark_feedback(root: str, submission: dict, secret: str | None) -> None:
    if secret is None:
        return
    folder = os.path.join(root, submission["course_id"], "feedback", submission["student_id"])
    for notebook in submission["notebooks"]:
        path = os.path.join(folder, f"{notebook_hash(secret=secret, notebook_id=notebook['notebook_id'])}.html")
        notebook["has_exchange_feedback"] = os.path.isfile(path)
        local = notebook.get("local_feedback_path")
        notebook["feedback_updated"] = bool(
            local and notebook["has_exchange_feedback"] and _same_bytes(local, path) is False
        )
    notebooks = submission["notebooks"]
    submission["has_exchange_feedback"] = bool(notebooks) and all(n["has_exchange_feedback"] for n in notebooks)
    submission["feedback_updated"] = any(n["feedback_updated"] for n in notebooks)


def _same_bytes(first: str, second: str) -> bool:
    with open(first, "rb") as a, open(second, "rb") as b:
        return a.read() == b.read()
