"""The command line: clear errors for bad arguments (exit 2), feedback through the exchange, zip collection."""

import io
import zipfile

import pytest

from autograder import cli
from autograder.release import release_feedback


def test_missing_submissions_folder_is_a_clear_error(tmp_path, capsys):
    code = cli.main(["grade", "--submissions", str(tmp_path / "nope"), "--out", str(tmp_path / "o"), "--quiet"])
    assert code == cli.EXIT_USAGE
    assert "does not exist" in capsys.readouterr().err


def test_empty_submissions_folder_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    code = cli.main(["grade", "--submissions", str(tmp_path / "subs"), "--out", str(tmp_path / "o"), "--quiet"])
    assert code == cli.EXIT_USAGE
    assert "no submissions" in capsys.readouterr().err


def test_out_inside_submissions_is_refused(corpus_run, capsys):
    subs = corpus_run["subs"]
    code = cli.main(
        [
            "grade",
            "--submissions",
            str(subs),
            "--out",
            str(subs / "graded"),
            "--quiet",
            "--course",
            str(corpus_run["course"]),
        ]
    )
    assert code == cli.EXIT_USAGE
    assert "never modified" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--workers", "0"], ["--timeout", "-3"], ["--workers", "many"]])
def test_bad_numbers_are_rejected(args, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["grade", *args])
    assert exc.value.code == 2
    assert "expected" in capsys.readouterr().err


def test_feedback_release_through_the_exchange(corpus_run, tmp_path):
    from nbgrader.utils import notebook_hash

    exchange = tmp_path / "exchange"
    released = release_feedback(
        corpus_run["out"], exchange_root=exchange, course_id="toy-course", course_root=corpus_run["course"]
    )
    assert [p.parent.name for p in released] == ["late"]  # the only one with a submission secret
    expected = exchange / "toy-course" / "feedback" / f"{notebook_hash(secret='late-secret', notebook_id='toy')}.html"
    assert expected.exists()
    assert "secret_probe_values" not in expected.read_text(encoding="utf-8")


def test_zip_collection(corpus_run, tmp_path):
    from autograder.collect import collect_zips

    downloads = tmp_path / "downloads" / "toy"
    downloads.mkdir(parents=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for student in ("correct", "blank"):
            data = (corpus_run["subs"] / student / "toy" / "toy.ipynb").read_bytes()
            zf.writestr(f"Toy_{student}_attempt_2024-03-01-10-00-00_toy.ipynb", data)
    (downloads / "class.zip").write_bytes(buf.getvalue())
    submitted = collect_zips(tmp_path / "downloads", tmp_path / "collected").folder
    assert sorted(p.name for p in submitted.iterdir()) == ["blank", "correct"]
    assert (submitted / "correct" / "toy" / "toy.ipynb").read_bytes() == (
        corpus_run["subs"] / "correct" / "toy" / "toy.ipynb"
    ).read_bytes()
