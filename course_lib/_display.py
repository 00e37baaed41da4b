"""Showing rich output: Markdown in a notebook, plain text in a terminal or a test."""
from __future__ import annotations

from typing import Any


class Markdown:
    """Text that renders as Markdown in Jupyter and prints as itself elsewhere."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


def show(obj: Any) -> None:
    """``display(obj)`` inside IPython, ``print(repr(obj))`` outside it."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        print(repr(obj))
        return
    if get_ipython() is None:
        print(repr(obj))
    else:
        display(obj)
