"""Widgets drawn and driven in a real JupyterLab, in Chromium."""
from __future__ import annotations


def test_lesson00_widget_check_responds_to_the_slider(open_notebook):
    notebook = open_notebook("00_start_here.ipynb")
    notebook.run_all()
    # The notebook itself moves the slider to 8 before the learner touches it.
    readout = notebook.page.locator(".widget-label", has_text="stores 10 x 8 = 80 numbers.")
    readout.wait_for(timeout=120_000)
    handle = notebook.page.locator(".widget-slider .noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    notebook.page.locator(".widget-label", has_text="nn.Embedding(10, 9) stores 10 x 9 = 90 numbers.").wait_for(timeout=10_000)
    assert notebook.page.locator(".widget-readout").first.inner_text().strip() == "9"
