"""`make lab`'s workspace seeding never overwrites a notebook the student changed."""

import json

import pytest

from course.workspace import main, seed_workspace


@pytest.fixture
def release(tmp_path):
    folder = tmp_path / "release" / "01_x"
    folder.mkdir(parents=True)
    (folder / "01_x.ipynb").write_text("v1")
    return tmp_path / "release"


def test_first_seed_copies_everything(release, tmp_path):
    report = seed_workspace(release, tmp_path / "ws")
    assert report.copied == ["01_x/01_x.ipynb"]
    assert (tmp_path / "ws" / "01_x" / "01_x.ipynb").read_text() == "v1"


def test_untouched_notebook_follows_the_release(release, tmp_path):
    seed_workspace(release, tmp_path / "ws")
    (release / "01_x" / "01_x.ipynb").write_text("v2")
    report = seed_workspace(release, tmp_path / "ws")
    assert report.updated == ["01_x/01_x.ipynb"]
    assert (tmp_path / "ws" / "01_x" / "01_x.ipynb").read_text() == "v2"


def test_edited_notebook_is_never_overwritten(release, tmp_path):
    ws = tmp_path / "ws"
    seed_workspace(release, ws)
    (ws / "01_x" / "01_x.ipynb").write_text("my answers")
    assert seed_workspace(release, ws).kept == ["01_x/01_x.ipynb"]
    (release / "01_x" / "01_x.ipynb").write_text("v2")
    report = seed_workspace(release, ws)
    assert report.side_by_side == ["01_x/01_x.ipynb"]
    assert (ws / "01_x" / "01_x.ipynb").read_text() == "my answers"
    assert (ws / "01_x" / "01_x.updated.ipynb").read_text() == "v2"
    assert json.loads((ws / ".seeded.json").read_text())


def test_missing_release_is_a_clear_error(tmp_path, capsys):
    assert main([str(tmp_path / "nope"), str(tmp_path / "ws")]) == 1
    assert "run `make release` first" in capsys.readouterr().err
