from course_lib.lessons import LESSONS, lesson_map


def test_lessons_are_numbered_in_order():
    assert [lesson.stem[:2] for lesson in LESSONS] == [f"{i:02d}" for i in range(len(LESSONS))]


def test_map_links_only_notebooks_that_exist(tmp_path):
    (tmp_path / "01_lookup_tables.ipynb").write_text("{}")
    text = repr(lesson_map(tmp_path))
    assert "[Lookup tables](01_lookup_tables.ipynb)" in text
    assert "Start here *(in preparation)*" in text
    assert text.count("\n") == len(LESSONS) + 1


# ---------------------------------------------------------------- the pace each lesson states, measured
from pathlib import Path  # noqa: E402

import nbformat  # noqa: E402
import pytest  # noqa: E402
from nbformat.v4 import new_code_cell as code, new_markdown_cell as md, new_notebook  # noqa: E402

from course_lib.tools.pace import measure, stated_minutes  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _solution(source):
    cell = code(source)
    cell.metadata["tags"] = ["solution"]
    return cell


def test_pace_counts_the_core_path_apart_from_optional_parts():
    words = "word " * 150                                    # one minute of prose
    nb = new_notebook(cells=[
        md("# A lesson\n" + words), code("x = 1"),                                     # core: 1 + 1.5 (+ 2 words)
        md("## 1. A section"), code("ex.q1"), _solution("answer = 1\nex.q1.check(answer)"),   # core: exercise 4
        md("### Optional practice: exercise 2"), code("ex.q2"),                       # optional: 4
        md("## 2. Back on the core path"), code("y = 2"),                              # core: 1.5
        md("**Exercise 3 (optional practice)**, a quick check"), code("q3 = ex.q3.inputs()\nex.q3"),  # optional
        _solution("answer = 3\nex.q3.check(answer)"), code("ex.q4"),                 # q4 is core again
        md("## Going further (optional): more\n" + words), code("z = 3"),              # optional: 1 + 1.5
        md("### A subsection of it"), code("z += 1"),                                  # still optional: 1.5
        md("## Summary\n" + words),                                                    # core: 1
        md("## Use it in your project"), code("w = 4"),                                # after the summary: all only
        md("## For instructors\n" + words * 5), code("instructors_only = True"),      # neither
    ])
    pace = measure(nb)
    assert (pace.core_code_cells, pace.core_exercises) == (2, 2)
    assert (pace.all_code_cells, pace.all_exercises) == (5, 4)
    assert pace.core_minutes == pytest.approx(pace.core_words / 150 + 2 * 1.5 + 2 * 4)
    assert 300 <= pace.core_words < 320 and 450 <= pace.all_words < 500         # headings add a few words
    assert "instructors" not in str(pace)


def test_pace_reads_the_stated_minutes_and_refuses_a_missing_file(tmp_path):
    nb = new_notebook(cells=[md("# X\n\n**Time, learning alone**: core path (sections 1 to 2.5, exercises 1 and 2)\n"
                                "about 44 minutes; everything, with the optional sections, about 90 (measured: ...)")])
    assert stated_minutes(nb) == (44, 90)
    assert stated_minutes(new_notebook(cells=[md("# No time here")])) is None
    with pytest.raises(FileNotFoundError, match="notebook='.*nope.ipynb' is not a file"):
        measure(tmp_path / "nope.ipynb")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.stem)
def test_each_lesson_states_its_measured_time_and_its_core_path_fits(lesson):
    """The minutes near the top of a lesson are what `python -m course_lib pace` measures, and the core path
    a learner does alone fits about 45 minutes (at most 50)."""
    nb = nbformat.read(NOTEBOOKS / lesson.filename, as_version=4)
    pace = measure(nb)
    assert stated_minutes(nb) == (round(pace.core_minutes), round(pace.all_minutes)), (
        f"{lesson.filename} states {stated_minutes(nb)}; measured {pace}: update its Time line")
    assert pace.core_minutes <= 50, f"{lesson.filename}'s core path takes {pace}: move material to an optional section"


def test_instructors_time_table_states_each_lessons_measured_minutes():
    """INSTRUCTORS.md's "Time per lesson" table gives, for each lesson, the minutes the lesson states."""
    import re

    text = (NOTEBOOKS.parent / "INSTRUCTORS.md").read_text()
    rows = dict(re.findall(r"^\| (\d\d) · [^|]+\|[^|]+\|[^|]+\| (\d+ / \d+) \|$", text, flags=re.M))
    assert set(rows) == {lesson.stem[:2] for lesson in LESSONS}
    for lesson in LESSONS:
        stated = stated_minutes(nbformat.read(NOTEBOOKS / lesson.filename, as_version=4))
        assert rows[lesson.stem[:2]] == f"{stated[0]} / {stated[1]}", lesson.filename
