"""Browser tests: JupyterLab started by a fixture, driven by Playwright through Debian's Chromium.

The fixture copies ``notebooks/`` into a temporary folder, starts JupyterLab there on
127.0.0.1 (a free port, a random token, its own config, settings and workspace folders),
and stops it by its process id. Chromium is the system one (``/usr/bin/chromium``, or
``COURSE_CHROMIUM``); nothing is downloaded (never run ``playwright install``).

Without Chromium or Playwright these tests skip with the reason, except where a browser is
required (``COURSE_REQUIRE_BROWSER=1``, which ``.ci/run`` sets, or ``CI`` set): there they fail.
On a failure the page's screenshot is kept in ``build/ui-screenshots/``.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "ui-screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# JupyterLab settings for a quiet, predictable page: no news toast, no update check, and every
# cell attached to the page (the default windowing leaves cells out of view unrendered).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _browser_required() -> bool:
    return os.environ.get("COURSE_REQUIRE_BROWSER") == "1" or bool(os.environ.get("CI"))


def _unavailable(reason: str):
    if _browser_required():
        pytest.fail(f"{reason} (a browser is required here: COURSE_REQUIRE_BROWSER=1 or CI is set)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    """The system Chromium: ``COURSE_CHROMIUM``, else ``/usr/bin/chromium``, else on PATH."""
    candidates = [os.environ.get("COURSE_CHROMIUM"), "/usr/bin/chromium",
                  shutil.which("chromium"), shutil.which("chromium-browser")]
    return next((c for c in candidates if c and Path(c).is_file() and os.access(c, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server, then its whole process group (kernels included) if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait(timeout=10)


class Lab:
    """A running JupyterLab: its URL, token and the folder it serves."""

    def __init__(self, url: str, token: str, folder: Path, log: Path):
        self.url, self.token, self.folder, self.log = url, token, folder, log

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/notebooks/{name}?token={self.token}&reset"


#: the settings override that opens JupyterLab in its dark theme
DARK_THEME = {"@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Dark"}}


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Lab:
    """JupyterLab over a temporary copy of the notebooks, on 127.0.0.1 and a free port."""
    yield from _serve(tmp_path_factory, LAB_SETTINGS)


@pytest.fixture(scope="session")
def dark_lab(tmp_path_factory) -> Lab:
    """The same, in JupyterLab's dark theme (a settings override, as a learner's choice would be)."""
    yield from _serve(tmp_path_factory, {**LAB_SETTINGS, **DARK_THEME})


def _serve(tmp_path_factory, lab_settings: dict):
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    settings = home / "settings"
    for name, values in lab_settings.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_PREFER_ENV_PATH": "1",
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={home / 'workspaces'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "jupyterlab.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Lab(url, token, home, log)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        _unavailable("no Chromium found (install Debian's package: apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(request, browser):
    """A fresh page (1400 x 1000); its screenshot is kept in build/ui-screenshots/ on failure."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    _keep_screenshot_on_failure(request, page)
    context.close()


def _keep_screenshot_on_failure(request, page) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)


class NotebookPage:
    """One notebook open in JupyterLab, with the few actions the tests need."""

    def __init__(self, page, lab: Lab, name: str):
        self.page, self.lab, self.name = page, lab, name

    def open(self) -> "NotebookPage":
        self.page.goto(self.lab.notebook_url(self.name))
        self.page.locator(".jp-Notebook").first.wait_for()
        self.wait_idle(timeout=60_000)
        return self

    def wait_idle(self, timeout: float = 120_000) -> None:
        """Wait until the status bar says the kernel is attached and idle."""
        self.page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=timeout)

    def run_all(self) -> None:
        self.page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        self.page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    def wait_for_text(self, text: str, timeout: float = 120_000):
        """The first element showing ``text`` once it is visible."""
        locator = self.page.get_by_text(text, exact=False).first
        locator.wait_for(timeout=timeout)
        return locator


@pytest.fixture
def open_notebook(page, lab):
    """``open_notebook("02_gradient_flow.ipynb")`` opens it and waits for an idle kernel."""
    return lambda name: NotebookPage(page, lab, name).open()


@pytest.fixture
def open_in_theme(page, request):
    """``open_in_theme("00_start_here.ipynb", "dark")``: a notebook in JupyterLab's light or dark theme."""
    def open_(name: str, theme: str) -> NotebookPage:
        lab = request.getfixturevalue({"light": "lab", "dark": "dark_lab"}[theme])
        return NotebookPage(page, lab, name).open()
    return open_


@pytest.fixture(scope="module")
def _lesson02_run(lab, browser):
    """Lesson 02 opened and run once for all its tests (running it takes most of the time)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    notebook = NotebookPage(page, lab, "02_gradient_flow.ipynb").open()
    notebook.run_all()
    page.locator(".course-stepper-readout").first.wait_for(timeout=180_000)
    notebook.wait_idle(timeout=180_000)
    yield notebook
    context.close()


@pytest.fixture
def lesson02(request, _lesson02_run):
    """Lesson 02, run; a failing test keeps the page's screenshot."""
    yield _lesson02_run
    _keep_screenshot_on_failure(request, _lesson02_run.page)
