"""bench/results.md: rerunning some topics replaces their sections and keeps the others."""

from bench.__main__ import TOPICS, kept_sections, render


def test_sections_survive_a_round_trip_in_topic_order():
    sections = {"grading": "## Grading\n\n| a |\n|---|", "notebooks": "## Notebooks\n\ntext"}
    page = render(sections)
    assert kept_sections(page) == sections
    assert page.index("bench:notebooks") < page.index("bench:grading")  # TOPICS order, not run order
    assert set(TOPICS) >= set(sections)


def test_a_page_without_markers_or_with_unknown_topics_keeps_nothing_of_them():
    assert kept_sections("# Benchmark results\n\n## Grading\n\nold table\n") == {}
    assert kept_sections("<!-- bench:nonsense -->\nx\n<!-- /bench:nonsense -->") == {}
