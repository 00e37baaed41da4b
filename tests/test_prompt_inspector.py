"""PromptInspector, driven without a browser: the slider, the nearest words, the figure, the readout."""
from pathlib import Path
import html

import numpy as np
import pytest
import torch

from course_lib.models import TinyLM, TinyLMConfig
from course_lib.widgets.prompt_inspector import PromptInspector
from course_lib.prompt_tasks import VerbalizerTask, train_verbalizer
from course_lib.prompts import PromptTunedModel, nearest_tokens

PNG = b"\x89PNG"
V, D, P = 24, 16, 4
WORDS = [f"w{i}" for i in range(V)]
INIT_IDS = [5, 9, 13, 17]


@pytest.fixture(scope="module")
def trained():
    """A tiny TinyLM, a 4-vector prompt started from the words w5 w9 w13 w17, 40 steps, a snapshot every 10."""
    torch.manual_seed(0)
    base = TinyLM(TinyLMConfig(vocab_size=V, d_model=D, n_heads=2, max_len=16))
    model = PromptTunedModel(base, P, "text", init_token_ids=INIT_IDS)
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(2, V, (64, 6), generator=gen)
    labels = (ids[:, 0] % 2)                                                  # the class: the first word's parity
    task = VerbalizerTask(ids, torch.full((64,), 6), labels, torch.tensor([3, 4]), ("odd", "even"))
    history = train_verbalizer(model, task, num_steps=40, lr=0.3, batch_size=8, seed=0, snapshot_every=10)
    return history, base.get_input_embeddings().weight


def table_and_history():
    """Six orthogonal words; 3 prompt vectors; at step 10 vectors 0 and 2 point at new words, vector 1 barely moves."""
    table = torch.eye(6) * 2.0                                                # (6, 6): cosine = direction only
    start = torch.eye(6)[:3].clone()                                          # vectors 0, 1, 2 on words a, b, c
    later = start.clone()
    later[0] = torch.tensor([-0.5, 0.0, 0.3, 1.5, 0.0, 0.0])                  # now nearest to d, then c
    later[1, 5] = 0.1                                                          # still nearest to b
    later[2] = torch.tensor([0.0, 0.0, 0.0, 0.0, 1.0, 0.2])                   # now nearest to e, then f
    history = {"step": list(range(1, 21)), "loss": [2.0] * 10 + [1.0] * 10, "snapshot_steps": [0, 10, 20],
               "snapshots": [start, later, later.clone()], "seconds": [0.1]}
    return table, history, list("abcdef")


START = "step 0 of 20: the starting prompt (3 vectors), before training; loss at step 1: 2.000"
AT_10 = ("step 10 of 20: loss 2.000 (mean of steps 1-10); 2 of 3 vectors changed their nearest word since step 0; "
         "moved most: vector 0 (by 2.142), now nearest to d (0.932)")
AT_20 = ("step 20 of 20: loss 1.000 (mean of steps 11-20); 2 of 3 vectors changed their nearest word since step 0; "
         "moved most: vector 0 (by 2.142), now nearest to d (0.932)")


def test_the_slider_offers_the_snapshot_steps_and_starts_at_the_trained_prompt(trained):
    history, table = trained
    inspector = PromptInspector(history, table, WORDS, k=3)
    assert list(inspector.slider.options) == history["snapshot_steps"] == [0, 10, 20, 30, 40]
    assert inspector.step == 40 and inspector.slider.value == 40
    expected = nearest_tokens(history["snapshots"][-1], table, WORDS, k=3, return_scores=True)
    assert inspector.nearest == expected and len(inspector.nearest) == P
    assert bytes(inspector.image.value).startswith(PNG)


def test_text_init_starts_on_its_words(trained):
    history, table = trained
    inspector = PromptInspector(history, table, WORDS, k=2)
    inspector.select(0)
    assert [row[0] for row in inspector.nearest] == [(WORDS[i], 1.0) for i in INIT_IDS]
    assert inspector.changed == [] and not inspector.moved.any()
    assert inspector.reading.startswith("step 0 of 40: the starting prompt (4 vectors), before training; loss at step 1: ")


def test_select_changes_the_reading_the_table_and_the_pixels(trained):
    history, table = trained
    inspector = PromptInspector(history, table, WORDS, k=3)
    before = (inspector.reading, inspector.table.value, bytes(inspector.image.value), inspector.nearest)
    inspector.select(0)
    after = (inspector.reading, inspector.table.value, bytes(inspector.image.value), inspector.nearest)
    assert all(b != a for b, a in zip(before, after))
    assert inspector.moved.sum() == 0 and (PromptInspector(history, table, WORDS).moved > 0).all()


def test_the_changed_count_the_readout_and_the_table_on_a_known_history():
    table, history, words = table_and_history()
    inspector = PromptInspector(history, table, words, k=2, window=10)
    assert inspector.reading == AT_20 and inspector.readout.value == html.escape(AT_20)
    assert inspector.changed == [0, 2]
    torch.testing.assert_close(inspector.moved, torch.tensor([4.59**0.5, 0.1, 2.04**0.5]))
    assert inspector.nearest == [[("d", 0.9321), ("c", 0.1864)], [("b", 0.995), ("f", 0.0995)], [("e", 0.9806), ("f", 0.1961)]]
    rows = inspector.table.value.split("<tr>")[2:]                             # after the caption and the header
    assert "<td>0</td><td>a</td><td><b>d</b> (0.93), c (0.19)</td>" in rows[0]
    assert "<td>1</td><td>b</td><td>b (0.99), f (0.10)</td>" in rows[1] and "<b>" not in rows[1]
    inspector.select(10)
    assert inspector.reading == AT_10
    inspector.select(0)
    assert inspector.reading == START and inspector.changed == [] and "<b>" not in inspector.table.value


def test_the_figure_draws_the_selected_step():
    table, history, words = table_and_history()
    inspector = PromptInspector(history, table, words, k=2)
    widths = [float(path.vertices[:, 0].max()) for path in inspector.cos_bars.get_paths()]
    np.testing.assert_allclose(widths, [0.9321, 0.995, 0.9806], atol=1e-4)
    colours = inspector.cos_bars.get_facecolor()[:, :3].round(3).tolist()
    assert colours[0] == colours[2] != colours[1]                              # changed, same, changed
    assert [t.get_text() for t in inspector.words] == ["d", "b", "e"]
    moves = [float(path.vertices[:, 0].max()) for path in inspector.move_bars.get_paths()]
    np.testing.assert_allclose(moves, inspector.moved.tolist(), atol=1e-6)
    assert list(inspector.marker.get_xdata()) == [20, 20]
    inspector.select(0)
    assert list(inspector.marker.get_xdata()) == [0, 0] and [t.get_text() for t in inspector.words] == ["a", "b", "c"]
    inspector.select(20)                                                       # seen before: the artists follow too
    assert [t.get_text() for t in inspector.words] == ["d", "b", "e"]
    assert inspector.canvas.full_draws == 1                                    # the axes and the loss drawn once


def test_a_twin_built_from_the_same_history_draws_the_same_png(trained):
    history, table = trained
    scrubbed = PromptInspector(history, table, WORDS)
    for step in (0, 30, 10, 20):
        scrubbed.select(step)
    twin = PromptInspector(history, table, WORDS)
    twin.select(20)
    assert bytes(scrubbed.image.value) == bytes(twin.image.value) and scrubbed.reading == twin.reading
    assert scrubbed.table.value == twin.table.value


def test_the_figure_is_redrawn_before_the_readout():
    table, history, words = table_and_history()
    inspector = PromptInspector(history, table, words)
    seen = []
    for name, widget in (("figure", inspector.image), ("table", inspector.table), ("readout", inspector.readout)):
        widget.observe(lambda change, name=name: seen.append(name), names="value")
    inspector.slider.value = 10
    assert seen == ["figure", "table", "readout"]


def test_controls_have_descriptions_and_css_classes():
    table, history, words = table_and_history()
    inspector = PromptInspector(history, table, words)
    assert inspector.slider.description == "step" and "course-prompt-step" in inspector.slider._dom_classes
    for widget, css in ((inspector.box, "inspector"), (inspector.image, "figure"), (inspector.table, "table"),
                        (inspector.readout, "readout")):
        assert f"course-prompt-{css}" in widget._dom_classes
    assert "application/vnd.jupyter.widget-view+json" in inspector._repr_mimebundle_()


def test_a_table_that_needs_grad_or_another_dtype_is_read_as_a_cpu_copy():
    table, history, words = table_and_history()
    param = torch.nn.Parameter(table.double())
    inspector = PromptInspector(history, param, words, k=2, window=10)
    assert inspector.reading == AT_20 and param.grad is None


@pytest.mark.parametrize("change, match", [
    (lambda t, h, w: ({"step": [1], "loss": [1.0]}, t, w, 3), r"history has no prompt snapshots .*pass snapshot_every="),
    (lambda t, h, w: ({**h, "snapshots": h["snapshots"][:2]}, t, w, 3), "3 snapshot_steps for 2 snapshots"),
    (lambda t, h, w: ({**h, "snapshots": [s[:, :4] for s in h["snapshots"]]}, t, w, 3),
     r"snapshots are \(3, 4\) prompts but embedding_weight has D=6; pass the input embedding table"),
    (lambda t, h, w: ({**h, "snapshots": [h["snapshots"][0], h["snapshots"][1][:2], h["snapshots"][2]]}, t, w, 3),
     "must all be"),
    (lambda t, h, w: (h, t, w[:5], 3), "vocab has 5 words but embedding_weight has 6 rows; pass the vocabulary"),
    (lambda t, h, w: (h, t, w, 0), "k must be a positive int; got 0"),
    (lambda t, h, w: (h, t, w, 2.0), "k must be a positive int; got 2.0"),
    (lambda t, h, w: (h, t[0], w, 3), "embedding_weight must be the \\(V, D\\) input embedding table"),
])
def test_bad_input_is_refused_with_the_fix(change, match):
    history, table, words, k = change(*table_and_history())
    with pytest.raises(ValueError, match=match):
        PromptInspector(history, table, words, k=k)


def test_select_names_the_valid_steps():
    table, history, words = table_and_history()
    inspector = PromptInspector(history, table, words)
    with pytest.raises(ValueError, match=r"step must be one of the snapshot steps \(0, 10, 20\); got 15"):
        inspector.select(15)
    long = {**history, "snapshot_steps": list(range(0, 21, 2)) + [21], "snapshots": [history["snapshots"][0]] * 12}
    with pytest.raises(ValueError, match=r"\(0, 2, 4, \.\.\., 21 \(12 snapshots\)\); got 3"):
        PromptInspector(long, table, words).select(3)
    assert inspector.step == 20


def test_the_browser_contract_documents_the_readouts_and_css_classes():
    import course_lib.widgets as widgets_module

    doc = " ".join((Path(__file__).parent / "ui" / "README.md").read_text().split())
    assert widgets_module.PromptInspector is PromptInspector and "PromptInspector" in widgets_module.__all__
    for text in (AT_20, START, "course-prompt-inspector", "course-prompt-step", "course-prompt-figure",
                 "course-prompt-table", "course-prompt-readout"):
        assert text in doc


def test_a_step_seen_before_shows_the_same_png_without_a_redraw():
    table, history, words = table_and_history()
    inspector = PromptInspector(history, table, words)
    first = bytes(inspector.image.value)
    inspector.select(0)
    inspector._pngs.clear()
    inspector.select(20)
    drawn = bytes(inspector.image.value)                                       # drawn again from the artists
    inspector.select(0)
    inspector.select(20)
    assert first == drawn == bytes(inspector.image.value) and set(inspector._pngs) == {0, 20}
