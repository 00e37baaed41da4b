"""The hashing trick: rows for an unbounded vocabulary, and the collisions it costs.

A hashed embedding never needs a vocabulary: a token's row is ``hash(token) % num_buckets``.
The hash must be *stable*: Python's ``hash(str)`` changes from process to process, so a model
trained in one process would look up other rows in the next. :func:`stable_hash` uses
BLAKE2b, which gives the same number on every machine and every run.

Introduced in notebooks/08_embeddings_at_scale.ipynb.
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import torch
import torch.nn as nn

from .lookup import check_ids
from ._util import is_int

__all__ = ["HashEmbedding", "count_collisions", "expected_collisions", "hash_ids", "stable_hash"]

_MASK = (1 << 63) - 1  # keep hashes in int64's range


def stable_hash(token: str, *, seed: int = 0) -> int:
    """A 63-bit hash of ``token`` that is the same in every process and on every machine.

    Args:
        token (str): the text to hash.
        seed (int, optional): picks another hash function (for several hashes per token). Default: ``0``.

    Returns:
        int: in ``0 .. 2**63 - 1``.

    Examples::

        >>> stable_hash("king") == stable_hash("king"), stable_hash("king") == stable_hash("king", seed=1)
        (True, False)

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    if not isinstance(token, str):
        raise TypeError(f"token must be a str; got {type(token).__name__} {token!r}")
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8, salt=int(seed).to_bytes(8, "little")).digest()
    return int.from_bytes(digest, "little") & _MASK


def hash_ids(tokens: Sequence[str], num_buckets: int, *, seed: int = 0) -> torch.Tensor:
    """Bucket ids ``stable_hash(token, seed=seed) % num_buckets`` of ``tokens``, as a long tensor.

    Examples::

        >>> hash_ids(["king", "queen", "king"], 1000).tolist()[0] == hash_ids(["king"], 1000).item()
        True

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    if not is_int(num_buckets) or num_buckets < 1:
        raise ValueError(f"num_buckets must be a positive int; got {num_buckets!r}")
    if isinstance(tokens, str):
        raise TypeError(f"tokens must be a sequence of strings, not one string; got {tokens!r}. Use [{tokens!r}]")
    return torch.tensor([stable_hash(t, seed=seed) % num_buckets for t in tokens], dtype=torch.long)


def expected_collisions(num_keys: int, num_buckets: int) -> float:
    r"""How many of ``num_keys`` distinct keys, hashed uniformly into ``num_buckets`` buckets, are
    expected to land in a bucket that an earlier key already took.

    The expected number of occupied buckets is :math:`m (1 - (1 - 1/m)^n)`, so the expected
    number of colliding keys is :math:`n - m (1 - (1 - 1/m)^n)`, about :math:`n^2 / 2m` while
    :math:`n \ll m`.

    Examples::

        >>> round(expected_collisions(2, 2), 3)                 # the second key hits the first half the time
        0.5
        >>> round(expected_collisions(100_000, 2**17))
        30046

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    if not is_int(num_buckets) or num_buckets < 1 or num_keys < 0:
        raise ValueError(f"need num_keys >= 0 and a positive int num_buckets; got {num_keys!r} and {num_buckets!r}")
    n, m = float(num_keys), float(num_buckets)
    occupied = min(n, 1.0) if m == 1 else -m * math.expm1(n * math.log1p(-1.0 / m))  # m (1 - (1 - 1/m)^n)
    return n - occupied


def count_collisions(ids: torch.Tensor) -> int:
    """How many of these bucket ids (one per distinct key) repeat an id seen before: keys minus distinct ids.

    Examples::

        >>> count_collisions(torch.tensor([3, 7, 3, 3, 1]))
        2

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    ids = torch.as_tensor(ids).flatten()
    return int(ids.numel() - ids.unique().numel())


class HashEmbedding(nn.Module):
    r"""An embedding of arbitrary tokens without a vocabulary: each token's vector is the sum of
    ``num_hashes`` rows, row ``k`` picked by ``stable_hash(token, seed=k) % num_buckets``.

    With one hash, two tokens that collide share a vector exactly. With two, they share it when
    they land on the same two rows, in either order (the rows come from one shared table, so
    rows ``(a, b)`` and ``(b, a)`` sum to the same vector): for ``m`` buckets that happens about
    :math:`m / 2` times less often than a one-hash collision.

    Args:
        num_buckets (int): rows in the table.
        embedding_dim (int): D.
        num_hashes (int, optional): rows summed per token. Default: ``1``.

    Shape:
        - Input: a list of ``B`` lists of tokens (or one list of tokens), or a tensor of bucket ids
          ``(*, num_hashes)`` as :meth:`ids` gives, checked with :func:`~course_lib.lookup.check_ids`
        - Output: ``(B, T, D)`` for equal-length lists, ``(T, D)`` for one list, ``(*, D)`` for ids

    Examples::

        >>> emb = HashEmbedding(1000, 8, num_hashes=2)
        >>> tuple(emb(["a", "never", "seen", "word"]).shape), tuple(emb.ids(["a", "b"]).shape)
        ((4, 8), (2, 2))
        >>> torch.equal(emb(emb.ids(["a", "b"])), emb(["a", "b"]))
        True

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """

    def __init__(self, num_buckets: int, embedding_dim: int, num_hashes: int = 1):
        super().__init__()
        for name, value in (("num_buckets", num_buckets), ("embedding_dim", embedding_dim),
                            ("num_hashes", num_hashes)):
            if not is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        self.num_buckets, self.num_hashes = num_buckets, num_hashes
        self.embedding = nn.Embedding(num_buckets, embedding_dim)

    def ids(self, tokens: Sequence[str]) -> torch.Tensor:
        """The ``(T, num_hashes)`` bucket ids of a list of tokens."""
        return torch.stack([hash_ids(tokens, self.num_buckets, seed=k) for k in range(self.num_hashes)], dim=-1)

    def forward(self, tokens) -> torch.Tensor:
        if isinstance(tokens, torch.Tensor):
            return self._lookup(tokens)                                        # (*, num_hashes) -> (*, D)
        if isinstance(tokens, str) or not isinstance(tokens, (list, tuple)):
            raise TypeError(f"HashEmbedding takes a list of tokens (str), a list of such lists, or a tensor of "
                            f"bucket ids; got {type(tokens).__name__}" + (f"; use [{tokens!r}]" if
                                                                          isinstance(tokens, str) else ""))
        if tokens and not isinstance(tokens[0], str):
            if not all(isinstance(sentence, (list, tuple)) for sentence in tokens):
                raise TypeError("a batch must be a list of lists of tokens; this one mixes lists and single tokens")
            lengths = sorted({len(sentence) for sentence in tokens})
            if len(lengths) > 1:
                raise ValueError(f"a batch must be lists of tokens of one length (pad them); got lengths {lengths}")
            return torch.stack([self(sentence) for sentence in tokens])        # (B, T, D)
        bad = next((t for t in tokens if not isinstance(t, str)), None)
        if bad is not None:
            raise TypeError(f"tokens must be strings; got {bad!r} ({type(bad).__name__}) among them")
        ids = self.ids(tokens).to(self.embedding.weight.device)               # (T, num_hashes)
        return self.embedding(ids).sum(dim=-2)                                 # (T, D)

    def _lookup(self, ids: torch.Tensor) -> torch.Tensor:
        if ids.dim() == 0 or ids.shape[-1] != self.num_hashes:
            raise ValueError(f"ids must be bucket ids of shape (*, num_hashes={self.num_hashes}), as emb.ids(tokens) "
                             f"gives; got shape {tuple(ids.shape)}"
                             + ("; add the last axis with ids.unsqueeze(-1)" if self.num_hashes == 1 else ""))
        check_ids(ids, self.num_buckets)                                       # negative, too large, floats
        return self.embedding(ids).sum(dim=-2)                                 # (*, D)

    def extra_repr(self) -> str:
        return f"num_buckets={self.num_buckets}, num_hashes={self.num_hashes}"
