"""Figures of notebooks/07_soft_prompts.ipynb.

Introduced in notebooks/07_soft_prompts.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence

from .axes import axes_or_new

__all__ = ["plot_prompt_study"]

_FAMILY_STYLE = {  # the first words of a method's name -> marker, colour, legend label
    "soft P=1": ("o", "tab:blue", "soft prompt, P=1"),
    "soft P=5": ("s", "tab:orange", "soft prompt, P=5"),
    "soft P=20": ("D", "tab:green", "soft prompt, P=20"),
    "hand-written": ("*", "tab:purple", "hand-written prompt (0 trained)"),
    "no prompt": ("x", "tab:gray", "no prompt (0 trained)"),
    "label-word rows": ("^", "tab:brown", "label-word rows"),
    "embedding table": ("v", "tab:pink", "whole embedding table"),
    "full fine-tuning": ("P", "tab:red", "full fine-tuning"),
}
_INIT_OFFSET = {"random": 0.75, "vocab": 0.9, "labels": 1.1, "text": 1.3}  # spread the inits of one P apart
_LABEL_DY = {"random": -13, "vocab": 1, "labels": 8, "text": -4, "vocab, lr 0.3": -14}  # points: keep names apart


def _style(name: str):
    for prefix, style in _FAMILY_STYLE.items():
        if name.startswith(prefix):
            return style
    return ("o", "black", name)


def plot_prompt_study(summary: Sequence[dict], task: str, metric: str = "emit", *, chance: float | None = None,
                      ax=None):
    """Accuracy against trained numbers (log scale), one point per method, bars from the lowest to the highest seed.

    Methods that train nothing (no prompt, hand-written prompts) sit at x = 1, labelled "0".
    The inits of one prompt length are drawn side by side and named next to their point.

    Args:
        summary (sequence of dict): rows of :func:`course_lib.prompt_study.summarize`.
        task (str): ``"sentiment"`` or ``"topic"``.
        metric (str, optional): ``"emit"`` or ``"rank"``. Default: ``"emit"``.
        chance (float, optional): draw this accuracy (one over the number of classes) as a dotted line.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    if metric not in ("emit", "rank"):
        raise ValueError(f"metric must be 'emit' or 'rank'; got {metric!r}")
    rows = [s for s in summary if s["task"] == task]
    if not rows:
        raise ValueError(f"summary has no rows for task {task!r}; tasks: {sorted({s['task'] for s in summary})}")
    ax = axes_or_new(ax)
    labelled = set()
    for s in rows:
        marker, colour, label = _style(s["method"])
        soft = s["method"].startswith("soft")
        detail = s["method"].split(" ", 2)[-1] if soft else ""                  # "vocab", "vocab, lr 0.3"
        x = max(s["trainable"], 1) * (_INIT_OFFSET.get(detail.split(",")[0], 1.0) if soft else 1.0)
        mean, low, high = s[f"{metric}_mean"], s[f"{metric}_min"], s[f"{metric}_max"]
        ax.errorbar([x], [mean], yerr=[[mean - low], [high - mean]], fmt=marker, color=colour, ms=7, capsize=3,
                    label=None if label in labelled else label)
        labelled.add(label)
        if soft:
            ax.annotate(detail, (x, mean), textcoords="offset points", xytext=(6, _LABEL_DY.get(detail, 0)),
                        fontsize=7, color=colour)
    ax.set_xscale("log")
    ax.set_xlim(0.5, 4e5)
    ax.set_ylim(-0.03, 1.05)
    if chance is not None:
        ax.axhline(chance, color="gray", lw=0.8, ls=":", label="chance")
    ticks = [1, 10, 100, 1_000, 10_000, 100_000]
    ax.set_xticks(ticks, ["0"] + [f"{t:,}" for t in ticks[1:]])
    ax.set_xlabel("numbers the optimizer trains (log scale)")
    ax.set_ylabel(f"{metric} accuracy (validation)")
    ax.set_title(f"{task}: {metric} accuracy vs trained numbers\n(mean over seeds; bars: lowest to highest seed)")
    ax.legend(fontsize=7, loc="lower right")
    return ax
