"""Tools for the course's own notebooks: execute, clean, and check their hygiene.

Used by ``make notebooks`` (``python -m course_lib notebooks``), by
``python -m course_lib bench notebooks`` and by ``tests/test_notebook_hygiene.py``.
Needs the ``test`` extra (nbclient, nbformat, nbstripout).

Introduced in CONTRIBUTING.md.
"""
from __future__ import annotations

import copy
import json
import os
import re
import time
from pathlib import Path

from .._util import write_atomic

__all__ = ["NOTEBOOK_DIR", "clean", "execute", "hygiene_problems", "is_solution_cell", "list_notebooks", "refresh"]

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"

# Metadata that changes from run to run or machine to machine (nbstripout's defaults
# cover signature, widget state, ExecuteTime, execution timings, collapsed, scrolled).
_EXTRA_KEYS = [
    "metadata.signature",
    "metadata.widgets",
    "metadata.language_info.version",
    "metadata.toc",
    "metadata.vscode",
    "metadata.colab",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
    "cell.metadata.jupyter",
    "cell.metadata.pycharm",
]
_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
_LOCAL_PATH = re.compile(r"(/root/|/home/\w+|/tmp/[\w.-]+|/private/var/|[A-Z]:\\\\Users)")


def list_notebooks(folder: str | os.PathLike = NOTEBOOK_DIR) -> list[Path]:
    """The lesson notebooks in ``folder``, in lesson order."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if not p.name.startswith("."))


def clean(nb):
    """Return a copy of ``nb`` without volatile metadata; outputs and execution counts stay.

    Cell ids become ``"0", "1", ...`` so that re-running a notebook does not rewrite them, and
    solution cells are collapsed (see :func:`is_solution_cell`).
    """
    from nbstripout import strip_output

    nb = strip_output(copy.deepcopy(nb), keep_output=True, keep_count=True, keep_id=False, extra_keys=_EXTRA_KEYS)
    for cell in nb.cells:  # answers out of sight: a learner opens a solution only on purpose
        if is_solution_cell(cell):
            cell.metadata["jupyter"] = {"source_hidden": True}
    return nb


def is_solution_cell(cell) -> bool:
    """Whether ``cell`` holds a reference answer (tagged ``solution`` or with ``# BEGIN SOLUTION``).

    :func:`clean` collapses these cells (``metadata.jupyter.source_hidden``): JupyterLab shows
    "..." until the learner clicks, nbval and nbclient run them as usual.
    """
    return cell.get("cell_type") == "code" and ("solution" in cell.get("metadata", {}).get("tags", [])
                                                or "# BEGIN SOLUTION" in _source(cell))


def execute(path: str | os.PathLike, *, timeout: int = 600, env: dict | None = None):
    """Run a notebook top to bottom in a fresh ``python3`` kernel from its own folder.

    Cells tagged ``raises-exception`` may raise; any other error stops the run with
    ``nbclient.exceptions.CellExecutionError``.

    Returns:
        (notebook, seconds): the executed notebook and the wall time, kernel start included.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    old_env = os.environ.copy()
    try:
        os.environ.update(env or {})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    return nb, seconds


def refresh(paths, *, timeout: int = 600) -> dict[str, float]:
    """Execute, clean and write back each notebook; return the seconds each took.

    A notebook that fails is left as it was, and the error is raised after the others ran; a
    notebook is written whole or not at all.
    """
    import nbformat

    timings, failures = {}, []
    for path in map(Path, paths):
        try:
            nb, seconds = execute(path, timeout=timeout)
        except Exception as err:  # keep going: report every broken notebook at once
            failures.append(f"{path.name}: {type(err).__name__}: {str(err)[:2000]}")
            print(f"FAILED  {path.name}")
            continue
        write_atomic(path, (nbformat.writes(clean(nb)) + "\n").encode("utf-8"))  # never half a lesson
        timings[path.name] = seconds
        print(f"{seconds:6.1f} s  {path.name}")
    if failures:
        raise RuntimeError("some notebooks failed to execute:\n" + "\n\n".join(failures))
    return timings


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _last_code_line(source: str) -> str:
    lines = [ln.rstrip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return lines[-1] if lines else ""


def hygiene_problems(path: str | os.PathLike) -> list[str]:
    """Everything that keeps a committed notebook from being clean; empty when it is.

    Checks: the file name, nbformat 4 with a ``python3`` kernel, a Markdown title first,
    the set-up cell first among code cells, every code cell executed in order (1..N),
    errors only where a cell is tagged ``raises-exception`` (and then also
    ``nbval-check-output``, so it cannot silently stop raising), no cell ending in ``;``,
    no machine-local paths in outputs, and no volatile metadata (cleaning changes nothing).
    """
    path = Path(path)
    name = path.name
    problems = []
    if not _NAME.match(name):
        problems.append(f"{name}: name is not NN_snake_case.ipynb")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return [*problems, f"{name}: not valid JSON ({err})"]
    import nbformat

    nb = nbformat.from_dict(raw)
    if nb.get("nbformat") != 4:
        problems.append(f"{name}: nbformat is {nb.get('nbformat')}, not 4")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{name}: kernelspec name is not python3")
    cells = nb.cells
    if not cells or cells[0].cell_type != "markdown" or not _source(cells[0]).lstrip().startswith("# "):
        problems.append(f"{name}: the first cell is not a Markdown title ('# ...')")
    code = [c for c in cells if c.cell_type == "code"]
    if code and "course_lib.setup(" not in _source(code[0]):
        problems.append(f"{name}: the first code cell does not call course_lib.setup(...)")
    counts = [c.get("execution_count") for c in code]
    if counts != list(range(1, len(code) + 1)):
        problems.append(f"{name}: execution counts are {counts[:8]}..., not 1..{len(code)}; "
                        "re-run it with `make notebooks`")
    for i, cell in enumerate(code, 1):
        tags = cell.metadata.get("tags", [])
        src = _source(cell)
        if _last_code_line(src).endswith(";"):
            problems.append(f"{name}: code cell {i} ends with ';' (nbval shows its output anyway)")
        if "raises-exception" in tags and "nbval-check-output" not in tags:
            problems.append(f"{name}: code cell {i} is tagged raises-exception but not nbval-check-output")
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors and "raises-exception" not in tags:
            problems.append(f"{name}: code cell {i} has a stored error but no raises-exception tag")
        if "raises-exception" in tags and not errors:
            problems.append(f"{name}: code cell {i} is tagged raises-exception but stored no error")
        if _LOCAL_PATH.search(json.dumps(cell.get("outputs", []))):
            problems.append(f"{name}: code cell {i} output shows a machine-local path")
    for i, cell in enumerate(code, 1):
        if is_solution_cell(cell) and not cell.metadata.get("jupyter", {}).get("source_hidden"):
            problems.append(f"{name}: code cell {i} is a solution shown open; run `make notebooks` to collapse it")
    if clean(nb) != nb:
        problems.append(f"{name}: has volatile metadata or unnumbered cell ids; run `make notebooks` "
                        "(or `python -m course_lib notebooks --clean-only`)")
    return problems
