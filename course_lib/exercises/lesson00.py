"""Exercises of notebooks/00_start_here.ipynb: a first try of check, hint and solution."""
from __future__ import annotations

from . import Exercise, expect_int

__all__ = ["q1"]


def _check_q1(answer) -> None:
    expect_int(answer, 30, what="your count")


q1 = Exercise(
    "q1",
    "How many numbers does `nn.Embedding(num_embeddings=10, embedding_dim=3)` store?",
    check=_check_q1,
    hints=[
        "The layer is a table with one row per id.",
        "How many rows (`num_embeddings`), and how many numbers in each row (`embedding_dim`)?",
    ],
    solution="answer = 10 * 3",
    explanation="One row of `embedding_dim` numbers for each of the `num_embeddings` ids: "
                "`emb.weight.numel()` says the same.",
)
