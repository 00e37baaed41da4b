"""What every figure helper shares: the Axes to draw on.

Introduced in notebooks/01_lookup_tables.ipynb.
"""
from __future__ import annotations

import matplotlib.pyplot as plt

__all__ = ["axes_or_new"]


def axes_or_new(ax):
    """``ax``, or the Axes of a new figure when it is None (every plot helper's ``ax=None``)."""
    return plt.subplots()[1] if ax is None else ax
