"""Classroom tooling: the set-up cell every lesson starts with, student copies, slide types.

- :data:`SETUP_CELL` is the first code cell of every lesson, in one place: where ``course_lib``
  is missing (Colab, a kernel outside the course's environment) it installs it first.
- :func:`make_student_copies` writes copies of the lessons with the reference answers replaced
  by stubs (``python -m course_lib student``), never over a copy someone edited.
- :func:`slide_types` reads a lesson's structure (``##`` headings start slides, ``###``
  sub-slides, ...) for the slide decks of :mod:`course_lib.tools.publish`.

Introduced in INSTRUCTORS.md.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

from .._util import write_atomic

__all__ = ["SETUP_CELL", "STUB", "StudentCopies", "apply_setup_cell", "make_student_copies", "set_slide_metadata",
           "setup_cell_problem", "slide_types", "solution_only_names", "split_at_headings", "student_notebook"]

#: The first lines of every lesson's first code cell (a test checks each notebook).
#: ``COURSE_REPO`` may name anything ``pip install`` accepts: ``git+https://...`` or a folder.
SETUP_CELL = """\
try:  # where course_lib is missing (Colab, another kernel), install it first: see README, "Colab"
    import course_lib
except ModuleNotFoundError:
    import os, pathlib
    source = os.environ.get("COURSE_REPO") or str(pathlib.Path.cwd().parent)  # a pip source, or the course folder
    if "COURSE_REPO" not in os.environ and not pathlib.Path(source, "pyproject.toml").is_file():
        raise ModuleNotFoundError("course_lib is not installed: open this notebook in the course folder, or set "
                                  "COURSE_REPO first (%env COURSE_REPO=git+https://github.com/...)") from None
    print(f"course_lib is not installed here: installing it from {source} ...")
    %pip install --quiet {source}
import course_lib; DEVICE = course_lib.setup(seed=0)"""

#: What replaces a reference answer in a student copy.
STUB = "answer = ...  # your answer here"
#: Put after the lesson's exercise import in a graded copy: ``ex.qN.solution()`` then shows a note.
HIDE_SOLUTIONS = "from course_lib.exercises import Exercise; Exercise.hide_solutions()  # a graded copy"
_EXERCISE_IMPORT = re.compile(r"^from course_lib\.exercises import lesson\d+ as ex$", re.M)

_SETUP_LINE = "import course_lib; DEVICE = course_lib.setup(seed=0)"
_SOLUTION = re.compile(r"# BEGIN SOLUTION\n.*?# END SOLUTION(\n|$)", re.S)
_STUDENT_NOTE = ("> **Student copy.** The exercise cells hold `answer = ...  # your answer here`: replace the `...` "
                 "with your answer and run the cell. `ex.qN.hint()` gives a hint and `ex.qN.solution()` the "
                 "reference answer.")
_GRADED_NOTE = ("> **Student copy, to be graded.** The exercise cells hold `answer = ...  # your answer here`: "
                "replace the `...` with your answer and run the cell; `ex.qN.check(answer)` tells you at once "
                "whether it is right. `ex.qN.hint()` gives a hint; the reference answers are hidden in this copy.")


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _first_code_cell(nb):
    return next((c for c in nb.cells if c.cell_type == "code"), None)


def setup_cell_problem(nb) -> str | None:
    """Why ``nb``'s first code cell does not start with :data:`SETUP_CELL`, or ``None`` when it does."""
    cell = _first_code_cell(nb)
    if cell is None:
        return "it has no code cell"
    source = _source(cell)
    if source == SETUP_CELL or source.startswith(SETUP_CELL + "\n"):
        return None
    return ("its first code cell does not start with course_lib.tools.classroom.SETUP_CELL; run `python -m course_lib "
            "setup-cell NOTEBOOK`, then re-run the notebook")


def apply_setup_cell(nb):
    """Return a copy of ``nb`` whose first code cell starts with :data:`SETUP_CELL`.

    Everything up to the set-up line (``import course_lib; DEVICE = course_lib.setup(seed=0)``)
    is replaced, so an older version of the cell is updated too; the lesson's own imports after
    it stay. Re-execute the notebook afterwards.
    """
    nb = copy.deepcopy(nb)
    cell = _first_code_cell(nb)
    if cell is None:
        raise ValueError("the notebook has no code cell to put the set-up cell in")
    source = _source(cell)
    if setup_cell_problem(nb) is None:
        return nb
    end = source.find(_SETUP_LINE)
    if end < 0:
        raise ValueError(f"the first code cell should contain {_SETUP_LINE!r}, to be replaced with everything "
                         f"before it; it starts with {source.splitlines()[0] if source else ''!r}")
    cell.source = SETUP_CELL + source[end + len(_SETUP_LINE):]
    return nb


def student_notebook(nb, *, graded: bool = False):
    """A student copy of ``nb``: reference answers replaced by :data:`STUB`, outputs cleared.

    In each exercise cell, the lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION`` become
    ``answer = ...  # your answer here``; the ``qN = ex.qN.inputs()`` line before them and the
    ``ex.qN.check(answer)`` line after them stay. The ``# NBVAL_CHECK_OUTPUT`` marker and the
    ``solution`` tag go, and a note after the title says how to answer. With ``graded=True`` the
    cell that imports the lesson's exercises also runs :data:`HIDE_SOLUTIONS`, so that
    ``ex.qN.solution()`` shows a note instead of the answer (a courtesy a student can undo; the
    grader records solution views anyway).

    Raises:
        ValueError: a cell tagged ``solution`` has no ``# BEGIN SOLUTION`` / ``# END SOLUTION`` pair.
    """
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        source, tags = _source(cell), list(cell.metadata.get("tags", []))
        if _SOLUTION.search(source) or "solution" in tags:
            if not _SOLUTION.search(source):
                raise ValueError(f"cell {index} is tagged 'solution' but has no '# BEGIN SOLUTION' ... "
                                 "'# END SOLUTION' lines to replace")
            source = _SOLUTION.sub(lambda m: STUB + m.group(1), source)
            source = "\n".join(line for line in source.split("\n") if line.strip() != "# NBVAL_CHECK_OUTPUT")
            cell.source = source
            cell.metadata.pop("jupyter", None)  # the reference notebook collapses it; here it is the learner's
            if "solution" in tags:
                tags.remove("solution")
                cell.metadata["tags"] = tags
                if not tags:
                    del cell.metadata["tags"]
        cell.outputs, cell.execution_count = [], None
    import nbformat

    if graded:
        cell = next((c for c in nb.cells if c.cell_type == "code" and _EXERCISE_IMPORT.search(_source(c))), None)
        if cell is None:
            raise ValueError("graded=True needs the cell with `from course_lib.exercises import lessonNN as ex`; "
                             "this notebook has none")
        cell.source = _EXERCISE_IMPORT.sub(lambda m: m.group(0) + "\n" + HIDE_SOLUTIONS, _source(cell), count=1)
    position = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
    nb.cells.insert(position, nbformat.v4.new_markdown_cell(_GRADED_NOTE if graded else _STUDENT_NOTE))
    for i, cell in enumerate(nb.cells):  # the numbered ids of a clean notebook, as nbtools.clean gives them
        cell.id = str(i)
    return nb


def _names(source: str, ctx) -> set[str]:
    """Names a cell binds (``ctx=ast.Store``: assignments, defs, imports) or reads (``ast.Load``)."""
    import ast

    lines = [line for line in source.split("\n") if not line.lstrip().startswith(("%", "!"))]  # IPython magics
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}
    if ctx is ast.Store:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def solution_only_names(nb) -> list[tuple[int, list[str]]]:
    r"""Cells that read a name only a reference answer defines: they break in a student copy.

    A student copy replaces each answer with :data:`STUB`, so a later cell that uses, say, a
    variable the answer set raises ``NameError`` for a learner who has not answered yet.

    Returns:
        list of ``(cell index, sorted names)``; empty when the copy runs top to bottom.

    Examples::

        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[
        ...     nbformat.v4.new_code_cell("# BEGIN SOLUTION\nrows = {1, 2}\nanswer = rows\n# END SOLUTION"),
        ...     nbformat.v4.new_code_cell("print(len(rows))")])
        >>> solution_only_names(nb)
        [(1, ['rows'])]
        >>> nb.cells.insert(0, nbformat.v4.new_code_cell("rows = set()"))   # the lesson defined it first
        >>> solution_only_names(nb)
        []
    """
    import ast

    only_there, defined, found = set(), set(), []  # defined: bound outside any answer so far
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        source = _source(cell)
        rest = _SOLUTION.sub("\n", source)
        if rest == source:
            bad = sorted((_names(source, ast.Load) & only_there) - _names(source, ast.Store))
            if bad:
                found.append((index, bad))
        for match in _SOLUTION.finditer(source):  # an answer re-binding a name the lesson defined breaks nothing
            only_there |= _names(match.group(0), ast.Store) - defined
        defined |= _names(rest, ast.Store)
        only_there -= _names(rest, ast.Store)
    return found


class StudentCopies(dict):
    """What :func:`make_student_copies` did: ``written``, ``unchanged`` and ``skipped`` paths."""

    def __str__(self) -> str:
        lines = [f"wrote     {p}" for p in self["written"]]
        lines += [f"unchanged {p}" for p in self["unchanged"]]
        lines += [f"SKIPPED   {p}: it differs from a fresh copy (someone may have edited it); "
                  "--force replaces it" for p in self["skipped"]]
        lines.append(f"{len(self['written'])} written, {len(self['unchanged'])} unchanged, "
                     f"{len(self['skipped'])} skipped")
        return "\n".join(lines)


def make_student_copies(paths, out_dir, *, force: bool = False, graded: bool = False) -> StudentCopies:
    """Write :func:`student_notebook` copies of ``paths`` into ``out_dir`` (``graded`` as there).

    A copy that already exists and differs from a fresh one is skipped (an instructor may have
    edited it) unless ``force=True``; one that is identical is left as it is. Each copy is
    written whole or not at all (a temporary file, then ``os.replace``): a failed write leaves
    the old copy, or none, never half a notebook.

    Returns:
        StudentCopies: the ``written``, ``unchanged`` and ``skipped`` paths.
    """
    import nbformat

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = StudentCopies(written=[], unchanged=[], skipped=[])
    for path in map(Path, paths):
        text = nbformat.writes(student_notebook(nbformat.read(path, as_version=4), graded=graded)) + "\n"
        target = out_dir / path.name
        if target.exists():
            if target.read_text(encoding="utf-8") == text:
                report["unchanged"].append(target)
                continue
            if not force:
                report["skipped"].append(target)
                continue
        write_atomic(target, text.encode("utf-8"))  # whole or not at all: half a copy would later look "edited"
        report["written"].append(target)
    return report


def _prose_lines(source: str):
    """(line, is_prose) for each line of Markdown: lines inside ``` or ~~~ fences are code, not prose."""
    fence = None
    for line in source.split("\n"):
        marker = line.lstrip()[:3]
        if fence is None and marker in ("```", "~~~"):
            fence = marker
            yield line, False
        elif fence is not None:
            if marker == fence:
                fence = None
            yield line, False
        else:
            yield line, True


def _headings(source: str) -> set[int]:
    return {len(m.group(1)) for line, prose in _prose_lines(source) if prose
            for m in [re.match(r"(#{1,6}) ", line)] if m}


def split_at_headings(nb):
    """Return a copy of ``nb`` whose Markdown cells are split before each ``##`` or ``###`` heading,
    so that every heading starts a cell (and can start a slide). Code cells are unchanged.

    Examples::

        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("intro\\n## 1. A\\ntext\\n### 1.1 B")])
        >>> [c.source for c in split_at_headings(nb).cells]
        ['intro', '## 1. A\\ntext', '### 1.1 B']
    """
    import nbformat

    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        chunks = [[]]
        for line, prose in _prose_lines(_source(cell)):
            if prose and re.match(r"#{2,3} ", line) and any(x.strip() for x in chunks[-1]):
                chunks.append([])
            chunks[-1].append(line)
        for chunk in chunks:
            part = nbformat.v4.new_markdown_cell("\n".join(chunk).strip("\n"))
            part.metadata = copy.deepcopy(cell.metadata)
            cells.append(part)
    nb.cells = cells
    return nb


def slide_types(nb) -> list[str]:
    """A reveal.js slide type for each cell of ``nb``, read from its structure.

    ``#`` and ``##`` headings start a slide and ``###`` a sub-slide (below it); a paragraph that
    follows a code cell starts a sub-slide too, so a slide is an idea, its code and its output.
    Exercise answers (cells tagged ``solution``) appear on a key press (``fragment``), and the
    "For instructors" section becomes speaker notes (``notes``). Everything else continues
    the current slide (``-``).

    Examples::

        >>> import nbformat
        >>> cells = [nbformat.v4.new_markdown_cell(s) for s in ("# Title", "## 1. Part", "text")]
        >>> cells += [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("more"),
        ...           nbformat.v4.new_markdown_cell("## For instructors"), nbformat.v4.new_markdown_cell("notes")]
        >>> slide_types(nbformat.v4.new_notebook(cells=cells))
        ['slide', 'slide', '-', '-', 'subslide', 'notes', 'notes']

    Introduced in INSTRUCTORS.md.
    """
    types, previous, in_notes = [], None, False
    for cell in nb.cells:
        source = _source(cell)
        levels = _headings(source) if cell.cell_type == "markdown" else set()
        if levels & {1, 2}:
            in_notes = bool(re.search(r"^## For instructors", source, re.M | re.I))
        if in_notes:
            kind = "notes"
        elif levels & {1, 2}:
            kind = "slide"
        elif 3 in levels or (cell.cell_type == "markdown" and previous == "code"):
            kind = "subslide"
        elif "solution" in cell.metadata.get("tags", []):
            kind = "fragment"
        else:
            kind = "-"
        types.append(kind)
        previous = cell.cell_type
    return types


def set_slide_metadata(nb):
    """Return a copy of ``nb`` with ``metadata.slideshow.slide_type`` set on every cell from :func:`slide_types`."""
    nb = copy.deepcopy(nb)
    for cell, kind in zip(nb.cells, slide_types(nb)):
        cell.metadata["slideshow"] = {"slide_type": kind}
    return nb
