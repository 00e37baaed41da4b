"""Committed notebooks are clean, executed in order, and listed in the README and the lesson map."""
from __future__ import annotations

import json

import nbformat
import pytest

from course_lib.lessons import LESSONS, lesson_map
from course_lib.tools.nbtools import clean, hygiene_problems, list_notebooks

NOTEBOOKS = list_notebooks()


def test_the_course_has_its_first_lessons():
    names = [p.name for p in NOTEBOOKS]
    assert names[:2] == ["00_start_here.ipynb", "01_lookup_tables.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean(path):
    assert hygiene_problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_checks_some_outputs(path):
    """A lesson whose outputs nbval never compares would pass while printing nonsense."""
    nb = json.loads(path.read_text())
    checked = [c for c in nb["cells"] if c["cell_type"] == "code" and (
        "NBVAL_CHECK_OUTPUT" in "".join(c["source"]) or "nbval-check-output" in c["metadata"].get("tags", []))]
    assert len(checked) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_the_lesson_structure(path):
    text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "markdown").lower()
    for heading in ("you will learn", "summary", "for instructors"):
        assert heading in text, f"{path.name} lacks a '{heading}' section"


def test_every_notebook_is_in_the_readme_and_the_lesson_map(root):
    readme = (root / "README.md").read_text()
    stems = {lesson.stem for lesson in LESSONS}
    for path in NOTEBOOKS:
        assert path.stem in stems, f"{path.name} is not in course_lib.lessons.LESSONS"
        assert f"notebooks/{path.name}" in readme, f"README.md does not link {path.name}"
        assert f"({path.name})" in repr(lesson_map())


def test_hygiene_catches_what_it_should(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"),
                nbformat.v4.new_code_cell("import course_lib; DEVICE = course_lib.setup(seed=0)"),
                nbformat.v4.new_code_cell("x = 1;")]
    nb.cells[1].execution_count, nb.cells[2].execution_count = 1, 3
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="/home/alice/x\n")]
    nb.metadata["widgets"] = {"state": {}}
    path = tmp_path / "99_bad_example.ipynb"
    nbformat.write(nb, path)
    problems = "\n".join(hygiene_problems(path))
    assert "execution counts" in problems
    assert "ends with ';'" in problems
    assert "machine-local path" in problems
    assert "volatile metadata" in problems
    nb = clean(nb)
    nb.cells[2].execution_count = 2
    nb.cells[2].source, nb.cells[2].outputs = "x = 1", []
    nbformat.write(nb, path)
    assert hygiene_problems(path) == []
