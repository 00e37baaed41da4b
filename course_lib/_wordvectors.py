"""What the word-vector trainers of :mod:`course_lib.pretrain` share (private: use that module).

Introduced in notebooks/04_init_and_pretrained.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch

from .runtime import num_threads

__all__ = ["WordVectors"]


@dataclass(frozen=True, eq=False)
class WordVectors:
    """Trained word vectors: ``vectors[i]`` is the vector of ``words[i]``.

    ``save_vectors(path, wv.words, wv.vectors)`` writes them; ``align(vocab, wv.words,
    wv.vectors)`` fits them to a task vocabulary.

    Args:
        words (list of str): the corpus vocabulary, most frequent first (ties alphabetical).
        vectors (Tensor): the input vectors (word2vec's W, GloVe's W): the ones to use.
        context (Tensor): the output vectors (word2vec's context table, GloVe's W~).
        losses (list of float): mean loss per epoch (SGNS) or per 50 steps (GloVe).
        config (SGNSConfig or GloVeConfig): how they were trained.

    Shape:
        ``vectors`` and ``context`` are ``(N, D)`` for ``N = len(words)``.

    Examples::

        >>> wv = WordVectors(["cat", "dog"], torch.zeros(2, 3), torch.zeros(2, 3))
        >>> wv
        WordVectors(2 words x 3 dims, NoneType)
        >>> dict(zip(wv.words, wv.vectors.tolist()))["dog"]
        [0.0, 0.0, 0.0]

    Introduced in notebooks/04_init_and_pretrained.ipynb.
    """

    words: list[str]
    vectors: torch.Tensor
    context: torch.Tensor
    losses: list[float] = field(default_factory=list)
    config: Any = None

    def __repr__(self) -> str:
        return f"WordVectors({len(self.words)} words x {self.vectors.shape[1]} dims, {type(self.config).__name__})"


def _encode(corpus: Sequence[Sequence[str]]) -> tuple[list[str], torch.Tensor, torch.Tensor]:
    """The words (by falling count, ties alphabetical), every token's id and its sentence's index."""
    if isinstance(corpus, str) or not isinstance(corpus, Sequence) or not corpus:
        raise TypeError("corpus must be a non-empty list of sentences, each a list of words, "
                        "e.g. course_lib.data.load_corpus()")
    if isinstance(corpus[0], str):
        raise TypeError("corpus must be a list of sentences (lists of words), not of words; wrap it: [words]")
    counts: dict[str, int] = {}
    for sentence in corpus:
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
    words = sorted(counts, key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(words)}
    ids = torch.tensor([index[w] for sentence in corpus for w in sentence], dtype=torch.long)  # (n,)
    sentence_of = torch.repeat_interleave(torch.arange(len(corpus)), torch.tensor([len(s) for s in corpus]))  # (n,)
    return words, ids, sentence_of


def _validate(config, ints: dict, positive: dict, non_negative: dict) -> None:
    """Raise a ValueError naming the first field outside its range, with an example value."""
    for rule, fields in (("an int >= 1", ints), ("a number > 0", positive), ("a number >= 0", non_negative)):
        for name, example in fields.items():
            value = getattr(config, name)
            integer = rule.startswith("an int")
            ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
            if not ok or value < (1 if integer else 0) or (rule == "a number > 0" and value == 0):
                raise ValueError(f"{name} must be {rule}; got {value!r}. Use e.g. {name}={example}")
    if isinstance(config.seed, bool) or not isinstance(config.seed, int) or config.seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {config.seed!r}. Use e.g. seed=0")


def _bar(total: int, progress: bool, desc: str):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc)


@contextmanager
def _course_threads():
    """Run on the course's thread count (:func:`course_lib.runtime.num_threads`: one thread on
    two cores or fewer), whatever torch's setting, and restore it afterwards: these loops of
    small operations stall with more threads than cores to spare."""
    before = torch.get_num_threads()
    torch.set_num_threads(num_threads())
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _check_config(config, kind):
    config = kind() if config is None else config
    if not isinstance(config, kind):
        raise TypeError(f"config must be a {kind.__name__}; got {type(config).__name__}")
    return config
