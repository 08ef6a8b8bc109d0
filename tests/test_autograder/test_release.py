"""autograder.release: the exchange keeps its permissions, and nbgrader's settings come from where a hub puts them."""

import stat

from autograder.release import feedback_config, release_feedback


def _course(tmp_path):
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'from-course'\n")
    return course


def test_settings_come_from_the_jupyter_config_path_under_the_courses(tmp_path, monkeypatch):
    hub = tmp_path / "hub-config"
    hub.mkdir()
    (hub / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Exchange.root = '/srv/hub-exchange'\nc.CourseDirectory.course_id = 'from-hub'\n"
    )
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(hub))
    cfg = feedback_config(_course(tmp_path))
    assert cfg.Exchange.root == "/srv/hub-exchange"
    assert cfg.CourseDirectory.course_id == "from-course"  # the course's own settings win, as in nbgrader


def test_an_existing_exchange_is_never_made_world_writable(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(tmp_path / "none"))
    out, exchange = tmp_path / "out", tmp_path / "exchange"
    (out / "feedback").mkdir(parents=True)
    exchange.mkdir(mode=0o750)
    exchange.chmod(0o750)
    release_feedback(out, exchange_root=exchange, course_id="c", course_root=_course(tmp_path))
    assert stat.S_IMODE(exchange.stat().st_mode) == 0o750


def test_a_missing_exchange_is_created_as_nbgrader_documents(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(tmp_path / "none"))
    out, exchange = tmp_path / "out", tmp_path / "new" / "exchange"
    (out / "feedback").mkdir(parents=True)
    release_feedback(out, exchange_root=exchange, course_id="c", course_root=_course(tmp_path))
    assert stat.S_IMODE(exchange.stat().st_mode) == 0o1777
