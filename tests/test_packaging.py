"""The install files agree with each other: pyproject ranges, constraints pins, environment.yml."""
from __future__ import annotations

import re
import sys

import yaml
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _applicable(requirements):
    """Drop requirements whose environment marker excludes this Python (e.g. tomli on 3.11+)."""
    for requirement in requirements:
        marker = Requirement(requirement).marker
        if marker is None or marker.evaluate():
            yield requirement


def _pyproject(root):
    return tomllib.loads((root / "pyproject.toml").read_text())


def _constraints(root):
    pins = {}
    for line in (root / "constraints.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_name(name)] = version
    return pins


def test_environment_yml_names_the_same_packages_as_pyproject(root):
    project = _pyproject(root)["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in ("test", "teach", "hf"):
        wanted |= {_name(r) for r in _applicable(project["optional-dependencies"][extra])}
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    named = {_name(line) for line in pip_section if not line.startswith("-")}
    assert named == wanted
    assert "-c constraints.txt" in pip_section and "-e .[test,teach,hf]" in pip_section


def test_every_package_is_pinned_exactly(root):
    project = _pyproject(root)["project"]
    pins = _constraints(root)
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    for requirement in _applicable(requirements):
        assert _name(requirement) in pins, f"{requirement} has no exact pin in constraints.txt"
    assert pins["torch"] == "2.13.0", "torch must be pinned without a +cpu/+cu tag"


def test_pyproject_uses_ranges_not_pins(root):
    project = _pyproject(root)["project"]
    for requirement in project["dependencies"]:
        assert "==" not in requirement, f"pin {requirement} in constraints.txt, not pyproject.toml"


def test_installed_versions_match_the_pins(root):
    """What `make` installed is what constraints.txt says (catches an install without -c)."""
    from importlib import metadata

    pins = _constraints(root)
    for name in ("numpy", "matplotlib", "ipywidgets", "nbval", "jupyterlab"):
        assert metadata.version(name) == pins[name], f"{name} differs from constraints.txt"
    assert metadata.version("torch").split("+")[0] == pins["torch"]


def test_readme_starts_with_the_two_commands(root):
    readme = (root / "README.md").read_text()
    first_block = readme[: readme.index("## ", readme.index("make test"))]
    assert "make lab" in first_block and "make test" in first_block


def test_ci_script_calls_make_test(root):
    text = (root / ".ci" / "run").read_text()
    assert "make test" in text and text.startswith("#!/usr/bin/env bash")
