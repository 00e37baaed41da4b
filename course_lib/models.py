"""Small models the lessons train on a CPU in seconds.

Introduced in notebooks/03_parameters.ipynb.
"""
from __future__ import annotations

import torch
from torch import nn

__all__: list[str] = []


# ---- lesson 03: TinyViT ----


# ---- lesson 04: small classifiers ----
