"""autograder.collect: LMS archives yield submissions only for the students the LMS named."""

import io
import zipfile

from autograder import collect as collector

STAMP = "attempt_2024-03-01-10-00-00"


def zip_bytes(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def collect(tmp_path, files: dict):
    folder = tmp_path / "downloads" / "toy"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    log = []
    collected = collector.collect_zips(tmp_path / "downloads", tmp_path / "collected", log=log.append)
    submitted, flags = collected.folder, collected.flags
    found = {f"{p.parent.parent.name}/{p.parent.name}/{p.name}": p.read_bytes() for p in submitted.glob("*/*/*")}
    return found, flags, log


def test_a_class_archive_is_split_by_the_names_the_lms_wrote(tmp_path):
    archive = zip_bytes(
        {
            f"Toy_ada_{STAMP}_toy.ipynb": b"ada's",
            f"Toy_bob_{STAMP}_toy.ipynb": b"bob's",
            "../escape_x_attempt_1_toy.ipynb": b"no",
            "readme.txt": b"ignored",
        }
    )
    found, flags, log = collect(tmp_path, {"class.zip": archive})
    assert found == {"ada/toy/toy.ipynb": b"ada's", "bob/toy/toy.ipynb": b"bob's"} and flags == {}
    assert any("readme.txt" in line for line in log)


def test_a_nested_zip_cannot_submit_for_a_classmate(tmp_path):
    """Mallory uploads a zip holding a notebook named for Ada: it is Mallory's, and Ada's own stands."""
    upload = zip_bytes({f"Toy_ada_{STAMP}_toy.ipynb": b"mallory's forgery"})
    archive = zip_bytes({f"Toy_ada_{STAMP}_toy.ipynb": b"ada's", f"Toy_mallory_{STAMP}_toy.zip": upload})
    found, flags, _ = collect(tmp_path, {"class.zip": archive})
    assert found == {"ada/toy/toy.ipynb": b"ada's", "mallory/toy/toy.ipynb": b"mallory's forgery"}
    assert flags == {}


def test_a_second_submission_is_flagged_and_the_batch_goes_on(tmp_path):
    archive = zip_bytes(
        {
            f"Toy_ada_{STAMP}_toy.ipynb": b"first",
            f"Other_ada_{STAMP}_toy.ipynb": b"second",
            f"Toy_bob_{STAMP}_toy.ipynb": b"bob's",
        }
    )
    found, flags, _ = collect(tmp_path, {"class.zip": archive})
    assert found == {"ada/toy/toy.ipynb": b"first", "bob/toy/toy.ipynb": b"bob's"}
    assert [f.flag for f in flags[("ada", "toy")]] == ["duplicate_submission"]


def test_a_students_own_archive_is_theirs_whatever_its_members_say(tmp_path):
    upload = zip_bytes({f"sub/Toy_bob_{STAMP}_toy.ipynb": b"ada's work"})
    found, _, _ = collect(tmp_path, {f"Toy_ada_{STAMP}_toy.zip": upload})
    assert found == {"ada/toy/toy.ipynb": b"ada's work"}


def test_a_custom_pattern_never_reads_a_folder_inside_an_upload():
    pattern = r"(?P<student_id>[a-z]+)/(?P<file_id>toy\.ipynb)"  # a pattern over paths: student-controlled
    assert collector.owner("bob/toy.ipynb", pattern) is None  # only the file's own name is matched
    assert collector.owner("x/Toy_ada_attempt_1_toy.ipynb") == ("ada", "toy.ipynb")
