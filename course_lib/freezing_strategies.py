"""Moved to :mod:`course_lib.freezing.strategies`; this name keeps old notebooks working.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

from .freezing import strategies
from .freezing.strategies import *  # noqa: F401,F403

__all__ = list(strategies.__all__)
