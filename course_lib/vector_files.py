"""Moved to :mod:`course_lib.vectors`; this name keeps old notebooks working.

Introduced in notebooks/05_pretrained_vectors.ipynb.
"""
from __future__ import annotations

from .vectors import VectorFileError, load_vectors, save_vectors

__all__ = ["VectorFileError", "load_vectors", "save_vectors"]
