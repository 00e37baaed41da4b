"""Figures of notebooks/01_lookup_tables.ipynb.

Introduced in notebooks/01_lookup_tables.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

from .axes import axes_or_new

__all__ = ["plot_lookup_cost", "plot_table"]


def plot_lookup_cost(rows: Sequence[dict], ax=None):
    """Time per lookup against vocabulary size: gather vs one-hot product (log-log).

    Args:
        rows (sequence of dict): the output of :func:`course_lib.lookup.time_lookups`.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> rows = [{"vocab_size": 10, "gather_ms": 0.01, "one_hot_ms": 0.02},
        ...         {"vocab_size": 100, "gather_ms": 0.01, "one_hot_ms": 0.2}]
        >>> ax = plot_lookup_cost(rows)
        >>> ax.get_xlabel()
        'vocabulary size V (rows in the table)'

    Introduced in notebooks/01_lookup_tables.ipynb.
    """
    ax = axes_or_new(ax)
    sizes = [r["vocab_size"] for r in rows]
    ax.loglog(sizes, [r["one_hot_ms"] for r in rows], "o-", label="one_hot(ids) @ W")
    ax.loglog(sizes, [r["gather_ms"] for r in rows], "s-", label="emb(ids)  (gather)")
    ax.set_xlabel("vocabulary size V (rows in the table)")
    ax.set_ylabel("time per lookup call (ms, median)")
    ax.set_title("A gather does not care how big the table is")
    ax.legend()
    return ax


def plot_table(weight: torch.Tensor, *, highlight: Sequence[int] = (), row_labels: Sequence[str] | None = None,
               title: str = "embedding table", value_label: str = "weight value", ax=None):
    """Draw a (V, D) table as a heatmap, one row per id, with chosen rows outlined.

    Args:
        weight (Tensor): shape ``(V, D)``; moved to the CPU for drawing.
        highlight (sequence of int, optional): rows to outline (and bold); the other rows
            are faded. Default: none.
        row_labels (sequence of str, optional): a label per row (e.g. words). Default: the ids.
        title (str, optional): the title. Default: ``"embedding table"``.
        value_label (str, optional): the colour bar's label (e.g. ``"gradient"`` when the table
            is ``emb.weight.grad``). Default: ``"weight value"``.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_table(torch.eye(4, 3), highlight=[1])
        >>> [p.get_gid() for p in ax.patches]  # row 1 outlined, the others faded
        ['faded', 'highlight', 'faded', 'faded']

    Introduced in notebooks/01_lookup_tables.ipynb.
    """
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        raise ValueError(f"weight must be a 2-D (V, D) tensor; got {getattr(weight, 'shape', type(weight))}")
    ax = axes_or_new(ax)
    data = weight.detach().float().cpu().numpy()
    limit = float(abs(data).max()) or 1.0
    image = ax.imshow(data, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=value_label)
    num_rows, num_cols = data.shape
    ax.set_yticks(range(num_rows), row_labels if row_labels is not None else range(num_rows))
    ax.set_xticks(range(num_cols))
    ax.set_xlabel("dimension d")
    ax.set_ylabel("row (id)")
    ax.grid(False)
    chosen = set(int(r) for r in highlight)
    for row in range(num_rows):
        if row in chosen:  # an outline inset a little, so neighbouring rows stay apart
            ax.add_patch(plt.Rectangle((-0.45, row - 0.42), num_cols - 0.1, 0.84, fill=False,
                                       edgecolor="black", linewidth=2, gid="highlight"))
        elif chosen:  # fade the rows that were not chosen
            ax.add_patch(plt.Rectangle((-0.5, row - 0.5), num_cols, 1, facecolor="white", alpha=0.65,
                                       edgecolor="none", gid="faded"))
    for label in ax.get_yticklabels():
        if chosen and int(label.get_position()[1]) in chosen:
            label.set_fontweight("bold")
    ax.set_title(title)
    return ax
