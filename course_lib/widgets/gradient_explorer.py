"""GradientExplorer: type a batch, see which rows of the table get gradient, and how much.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

import html
import re

import torch
import torch.nn.functional as F

from .canvas import BlitCanvas, css, widget_mimebundle
from ..lookup import check_ids
from ..vocab import Vocab
from .._util import is_int

__all__ = ["GradientExplorer", "parse_batch"]

#: The batch of a widely shared answer about embedding gradients: ids of shape (2, 4).
DEFAULT_TOKENS = "1 2 4 5 | 4 3 2 9"
MAX_ROWS = 16  # rows drawn at most; a bigger table shows its looked-up rows only
_INT = re.compile(r"-?\d+")


def parse_batch(text: str, vocab: Vocab | None = None, pad_id: int = 0) -> torch.Tensor:
    """Read a batch typed as text: sentences separated by ``|``, tokens by spaces.

    Tokens that are all integers are ids; otherwise they are words, encoded with ``vocab``.
    Shorter sentences are padded with ``pad_id``.

    Returns:
        Tensor: ids of shape ``(B, T)``.

    Examples::

        >>> parse_batch("1 2 4 5 | 4 3")
        tensor([[1, 2, 4, 5],
                [4, 3, 0, 0]])
        >>> vocab = Vocab.from_tokens("the cat saw the dog".split())
        >>> vocab.tokens
        ['<pad>', '<unk>', 'the', 'cat', 'dog', 'saw']
        >>> parse_batch("the cat | a dog", vocab)   # "a" is not in the vocabulary: <unk>
        tensor([[2, 3],
                [1, 4]])

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    sentences = [s.split() for s in str(text).replace("\n", "|").split("|")]
    sentences = [s for s in sentences if s]
    if not sentences:
        raise ValueError("type at least one token, e.g. '1 2 4 5 | 4 3 2 9'")
    tokens = [t for s in sentences for t in s]
    if all(_INT.fullmatch(t) for t in tokens):
        rows = [[int(t) for t in s] for s in sentences]
    elif vocab is None:
        raise ValueError("words need a vocabulary: GradientExplorer(vocab=course_lib.data.load_vocab()); "
                         "without one, type ids such as '1 2 4 5'")
    else:
        rows = [vocab.encode(s).tolist() for s in sentences]
    width = max(map(len, rows))
    return torch.tensor([r + [pad_id] * (width - len(r)) for r in rows], dtype=torch.long)  # (B, T)


def _num(x: float) -> str:
    if abs(x - round(x)) < 1e-9:
        return str(int(round(x)))
    return f"{x:.4f}" if abs(x) >= 1e-3 else f"{x:.2e}"


def _times(k: int) -> str:
    return {1: "once", 2: "twice"}.get(k, f"{k} times")


def _rows(names: list[str]) -> str:
    if len(names) == 1:
        return f"row {names[0]}"
    if len(names) > 6:
        return f"rows {', '.join(names[:5])} and {len(names) - 5} more"
    return f"rows {', '.join(names[:-1])} and {names[-1]}"


class GradientExplorer:
    r"""Which rows of an embedding table get gradient from a batch, and how much.

    The loss is ``reduction(F.embedding(ids, weight, padding_idx, scale_grad_by_freq=...))``
    over all ``B x T x D`` outputs; its gradient does not depend on the weights, so the
    table shows the pure effect of the lookup's backward pass (a scatter-add).

    Args:
        tokens (str, optional): the batch, sentences separated by ``|``: ids, or words when
            ``vocab`` is given. Default: ``"1 2 4 5 | 4 3 2 9"``.
        vocab (Vocab, optional): turns words into ids; the table then has ``len(vocab)``
            rows and row labels are words. Default: ``None``.
        num_embeddings (int, optional): V without a vocabulary. Default: ``10``.
        embedding_dim (int, optional): D. Default: ``3``.
        reduction (str, optional): ``"mean"`` or ``"sum"``. Default: ``"mean"``.
        padding_idx (bool, optional): whether row 0 is ``padding_idx``. Default: ``False``.
        scale_grad_by_freq (bool, optional): Default: ``False``.

    Attributes:
        ids (Tensor): the batch, ``(B, T)``. counts (Tensor): lookups per row, ``(V,)``.
        grad (Tensor): the table's gradient, ``(V, D)``. highlighted_rows (list of int):
        rows with non-zero gradient (outlined). shown_rows (list of int): rows drawn.
        reading (str): the one-line reading under the figure. error (str or None).

    Examples::

        >>> explorer = GradientExplorer()
        >>> explorer.highlighted_rows
        [1, 2, 3, 4, 5, 9]
        >>> explorer.reduction.value = "sum"
        >>> explorer.grad[4].tolist()
        [2.0, 2.0, 2.0]

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    def __init__(self, tokens: str = DEFAULT_TOKENS, *, vocab: Vocab | None = None, num_embeddings: int = 10,
                 embedding_dim: int = 3, reduction: str = "mean", padding_idx: bool = False,
                 scale_grad_by_freq: bool = False):
        import ipywidgets as widgets

        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum'; got {reduction!r}")
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not is_int(value) or not 1 <= value <= 64:
                raise ValueError(f"{name} must be an int from 1 to 64 (a table small enough to draw); got {value!r}")
        self.vocab = vocab
        self.num_embeddings = len(vocab) if vocab is not None else num_embeddings
        self.embedding_dim = embedding_dim
        wide = {"description_width": "initial"}
        self.tokens = css(widgets.Text(value=tokens, description="tokens", continuous_update=False, style=wide,
                                       layout={"width": "420px"}), "course-gradient-tokens")
        self.reduction = css(widgets.ToggleButtons(options=["mean", "sum"], value=reduction, description="reduction",
                                                   style={**wide, "button_width": "60px"}, layout={"width": "auto"}),
                             "course-gradient-reduction")
        self.padding_idx = css(widgets.Checkbox(value=padding_idx, description="padding_idx", indent=False,
                                                tooltip="padding_idx=0: row 0 gets no gradient",
                                                layout={"width": "auto", "margin": "0 16px 0 0"}),
                               "course-gradient-padding-idx")
        self.scale_grad_by_freq = css(widgets.Checkbox(value=scale_grad_by_freq, description="scale_grad_by_freq",
                                                       indent=False, layout={"width": "auto", "margin": "0 16px 0 0"}),
                                      "course-gradient-scale-grad-by-freq")
        self.canvas = BlitCanvas((6.0, 3.4))
        self.image = css(widgets.Image(format="png", layout={"width": f"{self.canvas.width_px}px"}),
                         "course-gradient-figure")
        self.readout = css(widgets.HTML(), "course-gradient-readout")
        self.box = css(widgets.VBox([self.tokens, self.reduction,
                                     widgets.HBox([self.padding_idx, self.scale_grad_by_freq]),
                                     self.image, self.readout]), "course-gradient-explorer")
        self._build_figure()
        self.error = None
        for control in (self.tokens, self.reduction, self.padding_idx, self.scale_grad_by_freq):
            control.observe(lambda change: self.update(), names="value")
        self.update()

    # ---------------------------------------------------------------- state
    def _label(self, row: int, note: str = "") -> str:
        inside = ", ".join(x for x in (self.vocab.tokens[row] if self.vocab is not None else "", note) if x)
        return f"{row} ({inside})" if inside else str(row)

    def compute(self, ids: torch.Tensor) -> torch.Tensor:
        """The gradient of the loss with respect to the table, for ids ``(B, T)``: ``(V, D)``."""
        weight = torch.zeros(self.num_embeddings, self.embedding_dim, requires_grad=True)   # (V, D)
        out = F.embedding(ids, weight, padding_idx=0 if self.padding_idx.value else None,
                          scale_grad_by_freq=self.scale_grad_by_freq.value)                 # (B, T, D)
        (out.mean() if self.reduction.value == "mean" else out.sum()).backward()
        return weight.grad

    def update(self) -> None:
        """Recompute the gradient from the controls, redraw, then write the reading."""
        try:
            ids = check_ids(parse_batch(self.tokens.value, self.vocab), self.num_embeddings, name="tokens")
        except (ValueError, TypeError, IndexError) as err:
            self.error = str(err)
            self.readout.value = f"<b>cannot read the tokens</b>: {html.escape(self.error)}"
            return
        self.error = None
        self.ids = ids
        self.counts = torch.bincount(ids.flatten(), minlength=self.num_embeddings)           # (V,)
        self.grad = self.compute(ids)
        self.highlighted_rows = self.grad.abs().sum(1).nonzero().flatten().tolist()
        self.reading = self._reading()
        self.image.value = self._draw()
        self.readout.value = html.escape(self.reading)   # after the figure, for browser tests

    def _reading(self) -> str:
        n_out = self.ids.numel() * self.embedding_dim
        mean = self.reduction.value == "mean"
        unit, unit_text = (1 / n_out, f"1/{n_out}") if mean else (1.0, "1")
        unit_full = f"{unit_text} = {_num(unit)}" if mean else "1"
        parts = [f"{self.reduction.value} of {n_out} outputs: each lookup adds {unit_full} to its row"]
        pad = 0 if self.padding_idx.value else None
        counts = {r: int(c) for r, c in enumerate(self.counts.tolist()) if c and r != pad}
        top = max(counts.values(), default=0)
        if self.scale_grad_by_freq.value and top > 1:
            parts.append(f"scale_grad_by_freq divides each row by its count, so every looked-up row gets {_num(unit)}")
        elif top == 1:
            parts.append(f"no row was looked up twice: each looked-up row gets {_num(unit)}")
        elif top > 1:
            names = [self._label(r) for r, c in counts.items() if c == top]
            whose = "its" if len(names) == 1 else "their"
            parts.append(f"{_rows(names)} {'was' if len(names) == 1 else 'were'} looked up {_times(top)}: "
                         f"{whose} gradient is {top} x {unit_text} = {_num(top * unit)}")
        if pad is not None:
            k = int(self.counts[pad])
            parts.append(f"row {self._label(pad, 'padding_idx')} was looked up {_times(k)} but gets no gradient"
                         if k else f"row {self._label(pad, 'padding_idx')} is not in the batch")
        idle = [r for r in range(self.num_embeddings) if self.counts[r] == 0 and r != pad]
        if idle:
            named = (f"rows {', '.join(map(str, idle))}" if len(idle) > 1 else f"row {idle[0]}") \
                if len(idle) <= 6 else f"{len(idle)} other rows"
            parts.append(f"{named}: not looked up, zero gradient")
        return "; ".join(parts)

    # ---------------------------------------------------------------- figure
    def _rows_to_show(self) -> list[int]:
        if self.num_embeddings <= MAX_ROWS:
            return list(range(self.num_embeddings))
        used = self.counts.nonzero().flatten().tolist()
        if 0 not in used:
            used = [0, *used]
        if len(used) > MAX_ROWS:  # keep the most looked-up rows
            used = sorted(used, key=lambda r: -int(self.counts[r]))[:MAX_ROWS]
        return sorted(used)

    def _build_figure(self) -> None:
        """Create the artists once: MAX_ROWS slots of row label, outline and note."""
        from matplotlib.patches import Rectangle

        D, canvas = self.embedding_dim, self.canvas
        ax = self.ax = canvas.figure.add_axes((0.2, 0.14, 0.42, 0.74))
        ax.text(1.04, 1.01, "lookups: value", transform=ax.transAxes, fontsize=8, fontweight="bold")
        ax.set_xticks(range(D))
        ax.set_xlim(-0.5, D - 0.5)
        ax.set_yticks([])
        ax.set_xlabel("dimension d", fontsize=8)
        ax.set_ylabel("row (id)", fontsize=8)
        ax.yaxis.set_label_coords(-0.4, 0.5)
        ax.tick_params(labelsize=8)
        ax.grid(False)
        self.heat = canvas.animate(ax.imshow(torch.zeros(1, D).numpy(), cmap="Blues", vmin=0, vmax=1,
                                             aspect="auto", interpolation="nearest"))
        self.labels = [canvas.animate(ax.text(-0.6, i, "", ha="right", va="center", fontsize=8, clip_on=False),
                                      layer="slow") for i in range(MAX_ROWS)]
        self.outlines = [canvas.animate(ax.add_patch(Rectangle((-0.45, i - 0.42), D - 0.1, 0.84, fill=False,
                                                               edgecolor="#D55E00", linewidth=2, gid="highlight")))
                         for i in range(MAX_ROWS)]
        self.notes = [canvas.animate(ax.text(D - 0.35, i, "", va="center", fontsize=8, clip_on=False))
                      for i in range(MAX_ROWS)]
        self.title = canvas.animate(ax.set_title("", fontsize=9))
        self.shown_rows = []

    def _show_rows(self, rows: list[int]) -> None:
        """Point the slots at a new set of rows (only the slow layer is redrawn)."""
        n = len(rows)
        self.ax.set_ylim(n - 0.5, -0.5)
        for i, label in enumerate(self.labels):
            label.set_text(self._label(rows[i]) if i < n else "")
        self.shown_rows = rows
        self.canvas.invalidate("slow")

    def _draw(self) -> bytes:
        rows = self._rows_to_show()
        if rows != self.shown_rows:
            self._show_rows(rows)
        data = self.grad[rows].numpy()                                                  # (rows, D)
        self.heat.set_data(data)
        self.heat.set_extent((-0.5, self.embedding_dim - 0.5, len(rows) - 0.5, -0.5))
        self.heat.set_clim(0, float(data.max()) or 1.0)
        pad = 0 if self.padding_idx.value else None
        chosen = set(self.highlighted_rows)
        for i, (outline, note) in enumerate(zip(self.outlines, self.notes)):
            row = rows[i] if i < len(rows) else None
            outline.set_visible(row in chosen)
            count = int(self.counts[row]) if row is not None else 0
            note.set_text("" if not count else f"x{count}: padding_idx" if row == pad
                          else f"x{count}: {_num(float(self.grad[row, 0]))}")
        self.title.set_text(f"gradient of {self.reduction.value}(emb(ids))")
        return self.canvas.render()

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, and a picture of its current figure where widgets cannot run."""
        return widget_mimebundle(self.box, self.image.value, "GradientExplorer", **kwargs)
