"""Figures of notebooks/02_gradient_flow.ipynb.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence

from .axes import axes_or_new

__all__ = ["plot_gradient_memory", "plot_row_drift"]


def plot_gradient_memory(rows: Sequence[dict], ax=None):
    """Bytes of a table's gradient against vocabulary size: dense vs sparse (log-log).

    Args:
        rows (sequence of dict): the output of :func:`course_lib.autograd_lookup.gradient_memory`.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> rows = [{"vocab_size": 100, "dense_bytes": 400, "sparse_bytes": 720},
        ...         {"vocab_size": 1000, "dense_bytes": 4000, "sparse_bytes": 720}]
        >>> [line.get_label() for line in plot_gradient_memory(rows).get_lines()]
        ['dense: a (V, D) tensor', 'sparse COO: one row per lookup']

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    ax = axes_or_new(ax)
    sizes = [r["vocab_size"] for r in rows]
    ax.loglog(sizes, [r["dense_bytes"] / 2**10 for r in rows], "o-", label="dense: a (V, D) tensor")
    ax.loglog(sizes, [r["sparse_bytes"] / 2**10 for r in rows], "s-", label="sparse COO: one row per lookup")
    ax.set_xlabel("vocabulary size V (rows in the table)")
    ax.set_ylabel("gradient size (KiB)")
    ax.set_title("A sparse gradient does not grow with the table")
    ax.legend()
    return ax


def plot_row_drift(moves: dict, *, left_after: int = 1, ax=None):
    """How far one row moves at each step, per optimizer, after it leaves the batch.

    Args:
        moves (dict): optimizer name -> the row's move (distance) at steps 1, 2, ...
        left_after (int, optional): the last step whose batch holds the row. Default: ``1``.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_row_drift({"SGD": [0.2, 0.0, 0.0], "Adam": [0.1, 0.1, 0.09]})
        >>> [line.get_label() for line in ax.get_lines()][:2]
        ['SGD', 'Adam']

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    ax = axes_or_new(ax)
    markers = "osD^v<>p"
    for i, (name, values) in enumerate(moves.items()):
        ax.plot(range(1, len(values) + 1), list(values), marker=markers[i % len(markers)], label=name)
    ax.axvspan(0.5, left_after + 0.5, color="grey", alpha=0.15, lw=0)
    ax.text(left_after + 0.6, ax.get_ylim()[1] * 0.95, "the row has left the batch", va="top", fontsize=8)
    ax.set_xlabel("step (shaded: the row is in the batch)")
    ax.set_ylabel("distance the row moves in the step")
    ax.set_title("Rows keep moving after they leave the batch, unless the optimizer is plain SGD")
    ax.legend(fontsize=8)
    return ax
