"""TrainingStepper: step an optimizer on a tiny 2-D table of words and watch which rows move.

The stepper holds its "frozen" rows with a strategy from
:mod:`course_lib.freezing.strategies` (``"none"``, ``"zero_grad"``, and what lesson 06 adds).

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import torch

from ..freezing.strategies import STRATEGIES, holds_exactly
from .canvas import BlitCanvas, css, widget_mimebundle

__all__ = ["ANCHORS", "OPTIMIZERS", "WORDS", "StepRecord", "TrainingStepper"]

#: The words of the table (row i is WORDS[i]) and the point each category pulls its words to.
WORDS = ("king", "queen", "dog", "cat", "paris", "rome", "tea", "coffee")
ANCHORS = {"people": (-1.5, 1.5), "animals": (1.5, 1.5), "places": (-1.5, -1.5), "drinks": (1.5, -1.5)}
_NEW_OPTIMIZER = "new optimizer for the trainable rows; its state starts empty"

#: name -> (what the readout calls it, factory(params, lr)); the stepper's "optimizer" menu.
OPTIMIZERS = {
    "SGD": ("SGD", lambda params, lr: torch.optim.SGD(params, lr=lr)),
    "SGD with momentum": ("SGD(momentum=0.9)", lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9)),
    "Adam": ("Adam", lambda params, lr: torch.optim.Adam(params, lr=lr)),
    "AdamW": ("AdamW(weight_decay=0.1)", lambda params, lr: torch.optim.AdamW(params, lr=lr, weight_decay=0.1)),
}


@dataclass(frozen=True)
class StepRecord:
    """What one step did: the batch, the rows with gradient, each row's move, the frozen rows.

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    step: int
    optimizer: str
    lr: float
    batch: list[int]
    grad_rows: list[int]
    moves: torch.Tensor  # (V,) distance each row moved
    frozen: list[int]
    strategy: str
    loss: float

    @property
    def moved_rows(self) -> list[int]:
        return (self.moves > 0).nonzero().flatten().tolist()


def _names(words: list[str]) -> str:
    return ", ".join(words)


class TrainingStepper:
    r"""Train a tiny ``(V, 2)`` table of words step by step and watch which rows move.

    Each row is a word drawn as a point. The loss pulls every word of the batch towards the
    anchor of its category: ``0.5 * ||W[id] - anchor(id)||^2`` summed over the batch, so a
    row gets gradient only if its word is in the batch (twice as much if it is there twice).
    "step" runs one optimizer step; "history" scrubs through the recorded steps. Changing the
    optimizer starts over; the lr, the batch, the frozen rows and the strategy apply to the next
    steps, so rows can be frozen in the middle of training. The optimizer is kept, state and all,
    while the strategy's ``parameters(weight)`` are the very tensors it holds (hook strategies:
    ``[weight]``); a strategy with Parameters of its own gets a new optimizer, its state empty.

    Args:
        optimizer (str, optional): a key of :data:`OPTIMIZERS`. Default: ``"SGD"``.
        lr (float, optional): one of ``0.01, 0.03, 0.1, 0.3, 1.0``. Default: ``0.3``.
        batch (str, optional): words separated by spaces (repeats count). Default: ``"king queen"``.
        frozen (sequence of str, optional): words held by the strategy. Default: none.
        strategy (str, optional): a key of :data:`STRATEGIES`. Default: ``"none"``.
        seed (int, optional): seed of the starting table. Default: ``0``.

    Attributes:
        history (list of Tensor): the table before step 1, after step 1, ... each ``(V, 2)``.
        records (list of StepRecord): what each step did. positions (Tensor): the table at the
        step the history slider shows. words (list of str): row ``i`` is ``words[i]``.

    Examples::

        >>> stepper = TrainingStepper()
        >>> stepper.step_button.click()
        >>> stepper.records[-1].grad_rows, stepper.records[-1].moved_rows   # king, queen
        ([0, 1], [0, 1])

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    LRS = (0.01, 0.03, 0.1, 0.3, 1.0)

    def __init__(self, *, optimizer: str = "SGD", lr: float = 0.3, batch: str = "king queen",
                 frozen=(), strategy: str = "none", seed: int = 0):
        import ipywidgets as widgets

        from ..toyworld import category_of

        for name, value, choices in (("optimizer", optimizer, OPTIMIZERS), ("strategy", strategy, STRATEGIES),
                                     ("lr", lr, self.LRS), *(("frozen", w, WORDS) for w in frozen)):
            if value not in choices:
                raise ValueError(f"{name} must be one of {list(choices)}; got {value!r}")
        self.words = list(WORDS)
        self.categories = [category_of(w) for w in self.words]
        self.targets = torch.tensor([ANCHORS[c] for c in self.categories])                    # (V, 2)
        gen = torch.Generator().manual_seed(seed)  # a ring, categories mixed, slightly jittered
        angle = torch.tensor([0, 4, 1, 5, 2, 6, 3, 7]) * torch.pi / 4 + torch.rand(len(WORDS), generator=gen) * 0.3
        self.initial = 0.9 * torch.stack([angle.cos(), angle.sin()], dim=1)                     # (V, 2)
        self.weight = torch.nn.Parameter(self.initial.clone())
        self.optimizer = css(widgets.Dropdown(options=list(OPTIMIZERS), value=optimizer, description="optimizer"),
                             "course-stepper-optimizer")
        self.lr = css(widgets.SelectionSlider(options=list(self.LRS), value=lr, description="lr"), "course-stepper-lr")
        self.batch = css(widgets.Text(value=batch, description="batch", continuous_update=False),
                         "course-stepper-batch")
        self.frozen = css(widgets.SelectMultiple(options=self.words, value=tuple(frozen), description="frozen",
                                                 rows=4), "course-stepper-frozen")
        self.strategy = css(widgets.Dropdown(options=list(STRATEGIES), value=strategy, description="strategy"),
                            "course-stepper-strategy")
        self.step_button = css(widgets.Button(description="step", button_style="primary"), "course-stepper-step")
        self.reset_button = css(widgets.Button(description="reset"), "course-stepper-reset")
        self.history_slider = css(widgets.IntSlider(value=0, min=0, max=0, description="history"),
                                  "course-stepper-history")
        _build_figure(self, ANCHORS)
        self.image = css(widgets.Image(format="png", layout={"width": f"{self.canvas.width_px}px"}),
                         "course-stepper-figure")
        self.readout = css(widgets.HTML(), "course-stepper-readout")
        self.box = css(widgets.VBox([
            widgets.HBox([widgets.VBox([self.optimizer, self.lr, self.batch]),
                          widgets.VBox([self.frozen, self.strategy])]),
            widgets.HBox([self.step_button, self.reset_button, self.history_slider]), self.image, self.readout]),
            "course-stepper")
        self._strategy, self.opt, self.error, self._quiet, self._note, self._blocked = None, None, None, False, "", None
        self.optimizer.observe(lambda change: self.reset(), names="value")
        self.lr.observe(lambda change: self._set_lr(), names="value")
        self.batch.observe(lambda change: self.update(), names="value")
        self.frozen.observe(lambda change: self._set_strategy(), names="value")
        self.strategy.observe(lambda change: self._set_strategy(), names="value")
        self.history_slider.observe(lambda change: self.update(), names="value")
        self.step_button.on_click(lambda button: self.step())
        self.reset_button.on_click(lambda button: self.reset())
        self.reset()

    # ---------------------------------------------------------------- actions
    @property
    def frozen_ids(self) -> torch.Tensor:
        return torch.tensor([self.words.index(w) for w in self.frozen.value], dtype=torch.long)

    def batch_ids(self) -> torch.Tensor:
        """The batch as row ids; ``ValueError`` naming an unknown word."""
        words = self.batch.value.split()
        unknown = [w for w in words if w not in self.words]
        if unknown or not words:
            raise ValueError(f"the batch takes words of the table ({', '.join(self.words)}); "
                             f"got {unknown[0] if unknown else 'nothing'!r}")
        return torch.tensor([self.words.index(w) for w in words], dtype=torch.long)       # (N,)

    def reset(self) -> None:
        """Start over: the starting table, the strategy attached afresh, a fresh optimizer, an empty history."""
        with torch.no_grad():
            self.weight.copy_(self.initial)
        self.weight.grad, self.opt = None, None
        self.history, self.records = [self.initial.clone()], []
        self._set_strategy(redraw=False)
        self._note = ""
        self._show(0)

    def step(self) -> StepRecord | None:
        """One optimizer step on the batch; returns what it did (None if the batch is bad)."""
        try:
            ids = self.batch_ids()
            if self._strategy is None:
                raise ValueError(self._blocked)
        except ValueError as err:
            self.error = str(err)
            self.readout.value = f"<b>cannot step</b>: {html.escape(self.error)}"
            return None
        frozen, before, self._note = self.frozen_ids, self.weight.detach().clone(), ""
        self.opt.zero_grad()
        rows = self._strategy.embed(self.weight, ids)                                        # (N, 2)
        loss = 0.5 * ((rows - self.targets[ids]) ** 2).sum()
        loss.backward()
        self._strategy.after_backward(self.weight, frozen)
        grad = self._strategy.grad(self.weight)                                              # (V, 2) or None
        grad_rows = [] if grad is None else grad.abs().sum(1).nonzero().flatten().tolist()
        self.opt.step()
        self._strategy.after_step(self.weight, frozen)
        after = self.weight.detach().clone()
        moves = torch.where((after != before).any(1), (after - before).norm(dim=1), 0.0)      # (V,)
        self.history.append(after)
        self.records.append(StepRecord(len(self.records) + 1, self.optimizer.value, self.lr.value, ids.tolist(),
                                       grad_rows, moves, frozen.tolist(), self.strategy.value, loss.item()))
        self._show(len(self.records))
        return self.records[-1]

    def _show(self, k: int) -> None:
        self._quiet = True
        try:
            self.history_slider.max = max(k, len(self.records))
            self.history_slider.value = k
        finally:
            self._quiet = False
        self.update()

    def _set_lr(self) -> None:
        for group in self.opt.param_groups if self.opt else ():
            group["lr"] = self.lr.value
        self.update()

    def _set_strategy(self, redraw: bool = True) -> None:
        """Attach the chosen strategy; keep the optimizer only if it holds exactly its parameters."""
        if self._strategy is not None:
            self._strategy.detach(self.weight)
        self._strategy, strategy = None, STRATEGIES[self.strategy.value]()
        try:
            strategy.attach(self.weight, self.frozen_ids)
            params = list(strategy.parameters(self.weight))
            if not params:
                raise ValueError("it leaves no row to train; unfreeze a word")
        except ValueError as err:   # e.g. every word frozen under a strategy that trains the others
            self._blocked = f"{self.strategy.value} cannot hold these frozen rows: {err}"
            return self.update() if redraw else None
        self._strategy, self._blocked = strategy, None
        if not holds_exactly(self.opt, params):
            self._note = _NEW_OPTIMIZER if self.opt is not None else ""   # (reset builds its own silently)
            self.opt = OPTIMIZERS[self.optimizer.value][1](params, self.lr.value)
        if redraw:
            self.update()

    # ---------------------------------------------------------------- state and figure
    @property
    def positions(self) -> torch.Tensor:
        """The table at the step the history slider shows, ``(V, 2)``."""
        return self.history[self.history_slider.value]

    @property
    def record(self) -> StepRecord | None:
        """What the shown step did (None at step 0)."""
        k = self.history_slider.value
        return self.records[k - 1] if k else None

    def _reading(self) -> str:
        rec = self.record
        if rec is None:
            return "step 0: the starting table; press step to train on the batch"
        grad = [self.words[i] for i in rec.grad_rows]
        parts = [f"step {rec.step}: " + (f"row{'s' if len(grad) > 1 else ''} {_names(grad)} got gradient"
                                         if grad else "no row got gradient")]
        moved = rec.moved_rows
        if moved:
            top = int(rec.moves.argmax())
            parts.append(f"{len(moved)} row{'s' if len(moved) > 1 else ''} moved, "
                         f"max move {float(rec.moves[top]):.3f} ({self.words[top]})")
        else:
            parts.append("no row moved")
        if rec.frozen:
            held = [f"{self.words[i]} " + (f"moved {float(rec.moves[i]):.3f}" if rec.moves[i] > 0 else "still")
                    for i in rec.frozen]
            parts.append(f"frozen ({rec.strategy}): {', '.join(held)}")
        return "; ".join(parts)

    def update(self) -> None:
        """Redraw the step the history slider shows, then write the reading."""
        if getattr(self, "_quiet", False):
            return
        try:
            self.batch_ids()
            self.error = None
        except ValueError as err:
            self.error = str(err)
        k, rec = self.history_slider.value, self.record
        pos, prev = self.positions, self.history[max(k - 1, 0)]
        self.points.set_offsets(pos.numpy())
        for i, label in enumerate(self.labels):
            label.set_position((float(pos[i, 0]) + 0.08, float(pos[i, 1]) + 0.08))
            moved = rec is not None and bool(rec.moves[i] > 0)
            self.arrows[i].set_visible(moved)
            self.arrows[i].set_positions(tuple(prev[i].tolist()), tuple(pos[i].tolist()))
        grad_rows = rec.grad_rows if rec else []
        frozen = rec.frozen if rec else self.frozen_ids.tolist()
        self.grad_marks.set_offsets(pos[grad_rows].numpy().reshape(-1, 2))
        self.frozen_marks.set_offsets(pos[frozen].numpy().reshape(-1, 2))
        title = f"{OPTIMIZERS[self.optimizer.value][0]}, lr={self.lr.value}; frozen rows: {self.strategy.value}"
        if title != self.title.get_text():
            self.title.set_text(title)
            self.canvas.invalidate("slow")
        self.image.value = self.canvas.render()
        self.reading = self._reading() + (f"; {self._note}" if self._note else "")
        error = f"; <b>batch</b>: {html.escape(self.error)}" if self.error else ""
        error += f"; <b>strategy</b>: {html.escape(self._blocked)}" if self._strategy is None else ""
        self.readout.value = html.escape(self.reading) + error   # after the figure, for browser tests

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, and a picture of its current figure where widgets cannot run."""
        return widget_mimebundle(self.box, self.image.value, "TrainingStepper", **kwargs)


# ---------------------------------------------------------------- the figure
_COLOURS = {"people": "#0072B2", "animals": "#E69F00", "places": "#009E73", "drinks": "#CC79A7"}


def _build_figure(stepper, anchors: dict[str, tuple[float, float]]) -> None:
    """Give ``stepper`` its canvas and artists: ``canvas``, ``ax``, ``grad_marks``,
    ``frozen_marks``, ``points``, ``labels``, ``arrows`` and ``title``.

    Args:
        stepper (TrainingStepper): reads ``words``, ``categories`` and ``initial`` ``(V, 2)``.
        anchors (dict): category -> the point the loss pulls its words to.

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    stepper.canvas = BlitCanvas((6.4, 3.9))
    ax = stepper.ax = stepper.canvas.figure.add_axes((0.08, 0.11, 0.5, 0.8))
    for cat, (x, y) in anchors.items():
        ax.plot(x, y, "+", markersize=14, markeredgewidth=2, color=_COLOURS[cat], alpha=0.6)
        ax.text(x, y - 0.32, cat, ha="center", fontsize=8, color=_COLOURS[cat])
    ax.set_xlim(-2.4, 2.4)
    ax.set_ylim(-2.4, 2.4)
    ax.set_aspect("equal")
    ax.set_xlabel("dimension 0", fontsize=8)
    ax.set_ylabel("dimension 1", fontsize=8)
    ax.tick_params(labelsize=8)
    colours = [_COLOURS[c] for c in stepper.categories]
    animate = stepper.canvas.animate
    # animated artists are drawn in the order they are created: arrows last, on top
    stepper.grad_marks = animate(ax.scatter([], [], s=260, facecolors="none", edgecolors="#D55E00", linewidths=2))
    stepper.frozen_marks = animate(ax.scatter([], [], s=230, marker="s", facecolors="none", edgecolors="black",
                                              linewidths=1.5))
    stepper.points = animate(ax.scatter(stepper.initial[:, 0], stepper.initial[:, 1], s=40, c=colours))
    stepper.labels = [animate(ax.text(0, 0, w, fontsize=8)) for w in stepper.words]
    stepper.arrows = [animate(ax.add_patch(FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=12,
                                                           shrinkA=0, shrinkB=0, color="black", linewidth=1.2,
                                                           gid="move")))
                      for _ in stepper.words]
    stepper.title = animate(ax.set_title("", fontsize=9), layer="slow")  # changes seldom
    ax.legend(handles=[
        Line2D([], [], marker="+", ls="", color="grey", markersize=10, label="anchor (the loss pulls here)"),
        Line2D([], [], marker="o", ls="", color="grey", label="a row (word)"),
        Line2D([], [], marker="o", ls="", mfc="none", mec="#D55E00", mew=2, markersize=12, label="got gradient"),
        Line2D([], [], marker="s", ls="", mfc="none", mec="black", markersize=11, label="frozen row"),
        Line2D([], [], marker=">", ls="-", color="black", markersize=6, label="its move in this step"),
    ], loc="center left", bbox_to_anchor=(1.03, 0.5), fontsize=8)
