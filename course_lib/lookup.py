"""What an embedding lookup is: indexing a table, seen three ways, and its input checks.

``nn.Embedding(num_embeddings, embedding_dim)(ids)`` is ``weight[ids]``, which is also
``one_hot(ids) @ weight``. This module holds the one-hot view, the id checks that turn a
GPU's "device-side assert" into a clear message, and the timing behind the lesson's
"one-hot vs gather" figure. ``manual_embedding``, a lookup whose backward is written out
by hand (lesson 02), lives in :mod:`course_lib.autograd_lookup`.

Introduced in notebooks/01_lookup_tables.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ._util import is_int, median_ms

__all__ = ["check_ids", "one_hot_lookup", "one_hot_product", "time_lookups"]

_ID_DTYPES = (torch.int64, torch.int32)
_WARMUP_CALLS = 50  # untimed calls before time_lookups times anything (measured: about 15 are slow)


def _position(flat_index: int, shape: torch.Size) -> tuple[int, ...]:
    pos = []
    for size in reversed(shape):
        pos.append(flat_index % size)
        flat_index //= size
    return tuple(reversed(pos))


def check_ids(ids: torch.Tensor, num_embeddings: int, *, name: str = "ids") -> torch.Tensor:
    r"""Check that ``ids`` can index a table of ``num_embeddings`` rows; return ``ids`` unchanged.

    ``nn.Embedding`` needs integer ids in ``0 .. num_embeddings - 1``. On the CPU a bad id
    raises ``IndexError: index out of range in self``; on a GPU it triggers a
    *device-side assert* that breaks the whole CUDA context until the kernel restarts.
    Calling ``check_ids`` first gives a message that names the offending value, its
    position and the table size, on any device.

    Args:
        ids (Tensor): integer ids (``torch.long`` or ``torch.int``), any shape.
        num_embeddings (int): the number of rows in the table.
        name (str, optional): what to call ``ids`` in messages. Default: ``"ids"``.

    Returns:
        Tensor: ``ids`` itself, so the check can sit inline: ``emb(check_ids(ids, V))``.

    Raises:
        TypeError: ``ids`` is not a tensor, or holds floats, bools or another dtype.
        IndexError: an id is negative or ``>= num_embeddings``.

    Examples::

        >>> check_ids(torch.tensor([[0, 3], [9, 1]]), 10)
        tensor([[0, 3],
                [9, 1]])
        >>> check_ids(torch.tensor([[0, 3], [10, 1]]), 10)
        Traceback (most recent call last):
        ...
        IndexError: ids[1, 0] is 10, but the table has num_embeddings=10 rows, so ids must be in 0..9. ...

    Introduced in notebooks/01_lookup_tables.ipynb.
    """
    if not is_int(num_embeddings) or num_embeddings < 1:
        raise ValueError(f"num_embeddings must be a positive int; got {num_embeddings!r}")
    if not isinstance(ids, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor of integer ids; got {type(ids).__name__}. "
            f"Wrap it: torch.tensor({name}, dtype=torch.long)."
        )
    if ids.dtype not in _ID_DTYPES:
        fix = f"{name}.long()" + (" (after checking the values are whole numbers)" if ids.is_floating_point() else "")
        raise TypeError(
            f"{name} must hold integer ids (torch.long or torch.int); got dtype {ids.dtype}. "
            f"Embedding rows are picked by position, not interpolated. Fix: {fix}."
        )
    if ids.numel() == 0:
        return ids
    flat = ids.reshape(-1)
    low, high = torch.aminmax(flat)
    low, high = int(low), int(high)  # one transfer from a GPU, before any kernel can assert
    if low >= 0 and high < num_embeddings:
        return ids
    bad = (flat < 0) | (flat >= num_embeddings)
    first = int(bad.nonzero()[0, 0])
    value, count = int(flat[first]), int(bad.sum())
    where = f"{name}[{', '.join(map(str, _position(first, ids.shape)))}]" if ids.dim() else name
    others = f" ({count - 1} more id(s) are out of range too)" if count > 1 else ""
    if value < 0:
        fix = ("Negative ids do not count from the end as Python list indices do; "
               "map them to a real row (e.g. <unk> = 1) first.")
    else:
        fix = (f"Use a table with num_embeddings >= {high + 1}, or map unknown words to <unk> "
               "with Vocab.encode.")
    raise IndexError(
        f"{where} is {value}, but the table has num_embeddings={num_embeddings} rows, "
        f"so ids must be in 0..{num_embeddings - 1}{others}. {fix}"
    )


def one_hot_lookup(ids: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    r"""An embedding lookup written as a matrix product: ``one_hot(ids) @ weight``.

    Equal to ``F.embedding(ids, weight)`` and to ``weight[ids]``, but it builds a
    ``(*, V)`` one-hot tensor first, so its cost grows with the vocabulary size V.

    Args:
        ids (Tensor): integer ids, any shape ``(*)``.
        weight (Tensor): the table, shape ``(V, D)``.

    Returns:
        Tensor: the looked-up rows.

    Shape:
        - Input: ``(*)`` ids and a ``(V, D)`` weight.
        - Output: ``(*, D)``.

    Examples::

        >>> weight = torch.arange(12.).reshape(4, 3)
        >>> one_hot_lookup(torch.tensor([2, 0]), weight)
        tensor([[6., 7., 8.],
                [0., 1., 2.]])
        >>> torch.equal(one_hot_lookup(torch.tensor([2, 0]), weight), weight[[2, 0]])
        True

    Introduced in notebooks/01_lookup_tables.ipynb.
    """
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        raise ValueError(f"weight must be a 2-D (V, D) tensor; got {getattr(weight, 'shape', type(weight))}")
    check_ids(ids, weight.shape[0])
    return one_hot_product(ids, weight)


def one_hot_product(ids: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``one_hot(ids) @ weight`` without checks (:func:`one_hot_lookup` checks first). Lesson 01."""
    one_hot = F.one_hot(ids.long(), num_classes=weight.shape[0]).to(weight.dtype)  # (*, V)
    return one_hot @ weight  # (*, V) @ (V, D) -> (*, D)


@torch.no_grad()
def time_lookups(vocab_sizes: Sequence[int], *, num_ids: int = 256, embedding_dim: int = 64,
                 repeats: int = 5, device: str | torch.device = "cpu", seed: int = 0) -> list[dict]:
    r"""Time a gather (``F.embedding``) against a one-hot product for growing vocabularies.

    Args:
        vocab_sizes (sequence of int): the table sizes V to try.
        num_ids (int, optional): ids looked up per call. Default: ``256``.
        embedding_dim (int, optional): D. Default: ``64``.
        repeats (int, optional): timed calls per size (the median is kept), after untimed
            warm-up calls (50 of each lookup before the first size, 3 more per size). Default: ``5``.
        device (str or torch.device, optional): where to run. Default: ``"cpu"``.
        seed (int, optional): seed for the table and the ids. Default: ``0``.

    Returns:
        list of dict: one per V with ``vocab_size``, ``gather_ms``, ``one_hot_ms``,
        ``one_hot_mib`` (what the product allocates before multiplying: ``F.one_hot``'s
        int64 tensor and its copy in the table's dtype) and ``output_mib`` (the result,
        the same for both).

    Examples::

        >>> rows = time_lookups([100, 1000], repeats=1)
        >>> [r["vocab_size"] for r in rows], sorted(rows[0])
        ([100, 1000], ['gather_ms', 'one_hot_mib', 'one_hot_ms', 'output_mib', 'vocab_size'])

    Introduced in notebooks/01_lookup_tables.ipynb.
    """
    device = torch.device(device)
    gen = torch.Generator().manual_seed(seed)
    # The first few dozen calls in a fresh process run several times slower (lazy set-up in Python
    # and PyTorch), enough to make the first size an outlier: warm both lookups up once, untimed.
    warm_weight = torch.randn(8, embedding_dim, generator=torch.Generator().manual_seed(seed)).to(device)
    warm_ids = torch.zeros(num_ids, dtype=torch.long, device=device)
    for _ in range(_WARMUP_CALLS):
        F.embedding(warm_ids, warm_weight)
        one_hot_product(warm_ids, warm_weight)
    rows = []
    for vocab_size in vocab_sizes:
        weight = torch.randn(vocab_size, embedding_dim, generator=gen).to(device)
        ids = torch.randint(vocab_size, (num_ids,), generator=gen).to(device)
        rows.append({
            "vocab_size": int(vocab_size),
            "gather_ms": median_ms(lambda: F.embedding(ids, weight), repeats, device),
            "one_hot_ms": median_ms(lambda: one_hot_product(ids, weight), repeats, device),
            "one_hot_mib": num_ids * vocab_size * (8 + weight.element_size()) / 2**20,
            "output_mib": num_ids * embedding_dim * weight.element_size() / 2**20,
        })
    return rows



def __getattr__(name: str):
    # manual_embedding moved to course_lib.autograd_lookup (lesson 02); old notebooks import it from here.
    if name == "manual_embedding":
        from .autograd_lookup import manual_embedding

        return manual_embedding
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
