"""The browser fixture's rules: skip with a reason on a laptop, fail where a browser is required."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("ui_conftest", Path(__file__).with_name("conftest.py"))
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def test_missing_browser_skips_with_its_reason_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("COURSE_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium found"):
        ui._unavailable("no Chromium found")


@pytest.mark.parametrize("variable, value", [("CI", "true"), ("COURSE_REQUIRE_BROWSER", "1")])
def test_missing_browser_fails_where_required(monkeypatch, variable, value):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("COURSE_REQUIRE_BROWSER", raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(pytest.fail.Exception, match="a browser is required here"):
        ui._unavailable("no Chromium found")


def test_chromium_override_must_be_an_executable(monkeypatch, tmp_path):
    not_executable = tmp_path / "chromium"
    not_executable.write_text("")
    monkeypatch.setenv("COURSE_CHROMIUM", str(not_executable))
    assert ui.chromium_path() != str(not_executable)


def test_ci_script_installs_chromium_and_requires_the_browser(root):
    script = (root / ".ci" / "run").read_text()
    assert "chromium" in script and "COURSE_REQUIRE_BROWSER=1" in script and "make test" in script
