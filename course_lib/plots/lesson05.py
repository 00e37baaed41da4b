"""Figures of notebooks/05_pretrained_vectors.ipynb.

Introduced in notebooks/05_pretrained_vectors.ipynb.
"""
from __future__ import annotations

from collections.abc import Mapping


from .axes import axes_or_new

__all__ = ["plot_histories"]


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

    Introduced in notebooks/05_pretrained_vectors.ipynb.
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
