"""Figures of notebooks/04_init_and_word_vectors.ipynb.

Introduced in notebooks/04_init_and_word_vectors.ipynb.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch

from .axes import axes_or_new

__all__ = ["plot_init_histograms"]


def plot_init_histograms(tables: Mapping[str, torch.Tensor], *, value_range: tuple[float, float] | None = None,
                         bins: int = 200, title: str = "Default N(0, 1) rows are far wider than Xavier's or Keras'",
                         ax=None):
    """Histograms of the numbers in several initial tables, on one axis with a log density scale.

    A log density axis shows a wide N(0, 1) bell and narrow, tall inits together.

    Args:
        tables (mapping): label -> a tensor of any shape (its numbers are histogrammed).
        value_range (tuple, optional): ``(low, high)`` to histogram, e.g. to zoom in on the
            narrow inits; values outside are left out. Default: all values.
        bins (int, optional): bins over the range. Default: ``200``.
        title (str, optional): the title. Default: a comparison of the three usual inits.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_init_histograms({"N(0, 1)": torch.randn(1000), "U(-0.05, 0.05)": torch.rand(1000) * 0.1 - 0.05})
        >>> [t.get_text() for t in ax.get_legend().get_texts()]
        ['N(0, 1)', 'U(-0.05, 0.05)']

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    ax = axes_or_new(ax)
    values = {label: t.detach().float().cpu().flatten() for label, t in tables.items()}
    low, high = value_range or (min(float(v.min()) for v in values.values()),
                                max(float(v.max()) for v in values.values()))
    edges = torch.linspace(low, high, bins + 1).tolist()
    for label, v in values.items():  # density over all of v, so a zoom keeps the heights
        counts = torch.histogram(v, bins=torch.tensor(edges)).hist
        widths = torch.diff(torch.tensor(edges))
        ax.stairs((counts / (len(v) * widths)).numpy(), edges, linewidth=1.5, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("initial value of a table entry")
    ax.set_ylabel("density (log scale)")
    ax.set_title(title)
    ax.legend()
    return ax
