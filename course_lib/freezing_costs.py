"""Moved to :mod:`course_lib.freezing.costs`; this name keeps old notebooks working.

Introduced in notebooks/06_partial_freezing.ipynb.
"""
from __future__ import annotations

from .freezing import costs
from .freezing.costs import *  # noqa: F401,F403

__all__ = list(costs.__all__)
