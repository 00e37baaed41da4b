"""Shared test set-up. Figures drawn in-process use the Agg backend (no window)."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # in this process only: kernels started by nbval keep the inline backend

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    """Train in tests with the thread count the lessons use (one on a 2-core machine): two
    threads made a small training loop 10x slower there."""
    import torch

    from course_lib.runtime import num_threads

    torch.set_num_threads(num_threads())


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
