"""Environment health: ``course_lib.doctor()`` and a widget that shows widgets render.

Introduced in notebooks/00_start_here.ipynb.
"""
from __future__ import annotations

import html
import importlib
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import torch

from . import runtime

__all__ = ["Check", "DoctorReport", "WidgetCheck", "doctor"]

# The oldest versions the course is written for (pyproject.toml holds the same ranges and
# requires-python; tests/test_health.py checks that they agree).
_PYTHON = (3, 11, 5)
_MINIMUM = {"torch": "2.2", "numpy": "1.24", "matplotlib": "3.7", "ipywidgets": "8.0", "tqdm": "4.60"}


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it passed, and the detail."""

    name: str
    ok: bool
    detail: str


class DoctorReport:
    """What :func:`doctor` found; ``report.ok`` is True when every check passed."""

    def __init__(self, checks: list[Check]):
        self.checks = list(checks)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def summary(self) -> str:
        if self.ok:
            return f"All {len(self.checks)} checks passed: you are ready for the course."
        names = ", ".join(c.name for c in self.problems)
        return f"{len(self.problems)} of {len(self.checks)} checks failed ({names}); see the details above."

    def __repr__(self) -> str:
        width = max(len(c.name) for c in self.checks)
        lines = [f"{'ok ' if c.ok else 'FAIL'} {c.name:<{width}}  {c.detail}" for c in self.checks]
        return "\n".join([*lines, self.summary()])

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{'✅' if c.ok else '❌'}</td><td>{html.escape(c.name)}</td>"
            f"<td style='text-align:left'>{html.escape(c.detail)}</td></tr>"
            for c in self.checks
        )
        return f"<table>{rows}</table><p><b>{html.escape(self.summary())}</b></p>"


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _package(name: str) -> Check:
    try:
        module = importlib.import_module(name)
    except Exception as err:  # a broken install raises more than ImportError
        return Check(name, False, f"cannot import ({type(err).__name__}: {err}); run `make lab` to install")
    version = getattr(module, "__version__", None) or metadata.version(name)
    minimum = _MINIMUM.get(name)
    if minimum and _version_tuple(version) < _version_tuple(minimum):
        return Check(name, False, f"{version} is older than the {minimum} the course needs")
    return Check(name, True, version)


def _device() -> Check:
    device = runtime.get_device()
    threads = runtime.num_threads()
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        return Check("device", True, f"{device} ({name}), {threads} torch CPU thread(s)")
    gpu = "a GPU is visible" if torch.cuda.is_available() else "no GPU visible (fine: every lesson runs on a CPU)"
    return Check("device", True, f"{device}, {threads} torch CPU thread(s); {gpu}")


def _widgets() -> Check:
    try:
        frontend = metadata.version("jupyterlab_widgets")
    except metadata.PackageNotFoundError:
        return Check("widgets", False, "jupyterlab_widgets is missing, so sliders will not render; run `make lab`")
    if "google.colab" in sys.modules:  # Colab draws widgets with its own manager, not JupyterLab's
        return Check("widgets", True, f"jupyterlab_widgets {frontend}; on Colab widgets render after "
                                      "google.colab.output.enable_custom_widget_manager()")
    try:  # every folder Jupyter reads extensions from: this environment's, the user's, the system's
        from jupyter_core.paths import jupyter_path
        folders = [Path(p) for p in jupyter_path("labextensions")]
    except ImportError:  # no Jupyter server here: the extension comes with jupyterlab_widgets into sys.prefix
        folders = [Path(sys.prefix, "share", "jupyter", "labextensions")]
    if not any((folder / "@jupyter-widgets" / "jupyterlab-manager").is_dir() for folder in folders):
        return Check("widgets", False, f"the JupyterLab widget extension is not in {folders[0]}; "
                                       "reinstall jupyterlab_widgets in this environment")
    return Check("widgets", True, f"jupyterlab_widgets {frontend}: the JupyterLab extension that draws widgets")


def _data(data_dir: Path | None) -> Check:
    from . import data

    folder = Path(data_dir) if data_dir is not None else data.DATA_DIR
    if not folder.is_dir():
        return Check("data", False, f"the course's data folder {folder} is missing (lesson 07 cannot load its "
                                    "model without it): reinstall course_lib, or in the repository run "
                                    "`python -m course_lib make-data`")
    problems = data.verify_data(folder, trained=True)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        again = " (or reinstall course_lib)" if folder == data.PACKAGED_DATA_DIR else ""
        return Check("data", False, f"{problems[0]}{again}{more}")
    where = "data/" if folder == data.REPO_DATA_DIR else str(folder)
    count = len(data.read_checksums(folder)[0])
    return Check("data", True, f"{where} holds all {count} course files (the corpus, lesson 07's model and "
                               "results), each matching SHA256SUMS")


def doctor(data_dir: str | Path | None = None) -> DoctorReport:
    """Check the environment: Python and package versions, the device, widgets, the data.

    The data check covers every file the lessons read (the generated corpus files and lesson
    06's model and results), wherever course_lib is installed, and names the file and the
    command that re-creates it when one is missing or changed.

    Args:
        data_dir (str or Path, optional): the data folder to verify. Default: the
            course's ``data/``.

    Returns:
        DoctorReport: shown as a table in a notebook; ``report.ok`` says whether all passed.

    Examples::

        >>> report = doctor()
        >>> [c.name for c in report.checks][:3]
        ['python', 'torch', 'numpy']

    Introduced in notebooks/00_start_here.ipynb.
    """
    py, new_enough = ".".join(map(str, sys.version_info[:3])), sys.version_info[:3] >= _PYTHON
    need = ".".join(map(str, _PYTHON))
    checks = [Check("python", new_enough, py if new_enough else f"{py} is too old; the course needs {need} or newer")]
    checks += [_package(name) for name in ("torch", "numpy", "matplotlib", "ipywidgets", "tqdm")]
    checks += [_device(), _widgets(), _data(data_dir)]
    return DoctorReport(checks)


class WidgetCheck:
    """A slider and a line of text: if dragging the slider changes the text, widgets work.

    Examples::

        >>> check = WidgetCheck()
        >>> check.slider.value = 5
        >>> check.readout.value
        'nn.Embedding(10, 5) stores 10 x 5 = 50 numbers.'

    Introduced in notebooks/00_start_here.ipynb.
    """

    def __init__(self, num_embeddings: int = 10):
        import ipywidgets as widgets

        self.num_embeddings = num_embeddings
        self.slider = widgets.IntSlider(value=3, min=1, max=16, description="embedding_dim",
                                        style={"description_width": "initial"})
        self.readout = widgets.Label()
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.box = widgets.VBox([self.slider, self.readout])
        self.update(self.slider.value)

    def update(self, embedding_dim: int) -> None:
        """Recompute the text for ``embedding_dim``."""
        v = self.num_embeddings
        self.readout.value = f"nn.Embedding({v}, {embedding_dim}) stores {v} x {embedding_dim} = {v * embedding_dim} numbers."

    def _repr_mimebundle_(self, **kwargs):
        """The live widget; where widgets cannot run (GitHub, the static site, a front end without
        the widget extension) a sentence saying so instead of ``VBox(children=...)``."""
        bundle = dict(self.box._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = ("[A slider and a sentence. If you read this instead of seeing them, widgets do not "
                                "render in this front end: open the notebook in JupyterLab (make lab), or on Colab "
                                "run google.colab.output.enable_custom_widget_manager() first.]")
        return bundle
