"""Checks of word vectors against a known structure: neighbour purity and analogies.

The toy world (:mod:`course_lib.toyworld`) knows every word's category and plants
analogies such as ``king : queen :: man : woman``, so trained vectors can be scored
against it. :mod:`course_lib.pretrain` re-exports both names.

Introduced in notebooks/04_init_and_word_vectors.ipynb.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F

from . import toyworld
from .vectors import check_table
from ._util import is_int

__all__ = ["analogy_accuracy", "neighbour_purity"]


def _unit_rows(vectors: torch.Tensor) -> torch.Tensor:
    return F.normalize(vectors.detach().to("cpu", torch.float32), dim=1)  # (N, D)


def neighbour_purity(vectors: torch.Tensor, words: Sequence[str], *, k: int = 5,
                     categories: Mapping[str, Sequence[str]] | None = None,
                     skip: Sequence[str] = ("function", "topics")) -> float:
    r"""How often a word's ``k`` nearest neighbours (by cosine) share its category.

    Every word of ``words`` that has a category (other than those in ``skip``) asks for
    its ``k`` nearest other words among *all* of ``words``; its purity is the fraction of
    them in its own category. The result is the mean over the asking words: 1.0 means
    every neighbour list stays inside its category.

    Args:
        vectors (Tensor): row ``i`` is the vector of ``words[i]``.
        words (sequence of str): the words.
        k (int, optional): neighbours per word. Default: ``5``.
        categories (dict, optional): category -> its words. Default: :data:`toyworld.CATEGORIES`.
        skip (sequence of str, optional): categories whose words do not ask: grammar words,
            and topic labels, whose neighbours are their topic's words. They can still be
            neighbours (and then count as wrong). Default: ``("function", "topics")``.

    Returns:
        float: the mean purity, in ``[0, 1]``.

    Shape:
        - Input: ``vectors`` is ``(N, D)`` for ``N = len(words)``.

    Examples::

        >>> table = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
        >>> neighbour_purity(table, ["cat", "dog", "red", "blue"], k=1,
        ...                  categories={"animals": ["cat", "dog"], "colours": ["red", "blue"]})
        1.0

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    words = check_table(words, vectors)
    if not is_int(k) or not 1 <= k < len(words):
        raise ValueError(f"k must be an int from 1 to len(words) - 1 = {len(words) - 1}; got {k!r}")
    categories = toyworld.CATEGORIES if categories is None else categories
    category_of = {w: c for c, ws in categories.items() for w in ws}
    asking = [i for i, w in enumerate(words) if w in category_of and category_of[w] not in skip]
    if not asking:
        raise ValueError("none of words has a category to check against; pass categories={category: [words]}")
    unit = _unit_rows(vectors)
    sims = unit[asking] @ unit.T  # (Q, N)
    sims[torch.arange(len(asking)), torch.tensor(asking)] = -float("inf")  # a word is not its own neighbour
    top = sims.topk(k, dim=1).indices.tolist()  # (Q, k)
    same = sum(category_of.get(words[j]) == category_of[words[i]] for i, row in zip(asking, top) for j in row)
    return same / (k * len(asking))


def analogy_accuracy(vectors: torch.Tensor, words: Sequence[str],
                     quadruples: Sequence[Sequence[str]] | None = None) -> float:
    r"""Accuracy on analogies ``a : b :: c : d`` by 3CosAdd.

    With every vector scaled to unit length, the answer is the word most similar (by
    cosine) to ``b - a + c``, with ``a``, ``b`` and ``c`` left out of the candidates
    (as word2vec's evaluation does). A quadruple with a word missing from ``words``
    counts as wrong.

    Args:
        vectors (Tensor): row ``i`` is the vector of ``words[i]``.
        words (sequence of str): the words.
        quadruples (sequence, optional): ``(a, b, c, d)`` tuples. Default:
            :func:`toyworld.analogies` (all four relations, 786 quadruples).

    Returns:
        float: the fraction answered ``d``.

    Shape:
        - Input: ``vectors`` is ``(N, D)`` for ``N = len(words)``.

    Examples::

        >>> table = torch.tensor([[1.0, 0.0], [1.0, 1.0], [-1.0, 0.0], [-1.0, 1.0], [0.0, -1.0]])
        >>> analogy_accuracy(table, ["king", "queen", "man", "woman", "cat"],
        ...                  [("king", "queen", "man", "woman"), ("man", "woman", "king", "queen")])
        1.0

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    words = check_table(words, vectors)
    quadruples = toyworld.analogies() if quadruples is None else [tuple(q) for q in quadruples]
    if not quadruples or any(len(q) != 4 or not all(isinstance(w, str) for w in q) for q in quadruples):
        raise ValueError("quadruples must be a non-empty list of (a, b, c, d) tuples of words")
    index = {w: i for i, w in enumerate(words)}
    known = [[index[w] for w in q] for q in quadruples if all(w in index for w in q)]
    if not known:
        return 0.0
    unit, q = _unit_rows(vectors), torch.tensor(known)  # (N, D), (Q, 4)
    sims = (unit[q[:, 1]] - unit[q[:, 0]] + unit[q[:, 2]]) @ unit.T  # (Q, N)
    sims.scatter_(1, q[:, :3], -float("inf"))  # a, b and c are not answers
    return int((sims.argmax(dim=1) == q[:, 3]).sum()) / len(quadruples)
