"""Figures of notebooks/06_partial_freezing.ipynb.

Introduced in notebooks/06_partial_freezing.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence

from .axes import axes_or_new

__all__ = ["plot_freezing_costs"]

_METRICS = {
    "ms_per_step": ("time per training step (ms, log scale)", "Time per Adam step"),
    "optimizer_bytes": ("optimizer state (MiB, log scale)", "Adam's state"),
    "grad_bytes": ("gradient memory (MiB, log scale)", "Gradient memory"),
}
_SCALE = {"ms_per_step": 1.0, "optimizer_bytes": 2.0**-20, "grad_bytes": 2.0**-20}


def plot_freezing_costs(rows: Sequence[dict], metric: str = "ms_per_step", *, ax=None):
    """One horizontal bar per freezing strategy, with the floor as a dashed line: a cost at one table size.

    Bars are labelled with their ratio to the floor (``2.0x``); bars above the floor are red,
    the others green; the x axis is logarithmic, so a 10x gap is a fixed distance.

    Args:
        rows (sequence of dict): rows of :func:`course_lib.freezing.costs.time_freezing`: one per
            strategy with ``strategy`` and ``metric``, and one whose ``strategy`` is ``"floor"``.
        metric (str, optional): ``"ms_per_step"``, ``"optimizer_bytes"`` or ``"grad_bytes"``.
            Default: ``"ms_per_step"``.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> rows = [{"strategy": "zero_grad", "ms_per_step": 40.0},
        ...         {"strategy": "partially_frozen", "ms_per_step": 2.0}, {"strategy": "floor", "ms_per_step": 2.0}]
        >>> ax = plot_freezing_costs(rows)
        >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts]
        (['zero_grad', 'partially_frozen'], [' 20x', ' 1.0x'])

    Introduced in notebooks/06_partial_freezing.ipynb.
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {list(_METRICS)}; got {metric!r}")
    floors = [r for r in rows if r["strategy"] == "floor"]
    if len(floors) != 1:
        raise ValueError(f"rows must hold exactly one row with strategy 'floor'; got {len(floors)}")
    floor = floors[0][metric]
    if not floor > 0:
        raise ValueError(f"the floor's {metric} must be positive to draw ratios; got {floor!r}")
    ax = axes_or_new(ax)
    bars = [r for r in rows if r["strategy"] != "floor"]
    scale = _SCALE[metric]
    values = [r[metric] * scale for r in bars]
    ratios = [r[metric] / floor for r in bars]
    colours = ["#D55E00" if ratio > 1.25 else "#009E73" for ratio in ratios]
    positions = list(range(len(bars)))
    ax.barh(positions, values, color=colours)
    ax.set_yticks(positions, [r["strategy"] for r in bars])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(floor * scale, color="black", linestyle="--", linewidth=1.2,
               label="floor: table frozen + Adam on K rows")
    for y, (value, ratio) in enumerate(zip(values, ratios)):
        ax.text(value, y, f" {ratio:.1f}x" if ratio < 10 else f" {ratio:.0f}x", va="center", fontsize=9)
    low, high = min(values + [floor * scale]), max(values + [floor * scale])
    ax.set_xlim(low / 2, high * 4)  # room for the labels
    label, title = _METRICS[metric]
    sizes = rows[0].get("num_embeddings"), rows[0].get("embedding_dim"), rows[0].get("num_trainable")
    if all(s is not None for s in sizes):
        title += f", {sizes[0]:,} x {sizes[1]} table, {sizes[2]:,} trainable rows"
    ax.set_xlabel(label)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize="small", loc="lower right")
    return ax
