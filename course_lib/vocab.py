"""A vocabulary: the map between words and the row ids of an embedding table.

Introduced in notebooks/01_lookup_tables.ipynb.
"""
from __future__ import annotations

import json
import numbers
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from ._util import is_int, write_atomic

__all__ = ["PAD", "UNK", "Vocab"]

PAD = "<pad>"
UNK = "<unk>"
_FORMAT = "course_lib.Vocab"


def _flatten(tokens: Iterable) -> Iterable[str]:
    for item in tokens:
        if isinstance(item, str):
            yield item
        elif isinstance(item, Iterable):
            for tok in item:
                if not isinstance(tok, str):
                    raise TypeError(f"tokens must be strings; got {tok!r} ({type(tok).__name__})")
                yield tok
        else:
            raise TypeError(f"tokens must be strings or lists of strings; got {item!r}")


class Vocab:
    r"""Words to ids and back, with ``<pad>`` = 0 and ``<unk>`` = 1.

    Row ``i`` of an embedding table is the vector of ``vocab.tokens[i]``. Unknown
    words encode to ``<unk>``; ``<pad>`` fills the short sentences of a batch and is
    the natural ``padding_idx``.

    Args:
        tokens (sequence of str): the words in id order, starting with ``<pad>`` and
            ``<unk>``. Use :meth:`from_tokens` to build one from text.

    Examples::

        >>> vocab = Vocab.from_tokens("the cat saw the dog".split())
        >>> vocab.tokens
        ['<pad>', '<unk>', 'the', 'cat', 'dog', 'saw']
        >>> vocab.encode("the cat saw a dog")
        tensor([2, 3, 5, 1, 4])
        >>> vocab.decode([2, 3, 1])
        ['the', 'cat', '<unk>']
        >>> vocab.add_tokens(["zebra", "cat"])  # "cat" is already there
        [6]

    Introduced in notebooks/01_lookup_tables.ipynb.
    """

    pad_id = 0
    unk_id = 1

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if tokens[:2] != [PAD, UNK]:
            raise ValueError(
                f"tokens must start with {PAD!r}, {UNK!r}; got {tokens[:2]!r}. "
                "Use Vocab.from_tokens(words), which adds them."
            )
        index: dict[str, int] = {}
        for i, tok in enumerate(tokens):
            if not isinstance(tok, str) or not tok or any(c.isspace() for c in tok):
                raise ValueError(f"token {i} must be a non-empty string without spaces; got {tok!r}")
            if tok in index:
                raise ValueError(f"token {tok!r} appears twice (ids {index[tok]} and {i})")
            index[tok] = i
        self._tokens = tokens
        self._index = index

    @classmethod
    def from_tokens(cls, tokens: Iterable, min_freq: int = 1) -> "Vocab":
        """Build a vocabulary from a stream of words, most frequent first.

        Args:
            tokens (iterable): words, or sentences given as lists of words.
            min_freq (int, optional): drop words seen fewer times. Default: ``1``.

        Returns:
            Vocab: ``<pad>``, ``<unk>``, then the words by falling count (ties
            alphabetical, so the ids do not depend on the order of the text).
        """
        if isinstance(tokens, str):
            raise TypeError("tokens must be a list of words, not one string; use text.split()")
        if not is_int(min_freq) or min_freq < 1:
            raise ValueError(f"min_freq must be an int >= 1; got {min_freq!r}")
        counts = Counter(_flatten(tokens))
        for special in (PAD, UNK):
            counts.pop(special, None)
        words = sorted((w for w, c in counts.items() if c >= min_freq), key=lambda w: (-counts[w], w))
        return cls([PAD, UNK, *words])

    # ------------------------------------------------------------------ lookups
    @property
    def tokens(self) -> list[str]:
        """The words in id order (a copy)."""
        return list(self._tokens)

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._index

    def __getitem__(self, token: str) -> int:
        """The id of ``token``, or ``<unk>``'s id when it is not in the vocabulary."""
        return self._index.get(token, self.unk_id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self._tokens == other._tokens

    def __repr__(self) -> str:
        head = ", ".join(self._tokens[:6])
        more = ", ..." if len(self) > 6 else ""
        return f"Vocab(size={len(self)}: {head}{more})"

    def encode(self, tokens: str | Sequence[str]) -> torch.Tensor:
        """Words to ids: a 1-D LongTensor. A string is split on whitespace.

        Shape:
            - Output: ``(T,)`` for ``T`` words.
        """
        if isinstance(tokens, str):
            tokens = tokens.split()
        ids = []
        for tok in tokens:
            if not isinstance(tok, str):
                raise TypeError(f"encode() takes words (str); got {tok!r}. To decode ids use decode().")
            ids.append(self._index.get(tok, self.unk_id))
        return torch.tensor(ids, dtype=torch.long)

    def decode(self, ids: torch.Tensor | Sequence[int]) -> list[str]:
        """Ids to words. Accepts a 1-D integer tensor or array, or a sequence of ints (numpy ints too).

        Examples::

            >>> import numpy as np
            >>> Vocab.from_tokens(["hi"]).decode(np.array([2, 0]))
            ['hi', '<pad>']
        """
        if hasattr(ids, "ndim") and hasattr(ids, "dtype"):  # a torch tensor or a numpy array
            if isinstance(ids, torch.Tensor):
                integer = not (ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool)
            else:
                integer = ids.dtype.kind in "iu"
            if not integer or ids.ndim != 1:
                raise TypeError(f"decode() takes a 1-D tensor or array of integer ids; got {ids.dtype}, shape "
                                f"{tuple(ids.shape)}" + ("; for one id use [id]" if ids.ndim == 0 else ""))
            ids = ids.tolist()
        words = []
        for pos, i in enumerate(ids):
            if not isinstance(i, numbers.Integral) or isinstance(i, bool) or not 0 <= i < len(self):
                shown = int(i) if isinstance(i, numbers.Integral) and not isinstance(i, bool) else repr(i)
                raise IndexError(
                    f"id {shown} at position {pos} is not in this vocabulary of {len(self)} words "
                    f"(valid ids are 0..{len(self) - 1})"
                )
            words.append(self._tokens[int(i)])
        return words

    # ------------------------------------------------------------------ growth
    def add_tokens(self, tokens: Iterable[str]) -> list[int]:
        """Append new words; return the ids they got.

        Words already present are skipped (their ids are not returned), so the result
        is exactly the rows a grown embedding table needs to train.
        """
        if isinstance(tokens, str):
            raise TypeError("add_tokens() takes a list of words, not one string; use [word]")
        new_tokens = []
        for tok in tokens:
            if not isinstance(tok, str) or not tok or any(c.isspace() for c in tok):
                raise ValueError(f"a token must be a non-empty string without spaces; got {tok!r}")
            if tok not in self._index and tok not in new_tokens:
                new_tokens.append(tok)
        start = len(self._tokens)
        for offset, tok in enumerate(new_tokens):
            self._tokens.append(tok)
            self._index[tok] = start + offset
        return list(range(start, start + len(new_tokens)))

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write the vocabulary as JSON. Refuses to replace a file unless ``overwrite=True``."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        text = json.dumps({"format": _FORMAT, "version": 1, "tokens": self._tokens}, ensure_ascii=False, indent=0)
        write_atomic(path, (text + "\n").encode("utf-8"))  # whole or not at all
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a vocabulary written by :meth:`save`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not a vocabulary file (bad JSON at line {err.lineno}: {err.msg})") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("tokens"), list):
            raise ValueError(f"{path} is not a vocabulary written by Vocab.save (no {_FORMAT!r} header)")
        return cls(data["tokens"])
