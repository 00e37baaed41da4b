"""Figures of notebooks/05_pretrained_vectors.ipynb.

Introduced in notebooks/05_pretrained_vectors.ipynb.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch

from .axes import axes_or_new

__all__ = ["plot_gradient_by_position", "plot_histories"]


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


def plot_gradient_by_position(curves: Mapping[str, torch.Tensor], *, ax=None,
                              title: str = "Gradient reaching each word's vector"):
    """Mean gradient norm by a word's distance from the end of its sentence, one line per model, on a log axis.

    The x-axis runs from the farthest word (left) to the last word (right, 0), so a sentence
    reads left to right.

    Args:
        curves (mapping): name -> a ``(L,)`` tensor from
            :func:`course_lib.transfer.gradient_by_position` (entry ``k``: the words ``k`` from the end).
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.
        title (str, optional): the title. Default: ``"Gradient reaching each word's vector"``.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_gradient_by_position({"bag": torch.full((4,), 0.25), "GRU": torch.tensor([0.5, 0.1, 0.02, 0.01])})
        >>> [line.get_label() for line in ax.get_lines()], ax.get_yscale(), bool(ax.xaxis_inverted())
        (['bag', 'GRU'], 'log', True)

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """
    ax = axes_or_new(ax)
    for name, norms in curves.items():
        values = torch.as_tensor(norms, dtype=torch.float).detach().cpu()
        ax.plot(range(len(values)), values.tolist(), "o-", markersize=3, label=name)
    ax.set_yscale("log")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()                                  # the first word on the left, the last word at 0
    ax.set_xlabel("words after this one in its sentence (0 = the last word)")
    ax.set_ylabel("mean norm of d loss / d (word vector)")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax
