"""Pretrained word vectors fitted to a vocabulary, and their nearest neighbours.

Reading and writing the files lives in :mod:`course_lib.vector_files`; its names are
re-exported here, so ``from course_lib.vectors import load_vectors`` works.

Introduced in notebooks/04_init_and_pretrained.ipynb.
"""
from __future__ import annotations

import difflib
from collections.abc import Sequence

import torch

from .vector_files import VectorFileError, _check_table, load_vectors, save_vectors
from .vocab import Vocab

__all__ = ["VectorFileError", "align", "load_vectors", "nearest", "save_vectors"]


def align(vocab: Vocab, words: Sequence[str], tensor: torch.Tensor, oov: str = "normal",
          seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Build the embedding weight of ``vocab`` from pretrained vectors.

    Row ``i`` is the vector of ``vocab.tokens[i]``, copied exactly, when ``words`` has
    it; otherwise an OOV row made as ``oov`` says. The ``<pad>`` row (id 0) is always
    zeros and counts as not found, so the weight suits ``padding_idx=0``.

    - ``"normal"``: coordinate ``d`` drawn from N(mean_d, std_d) of column ``d`` of
      ``tensor``: random rows with the loaded vectors' per-dimension centre and spread
      (word vectors share a sizeable mean vector, which N(0, sigma) would ignore). Drawn
      on the CPU from ``torch.Generator().manual_seed(seed)``; row ``i`` depends only on
      ``seed`` and ``i``.
    - ``"mean"``: the mean loaded vector, as Hugging Face's
      ``resize_token_embeddings(mean_resizing=True)`` gives new rows.
    - ``"zeros"``: zeros.

    Args:
        vocab (Vocab): the task vocabulary.
        words (sequence of str): the loaded words, as from :func:`load_vectors`.
        tensor (Tensor): the loaded vectors.
        oov (str, optional): ``"normal"``, ``"mean"`` or ``"zeros"``. Default: ``"normal"``.
        seed (int, optional): the seed of ``oov="normal"``. Default: ``0``.

    Returns:
        tuple: ``weight`` (float32, on ``tensor``'s device) and ``found_mask`` (bool,
        ``True`` where the row came from ``tensor``).

    Shape:
        - Input: ``tensor`` is ``(N, D)`` for ``N = len(words)``.
        - Output: ``weight`` is ``(V, D)``, ``found_mask`` is ``(V,)``, for ``V = len(vocab)``.

    Examples::

        >>> vocab = Vocab.from_tokens("the cat sat".split())
        >>> vocab.tokens
        ['<pad>', '<unk>', 'cat', 'sat', 'the']
        >>> weight, found = align(vocab, ["the", "cat"], torch.tensor([[0.0, 1.0], [1.0, 0.0]]), oov="mean")
        >>> weight.tolist()
        [[0.0, 0.0], [0.5, 0.5], [1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]
        >>> found.tolist()
        [False, False, True, False, True]
        >>> emb = torch.nn.Embedding.from_pretrained(weight, freeze=False, padding_idx=0)

    Introduced in notebooks/04_init_and_pretrained.ipynb.
    """
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a course_lib Vocab; got {type(vocab).__name__}. Use Vocab.from_tokens")
    if oov not in ("normal", "mean", "zeros"):
        raise ValueError(f"oov must be 'normal', 'mean' or 'zeros'; got {oov!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    words = _check_table(words, tensor)
    source, tokens = tensor.detach().to("cpu", torch.float32), vocab.tokens  # (N, D)
    shape = (len(tokens), source.shape[1])  # (V, D)
    if oov == "zeros":
        weight = torch.zeros(shape)
    elif not words:
        raise ValueError(f"oov={oov!r} takes its statistics from the loaded vectors, but there are none; "
                         "use oov='zeros'")
    else:
        std, mean = torch.std_mean(source, dim=0, correction=0)  # (D,), (D,)
        if oov == "mean":
            weight = mean.expand(shape).clone()
        else:
            weight = mean + std * torch.randn(shape, generator=torch.Generator().manual_seed(seed))
    row_of = {word: i for i, word in enumerate(words)}
    ids = [i for i, token in enumerate(tokens) if token in row_of and i != Vocab.pad_id]
    weight[ids] = source[[row_of[tokens[i]] for i in ids]]
    weight[Vocab.pad_id] = 0.0
    found_mask = torch.zeros(len(tokens), dtype=torch.bool)
    found_mask[ids] = True
    return weight.to(tensor.device), found_mask.to(tensor.device)


def nearest(tensor: torch.Tensor, words: Sequence[str], query: str | torch.Tensor,
            k: int = 5) -> list[tuple[str, float]]:
    r"""The ``k`` words whose vectors have the highest cosine similarity to ``query``.

    Args:
        tensor (Tensor): the vectors.
        words (sequence of str): ``words[i]`` is the word of row ``i``.
        query (str or Tensor): one of ``words`` (left out of its own answer) or a vector.
        k (int, optional): how many; fewer when there are fewer other words. Default: ``5``.

    Returns:
        list: ``(word, cosine similarity)`` pairs, most similar first, ties in row order.

    Shape:
        - Input: ``tensor`` is ``(N, D)``; a vector ``query`` is ``(D,)``.

    Examples::

        >>> table = torch.tensor([[1.0, 0.1], [0.9, 0.2], [0.0, 1.0]])
        >>> [(w, round(s, 3)) for w, s in nearest(table, ["king", "queen", "apple"], "king", k=2)]
        [('queen', 0.993), ('apple', 0.1)]

    Introduced in notebooks/04_init_and_pretrained.ipynb.
    """
    words = _check_table(words, tensor)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an int >= 1; got {k!r}")
    table, skip = tensor.detach(), None  # (N, D)
    if isinstance(query, str):
        if query not in words:
            raise ValueError(_unknown_word(query, words))
        skip = words.index(query)
        vector = table[skip]  # (D,)
    elif isinstance(query, torch.Tensor) and query.shape == table.shape[1:]:
        vector = query.detach().to(table.device, table.dtype)  # (D,)
    else:
        got = f"shape {tuple(query.shape)}" if isinstance(query, torch.Tensor) else repr(query)
        raise ValueError(f"query must be a word or a vector of size D = {table.shape[1]}; got {got}")
    if not vector.any():
        raise ValueError("the query vector is all zeros, so no direction to compare; pick another query")
    norms = torch.linalg.vector_norm(table, dim=1) * torch.linalg.vector_norm(vector)  # (N,)
    sims = (table @ vector) / norms.clamp_min(1e-12)  # (N,)
    if skip is not None:
        sims[skip] = -float("inf")
    order = torch.sort(sims, descending=True, stable=True).indices[: min(k, len(words) - (skip is not None))]
    return [(words[i], float(sims[i])) for i in order.tolist()]


def _unknown_word(query: str, words: list[str]) -> str:
    same_case = [w for w in words if w.lower() == query.lower()]
    close = list(dict.fromkeys(same_case + difflib.get_close_matches(query, words, n=3)))[:3]
    hint = f"did you mean {', '.join(map(repr, close))}?" if close else "check the spelling"
    return f"query {query!r} is not among the {len(words)} words; {hint}"
