"""PromptInspector: scrub through a soft prompt's training and see each vector's nearest words and the loss.

Introduced in notebooks/07_soft_prompts.ipynb.
"""
from __future__ import annotations

import html
import math

import torch

from .canvas import BlitCanvas, PngCache, css, widget_mimebundle
from ..prompts import nearest_tokens
from .._util import is_int

__all__ = ["PromptInspector"]

_CHANGED, _SAME = "#D55E00", "#999999"   # bar colours: nearest word changed since step 0, or not


def _steps_text(steps: list[int]) -> str:
    """The valid steps, all of them if few, else the first ones, the last and how many."""
    if len(steps) <= 10:
        return ", ".join(map(str, steps))
    return f"{steps[0]}, {steps[1]}, {steps[2]}, ..., {steps[-1]} ({len(steps)} snapshots)"


def _check_history(history, dim: int) -> tuple[list[int], torch.Tensor]:
    """The snapshot steps and the snapshots as one ``(S, P, D)`` CPU tensor; ValueError on a bad history."""
    if not isinstance(history, dict) or not history.get("snapshot_steps") or not history.get("snapshots"):
        keys = sorted(history) if isinstance(history, dict) else type(history).__name__
        raise ValueError(f"history has no prompt snapshots (got {keys}); pass snapshot_every= to train_verbalizer, "
                         "e.g. train_verbalizer(model, task, num_steps=600, snapshot_every=25)")
    steps, snaps = [int(s) for s in history["snapshot_steps"]], history["snapshots"]
    if len(steps) != len(snaps) or len(history.get("loss", ())) != len(history.get("step", ())):
        raise ValueError(f"history is inconsistent: {len(steps)} snapshot_steps for {len(snaps)} snapshots, "
                         f"{len(history.get('step', ()))} steps for {len(history.get('loss', ()))} losses; "
                         "pass the dict train_verbalizer returned, unchanged")
    shapes = {tuple(s.shape) for s in snaps}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError(f"history's snapshots must all be (P, D) prompts of one shape; got shapes {sorted(shapes)}")
    P, D = next(iter(shapes))
    if D != dim:
        raise ValueError(f"history's snapshots are ({P}, {D}) prompts but embedding_weight has D={dim}; pass the "
                         "input embedding table of the model the prompt was trained on "
                         "(base.get_input_embeddings().weight)")
    return steps, torch.stack([s.detach().float().cpu() for s in snaps])           # (S, P, D)


class PromptInspector:
    r"""Scrub through the snapshots of a soft prompt's training: the loss, each vector's nearest words, its move.

    The figure shows, left, the loss of every step (thin) and its running mean over ``window``
    steps (thick) with a marker at the selected step; middle, each prompt vector's cosine to
    its nearest vocabulary word at that step (bars in orange when that word differs from the
    vector's nearest word at step 0, with the word written on the bar); right, how far each
    vector has moved from where it started (Euclidean distance). The table under it lists
    each vector's ``k`` nearest words with their cosines, the nearest word in bold when it
    changed since step 0. Everything is computed once when the inspector is built (a ``(P, V)``
    cosine per snapshot), so moving the "step" slider only redraws, and a step seen before is
    not even redrawn: its PNG is kept.

    Args:
        history (dict): what :func:`~course_lib.prompt_tasks.train_verbalizer` returned with
            ``snapshot_every=``: ``step``, ``loss``, ``snapshot_steps`` and ``snapshots``.
        embedding_weight (Tensor): the base model's ``(V, D)`` input embedding table (any device).
        vocab (Vocab or sequence of str): the words of the table's rows.
        k (int, optional): nearest words listed per vector. Default: ``3``.
        window (int, optional): steps in the running mean of the loss. Default: ``25``.

    Attributes:
        steps (list of int): the snapshot steps, the slider's options. step (int): the selected one.
        nearest (list of list): ``(word, cosine)`` pairs, ``k`` per prompt vector, at the selected step.
        moved (Tensor): ``(P,)`` distance of each vector from its step-0 value at the selected step.
        changed (list of int): the vectors whose nearest word differs from step 0's.
        reading (str): the one-line reading under the figure.

    Examples::

        >>> table = torch.eye(4)
        >>> history = {"step": [1, 2], "loss": [1.0, 0.5], "snapshot_steps": [0, 2],
        ...            "snapshots": [table[[0, 1]].clone(), torch.tensor([[0.1, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.1]])]}
        >>> inspector = PromptInspector(history, table, ["a", "b", "c", "d"], k=2)
        >>> inspector.nearest
        [[('c', 0.995), ('a', 0.0995)], [('b', 0.995), ('d', 0.0995)]]
        >>> print(*inspector.reading.split("; "), sep="\n")
        step 2 of 2: loss 0.750 (mean of steps 1-2)
        1 of 2 vectors changed their nearest word since step 0
        moved most: vector 0 (by 1.345), now nearest to c (0.995)
        >>> inspector.select(0); inspector.nearest[0][0], inspector.changed
        (('a', 1.0), [])

    Introduced in notebooks/07_soft_prompts.ipynb.
    """

    def __init__(self, history: dict, embedding_weight: torch.Tensor, vocab, k: int = 3, *, window: int = 25):
        import ipywidgets as widgets

        for name, value in (("k", k), ("window", window)):
            if not is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        if not isinstance(embedding_weight, torch.Tensor) or embedding_weight.dim() != 2:
            raise ValueError(f"embedding_weight must be the (V, D) input embedding table "
                             f"(base.get_input_embeddings().weight); got {getattr(embedding_weight, 'shape', embedding_weight)!r}")
        table = embedding_weight.detach().float().cpu()                               # (V, D)
        words = vocab.tokens if hasattr(vocab, "tokens") else list(vocab)
        if len(words) != table.shape[0]:
            raise ValueError(f"vocab has {len(words)} words but embedding_weight has {table.shape[0]} rows; pass the "
                             "vocabulary of the same model (load_tiny_lm() returns the model and its vocab)")
        self.steps, snaps = _check_history(history, table.shape[1])                   # (S, P, D)
        self.k, self.window = min(k, len(words)), window
        self.loss_steps, self.losses = list(history["step"]), [float(x) for x in history["loss"]]
        self._nearest = [nearest_tokens(s, table, words, self.k, return_scores=True) for s in snaps]
        self._moves = (snaps - snaps[0]).norm(dim=2)                                  # (S, P)
        self.num_vectors, self.total_steps = snaps.shape[1], max([*self.loss_steps, *self.steps])
        self.slider = css(widgets.SelectionSlider(options=self.steps, value=self.steps[-1], description="step"),
                          "course-prompt-step")
        self._build_figure()
        self._pngs = PngCache(limit=128)                                              # step -> PNG
        self.image = css(widgets.Image(format="png", layout={"width": f"{self.canvas.width_px}px"}),
                         "course-prompt-figure")
        self.table = css(widgets.HTML(), "course-prompt-table")
        self.readout = css(widgets.HTML(), "course-prompt-readout")
        self.box = css(widgets.VBox([self.slider, self.image, self.readout, self.table]), "course-prompt-inspector")
        self.slider.observe(lambda change: self.update(), names="value")
        self.update()

    # ---------------------------------------------------------------- state
    @property
    def step(self) -> int:
        """The selected snapshot step."""
        return self.slider.value

    @property
    def _index(self) -> int:
        return self.steps.index(self.slider.value)

    @property
    def nearest(self) -> list[list[tuple[str, float]]]:
        """``k`` ``(word, cosine)`` pairs per prompt vector at the selected step, nearest first."""
        return [list(row) for row in self._nearest[self._index]]

    @property
    def moved(self) -> torch.Tensor:
        """``(P,)``: how far each prompt vector is from its step-0 value at the selected step."""
        return self._moves[self._index].clone()

    @property
    def changed(self) -> list[int]:
        """The prompt vectors whose nearest word at the selected step differs from their nearest word at step 0."""
        now, start = self._nearest[self._index], self._nearest[0]
        return [i for i in range(self.num_vectors) if now[i][0][0] != start[i][0][0]]

    @property
    def reading(self) -> str:
        """The one-line reading under the figure."""
        return self._reading

    def select(self, step: int) -> None:
        """Move the slider to the snapshot taken at ``step`` (which redraws)."""
        if not is_int(step) or step not in self.steps:
            raise ValueError(f"step must be one of the snapshot steps ({_steps_text(self.steps)}); got {step!r}")
        self.slider.value = step

    def _loss_window(self, step: int) -> tuple[int, int, float] | None:
        """First step, last step and mean loss of the ``window`` training steps up to ``step`` (None before any)."""
        end = sum(1 for s in self.loss_steps if s <= step)
        if end == 0:
            return None
        start = max(0, end - self.window)
        return self.loss_steps[start], self.loss_steps[end - 1], sum(self.losses[start:end]) / (end - start)

    def _read(self) -> str:
        step = self.step
        head = f"step {step} of {self.total_steps}: "
        if step == self.steps[0]:
            first = f"; loss at step {self.loss_steps[0]}: {self.losses[0]:.3f}" if self.losses else ""
            return head + f"the starting prompt ({self.num_vectors} vectors), before training" + first
        span = self._loss_window(step)
        parts = [head + ("no loss recorded" if span is None else
                         f"loss {span[2]:.3f} (" + (f"step {span[1]}" if span[0] == span[1] else
                                                    f"mean of steps {span[0]}-{span[1]}") + ")")]
        parts.append(f"{len(self.changed)} of {self.num_vectors} vectors changed their nearest word since step 0")
        moves, now = self._moves[self._index], self._nearest[self._index]
        top = int(moves.argmax())
        if moves[top] > 0:
            word, cos = now[top][0]
            parts.append(f"moved most: vector {top} (by {float(moves[top]):.3f}), now nearest to {word} ({cos:.3f})")
        else:
            parts.append("no vector has moved")
        return "; ".join(parts)

    # ---------------------------------------------------------------- figure and table
    def _build_figure(self) -> None:
        from matplotlib.collections import PolyCollection
        from matplotlib.ticker import FuncFormatter

        P = self.num_vectors
        self.canvas = BlitCanvas((9.6, 1.1 + max(2.6, 0.16 * P)))
        fig, animate = self.canvas.figure, self.canvas.animate
        bottom, height = 0.8 / fig.get_figheight(), 1 - 1.2 / fig.get_figheight()   # inches kept for labels
        loss_ax = self.loss_ax = fig.add_axes((0.07, bottom, 0.29, height))
        cos_ax = self.cos_ax = fig.add_axes((0.45, bottom, 0.27, height))
        move_ax = self.move_ax = fig.add_axes((0.76, bottom, 0.2, height), sharey=cos_ax)
        means = [self._loss_window(s)[2] for s in self.loss_steps]
        loss_ax.plot(self.loss_steps, self.losses, lw=0.6, color="#56B4E9", label="loss of the step's batch")
        loss_ax.plot(self.loss_steps, means, lw=2.2, color="#0072B2", label=f"mean of the last {self.window} steps")
        if self.losses and min(self.losses) > 0 and max(self.losses) / min(self.losses) > 10:
            loss_ax.set_yscale("log")
            for set_formatter in (loss_ax.yaxis.set_major_formatter, loss_ax.yaxis.set_minor_formatter):
                set_formatter(FuncFormatter(lambda y, _: f"{y:g}" if f"{y:g}"[0] in "125" else ""))
        loss_ax.set_xlim(0, max(self.total_steps, 1))
        loss_ax.set(xlabel="training step", ylabel="cross-entropy loss", title="training loss")
        loss_ax.legend(fontsize=7, loc="upper right")
        self.marker = animate(loss_ax.axvline(0, color="black", lw=1, ls="--"))
        self.mean_dot = animate(loss_ax.plot([], [], "o", color="black", markersize=5)[0])
        self.means = means
        y = list(range(P))
        low = min(0.0, min(row[0][1] for snap in self._nearest for row in snap) - 0.05)
        self.cos_bars = animate(cos_ax.add_collection(PolyCollection([], edgecolors="none")))
        cos_ax.set_xlim(low, 1.0)
        cos_ax.set(xlabel=f"cosine to its nearest word\n(orange: not its nearest word at step {self.steps[0]})",
                   ylabel="prompt vector", title="each vector's nearest word")
        cos_ax.set_ylim(P - 0.5, -0.5)
        cos_ax.set_yticks(y if P <= 24 else y[:: math.ceil(P / 24)])
        self.words = [animate(cos_ax.text(max(low, 0.0) + 0.02, i, "", va="center", fontsize=7)) for i in y]
        self.move_bars = animate(move_ax.add_collection(PolyCollection([], facecolors="#009E73", edgecolors="none")))
        move_ax.set_xlim(0, max(float(self._moves.max()) * 1.1, 1e-6))
        move_ax.set(xlabel=f"distance from its step-{self.steps[0]} value", title="how far each vector moved")
        move_ax.tick_params(labelleft=False)
        for ax in (loss_ax, cos_ax, move_ax):
            ax.tick_params(which="both", labelsize=7)

    @staticmethod
    def _bars(widths, left: float = 0.0) -> list:
        """One rectangle per vector, ``left`` to its width, 0.7 high, centred on the vector's row."""
        return [[(left, i - 0.35), (left, i + 0.35), (w, i + 0.35), (w, i - 0.35)] for i, w in enumerate(widths)]

    def _draw(self) -> bytes:
        """The selected step's PNG: drawn at the first visit, then kept (the figure depends on the step alone)."""
        return self._pngs.get_or_draw(self._set_artists(), self.canvas.render)

    def _set_artists(self) -> int:
        """Point the animated artists at the selected step; return the step."""
        i, step = self._index, self.step
        changed = set(self.changed)
        self.marker.set_xdata([step, step])
        k = sum(1 for s in self.loss_steps if s <= step)
        self.mean_dot.set_data(([step], [self.means[k - 1]]) if k else ([], []))
        nearest = [row[0] for row in self._nearest[i]]
        self.cos_bars.set_verts(self._bars([c for _, c in nearest]))
        self.cos_bars.set_facecolor([_CHANGED if v in changed else _SAME for v in range(self.num_vectors)])
        for text, (word, _) in zip(self.words, nearest):
            text.set_text(word)
        self.move_bars.set_verts(self._bars(self._moves[i].tolist()))
        return step

    def _table_html(self) -> str:
        now, start, changed = self._nearest[self._index], self._nearest[0], set(self.changed)
        head = "".join(f"<th>{n}</th>" for n in ["vector", "nearest at step 0",
                                                 f"{self.k} nearest at step {self.step} (cosine)"])
        rows = []
        for v in range(self.num_vectors):
            cells = [f"<b>{html.escape(w)}</b> ({c:.2f})" if j == 0 and v in changed else f"{html.escape(w)} ({c:.2f})"
                     for j, (w, c) in enumerate(now[v])]
            rows.append(f"<tr><td>{v}</td><td>{html.escape(start[v][0][0])}</td><td>{', '.join(cells)}</td></tr>")
        caption = "<caption>bold: the nearest word changed since step 0</caption>"
        return f"<table>{caption}<tr>{head}</tr>{''.join(rows)}</table>"

    def update(self) -> None:
        """Redraw the selected snapshot, fill the table, then write the reading."""
        self.image.value = self._draw()
        self.table.value = self._table_html()
        self._reading = self._read()
        self.readout.value = html.escape(self._reading)   # after the figure, for browser tests

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, and a picture of its current figure where widgets cannot run."""
        return widget_mimebundle(self.box, self.image.value, "PromptInspector", **kwargs)
