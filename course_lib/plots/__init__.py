"""The course's figures, one module per lesson. Each helper takes ``ax=None``, draws, and returns the Axes.

No helper calls ``plt.show()`` or writes a file; the notebook decides.

Introduced in notebooks/01_lookup_tables.ipynb.
"""
from __future__ import annotations

from .lesson01 import plot_lookup_cost, plot_table
from .lesson02 import plot_gradient_memory, plot_row_drift
from .lesson03 import plot_images, plot_position_similarity
from .lesson04 import plot_init_histograms
from .lesson05 import plot_gradient_by_position, plot_histories
from .lesson06 import plot_freezing_costs
from .lesson07 import plot_prompt_study
from .lesson08 import plot_collisions, plot_memory_breakdown, plot_scaling

__all__ = [
    "plot_collisions",
    "plot_freezing_costs",
    "plot_gradient_by_position",
    "plot_gradient_memory",
    "plot_histories",
    "plot_images",
    "plot_init_histograms",
    "plot_lookup_cost",
    "plot_memory_breakdown",
    "plot_position_similarity",
    "plot_prompt_study",
    "plot_row_drift",
    "plot_scaling",
    "plot_table",
]
