from course_lib.lessons import LESSONS, lesson_map


def test_lessons_are_numbered_in_order():
    assert [lesson.stem[:2] for lesson in LESSONS] == [f"{i:02d}" for i in range(len(LESSONS))]


def test_map_links_only_notebooks_that_exist(tmp_path):
    (tmp_path / "01_lookup_tables.ipynb").write_text("{}")
    text = repr(lesson_map(tmp_path))
    assert "[Lookup tables](01_lookup_tables.ipynb)" in text
    assert "Start here *(in preparation)*" in text
    assert text.count("\n") == len(LESSONS) + 1
