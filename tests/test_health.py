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


def test_doctor_reports_edited_data(tmp_path):
    from course_lib.tools import make_data

    make_data.make_data(tmp_path)
    (tmp_path / "toyworld" / "corpus.txt").write_text("edited\n")
    report = course_lib.doctor(data_dir=tmp_path)
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
    assert "application/vnd.jupyter.widget-view+json" in check._repr_mimebundle_()
