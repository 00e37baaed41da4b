"""The install files agree with each other and with the course: pyproject ranges and extras,
constraints pins, the Python range, environment.yml, the Makefile and the README's set-up; and a
wheel built from the repository, installed without it, runs every lesson from an empty folder."""
from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject(root=ROOT):
    return tomllib.loads((root / "pyproject.toml").read_text())


def _constraints(root=ROOT):
    pins = {}
    for line in (root / "constraints.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_name(name)] = version
    return pins


def _makefile_extras(root=ROOT) -> dict[str, str]:
    """``EXTRAS_lab := lab`` and friends: the extras each audience's stamp installs."""
    return dict(re.findall(r"^EXTRAS_(\w+) := (\S+)$", (root / "Makefile").read_text(), re.M))


def _makefile_stamp(target: str, root=ROOT) -> str:
    """The audience a make target sets up (``lab: $(VENV)/.installed-lab`` -> ``lab``)."""
    return re.search(rf"^{target}: \$\(VENV\)/\.installed-(\w+)$", (root / "Makefile").read_text(), re.M).group(1)


# ----------------------------------------------------------------- one Python range everywhere
def test_the_python_range_is_the_same_everywhere(root):
    """requires-python is the lowest Python every pin resolves on (`make check-python` asks pip's
    resolver: numpy 2.4.6 needs 3.11, soupsieve 4.1.1, which JupyterLab pulls in, 3.11.5)."""
    requires = _pyproject(root)["project"]["requires-python"]
    assert requires == ">=3.11.5"
    lowest = requires.removeprefix(">=")
    assert re.search(r"^MIN_PYTHON := (\S+)$", (root / "Makefile").read_text(), re.M).group(1) == lowest
    env = yaml.safe_load((root / "environment.yml").read_text())
    conda_python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert conda_python.startswith(f"python>={lowest},")            # conda never picks an older one
    readme = (root / "README.md").read_text()
    assert f"Python {lowest} or newer" in readme and "3.10" not in readme
    assert "python_version < '3.11'" not in (root / "pyproject.toml").read_text()   # no markers for Pythons we exclude


def test_numpy_pin_alone_rules_out_python_3_10(root):
    """The reason for the range, from the installed metadata: the numpy pinned needs 3.11."""
    from importlib import metadata

    assert _constraints(root)["numpy"] == metadata.version("numpy")
    needs = SpecifierSet(metadata.metadata("numpy")["Requires-Python"])
    assert "3.10.13" not in needs and "3.11.5" in needs


# ----------------------------------------------------------------- dependencies by audience
def test_dependencies_are_what_the_lessons_import(root):
    """The runtime dependencies are the third-party packages that the notebooks and the learner's
    library (course_lib outside tools/) import: every one imported unconditionally, and beyond those
    only ones imported under ``try: ... except ImportError``. No JupyterLab, no test or teaching tools."""
    from importlib import metadata

    sources = [p.read_text() for p in (root / "course_lib").rglob("*.py") if "tools" not in p.parts]
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        sources += ["\n".join(line for line in "".join(c["source"]).splitlines() if not line.lstrip().startswith(("%", "!")))
                    for c in cells if c["cell_type"] == "code"]
    required, optional = set(), set()
    for source in sources:
        tree = ast.parse(source)
        guarded = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in t.handlers)
            for stmt in t.body for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = {node.module.split(".")[0]}
            else:
                continue
            (optional if id(node) in guarded else required).update(names)
    dists = metadata.packages_distributions()

    def third_party(modules):
        return {_name(dists[m][0]) for m in modules if m in dists and m not in sys.stdlib_module_names} - {"course-lib"}

    declared = {_name(r) for r in _pyproject(root)["project"]["dependencies"]}
    # The hf extra (PEFT) is imported under try/except ImportError once per lesson; the cells after it
    # import from it only under `if peft is not None:`, so it is never required.
    hf = {_name(r) for r in _pyproject(root)["project"]["optional-dependencies"]["hf"]}
    assert hf <= third_party(optional)
    assert third_party(required) - hf <= declared <= third_party(required) | third_party(optional)
    assert {"torch", "transformers", "ipywidgets"} <= third_party(required)


def test_extras_by_audience(root):
    project = _pyproject(root)["project"]
    extras = {name: {_name(r) for r in reqs} for name, reqs in project["optional-dependencies"].items()}
    runtime = {_name(r) for r in project["dependencies"]}
    assert set(extras) == {"lab", "test", "teach", "hf"}
    assert extras["lab"] == {"jupyterlab", "ipykernel"}
    assert extras["hf"] == {"peft"}                                   # lessons 06-07, side by side with PEFT
    assert not runtime & {"jupyterlab", "ipykernel", "notebook", "pytest", "nbval", "playwright", "nbconvert", "peft"}
    assert {"pytest", "nbval", "playwright"} <= extras["test"] and "nbconvert" in extras["teach"]
    everything = (root / "pyproject.toml").read_text() + (root / "constraints.txt").read_text()
    assert "sphinx" not in everything.lower()                         # slides ship their own reveal.js


def test_make_targets_install_only_what_they_need(root):
    extras = _makefile_extras(root)
    assert extras == {"lab": "lab,hf", "teach": "lab,teach,hf", "test": "lab,test,teach,hf"}
    assert _makefile_stamp("lab", root) == "lab"                      # the learner: lessons + JupyterLab + PEFT
    assert _makefile_stamp("test", root) == "test"
    for target in ("slides", "site", "student", "notebooks"):
        assert _makefile_stamp(target, root) == "teach"
    declared = set(_pyproject(root)["project"]["optional-dependencies"])
    for value in extras.values():
        assert set(value.split(",")) <= declared


def test_environment_yml_is_the_learners_install(root):
    project = _pyproject(root)["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["lab"]
              + project["optional-dependencies"]["hf"]}
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    named = {_name(line) for line in pip_section if not line.startswith("-")}
    assert named == wanted
    assert "-c constraints.txt" in pip_section and "-e .[lab,hf]" in pip_section


def test_every_package_is_pinned_exactly(root):
    project = _pyproject(root)["project"]
    pins = _constraints(root)
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    for requirement in requirements:
        marker = Requirement(requirement).marker
        if marker is None or marker.evaluate():
            assert _name(requirement) in pins, f"{requirement} has no exact pin in constraints.txt"
    assert pins["torch"] == "2.13.0", "torch must be pinned without a +cpu/+cu tag"


def test_pyproject_uses_ranges_not_pins(root):
    project = _pyproject(root)["project"]
    for requirement in project["dependencies"] + [r for e in project["optional-dependencies"].values() for r in e]:
        assert "==" not in requirement, f"pin {requirement} in constraints.txt, not pyproject.toml"


def test_installed_versions_match_the_pins(root):
    """What `make` installed is what constraints.txt says (catches an install without -c)."""
    from importlib import metadata

    pins = _constraints(root)
    for name in ("numpy", "matplotlib", "ipywidgets", "nbval", "jupyterlab", "transformers"):
        assert metadata.version(name) == pins[name], f"{name} differs from constraints.txt"
    assert metadata.version("torch").split("+")[0] == pins["torch"]


def test_the_package_list_names_every_package(root):
    """pyproject.toml lists the packages by hand (it maps data/ onto course_lib._data): a new
    subpackage missing from the list would be missing from the wheel."""
    setuptools = _pyproject(root)["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "course_lib").rglob("__init__.py")}
    assert set(setuptools["packages"]) == found | {"course_lib._data"}
    assert setuptools["package-dir"] == {"course_lib._data": "data"}


# ----------------------------------------------------------------- the README's set-up
def test_readme_starts_with_the_two_commands(root):
    readme = (root / "README.md").read_text()
    first_block = readme[: readme.index("## ", readme.index("make test"))]
    assert "make lab" in first_block and "make test" in first_block


def test_readme_documents_every_learners_set_up(root):
    readme = (root / "README.md").read_text()
    for heading in ("Linux or macOS", "pip", "Windows", "uv", "conda", "Colab"):
        assert re.search(rf"^##+ .*{heading}", readme, re.M), f"no set-up section for {heading}"
    assert "enable_custom_widget_manager()" in readme                 # Colab's widgets
    assert "https://download.pytorch.org/whl/cpu" in readme           # the CPU-only torch index
    assert "Activate.ps1" in readme                                   # Windows without make


def test_readme_commands_name_real_extras_targets_and_files(root):
    readme = (root / "README.md").read_text()
    blocks = "\n".join(re.findall(r"```(?:bash|powershell|python|text)?\n(.*?)```", readme, re.S))
    declared = set(_pyproject(root)["project"]["optional-dependencies"])
    named_extras = {e for group in re.findall(r"(?:\.|course_lib)\[([a-z,]+)\]", blocks) for e in group.split(",")}
    assert named_extras and named_extras <= declared
    targets = set(re.findall(r"^([a-z-]+):", (root / "Makefile").read_text(), re.M))
    named_targets = set(re.findall(r"\bmake ([a-z-]+)", blocks))
    assert named_targets and named_targets <= targets
    for path in set(re.findall(r"\b((?:notebooks|data|tests)/[\w./-]+\.\w+|environment\.yml|constraints\.txt)", blocks)):
        assert (root / path).exists(), f"the README names {path}, which does not exist"
    assert "-c constraints.txt" in blocks                             # every pip install pins
    for line in blocks.splitlines():
        if re.search(r"\bpip install\b", line) and "course_lib" not in line and "--dry-run" not in line:
            assert "constraints.txt" in line or "COURSE" in line, line


def test_ci_script_calls_make_test(root):
    text = (root / ".ci" / "run").read_text()
    assert "make test" in text and text.startswith("#!/usr/bin/env bash")


# ----------------------------------------------------------------- the wheel, installed without the repository
def _copy_sources(dst: Path) -> Path:
    """What a wheel is built from, copied away from the repository (and its build/ folder)."""
    dst.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, dst / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.tmp")
    shutil.copytree(ROOT / "course_lib", dst / "course_lib", ignore=ignore)
    shutil.copytree(ROOT / "data", dst / "data", ignore=ignore)
    return dst


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    source = _copy_sources(tmp / "source")
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                          "--no-index", "--quiet", "-w", str(tmp / "dist"), str(source)],
                         capture_output=True, text=True, cwd=tmp)
    assert run.returncode == 0, run.stdout + run.stderr
    (path,) = (tmp / "dist").glob("course_lib-*.whl")
    return path


def test_the_wheel_carries_every_file_the_lessons_read(wheel):
    from course_lib import data
    from course_lib.tools.publish import REVEAL_DIR

    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(data.DATA_DIR).as_posix() for p in data.DATA_DIR.rglob("*") if p.is_file()}
    assert {"tinylm.pt", "prompt_study.json", "SHA256SUMS", "toyworld/corpus.txt"} <= shipped
    assert {f"course_lib/_data/{rel}" for rel in shipped} <= names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "course_lib").rglob("*.py")}
    assert modules <= names
    reveal = {p.relative_to(ROOT).as_posix() for p in REVEAL_DIR.rglob("*") if p.is_file()}
    assert reveal <= names and "course_lib/tools/revealjs/LICENSE" in reveal
    assert not [n for n in names if n.startswith(("data/", "tests/", "notebooks/")) or "__pycache__" in n]
    assert wheel.stat().st_size < 3_000_000


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed (no -e, no repository on its path).

    The lessons' dependencies come from this test's own environment through a .pth line after
    the new environment's site-packages, so nothing is downloaded; course_lib itself comes from
    the wheel alone (the kernel checks where it was imported from).
    """
    venv = tmp_path_factory.mktemp("venv") / "learner"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_course_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # ...and the data files those packages install beside them (the widgets' JupyterLab extension)
    (venv / "share").mkdir()
    (venv / "share" / "jupyter").symlink_to(Path(sys.prefix, "share", "jupyter"))
    run = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                          "--disable-pip-version-check", str(wheel)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return python


def _in(python: Path, code: str, cwd: Path) -> str:
    run = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=cwd)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_the_installed_course_finds_its_files_and_doctor_passes(installed, tmp_path):
    out = _in(installed, "import course_lib, course_lib.data as d; print(course_lib.__file__); "
                         "print(d.DATA_DIR == d.PACKAGED_DATA_DIR); print(course_lib.doctor())", tmp_path)
    where, packaged, *report = out.splitlines()
    assert Path(where).is_relative_to(installed.parent.parent) and not Path(where).is_relative_to(ROOT)
    assert packaged == "True"
    assert report[-1].startswith("All 9 checks passed"), "\n".join(report)
    assert "holds all 8 course files" in out


@pytest.mark.parametrize("rel", ["tinylm.pt", "prompt_study.json", "toyworld/corpus.txt"])
def test_doctor_names_a_shipped_file_missing_from_the_install(installed, tmp_path, rel):
    packaged = Path(_in(installed, "import course_lib.data as d; print(d.PACKAGED_DATA_DIR)", tmp_path).strip())
    saved = tmp_path / "saved"
    shutil.copyfile(packaged / rel, saved)
    (packaged / rel).unlink()
    try:
        run = subprocess.run([str(installed), "-m", "course_lib", "doctor"], capture_output=True, text=True,
                             cwd=tmp_path)
    finally:
        shutil.copyfile(saved, packaged / rel)
    assert run.returncode != 0
    (line,) = [line for line in run.stdout.splitlines() if line.startswith("FAIL")]
    from course_lib.data import TRAINED

    command = TRAINED.get(rel, "python -m course_lib make-data")
    assert f"{packaged}/{rel} is missing; `{command}`" in line and "reinstall course_lib" in line


def test_every_lesson_runs_from_an_empty_folder_with_the_wheel_alone(installed, tmp_path):
    """pip install course_lib-*.whl plus the notebooks, in any folder: every lesson runs."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    kernels = tmp_path / "kernels"
    (kernels / "course-wheel").mkdir(parents=True)
    (kernels / "course-wheel" / "kernel.json").write_text(json.dumps({
        "argv": [str(installed), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "course_lib from the wheel", "language": "python"}))
    folder = tmp_path / "anywhere"
    folder.mkdir()
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    from course_lib.lessons import LESSONS

    assert [path.stem for path in notebooks] == [lesson.stem for lesson in LESSONS]
    probe = nbformat.v4.new_code_cell("import course_lib, course_lib.data as d, os\n"
                                      "print(course_lib.__file__, d.DATA_DIR == d.PACKAGED_DATA_DIR, os.getcwd())")
    times = {}
    for path in notebooks:
        shutil.copy2(path, folder / path.name)
        nb = nbformat.read(folder / path.name, as_version=4)
        nb.cells.append(probe)
        km = KernelManager(kernel_name="course-wheel", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
        client = NotebookClient(nb, km=km, timeout=300, resources={"metadata": {"path": str(folder)}})
        start = time.perf_counter()
        client.execute()                                  # raises CellExecutionError on any unexpected error
        times[path.name] = round(time.perf_counter() - start, 1)
        where, packaged, cwd = nb.cells[-1].outputs[0]["text"].split()
        assert not Path(where).is_relative_to(ROOT) and packaged == "True" and Path(cwd) == folder, path.name
    assert sorted(p.name for p in folder.iterdir()) == [p.name for p in notebooks], "a lesson left files behind"
    print(times)
