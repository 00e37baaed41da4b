import pytest

import course_lib
from course_lib import health
from course_lib.health import Check, DoctorReport, WidgetCheck


def test_doctor_passes_in_the_course_environment():
    report = course_lib.doctor()
    assert report.ok, repr(report)
    names = [c.name for c in report.checks]
    assert names == ["python", "torch", "numpy", "matplotlib", "ipywidgets", "tqdm", "device", "widgets", "data"]
    assert report.summary().startswith("All 9 checks passed")


def test_doctor_reports_edited_data(shipped):
    (shipped / "toyworld" / "corpus.txt").write_text("edited\n")
    report = course_lib.doctor(data_dir=shipped)
    assert not report.ok
    (bad,) = report.problems
    assert bad.name == "data" and "corpus.txt" in bad.detail and "make-data" in bad.detail


def test_doctor_flags_old_and_missing_packages(monkeypatch):
    monkeypatch.setitem(health._MINIMUM, "numpy", "99.0")
    assert "older than the 99.0" in health._package("numpy").detail
    missing = health._package("no_such_package_xyz")
    assert not missing.ok and "make lab" in missing.detail


def test_report_text_and_html():
    report = DoctorReport([Check("python", True, "3.11"), Check("widgets", False, "missing <ext>")])
    assert not report.ok
    text = repr(report)
    assert "FAIL widgets" in text and "1 of 2 checks failed (widgets)" in text
    assert "missing &lt;ext&gt;" in report._repr_html_()


@pytest.mark.parametrize("value", [1, 7, 16])
def test_widget_check_follows_the_slider(value):
    check = WidgetCheck()
    check.slider.value = value
    assert check.readout.value == f"nn.Embedding(10, {value}) stores 10 x {value} = {10 * value} numbers."
    bundle = check._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    # where widgets cannot render, the text says so instead of "VBox(children=...)"
    assert "widgets do not render in this front end" in bundle["text/plain"] and "VBox" not in bundle["text/plain"]


@pytest.fixture
def shipped(tmp_path):
    """A copy of every file the course ships in data/ (trained ones too), that a test may damage."""
    import shutil

    from course_lib import data

    out = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, out)
    return out


@pytest.mark.parametrize("rel, command", [
    ("tinylm.pt", "python -m course_lib train-tinylm --force"),
    ("prompt_study.json", "python -m course_lib prompt-study"),
    ("toyworld/vocab.json", "python -m course_lib make-data"),
])
def test_doctor_fails_naming_a_missing_shipped_file_and_its_command(shipped, rel, command):
    assert course_lib.doctor(data_dir=shipped).ok
    (shipped / rel).unlink()
    report = course_lib.doctor(data_dir=shipped)
    (bad,) = report.problems
    assert bad.name == "data" and f"data/{rel} is missing; `{command}`" in bad.detail
    assert report.summary() == "1 of 9 checks failed (data); see the details above."


def test_doctor_fails_without_a_data_folder(tmp_path):
    (bad,) = course_lib.doctor(data_dir=tmp_path / "gone").problems
    assert bad.name == "data" and str(tmp_path / "gone") in bad.detail and "reinstall course_lib" in bad.detail


def test_doctor_counts_every_file_it_checked():
    (data_check,) = [c for c in course_lib.doctor().checks if c.name == "data"]
    assert data_check.detail.startswith("data/ holds all 8 course files")


def test_doctor_python_bound_is_requires_python(root):
    import tomllib

    requires = tomllib.loads((root / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=" + ".".join(map(str, health._PYTHON))


def test_widget_check_looks_where_jupyter_looks(monkeypatch, tmp_path):
    import sys
    import types

    import jupyter_core.paths

    monkeypatch.setattr(jupyter_core.paths, "jupyter_path", lambda *parts: [str(tmp_path / "a"), str(tmp_path / "b")])
    missing = health._widgets()
    assert not missing.ok and str(tmp_path / "a") in missing.detail
    (tmp_path / "b" / "@jupyter-widgets" / "jupyterlab-manager").mkdir(parents=True)   # e.g. the user's or /usr/local
    assert health._widgets().ok
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    (tmp_path / "b" / "@jupyter-widgets" / "jupyterlab-manager").rmdir()
    colab = health._widgets()
    assert colab.ok and "enable_custom_widget_manager()" in colab.detail
