"""What every figure helper shares."""
from __future__ import annotations

import matplotlib.pyplot as plt


def _axes(ax):
    """``ax``, or the Axes of a new figure when it is None."""
    return plt.subplots()[1] if ax is None else ax
