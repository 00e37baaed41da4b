"""A lesson's self-study time, measured from the notebook itself (``python -m course_lib pace``).

The measure every lesson states near its top: the prose read at 150 words a minute, 1.5
minutes to read, run and look at each code cell, and 4 minutes per exercise. The *core path*
is what a learner must do: everything before the Summary except the sections whose heading
says "optional" (``## Going further (optional): ...``, ``### Optional practice: ...``), which
run until the next heading of the same or a higher level, and an exercise whose introducing
paragraph says so in its first line (``**Exercise 2 (optional practice)** ...``). *Everything* adds the optional
sections and exercises and what follows the Summary; the "For instructors" section counts in
neither. An exercise is the cell that ends with ``ex.qN`` (it shows the question); its collapsed
solution cell is not counted.

:func:`stated_minutes` reads the minutes a lesson states, so a test can hold the two together
(``tests/test_lessons.py``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CODE_CELL_MINUTES", "EXERCISE_MINUTES", "WORDS_PER_MINUTE", "Pace", "measure", "stated_minutes"]

WORDS_PER_MINUTE = 150
CODE_CELL_MINUTES = 1.5
EXERCISE_MINUTES = 4.0

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_EXERCISE = re.compile(r"(?m)^\s*ex\.q\d+\s*\Z")
_STATED = re.compile(r"core path[^;]*?about (\d+) min.*?everything[^;]*?about (\d+)", re.S)


@dataclass(frozen=True)
class Pace:
    """Minutes alone for the core path and for everything, with what they were counted from."""

    core_minutes: float
    all_minutes: float
    core_words: int
    core_code_cells: int
    core_exercises: int
    all_words: int
    all_code_cells: int
    all_exercises: int

    def __str__(self) -> str:
        return (f"core path {round(self.core_minutes)} min ({self.core_words:,} words, {self.core_code_cells} code "
                f"cells, {self.core_exercises} exercises); everything {round(self.all_minutes)} min "
                f"({self.all_words:,} words, {self.all_code_cells} code cells, {self.all_exercises} exercises)")


def _minutes(words: int, cells: int, exercises: int) -> float:
    return words / WORDS_PER_MINUTE + cells * CODE_CELL_MINUTES + exercises * EXERCISE_MINUTES


def _words(markdown: str) -> int:
    text = re.sub(r"<[^>]+>", " ", markdown)                # HTML tags are not read
    return len(re.findall(r"[\w'`]+", text))


def measure(notebook) -> Pace:
    """Measure a notebook's core path and everything, as the lessons state them.

    Args:
        notebook: a path to an ``.ipynb`` file, or a notebook read with ``nbformat``.

    Returns:
        :class:`Pace`.

    Examples::

        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A lesson " + "word " * 148),
        ...     nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("## Going further (optional): more"),
        ...     nbformat.v4.new_code_cell("y = 2")])
        >>> p = measure(nb)
        >>> round(p.core_minutes, 2), round(p.all_minutes, 2)   # + 4 words of optional heading, 1.5 min of code
        (2.5, 4.03)

    Introduced in notebooks/00_start_here.ipynb.
    """
    if not hasattr(notebook, "cells"):
        import nbformat

        path = Path(notebook)
        if not path.is_file():
            raise FileNotFoundError(f"notebook={str(path)!r} is not a file; give a path to an .ipynb file, "
                                    "e.g. notebooks/01_lookup_tables.ipynb")
        notebook = nbformat.read(path, as_version=4)
    counts = {"core": [0, 0, 0], "all": [0, 0, 0]}
    optional_level = None          # the level of the heading that opened an optional section
    after_summary = instructors = False
    block_optional = False         # an exercise introduced by "**N. ...** (optional practice)"
    for cell in notebook.cells:
        source = cell.source
        if cell.cell_type == "markdown":
            first = source.lstrip().splitlines()[0] if source.strip() else ""
            block_optional = not first.startswith("#") and "(optional" in first.lower()
            for line in source.splitlines():
                match = _HEADING.match(line)
                if not match:
                    continue
                level, title = len(match.group(1)), match.group(2).strip().lower()
                if optional_level is not None and level <= optional_level:
                    optional_level = None
                if "optional" in title and optional_level is None:
                    optional_level = level
                if level <= 2 and title.startswith("summary"):
                    after_summary = True
                instructors = level <= 2 and title.startswith("for instructors") or (instructors and level > 2)
        if instructors:
            continue
        core = optional_level is None and not after_summary and not block_optional
        if cell.cell_type == "markdown":
            slot, amount = 0, _words(source)
        elif "solution" in cell.metadata.get("tags", []):
            continue
        elif _EXERCISE.search(source.rstrip()):
            slot, amount = 2, 1
        else:
            slot, amount = 1, 1
        # the Summary itself is read on the core path
        if after_summary and cell.cell_type == "markdown" and source.lstrip().lower().startswith("## summary"):
            core = True
        for key in ("core", "all") if core else ("all",):
            counts[key][slot] += amount
        if slot == 2:
            block_optional = False     # the optional exercise is over; the next one is core unless marked
    core, every = counts["core"], counts["all"]
    return Pace(_minutes(*core), _minutes(*every), core[0], core[1], core[2], every[0], every[1], every[2])


def stated_minutes(notebook) -> tuple[int, int] | None:
    """The (core path, everything) minutes a lesson states near its top, or None if it states none.

    Examples::

        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        ...     "**Time**: core path about 40 min; everything about 70 min (measured: ...)")])
        >>> stated_minutes(nb)
        (40, 70)

    Introduced in notebooks/00_start_here.ipynb.
    """
    if not hasattr(notebook, "cells"):
        import nbformat

        notebook = nbformat.read(Path(notebook), as_version=4)
    for cell in notebook.cells[:4]:
        if cell.cell_type == "markdown" and "**Time" in cell.source:
            match = _STATED.search(cell.source[cell.source.index("**Time"):])
            if match:
                return int(match.group(1)), int(match.group(2))
    return None
