"""Figures of notebooks/04_init_and_pretrained.ipynb.

Introduced in notebooks/04_init_and_pretrained.ipynb.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch

from .axes import axes_or_new

__all__ = ["plot_histories", "plot_init_histograms"]


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

    Introduced in notebooks/04_init_and_pretrained.ipynb.
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


def plot_histories(histories: Mapping[str, object], *, metric: str = "acc", ax=None):
    """Training and validation curves of several runs: one colour per run, dashed = train, solid = validation.

    Args:
        histories (mapping): run name -> a :class:`course_lib.train.History` that records
            ``"train_" + metric`` and ``"val_" + metric``.
        metric (str, optional): the metric after its ``train_`` / ``val_`` prefix. Default: ``"acc"``.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> from course_lib.train import History
        >>> h = History([{"epoch": 1, "train_loss": 1.0, "train_acc": 0.6, "val_acc": 0.5},
        ...              {"epoch": 2, "train_loss": 0.5, "train_acc": 1.0, "val_acc": 0.7}])
        >>> ax = plot_histories({"random": h})
        >>> [line.get_label() for line in ax.get_lines()]
        ['random (train)', 'random (validation)']

    Introduced in notebooks/04_init_and_pretrained.ipynb.
    """
    ax = axes_or_new(ax)
    for i, (name, history) in enumerate(histories.items()):
        colour = f"C{i}"
        epochs = history["epoch"]
        ax.plot(epochs, history[f"train_{metric}"], "--", color=colour, alpha=0.7, label=f"{name} (train)")
        ax.plot(epochs, history[f"val_{metric}"], "-", color=colour, linewidth=2, label=f"{name} (validation)")
    ax.set_xlabel("epoch")
    ax.set_ylabel({"acc": "accuracy"}.get(metric, metric))
    ax.set_title(f"Train (dashed) and validation (solid) {({'acc': 'accuracy'}.get(metric, metric))}")
    ax.legend(fontsize="small", ncol=2)
    return ax
