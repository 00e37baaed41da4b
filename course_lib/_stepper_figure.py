"""The TrainingStepper's figure: anchors, points, labels, rings, frozen squares, move arrows.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

from ._blit import BlitCanvas

__all__ = ["build_figure"]

_COLOURS = {"people": "#0072B2", "animals": "#E69F00", "places": "#009E73", "drinks": "#CC79A7"}


def build_figure(stepper, anchors: dict[str, tuple[float, float]]) -> None:
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
