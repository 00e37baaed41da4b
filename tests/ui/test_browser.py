"""Widgets drawn and driven in a real JupyterLab, in Chromium."""
from __future__ import annotations

import base64
import contextlib
import io

import matplotlib

import numpy as np
import pytest
from pathlib import Path



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


# ---- lesson 02: the gradient explorer and the training stepper ----------------------------

_PNG_OF_IMG = """async (img) => {
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text);
}"""


def _pixels(png: bytes):
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(png), format="png")


def _shown_pixels(image_locator):
    """The pixels of an ipywidgets.Image as the browser holds them."""
    return _pixels(base64.b64decode(image_locator.evaluate(_PNG_OF_IMG)))


def _wait_for_readout(readout, text: str, timeout: float = 20_000) -> None:
    readout.page.wait_for_function("([el, text]) => el.innerText.trim() === text",
                                   arg=[readout.element_handle(), text], timeout=timeout)


@contextlib.contextmanager
def _course_style():
    """Matplotlib settings as ``course_lib.setup()`` leaves them in the notebook's kernel."""
    from course_lib import runtime

    with matplotlib.rc_context():
        runtime._set_display_defaults()
        yield


def _act_and_compare(box, name: str, make_expected, act, mirror, reading_starts: str) -> None:
    """Check the explorer in ``box`` shows what a headless twin shows, before and after an action.

    ``act(box)`` acts in the browser; ``mirror(expected)`` does the same to the twin. The readout
    must reach the twin's reading, and the figure must change and equal the twin's, pixel for pixel.
    """
    readout, figure = box.locator(f".course-{name}-readout"), box.locator(f"img.course-{name}-figure")
    with _course_style():
        expected = make_expected()
        _wait_for_readout(readout, expected.reading)
        before = _shown_pixels(figure)
        np.testing.assert_array_equal(before, _pixels(expected.image.value))
        act(box)
        mirror(expected)
    assert expected.reading.startswith(reading_starts)
    _wait_for_readout(readout, expected.reading)
    after = _shown_pixels(figure)
    assert not np.array_equal(before, after), "the figure did not change"
    np.testing.assert_array_equal(after, _pixels(expected.image.value))


def test_gradient_explorer_redraws_for_a_sum_loss(lesson02):
    from course_lib.widgets import GradientExplorer

    _act_and_compare(
        lesson02.page.locator(".course-gradient-explorer").first, "gradient", GradientExplorer,
        act=lambda box: box.locator(".course-gradient-reduction").get_by_role("button", name="sum", exact=True).click(),
        mirror=lambda explorer: setattr(explorer.reduction, "value", "sum"),
        reading_starts="sum of 24 outputs: each lookup adds 1 to its row")


def test_training_stepper_steps_in_the_browser(lesson02):
    from course_lib.widgets import TrainingStepper

    _act_and_compare(
        lesson02.page.locator(".course-stepper").first, "stepper", TrainingStepper,
        act=lambda box: box.locator("button.course-stepper-step").click(),
        mirror=lambda stepper: stepper.step(),
        reading_starts="step 1: rows king, queen got gradient")


def test_embedding_space_explorer_scrubs_a_step_and_follows_words_in_the_browser(lesson02):
    """Lesson 02's embedding-space explorer, opened on the trained table (step 800): one step to the left
    with the keyboard redraws the picture and the readout, and words typed into "follow" get their labels."""
    from course_lib.embedding_space import train_embedding_space
    from course_lib.widgets import EmbeddingSpaceExplorer

    box = lesson02.page.locator(".course-space-explorer").first
    box.scroll_into_view_if_needed()
    space = train_embedding_space()   # the lesson's run, repeated here: the same seed gives the same table

    def step_left(box):
        handle = box.locator(".course-space-step .noUi-handle").first
        handle.focus()
        handle.press("ArrowLeft")

    _act_and_compare(box, "space", lambda: EmbeddingSpaceExplorer(space, step=800), act=step_left,
                     mirror=lambda explorer: explorer.select(799),
                     reading_starts="after 799 of 800 steps: the next batch looks up")

    def follow(box):
        field = box.locator(".course-space-follow input")
        field.fill("queen coffee")
        field.press("Enter")

    _act_and_compare(box, "space", lambda: EmbeddingSpaceExplorer(space, step=799), act=follow,
                     mirror=lambda explorer: setattr(explorer.follow, "value", "queen coffee"),
                     reading_starts="after 799 of 800 steps")
    assert "nearest: queen -> " in box.locator(".course-space-readout").inner_text()


def _run_and_find(notebook, box_class: str, readout_class: str | None = None):
    """Run the whole notebook, wait until its explorer has drawn and the kernel is idle; the explorer's box."""
    notebook.run_all()
    notebook.page.locator(f".{readout_class or box_class + '-readout'}").first.wait_for(timeout=180_000)
    notebook.wait_idle(timeout=180_000)
    return notebook.page.locator(f".{box_class}").first


# ---- lesson 06: the stepper's strategy picker ------------------------------------------------

def test_lesson06_stepper_holds_king_still_after_switching_to_partially_frozen(open_notebook):
    from course_lib.widgets import TrainingStepper

    box = _run_and_find(open_notebook("06_partial_freezing.ipynb"), "course-stepper")

    def act(box):  # one step with zero_grad (king drifts), then partially_frozen and one more step
        step = box.locator("button.course-stepper-step")
        step.click()
        _wait_for_readout(box.locator(".course-stepper-readout"), after_first_step)
        box.locator(".course-stepper-strategy select").select_option("partially_frozen")
        step.click()

    def mirror(stepper):
        stepper.step()
        stepper.strategy.value = "partially_frozen"
        stepper.step()

    with _course_style():  # what the readout says after the first step, from a headless twin
        twin = TrainingStepper(optimizer="AdamW", frozen=("king",), strategy="zero_grad")
        twin.step()
        after_first_step = twin.reading
    assert "frozen (zero_grad): king moved" in after_first_step
    _act_and_compare(box, "stepper", lambda: TrainingStepper(optimizer="AdamW", frozen=("king",), strategy="zero_grad"),
                     act=act, mirror=mirror, reading_starts="step 2: row queen got gradient")
    assert "frozen (partially_frozen): king still" in box.locator(".course-stepper-readout").inner_text()


# ---- lesson 07: the prompt inspector -------------------------------------------------------

def test_lesson07_prompt_inspector_scrubs_back_one_snapshot(open_notebook):
    import torch

    from course_lib.lm import load_tiny_lm
    from course_lib.prompt_tasks import make_task, train_verbalizer
    from course_lib.prompts import PromptTunedModel
    from course_lib.runtime import num_threads
    from course_lib.widgets import PromptInspector

    box = _run_and_find(open_notebook("07_soft_prompts.ipynb"), "course-prompt-inspector", "course-prompt-readout")

    def lesson_inspector():  # the notebook's training, repeated here as the kernel ran it
        torch.set_num_threads(num_threads())
        torch.manual_seed(0)
        base, vocab = load_tiny_lm()
        model = PromptTunedModel(base, 20, "vocab", generator=torch.Generator().manual_seed(0))
        history = train_verbalizer(model, make_task("sentiment", "train", vocab), num_steps=600, lr=0.03,
                                   batch_size=16, seed=0, snapshot_every=25)
        inspector = PromptInspector(history, base.get_input_embeddings().weight, vocab, k=3)
        inspector.select(600)  # the notebook scrubbed to 0 and back; end where it ended
        return inspector

    def act(box):  # the slider's handle, one step to the left: step 575
        handle = box.locator(".course-prompt-step .noUi-handle").first
        handle.focus()
        handle.press("ArrowLeft")

    _act_and_compare(box, "prompt", lesson_inspector, act=act, mirror=lambda inspector: inspector.select(575),
                     reading_starts="step 575 of 600: loss")
    assert box.locator(".course-prompt-table").inner_text().count("\n") >= 20   # one row per prompt vector


# ---- exercise feedback in JupyterLab's light and dark themes -----------------------------

_RGB_OF = """(layers) => {
    // The colour seen where the given computed colours are painted one over another on the page's
    // background, as 0-255 RGBA: text colours may be translucent (the light theme's rgba(0,0,0,.87)),
    // and the browser may compute color-mix() as color(srgb ...); a 1-pixel canvas resolves both.
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext("2d");
    for (const color of [getComputedStyle(document.body).getPropertyValue("--jp-layout-color0") || "white",
                         ...layers.map(([el, property]) => getComputedStyle(el)[property])]) {
        ctx.fillStyle = color;
        ctx.fillRect(0, 0, 1, 1);
    }
    return Array.from(ctx.getImageData(0, 0, 1, 1).data);
}"""


def _luminance(rgba) -> float:
    """WCAG relative luminance of an opaque sRGB colour."""
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, a = rgba
    assert a == 255, f"expected an opaque colour, got {rgba}"
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(fg, bg) -> float:
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_exercise_feedback_is_readable_in_both_themes(theme, open_in_theme):
    """The feedback box takes JupyterLab's theme colours: in the dark theme its text is light on a
    dark background (a fixed light background under the theme's white text was unreadable)."""
    notebook = open_in_theme("00_start_here.ipynb", theme)
    page = notebook.page
    body = page.locator("body")
    assert (body.get_attribute("data-jp-theme-light") == "true") == (theme == "light")
    notebook.run_all()
    for status in ("incorrect", "correct"):
        box = page.locator(f".course-result-{status}").first      # only a fresh run writes this class
        box.wait_for(timeout=120_000)
        bold = box.locator("b").first.element_handle()
        background = page.evaluate(_RGB_OF, [[box.element_handle(), "backgroundColor"]])
        text = page.evaluate(_RGB_OF, [[box.element_handle(), "backgroundColor"], [box.element_handle(), "color"]])
        label = page.evaluate(_RGB_OF, [[box.element_handle(), "backgroundColor"], [bold, "color"]])
        assert _contrast(text, background) >= 4.5, (status, text, background)
        assert _contrast(label, background) >= 3.0, (status, label, background)
        if theme == "dark":
            assert _luminance(background) < 0.1 < 0.6 < _luminance(text), (status, text, background)
        else:
            assert _luminance(text) < 0.1 < 0.6 < _luminance(background), (status, text, background)


def test_reference_answers_stay_collapsed_until_the_learner_opens_one(open_notebook):
    """A learner sees each exercise's question and its result, not the reference answer: solution
    cells are committed collapsed (``jupyter.source_hidden``) and open only when clicked."""
    import nbformat

    from course_lib.tools.nbtools import is_solution_cell

    name = "01_lookup_tables.ipynb"
    root = Path(__file__).resolve().parents[2]
    solutions = [c for c in nbformat.read(root / "notebooks" / name, as_version=4).cells if is_solution_cell(c)]
    assert solutions, "lesson 01 has exercises"
    page = open_notebook(name).page
    placeholders = page.locator(".jp-Cell .jp-InputPlaceholder")
    placeholders.first.wait_for()
    assert placeholders.count() == len(solutions)
    answer_text = page.locator(".jp-CodeCell .jp-InputArea-editor", has_text="# BEGIN SOLUTION")
    assert sum(answer_text.nth(i).is_visible() for i in range(answer_text.count())) == 0
    placeholders.first.click()
    answer_text.first.wait_for(state="visible", timeout=10_000)
    assert sum(answer_text.nth(i).is_visible() for i in range(answer_text.count())) == 1
