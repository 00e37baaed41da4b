"""The explorers, driven without a browser: set a control's value, check the state and the figure."""
from pathlib import Path
import html

import numpy as np
import pytest
import torch

import course_lib.freezing  # noqa: F401  (registers lesson 06's strategies in the stepper's menu)
from course_lib import Vocab
from course_lib.widgets import (OPTIMIZERS, STRATEGIES, FreezingStrategy, GradientExplorer, TrainingStepper,
                                register_strategy)

PNG = b"\x89PNG"
DEFAULT_MEAN = ("mean of 24 outputs: each lookup adds 1/24 = 0.0417 to its row; rows 2 and 4 were looked up twice: "
                "their gradient is 2 x 1/24 = 0.0833; rows 0, 6, 7, 8: not looked up, zero gradient")
DEFAULT_SUM = ("sum of 24 outputs: each lookup adds 1 to its row; rows 2 and 4 were looked up twice: "
               "their gradient is 2 x 1 = 2; rows 0, 6, 7, 8: not looked up, zero gradient")
FIRST_STEP = "step 1: rows king, queen got gradient; 2 rows moved, max move 0.826 (king)"


def _offsets(scatter):
    return torch.as_tensor(np.asarray(scatter.get_offsets()), dtype=torch.float32)


def _visible(artists):
    return [i for i, a in enumerate(artists) if a.get_visible()]


def _order_of_changes(*widgets):
    """Record which widget's value changes first."""
    seen = []
    for name, widget in widgets:
        widget.observe(lambda change, name=name: seen.append(name), names="value")
    return seen


# ---------------------------------------------------------------- GradientExplorer
def test_explorer_reproduces_the_widely_shared_example():
    explorer = GradientExplorer()
    counts = torch.tensor([0, 1, 2, 1, 2, 1, 0, 0, 0, 1])
    assert torch.equal(explorer.ids, torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]]))
    assert torch.equal(explorer.counts, counts)
    torch.testing.assert_close(explorer.grad, (counts / 24).unsqueeze(1).expand(10, 3))
    assert explorer.highlighted_rows == [1, 2, 3, 4, 5, 9]
    assert explorer.reading == DEFAULT_MEAN
    assert explorer.readout.value == html.escape(DEFAULT_MEAN)
    assert bytes(explorer.image.value).startswith(PNG)
    # the figure: one outline per row with gradient, the heatmap holds the gradient
    assert _visible(explorer.outlines) == [1, 2, 3, 4, 5, 9]
    torch.testing.assert_close(torch.as_tensor(np.asarray(explorer.heat.get_array())), explorer.grad)
    assert explorer.notes[2].get_text() == "x2: 0.0833" and explorer.notes[0].get_text() == ""
    assert [t.get_text() for t in explorer.labels[:10]] == [str(i) for i in range(10)]


def test_sum_makes_every_value_24_times_larger_and_back():
    explorer = GradientExplorer()
    mean_grad = explorer.grad.clone()
    explorer.reduction.value = "sum"
    torch.testing.assert_close(explorer.grad, 24 * mean_grad)
    assert explorer.reading == DEFAULT_SUM
    assert explorer.notes[4].get_text() == "x2: 2"
    assert explorer.title.get_text() == "gradient of sum(emb(ids))"
    explorer.reduction.value = "mean"
    torch.testing.assert_close(explorer.grad, mean_grad)
    assert explorer.reading == DEFAULT_MEAN


def test_padding_idx_takes_row_0_out_of_the_gradient():
    explorer = GradientExplorer("0 0 3 | 3 1 0")
    assert 0 in explorer.highlighted_rows
    explorer.padding_idx.value = True
    assert not explorer.grad[0].any() and explorer.counts[0] == 3
    assert explorer.highlighted_rows == [1, 3]
    assert _visible(explorer.outlines) == [1, 3]
    assert explorer.notes[0].get_text() == "x3: padding_idx"
    assert "row 0 (padding_idx) was looked up 3 times but gets no gradient" in explorer.reading
    explorer.tokens.value = "1 2"
    assert explorer.reading.endswith("row 0 (padding_idx) is not in the batch; 7 other rows: not looked up, zero gradient")


def test_scale_grad_by_freq_gives_every_looked_up_row_the_same_gradient():
    explorer = GradientExplorer(scale_grad_by_freq=True, reduction="sum")
    looked_up = explorer.grad[explorer.counts > 0]
    assert torch.equal(looked_up, torch.ones_like(looked_up))
    assert "so every looked-up row gets 1;" in explorer.reading


def test_words_go_through_the_vocabulary():
    vocab = Vocab.from_tokens("the cat saw the dog".split())  # <pad> <unk> the cat dog saw
    explorer = GradientExplorer("the cat saw a cat | the dog", vocab=vocab, reduction="sum", padding_idx=True)
    assert explorer.ids.tolist() == [[2, 3, 5, 1, 3], [2, 4, 0, 0, 0]]
    assert explorer.grad[:, 0].tolist() == [0.0, 1.0, 2.0, 2.0, 1.0, 1.0]
    assert "rows 2 (the) and 3 (cat) were looked up twice" in explorer.reading
    assert "row 0 (<pad>, padding_idx) was looked up 3 times" in explorer.reading


def test_a_big_vocabulary_shows_only_the_looked_up_rows_without_a_full_redraw():
    vocab = Vocab.from_tokens([f"w{i:03d}" for i in range(100)])   # w000 has id 2
    explorer = GradientExplorer("w005 w007 w005", vocab=vocab)
    assert explorer.shown_rows == [0, 7, 9]  # <pad>, w005, w007
    explorer.tokens.value = "w001 w002 w003 | w004"
    assert explorer.shown_rows == [0, 3, 4, 5, 6]
    assert explorer.labels[1].get_text() == "3 (w001)" and explorer.labels[5].get_text() == ""
    assert explorer.ax.get_ylim() == (4.5, -0.5)
    assert explorer.canvas.full_draws == 1  # only the row labels' layer was redrawn


def test_bad_tokens_leave_the_state_and_say_why():
    explorer = GradientExplorer()
    before = explorer.grad.clone()
    explorer.tokens.value = "1 2 | 3 12"
    assert "cannot read the tokens" in explorer.readout.value and "is 12" in explorer.readout.value
    assert explorer.error and torch.equal(explorer.grad, before)
    explorer.tokens.value = "the cat"
    assert "words need a vocabulary" in explorer.error
    explorer.tokens.value = "1 2"
    assert explorer.error is None and explorer.highlighted_rows == [1, 2]


def test_explorer_redraws_the_figure_before_the_readout():
    explorer = GradientExplorer()
    seen = _order_of_changes(("figure", explorer.image), ("readout", explorer.readout))
    explorer.reduction.value = "sum"
    assert seen == ["figure", "readout"]


def test_explorer_updates_reuse_one_figure_and_its_background():
    explorer = GradientExplorer()
    figure = explorer.canvas.figure
    images = set()
    for value in ["sum", "mean", "sum"]:
        explorer.reduction.value = value
        images.add(bytes(explorer.image.value))
    explorer.padding_idx.value = True
    assert explorer.canvas.figure is figure and explorer.canvas.full_draws == 1
    assert len(images) == 2  # the same state draws the same PNG


def test_explorer_controls_have_descriptions_and_css_classes():
    explorer = GradientExplorer()
    expected = {"tokens": "course-gradient-tokens", "reduction": "course-gradient-reduction",
                "padding_idx": "course-gradient-padding-idx",
                "scale_grad_by_freq": "course-gradient-scale-grad-by-freq"}
    for attr, css in expected.items():
        widget = getattr(explorer, attr)
        assert widget.description == attr and css in widget._dom_classes
    assert "course-gradient-figure" in explorer.image._dom_classes
    assert "course-gradient-readout" in explorer.readout._dom_classes
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


@pytest.mark.parametrize("kwargs, match", [({"reduction": "max"}, "reduction must be 'mean' or 'sum'; got 'max'"),
                                           ({"embedding_dim": 0}, "embedding_dim must be an int from 1 to 64"),
                                           ({"num_embeddings": 10.0}, "num_embeddings must be an int")])
def test_explorer_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GradientExplorer(**kwargs)


def test_explorer_reads_repeats_and_single_lookups():
    explorer = GradientExplorer("7 7 7 | 1 2 3", reduction="sum")
    assert "row 7 was looked up 3 times: its gradient is 3 x 1 = 3" in explorer.reading
    explorer.tokens.value = "1 2 3"
    assert "no row was looked up twice: each looked-up row gets 0.1111" in GradientExplorer("1 2 3").reading


# ---------------------------------------------------------------- TrainingStepper
def _rows_that_moved(before, after):
    return (before != after).any(1).nonzero().flatten().tolist()


def test_one_sgd_step_moves_only_the_rows_in_the_batch():
    stepper = TrainingStepper()
    assert stepper.reading == "step 0: the starting table; press step to train on the batch"
    start = stepper.positions.clone()
    stepper.step_button.click()
    after = stepper.positions
    assert _rows_that_moved(start, after) == [0, 1]  # king, queen; the rest bit-for-bit still
    assert stepper.lr.value == 0.3
    expected = start[:2] - 0.3 * (start[:2] - stepper.targets[:2])  # SGD on 0.5 * ||w - anchor||^2
    torch.testing.assert_close(after[:2], expected)
    assert stepper.reading == FIRST_STEP
    assert stepper.readout.value == FIRST_STEP
    assert stepper.records[0].grad_rows == [0, 1] and len(stepper.history) == 2


def test_a_word_twice_in_the_batch_gets_twice_the_gradient():
    stepper = TrainingStepper(batch="dog dog")
    start = stepper.positions.clone()
    stepper.step_button.click()
    torch.testing.assert_close(stepper.positions[2], start[2] - 2 * 0.3 * (start[2] - stepper.targets[2]))


@pytest.mark.parametrize("optimizer, moved", [
    ("SGD", [2]), ("SGD with momentum", [0, 1, 2]), ("Adam", [0, 1, 2]), ("AdamW", list(range(8)))])
def test_which_rows_move_after_they_leave_the_batch(optimizer, moved):
    stepper = TrainingStepper(optimizer=optimizer)
    stepper.step()                      # king, queen
    stepper.batch.value = "dog"
    before = stepper.positions.clone()
    record = stepper.step()
    assert record.grad_rows == [2]
    assert _rows_that_moved(before, stepper.positions) == moved == record.moved_rows


def test_figure_marks_gradient_rows_frozen_rows_and_moves():
    stepper = TrainingStepper(optimizer="SGD with momentum", frozen=["cat"])
    stepper.step()
    stepper.batch.value = "dog"
    stepper.step()
    pos = stepper.positions
    assert torch.equal(_offsets(stepper.points), pos)
    assert torch.equal(_offsets(stepper.grad_marks), pos[[2]])
    assert torch.equal(_offsets(stepper.frozen_marks), pos[[3]])
    assert _visible(stepper.arrows) == [0, 1, 2]
    tail, head = stepper.arrows[2]._posA_posB
    assert torch.allclose(torch.tensor([tail, head]).float(), torch.stack([stepper.history[1][2], pos[2]]))
    stepper.history_slider.value = 1  # scrub back: step 1 moved king and queen
    assert torch.equal(stepper.positions, stepper.history[1])
    assert _visible(stepper.arrows) == [0, 1]
    assert stepper.reading == FIRST_STEP.replace("0.826", f"{stepper.records[0].moves.max():.3f}") + \
        "; frozen (none): cat still"


def test_zero_grad_holds_a_frozen_row_under_plain_sgd():
    stepper = TrainingStepper(frozen=["king"], strategy="zero_grad")
    start = stepper.positions.clone()
    record = stepper.step()
    assert torch.equal(stepper.positions[0], start[0])  # bit-for-bit
    assert record.grad_rows == [1] and record.moved_rows == [1]
    assert stepper.reading.endswith("frozen (zero_grad): king still")


def test_under_none_a_frozen_row_trains():
    stepper = TrainingStepper(frozen=["king"], strategy="none")
    record = stepper.step()
    assert 0 in record.grad_rows and 0 in record.moved_rows
    assert "frozen (none): king moved" in stepper.reading


@pytest.mark.parametrize("optimizer", ["AdamW", "SGD with momentum"])
def test_zero_grad_leaks(optimizer):
    stepper = TrainingStepper(optimizer=optimizer)
    stepper.step()                                   # king trains, the optimizer keeps state
    stepper.frozen.value, stepper.strategy.value = ("king",), "zero_grad"
    before = stepper.positions.clone()
    record = stepper.step()
    assert 0 not in record.grad_rows
    assert not torch.equal(stepper.positions[0], before[0])  # the "frozen" row moved
    assert "frozen (zero_grad): king moved" in stepper.reading


def test_a_registered_strategy_is_offered_and_hooked_in():
    calls = []

    class Restore(FreezingStrategy):
        name = "test_restore"
        summary = "copy the frozen rows back after every step"

        def attach(self, weight, frozen):
            calls.append("attach")
            self.saved = weight.detach()[frozen].clone()

        def detach(self, weight):
            calls.append("detach")

        def after_step(self, weight, frozen):
            with torch.no_grad():
                weight[frozen] = self.saved

    register_strategy(Restore)
    try:
        stepper = TrainingStepper(optimizer="AdamW", frozen=["king", "dog"], strategy="test_restore")
        assert "test_restore" in stepper.strategy.options
        start = stepper.positions.clone()
        for _ in range(3):
            stepper.step()
        assert torch.equal(stepper.positions[[0, 2]], start[[0, 2]])
        assert "attach" in calls
        stepper.strategy.value = "none"
        assert calls[-1] == "detach"
        with pytest.raises(ValueError, match="registered already"):
            register_strategy(type("Other", (FreezingStrategy,), {"name": "test_restore"}))
    finally:
        STRATEGIES.pop("test_restore")
    with pytest.raises(TypeError, match="FreezingStrategy subclass"):
        register_strategy(object)


def test_changing_the_optimizer_starts_over_and_lr_applies_to_the_next_step():
    stepper = TrainingStepper()
    stepper.step()
    stepper.lr.value = 0.1
    assert len(stepper.history) == 2 and stepper.opt.param_groups[0]["lr"] == 0.1
    before = stepper.positions.clone()
    stepper.step()
    torch.testing.assert_close(stepper.positions[1], before[1] - 0.1 * (before[1] - stepper.targets[1]))
    stepper.optimizer.value = "Adam"
    assert len(stepper.history) == 1 and torch.equal(stepper.positions, stepper.initial)
    assert isinstance(stepper.opt, torch.optim.Adam) and stepper.history_slider.max == 0


def test_a_bad_batch_does_not_step():
    stepper = TrainingStepper()
    stepper.batch.value = "king zebra"
    assert "zebra" in stepper.readout.value
    assert stepper.step() is None and len(stepper.history) == 1
    assert "cannot step" in stepper.readout.value


def test_stepper_redraws_the_figure_before_the_readout_and_reuses_it():
    stepper = TrainingStepper()
    seen = _order_of_changes(("figure", stepper.image), ("readout", stepper.readout))
    stepper.step_button.click()
    assert seen == ["figure", "readout"]
    stepper.history_slider.value = 0
    assert stepper.canvas.full_draws == 1


def test_stepper_controls_have_descriptions_and_css_classes():
    stepper = TrainingStepper()
    for attr, label, css in [("optimizer", "optimizer", "optimizer"), ("lr", "lr", "lr"), ("batch", "batch", "batch"),
                             ("frozen", "frozen", "frozen"), ("strategy", "strategy", "strategy"),
                             ("step_button", "step", "step"), ("reset_button", "reset", "reset"),
                             ("history_slider", "history", "history")]:
        widget = getattr(stepper, attr)
        assert widget.description == label and f"course-stepper-{css}" in widget._dom_classes
    assert "course-stepper-figure" in stepper.image._dom_classes
    assert "course-stepper-readout" in stepper.readout._dom_classes
    assert list(stepper.optimizer.options) == list(OPTIMIZERS) == ["SGD", "SGD with momentum", "Adam", "AdamW"]
    assert list(stepper.strategy.options)[:2] == ["none", "zero_grad"]


@pytest.mark.parametrize("kwargs, match", [({"optimizer": "Adagrad"}, "optimizer must be one of"),
                                           ({"lr": 0.5}, "lr must be one of"),
                                           ({"frozen": ["zebra"]}, "frozen must be one of"),
                                           ({"strategy": "magic"}, "strategy must be one of")])
def test_stepper_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainingStepper(**kwargs)


# ---------------------------------------------------------------- TrainingStepper: strategies with modules

NEW_OPTIMIZER = "new optimizer for the trainable rows; its state starts empty"


class _TrainRows(FreezingStrategy):
    """A module strategy written here from the protocol alone: a frozen copy of the table plus
    one Parameter of the trainable rows (the stepper must not depend on lesson 06's classes)."""

    name = "test_train_rows"

    def attach(self, weight, frozen):
        keep = torch.ones(len(weight), dtype=torch.bool)
        keep[frozen] = False
        if not keep.any():
            raise ValueError("trainable_ids is empty; leave at least one row unfrozen")
        self.ids, self.base = keep.nonzero().flatten(), weight.detach().clone()
        self.rows = torch.nn.Parameter(self.base[self.ids].clone())

    def parameters(self, weight):
        return [self.rows]

    def embed(self, weight, ids):
        return torch.nn.functional.embedding(ids, self.base.index_copy(0, self.ids, self.rows))

    def after_step(self, weight, frozen):
        with torch.no_grad():
            weight.copy_(self.base.index_copy(0, self.ids, self.rows))

    def grad(self, weight):
        return None if self.rows.grad is None else torch.zeros_like(self.base).index_copy(0, self.ids, self.rows.grad)


MODULE_STRATEGIES = ["test_train_rows", "split_tables", "trainable_tokens", "partially_frozen"]


@pytest.fixture
def train_rows():
    register_strategy(_TrainRows, replace=True)
    yield
    STRATEGIES.pop(_TrainRows.name)


def _held(opt):
    return [p for group in opt.param_groups for p in group["params"]]


@pytest.mark.usefixtures("train_rows")
@pytest.mark.parametrize("strategy", ["zero_grad", *MODULE_STRATEGIES])
def test_adamw_moves_zero_grad_rows_and_not_a_module_strategys(strategy):
    stepper = TrainingStepper(optimizer="AdamW", frozen=["king", "dog"], strategy=strategy,
                              batch="king queen dog cat")
    start = stepper.positions.clone()
    for _ in range(3):
        record = stepper.step()
    assert record.grad_rows == [1, 3]  # the rings: the frozen rows never get gradient
    assert torch.equal(_offsets(stepper.grad_marks), stepper.positions[[1, 3]])
    assert _rows_that_moved(start[[1, 3]], stepper.positions[[1, 3]]) == [0, 1]  # queen and cat learned
    if strategy == "zero_grad":  # AdamW's weight decay is applied to every row it holds
        assert record.moved_rows == list(range(8))
        assert "frozen (zero_grad): king moved" in stepper.reading
    else:                        # the frozen rows are not in the optimizer: bit-for-bit still
        assert torch.equal(stepper.positions[[0, 2]], start[[0, 2]])
        assert 0 not in record.moved_rows and 2 not in record.moved_rows
        assert stepper.reading.endswith(f"frozen ({strategy}): king still, dog still")


@pytest.mark.usefixtures("train_rows")
@pytest.mark.parametrize("strategy", ["zero_grad", *MODULE_STRATEGIES])
def test_after_a_warm_start_zero_grad_keeps_adams_state_and_a_module_strategy_starts_empty(strategy):
    stepper = TrainingStepper(optimizer="Adam", batch="king queen dog cat")
    for _ in range(3):
        stepper.step()                                   # every row trains: Adam builds momentum
    warm = stepper.opt
    stepper.frozen.value = ("king", "dog")
    stepper.strategy.value = strategy
    if strategy == "zero_grad":
        assert stepper.opt is warm and warm.state[stepper.weight]["step"] == 3
        assert NEW_OPTIMIZER not in stepper.reading
    else:
        assert stepper.opt is not warm and not stepper.opt.state
        assert isinstance(stepper.opt, torch.optim.Adam) and stepper.opt.param_groups[0]["lr"] == 0.3
        assert stepper.reading.endswith(NEW_OPTIMIZER) and stepper.reading.count(NEW_OPTIMIZER) == 1
    before = stepper.positions.clone()
    for _ in range(2):
        record = stepper.step()
        assert record.grad_rows == [1, 3]
    assert NEW_OPTIMIZER not in stepper.reading        # said once, at the switch
    held_still = torch.equal(stepper.positions[[0, 2]], before[[0, 2]])
    assert held_still == (strategy != "zero_grad")     # stale Adam state moves the zero_grad rows
    assert record.moved_rows == ([0, 1, 2, 3] if strategy == "zero_grad" else [1, 3])


@pytest.mark.usefixtures("train_rows")
def test_switching_strategies_keeps_the_optimizer_only_when_it_holds_the_same_parameters():
    stepper = TrainingStepper(optimizer="SGD with momentum")
    stepper.step()
    first = stepper.opt
    stepper.frozen.value = ("king",)
    stepper.strategy.value = "zero_grad"                 # hook to hook: the same [weight]
    assert stepper.opt is first and len(first.state) == 1
    stepper.strategy.value = "test_train_rows"           # hook to module: its own Parameter
    module_opt = stepper.opt
    assert module_opt is not first and _held(module_opt) == [stepper._strategy.rows]
    assert stepper.reading.endswith(NEW_OPTIMIZER)
    stepper.step()
    stepper.lr.value = 0.1                               # the lr reaches the new optimizer
    assert stepper.opt is module_opt and module_opt.param_groups[0]["lr"] == 0.1
    stepper.frozen.value = ("king", "queen")             # new rows, a new module: a new optimizer
    assert stepper.opt is not module_opt and _held(stepper.opt)[0].shape == (6, 2)
    assert stepper.reading.endswith(NEW_OPTIMIZER)
    stepper.strategy.value = "none"                      # module to hook: [weight] is not held
    assert _held(stepper.opt) == [stepper.weight] and not stepper.opt.state
    assert len(stepper.history) == 3                     # none of this started over
    stepper.strategy.value = "test_train_rows"
    stepper.optimizer.value = "Adam"                     # the optimizer menu still starts over
    assert len(stepper.history) == 1 and torch.equal(stepper.weight.detach(), stepper.initial)
    assert isinstance(stepper.opt, torch.optim.Adam) and _held(stepper.opt) == [stepper._strategy.rows]
    assert NEW_OPTIMIZER not in stepper.reading
    torch.testing.assert_close(stepper._strategy.rows.detach(), stepper.initial[2:])  # rebuilt from the reset table


@pytest.mark.usefixtures("train_rows")
@pytest.mark.parametrize("strategy", MODULE_STRATEGIES)
def test_rings_show_only_trainable_rows_under_a_module_strategy(strategy):
    stepper = TrainingStepper(optimizer="SGD", frozen=["king"], strategy=strategy, batch="king queen dog")
    start = stepper.positions.clone()
    record = stepper.step()
    assert record.grad_rows == [1, 2] and record.moved_rows == [1, 2]
    assert torch.equal(_offsets(stepper.grad_marks), stepper.positions[[1, 2]])
    assert torch.equal(_offsets(stepper.frozen_marks), stepper.positions[[0]])
    expected = start[[1, 2]] - 0.3 * (start[[1, 2]] - stepper.targets[[1, 2]])  # the same SGD step as "none"
    torch.testing.assert_close(stepper.positions[[1, 2]], expected)
    assert stepper.reading.startswith("step 1: rows queen, dog got gradient; 2 rows moved")


def test_the_strategy_menu_lists_lesson_05s_strategies_in_order():
    assert list(TrainingStepper().strategy.options) == ["none", "zero_grad", "split_tables", "grad_hook",
                                                        "restore_rows", "trainable_tokens", "partially_frozen"]


@pytest.mark.usefixtures("train_rows")
@pytest.mark.parametrize("strategy", MODULE_STRATEGIES)
def test_a_module_strategy_with_every_row_frozen_cannot_step_until_one_is_unfrozen(strategy):
    stepper = TrainingStepper(strategy=strategy)
    stepper.frozen.value = tuple(stepper.words)
    assert f"{strategy} cannot hold these frozen rows" in stepper.readout.value
    assert stepper.step() is None and len(stepper.history) == 1
    assert "cannot step" in stepper.readout.value
    stepper.frozen.value = ("dog",)
    assert stepper.step().moved_rows == [0, 1] and "cannot" not in stepper.readout.value


def test_bench_widgets_times_every_action(capsys):
    from course_lib.tools.bench import BENCHMARKS, WIDGET_TARGET_MS, bench_widgets

    rows = bench_widgets(repeats=1)
    assert BENCHMARKS["widgets"] is bench_widgets
    assert {r["explorer"] for r in rows} == {"GradientExplorer", "GradientExplorer(vocab)", "TrainingStepper",
                                             "PromptInspector", "EmbeddingSpaceExplorer"}
    assert {"reduction", "step", "history", "step (partially_frozen)", "strategy (new optimizer)",
            "step (jump)", "step (next, as play does)", "follow (new words)"} <= {r["action"] for r in rows}
    for r in rows:
        assert r["median_ms"] > 0 and r["ratio"] == pytest.approx(r["median_ms"] / WIDGET_TARGET_MS)
    out = capsys.readouterr().out
    assert "median (ms)" in out and "target (ms)" in out and "ratio" in out


def test_the_browser_contract_documents_the_readouts_a_browser_test_waits_for():
    contract = Path(__file__).parent / "ui" / "README.md"
    doc = " ".join(contract.read_text().split())
    for text in (DEFAULT_MEAN, DEFAULT_SUM, FIRST_STEP, "step 0: the starting table; press step to train on the batch",
                 NEW_OPTIMIZER):
        assert text in doc
    for css in ("course-gradient-readout", "course-gradient-figure", "course-stepper-step", "course-stepper-readout"):
        assert css in doc
