"""``--zip``: every LMS's documented download names, ids with ``_`` kept whole, ambiguous names flagged and never
guessed, archive members read within size and ratio caps (issue 22, items 3 and 5)."""

import csv

import pytest

from autograder import collect as collector
from tests.test_autograder.test_collect import collect


def zip_bytes(members: dict) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


TIME = "2024-03-01-10-00-00"


def bb(user: str, assignment: str = "HW1", file: str = "toy.ipynb") -> str:
    return f"{assignment}_{user}_attempt_{TIME}_{file}"


def test_blackboard_usernames_with_underscores_are_kept_whole(tmp_path):
    """The issue's class: ann_lee and bob_lee lost their rows, carol scored 0 and a student 'lee' appeared."""
    archive = zip_bytes({bb("ann_lee"): b"ann", bb("bob_lee"): b"bob", bb("carol"): b"carol"})
    found, flags, _ = collect(tmp_path, {"class.zip": archive})
    assert (
        found == {"ann_lee/toy/toy.ipynb": b"ann", "bob_lee/toy/toy.ipynb": b"bob", "carol/toy/toy.ipynb": b"carol"}
        and flags == {}
    )


def test_a_blackboard_receipt_settles_a_name(tmp_path):
    """Alone, ``Lab_A_s_1`` reads three ways; the attempt's receipt names the user."""
    receipt = "Name: Sam One (s_1)\nAssignment: Lab_A\nDate Submitted: Friday, 1 March 2024\n"
    archive = zip_bytes({bb("s_1", "Lab_A"): b"sam", f"Lab_A_s_1_attempt_{TIME}.txt": receipt.encode()})
    found, flags, _ = collect(tmp_path, {"class.zip": archive})
    assert found == {"s_1/toy/toy.ipynb": b"sam"} and flags == {}


def test_an_ambiguous_name_is_flagged_never_guessed(tmp_path):
    """One name, two readings (assignment 'HW1' user 's_1', or 'HW1_s' user '1'), nothing to settle it."""
    found, flags, log = collect(tmp_path, {"class.zip": zip_bytes({bb("s_1"): b"who?"})})
    assert found == {}
    [(key, [flag])] = flags.items()
    assert key == ("HW1_s_1", "toy") and flag.flag == "ambiguous_name"
    assert "'s_1'" in flag.detail and "'1'" in flag.detail
    assert any("HW1_s_1" in line for line in log)


def test_canvas_names(tmp_path):
    """``<name>[_LATE]_<user id>_<submission id>_<file>``; a resubmission's ``-1`` is still the notebook."""
    archive = zip_bytes(
        {
            "leeann_12345_67890_toy.ipynb": b"ann",
            "leebob_LATE_23456_78901_toy-1.ipynb": b"bob",
            "mallory_999_555_leeann_12345_67890_toy.ipynb": b"mallory's",
        }
    )
    found, flags, _ = collect(tmp_path, {"class.zip": archive})
    assert found == {
        "12345/toy/toy.ipynb": b"ann",
        "23456/toy/toy.ipynb": b"bob",
        "999/toy/leeann_12345_67890_toy.ipynb": b"mallory's",
    }  # Mallory's own file, under her own id
    assert flags == {}


def test_moodle_names_plain_and_in_folders(tmp_path):
    archive = zip_bytes(
        {
            "Ann Lee_101_assignsubmission_file_toy.ipynb": b"ann",
            "Bob Lee_102_assignsubmission_file/toy (1).ipynb": b"bob",
            "Eve Ma_103_assignsubmission_file_Ann Lee_101_assignsubmission_file_toy.ipynb": b"eve",
        }
    )
    found, flags, _ = collect(tmp_path, {"class.zip": archive})
    assert found == {
        "101/toy/toy.ipynb": b"ann",
        "102/toy/toy.ipynb": b"bob",
        "103/toy/Ann Lee_101_assignsubmission_file_toy.ipynb": b"eve",
    }
    assert flags == {}


@pytest.mark.parametrize(
    "name, owner",
    [
        (bb("ann_lee"), None),  # two readings: only the folder settles it
        (bb("carol"), ("carol", "toy.ipynb")),
        ("leeann_12345_67890_toy.ipynb", ("12345", "toy.ipynb")),
        ("Ann Lee_101_assignsubmission_file_toy.ipynb", ("101", "toy.ipynb")),
        ("notes.txt", None),
    ],
)
def test_owner_of_one_name(name, owner):
    assert collector.owner(name) == owner


def test_members_past_the_caps_are_refused_and_the_class_goes_on(tmp_path):
    """A bomb's member is refused from its header (never inflated); its neighbour is collected."""
    bomb = b"0" * (collector.MAX_MEMBER_BYTES + 1)
    upload = zip_bytes({"toy.ipynb": bomb, "second.ipynb": b"never read"})
    archive = zip_bytes(
        {
            bb("carol"): b"carol",
            bb("mallory"): b"{}" + b" " * (collector.RATIO_FROM_BYTES + 1),
            bb("trudy", file="toy.zip"): upload,
        }
    )
    found, flags, _ = collect(tmp_path, {"class.zip": archive})
    assert found == {"carol/toy/toy.ipynb": b"carol"}
    assert [f.flag for f in flags[("mallory", "toy")]] == ["refused_upload"]
    assert [f.flag for f in flags[("trudy", "toy")]] == ["refused_upload"]
    assert "inflates" in flags[("mallory", "toy")][0].detail


def test_the_lms_class_is_graded_through_the_pipeline(toy_course, toy_release, tmp_path):
    """ann_lee, bob_lee and carol each get their own row with a correct notebook's score; nobody called 'lee'.
    A name no other name settles is in integrity.csv only; a refused upload is its student's 0, flagged."""
    import nbformat

    from autograder import nbcells
    from autograder.api import grade_class

    source = nbcells.read(toy_course / "source" / "toy" / "toy.ipynb")
    from tests.test_autograder.honest import answers_of

    correct = nbformat.writes(nbcells.build_submission(nbcells.read(toy_release), answers_of(source))).encode()
    folder = tmp_path / "downloads" / "toy"
    folder.mkdir(parents=True)
    bomb = b" " * (collector.RATIO_FROM_BYTES + 1)
    (folder / "class.zip").write_bytes(
        zip_bytes(
            {bb(s): correct for s in ("ann_lee", "bob_lee", "carol")}
            | {f"Toy_{TIME}.txt": b"not a receipt", bb("x_y", "Quiz"): correct, bb("trudy"): bomb}
        )
    )
    out = tmp_path / "out"
    grade_class(
        out=out, workers=2, timeout=20, course_root=toy_course, zip_dir=tmp_path / "downloads", log=lambda m: None
    )
    with (out / "grades.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    assert rows == [
        ["ann_lee", "toy", "7", "8"],
        ["bob_lee", "toy", "7", "8"],
        ["carol", "toy", "7", "8"],
        ["trudy", "toy", "0", "8"],
    ]
    with (out / "integrity.csv").open(encoding="utf-8", newline="") as fh:
        flagged = sorted((r[0], r[2]) for r in list(csv.reader(fh))[1:])
    assert flagged == [("Quiz_x_y", "ambiguous_name"), ("trudy", "refused_upload")]
