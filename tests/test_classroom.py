"""Classroom tooling on the real notebooks: the set-up cell, student copies, slide types."""
from __future__ import annotations

import json
import re
import sys

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from course_lib.tools.cli import main
from course_lib.tools.classroom import (SETUP_CELL, STUB, apply_setup_cell, make_student_copies, set_slide_metadata,
                                  setup_cell_problem, slide_types, solution_only_names, split_at_headings,
                                  student_notebook)
from course_lib.tools.nbtools import execute, hygiene_problems, list_notebooks

NOTEBOOKS = list_notebooks()
_SOLUTION = re.compile(r"# BEGIN SOLUTION\n(.*?)\n# END SOLUTION", re.S)


def _read(path):
    return nbformat.read(path, as_version=4)


# ---- the set-up cell -----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_starts_with_the_setup_cell(path):
    """The first code cell is course_lib.tools.classroom.SETUP_CELL (then the lesson's imports).
    To apply it: python -m course_lib setup-cell NOTEBOOK, then re-run the notebook."""
    assert setup_cell_problem(_read(path)) is None


def test_setup_cell_keeps_the_line_every_lesson_starts_with():
    assert "import course_lib; DEVICE = course_lib.setup(seed=0)" in SETUP_CELL.splitlines()


class _FakeIPython:
    """Records the %pip call of the set-up cell and 'installs' course_lib by making it importable again."""

    def __init__(self, hidden):
        self.calls, self.hidden = [], hidden

    def run_line_magic(self, name, line):
        frame = sys._getframe(1)
        self.calls.append((name, line.format_map({**frame.f_globals, **frame.f_locals})))
        sys.modules.update(self.hidden)


def _run_setup_cell(monkeypatch, *, importable, repo=None):
    if repo is None:
        monkeypatch.delenv("COURSE_REPO", raising=False)
    else:
        monkeypatch.setenv("COURSE_REPO", repo)
    hidden = {name: module for name, module in sys.modules.items() if name == "course_lib"}
    if not importable:
        monkeypatch.setitem(sys.modules, "course_lib", None)         # import course_lib -> ModuleNotFoundError
    fake = _FakeIPython(hidden)
    namespace = {"get_ipython": lambda: fake}
    exec(TransformerManager().transform_cell(SETUP_CELL), namespace)
    return fake.calls, namespace


def test_setup_cell_installs_nothing_when_course_lib_is_importable(monkeypatch, capsys):
    calls, namespace = _run_setup_cell(monkeypatch, importable=True)
    assert calls == [] and str(namespace["DEVICE"]) in {"cpu", "cuda"}
    assert "installing" not in capsys.readouterr().out


@pytest.mark.parametrize("repo", [None, "git+https://example.invalid/course.git"])
def test_setup_cell_installs_course_lib_when_it_is_missing_and_says_so(monkeypatch, capsys, tmp_path, repo):
    (tmp_path / "pyproject.toml").write_text("")                      # a clone of the course ...
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")                         # ... with the kernel in its notebooks/
    calls, namespace = _run_setup_cell(monkeypatch, importable=False, repo=repo)
    source = repo or str(tmp_path)
    assert calls == [("pip", f"install --quiet {source}")]
    assert f"installing it from {source}" in capsys.readouterr().out
    assert "DEVICE" in namespace                                      # then set up as usual


def test_setup_cell_outside_the_course_without_course_repo_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)                                       # like Colab's /content: no course folder
    with pytest.raises(ModuleNotFoundError, match="open this notebook in the course folder, or set COURSE_REPO"):
        _run_setup_cell(monkeypatch, importable=False)


def test_apply_setup_cell_replaces_the_old_line_and_keeps_the_imports():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell(
        "import course_lib; DEVICE = course_lib.setup(seed=0)\n\nimport torch")])
    assert setup_cell_problem(nb) is not None
    done = apply_setup_cell(nb)
    assert done.cells[1].source == SETUP_CELL + "\n\nimport torch"
    assert setup_cell_problem(done) is None and apply_setup_cell(done) == done
    older = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "try:\n    import course_lib\nexcept ImportError:\n    pass\nimport course_lib; DEVICE = course_lib.setup(seed=0)\nx = 1")])
    assert apply_setup_cell(older).cells[0].source == SETUP_CELL + "\nx = 1"   # an older set-up cell is updated
    with pytest.raises(ValueError, match="should contain"):
        apply_setup_cell(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch")]))


def test_setup_cell_command_checks_and_applies(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import course_lib; DEVICE = course_lib.setup(seed=0)")])
    path = tmp_path / "98_x.ipynb"
    nbformat.write(nb, path)
    assert main(["setup-cell", "--check", str(path)]) == 1
    assert main(["setup-cell", str(path)]) == 0
    assert main(["setup-cell", "--check", str(path)]) == 0
    assert "updated" in capsys.readouterr().out


# ---- student copies ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    report = make_student_copies(NOTEBOOKS, out)
    assert [p.name for p in report["written"]] == [p.name for p in NOTEBOOKS]
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_copy_has_stubs_instead_of_solutions_and_no_outputs(path, student_dir):
    original, copy = _read(path), _read(student_dir / path.name)
    solutions = {}
    for cell in original.cells:
        for body in _SOLUTION.findall(cell.source):
            name = re.search(r"ex\.(q\d+)\.check\(answer\)", cell.source).group(1)
            solutions[name] = (body, cell.source)
    code = [c for c in copy.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    text = "\n".join(c.source for c in code)
    assert "# BEGIN SOLUTION" not in text and "# END SOLUTION" not in text
    for name, (body, source) in solutions.items():
        cell = next(c for c in code if f"ex.{name}.check(answer)" in c.source)
        assert STUB in cell.source and "NBVAL_CHECK_OUTPUT" not in cell.source
        assert "solution" not in cell.metadata.get("tags", [])
        if f"{name} = ex.{name}.inputs()" in source:
            assert f"{name} = ex.{name}.inputs()" in cell.source
        assert body.strip() not in cell.source
    assert text.count(STUB) == len(solutions)
    # every other code cell is as the lesson wrote it
    kept = [c.source for c in original.cells if c.cell_type == "code" and not _SOLUTION.search(c.source)]
    assert [c.source for c in code if STUB not in c.source] == kept
    assert "Student copy" in copy.cells[1].source and copy.cells[0].source == original.cells[0].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_lesson_cell_needs_a_name_only_a_reference_answer_defines(path):
    """Otherwise the student copy, where answers are stubs, stops with a NameError."""
    assert solution_only_names(_read(path)) == []


def test_solution_only_names_sees_assignments_defs_and_imports_but_not_names_set_again():
    new = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[
        new("q1 = ex.q1.inputs()\n# BEGIN SOLUTION\nimport math\ndef f(x):\n    return x\n"
            "a, b = 1, 2\nanswer = f(a)\n# END SOLUTION\nex.q1.check(answer)"),
        new("print(q1, b)"), new("%time x = 1\nprint(math.pi)"), new("f = print\nf(f)"), new("b = 3\nprint(b)"),
        new("print(a + b)")])
    assert solution_only_names(nb) == [(1, ["b"]), (2, ["math"]), (5, ["a"])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_copy_runs_top_to_bottom_and_reports_each_exercise_as_not_answered(path, student_dir):
    """A learner who answers nothing yet can still run the whole lesson: errors only where the lesson shows one."""
    nb, _ = execute(student_dir / path.name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [(c.source.split("\n")[0], o["ename"]) for c in code for o in c.outputs
              if o.get("output_type") == "error" and "raises-exception" not in c.metadata.get("tags", [])]
    assert errors == []
    stubs = [c for c in code if STUB in c.source]
    assert all("Not answered" in json.dumps(c.outputs) for c in stubs)


def test_student_copies_never_overwrite_an_edited_copy_without_force(tmp_path, capsys):
    paths = NOTEBOOKS[:2]
    assert main(["student", "--out", str(tmp_path), *map(str, paths)]) == 0
    assert "2 written, 0 unchanged, 0 skipped" in capsys.readouterr().out
    edited = tmp_path / paths[0].name
    edited.write_text(edited.read_text().replace("your answer here", "an instructor's edit"))
    before = edited.read_bytes()
    assert main(["student", "--out", str(tmp_path), *map(str, paths)]) == 0
    out = capsys.readouterr().out
    assert f"SKIPPED   {edited}" in out and "0 written, 1 unchanged, 1 skipped" in out
    assert edited.read_bytes() == before
    assert main(["student", "--out", str(tmp_path), "--force", *map(str, paths)]) == 0
    assert "1 written, 1 unchanged, 0 skipped" in capsys.readouterr().out
    assert "an instructor's edit" not in edited.read_text()


def test_a_solution_cell_without_markers_is_refused():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer = 3\nex.q1.check(answer)")])
    nb.cells[0].metadata["tags"] = ["solution"]
    with pytest.raises(ValueError, match="cell 0 is tagged 'solution' but has no '# BEGIN SOLUTION'"):
        student_notebook(nb)


# ---- slide types ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_slide_types_follow_the_lesson_structure(path):
    nb = _read(path)
    types = slide_types(nb)
    assert types[0] == "slide" and types.count("slide") >= 4
    for cell, kind in zip(nb.cells, types):
        if "solution" in cell.metadata.get("tags", []):
            assert kind == "fragment"
        if cell.cell_type == "markdown" and cell.source.startswith("## For instructors"):
            assert kind == "notes"
    assert types[-1] == "notes"                                       # the notes for instructors close the deck
    stored = [cell.metadata.get("slideshow", {}).get("slide_type") for cell in nb.cells]
    assert set(stored) <= {None, "slide", "subslide", "fragment", "notes", "skip", "-"}


def test_set_slide_metadata_keeps_a_notebook_clean(tmp_path):
    path = tmp_path / NOTEBOOKS[0].name
    nbformat.write(set_slide_metadata(_read(NOTEBOOKS[0])), path)
    assert hygiene_problems(path) == []
    assert [c.metadata["slideshow"]["slide_type"] for c in _read(path).cells] == slide_types(_read(NOTEBOOKS[0]))


def test_headings_inside_code_fences_do_not_start_slides():
    text = "## 8. A side box\n\n```python\n# a comment, not a heading\n## nor this\n```\nmore"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_markdown_cell(text)])
    assert split_at_headings(nb).cells[2].source == text
    assert slide_types(nb) == ["slide", "-", "slide"]


def test_decks_of_notebooks_without_slide_metadata_split_cells_at_headings():
    nb = _read(next(p for p in NOTEBOOKS if p.name.startswith("03")))
    split = split_at_headings(nb)
    headings = [c.source.split("\n")[0] for c in split.cells if c.cell_type == "markdown" and c.source.startswith("#")]
    assert sum(h.startswith("### ") for h in headings) >= 2
    assert len([c for c in split.cells if c.cell_type == "code"]) == len([c for c in nb.cells if c.cell_type == "code"])
    assert "\n".join(c.source for c in split.cells).replace("\n", "") == "\n".join(c.source for c in nb.cells).replace("\n", "")


def test_a_failed_student_write_leaves_the_old_copy_whole_and_no_temporary_file(tmp_path, monkeypatch):
    paths = NOTEBOOKS[:2]
    make_student_copies(paths, tmp_path)
    stale = tmp_path / paths[1].name
    stale.write_text(stale.read_text().replace("your answer here", "an old copy"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(OSError, match=f"cannot write {stale}: No space left on device"):
        make_student_copies(paths, tmp_path, force=True)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before    # no half notebook, no temp file
    monkeypatch.undo()
    report = make_student_copies(paths, tmp_path, force=True)              # the next run is not fooled
    assert report["written"] == [stale] and "an old copy" not in stale.read_text()


def test_a_graded_copy_hides_solutions_and_a_practice_copy_keeps_them(tmp_path):
    import nbformat

    from course_lib.tools.classroom import HIDE_SOLUTIONS, student_notebook

    nb = nbformat.read(NOTEBOOKS[1], as_version=4)
    practice, graded = student_notebook(nb), student_notebook(nb, graded=True)
    assert HIDE_SOLUTIONS not in nbformat.writes(practice)
    assert sum(HIDE_SOLUTIONS in c.source for c in graded.cells if c.cell_type == "code") == 1
    assert "to be graded" in graded.cells[1].source and "to be graded" not in practice.cells[1].source
    without_exercises = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(ValueError, match="graded=True needs the cell"):
        student_notebook(without_exercises, graded=True)


def test_student_graded_writes_to_its_own_folder_and_the_solution_is_hidden_when_run(tmp_path, capsys):
    from course_lib.exercises import Exercise
    from course_lib.tools.classroom import HIDE_SOLUTIONS

    assert main(["student", "--graded", "--out", str(tmp_path), str(NOTEBOOKS[0])]) == 0
    assert "1 written" in capsys.readouterr().out
    assert HIDE_SOLUTIONS in (tmp_path / NOTEBOOKS[0].name).read_text()
    try:  # what the inserted line does in the learner's kernel
        exec(HIDE_SOLUTIONS, {})
        assert Exercise._solutions_hidden
    finally:
        Exercise.hide_solutions(False)
    assert not Exercise._solutions_hidden
