"""The layout of course_lib: the learner's library, then widgets, plots and exercises, then tools.

Imports go one way (library <- widgets, plots, exercises <- tools), with no cycles; ``import
course_lib`` loads the library only; private names stay in their module; and every name a
notebook imports or prints resolves to something defined in a public module.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_lib"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

#: layer of each top-level part: a module may import its own layer or a lower one only
LAYERS = {"widgets": 1, "plots": 1, "exercises": 1, "tools": 2, "__main__": 2}
#: the private helper modules other modules may import (small shared checks, timing, files, display)
SHARED_PRIVATE = {"course_lib._util"}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_name(py: Path) -> str:
    parts = list(py.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(py): py for py in PACKAGE.rglob("*.py")}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def _imports(module: str, *, top_level_only: bool) -> list[tuple[str, list[str], int]]:
    """(imported course_lib module, names imported from it, line) for each import in ``module``."""
    py = MODULES[module]
    package = module.split(".") if py.name == "__init__.py" else module.split(".")[:-1]
    tree = ast.parse(py.read_text())
    # A module-level __getattr__ that forwards a moved name to its new home (course_lib.lookup's
    # manual_embedding) runs only when an old notebook asks for that name; it is not a dependency.
    forwards = {id(n) for top in tree.body if isinstance(top, ast.FunctionDef) and top.name == "__getattr__"
                for n in ast.walk(top)}
    nodes = [n for n in ast.walk(tree) if id(n) not in forwards]
    if top_level_only:  # imports under if/try at module level run at import time too
        nodes = [n for top in tree.body for n in ast.walk(top)
                 if not isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("course_lib"):
                continue
            names = [a.name for a in node.names]
            for name in names:  # ``from . import data`` imports a module
                if f"{target}.{name}" in MODULES:
                    found.append((f"{target}.{name}", [], node.lineno))
            found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("course_lib")]
    return [(t, n, line) for t, n, line in found if t != module]


def _graph(*, top_level_only: bool) -> dict[str, set[str]]:
    graph = {}
    for module in MODULES:
        deps = set()
        for target, _, _ in _imports(module, top_level_only=top_level_only):
            # importing course_lib.a.b runs course_lib.a first; a parent package is not a dependency of its child
            if target in MODULES and not module.startswith(target + "."):
                deps.add(target)
        graph[module] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state, stack = [], {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_no_import_cycles_at_import_time():
    assert _cycles(_graph(top_level_only=True)) == []


def test_no_import_cycles_even_through_imports_inside_functions():
    assert _cycles(_graph(top_level_only=False)) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_one_way(module):
    """A library module imports no widget, plot, exercise or tool; widgets, plots and exercises no tool."""
    upward = [f"line {line}: {target}" for target, _, line in _imports(module, top_level_only=False)
              if _layer(target) > _layer(module)
              or (_layer(target) == _layer(module) == 1 and target.split(".")[1] != module.split(".")[1])]
    assert upward == [], f"{module} imports upward or sideways"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_private_names_stay_in_their_module(module):
    leaks = []
    for target, names, line in _imports(module, top_level_only=False):
        if target in SHARED_PRIVATE:
            continue
        if any(_is_private(part) for part in target.split(".")):
            leaks.append(f"line {line}: imports the private module {target}")
        leaks += [f"line {line}: imports {target}.{name}" for name in names if _is_private(name)]
    assert leaks == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not any(_is_private(p) for p in m.split("."))))
def test_every_public_module_declares_all(module):
    tree = ast.parse(MODULES[module].read_text())
    declared = [t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)]
    assert "__all__" in declared or module in ("course_lib.__main__", "course_lib.tools")


def test_import_course_lib_loads_the_library_only():
    code = ("import sys, course_lib; print('\\n'.join(m for m in sys.modules if m.startswith('course_lib')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "course_lib" in loaded
    assert [m for m in loaded if _layer(m) > 0] == []


def test_a_library_module_on_first_use_loads_no_tool_or_widget():
    code = ("import sys, course_lib; course_lib.freezing; from course_lib import data, prompts, pretrain; "
            "print('\\n'.join(m for m in sys.modules if m.startswith('course_lib')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "course_lib.freezing.methods" in loaded
    assert [m for m in loaded if _layer(m) > 0] == []


def test_python_m_course_lib_still_runs_the_tools():
    out = subprocess.run([sys.executable, "-m", "course_lib", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "make-data" in out.stdout and "student" in out.stdout


# ---------------------------------------------------------------- what the notebooks use
_FROM = re.compile(r"^\s*from (course_lib(?:\.\w+)*) import (?:\(([^)]*)\)|([^\n#]+))", re.M)
_DOTTED = re.compile(r"\bcourse_lib(?:\.\w+)+")
_SOURCE = re.compile(r"getsource\(([\w.]+)\)")


def _notebook_code(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def _imported_names(code: str) -> list[tuple[str, str]]:
    found = []
    for module, in_parens, on_one_line in _FROM.findall(code):
        for part in (in_parens or on_one_line).replace("\n", " ").split(","):
            name = part.strip().split(" as ")[0].strip()
            if name and not name.startswith("#"):
                found.append((module, name))
    return found


def _defined_in_public_module(obj) -> bool:
    module = getattr(obj, "__module__", None)
    if isinstance(obj, type(sys)):  # a module
        module = obj.__name__
    return module is None or not any(_is_private(p) for p in module.split("."))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_name_a_notebook_imports_resolves_to_a_public_module(path):
    import importlib

    names = _imported_names(_notebook_code(path))
    assert names, "the parser found no import"
    for module, name in names:
        mod = importlib.import_module(module)
        obj = getattr(mod, name) if hasattr(mod, name) else importlib.import_module(f"{module}.{name}")
        assert not _is_private(name), f"{path.name} imports the private name {module}.{name}"
        assert _defined_in_public_module(obj), f"{module}.{name} is defined in {obj.__module__}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_dotted_course_lib_name_and_printed_source_is_public(path):
    import importlib

    code = _notebook_code(path)
    for dotted in set(_DOTTED.findall(code)):
        parts = dotted.split(".")
        obj = importlib.import_module(parts[0])
        for i, part in enumerate(parts[1:], 1):
            assert not _is_private(part), f"{path.name} uses the private name {dotted}"
            obj = getattr(obj, part) if hasattr(obj, part) else importlib.import_module(".".join(parts[: i + 1]))
        assert _defined_in_public_module(obj), dotted
    for target in _SOURCE.findall(code):
        assert not any(_is_private(p) for p in target.split(".")), f"{path.name} prints private {target}"


def test_the_notebook_import_parser_reads_multi_line_imports():
    code = "from course_lib.freezing import (A, B,\n    C)\nfrom course_lib import plots as p\n"
    assert _imported_names(code) == [("course_lib.freezing", "A"), ("course_lib.freezing", "B"),
                                     ("course_lib.freezing", "C"), ("course_lib", "plots")]
