"""What flows back through a lookup: a hand-written backward, and the size of the gradient.

The forward pass of ``F.embedding(ids, weight)`` gathers rows; its backward pass
*scatter-adds* the upstream gradient into a table of zeros: row ``i`` receives the sum of
the gradients of every position that looked ``i`` up, and rows nobody looked up receive
exactly zero. :func:`manual_embedding` writes that backward out, and
:func:`gradient_memory` measures what the dense and the sparse (``sparse=True``) forms of
that gradient cost.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from .lookup import check_ids
from ._util import is_int

__all__ = ["ManualEmbedding", "gradient_memory", "manual_embedding"]


class ManualEmbedding(torch.autograd.Function):
    """``F.embedding`` as an autograd Function whose backward is written out.

    Call it through :func:`manual_embedding`, which checks the arguments first.

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    @staticmethod
    def forward(ctx, ids, weight, padding_idx, scale_grad_by_freq):
        ctx.save_for_backward(ids)
        ctx.num_embeddings = weight.shape[0]
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        rows = weight.index_select(0, ids.reshape(-1))            # (N, D), N = ids.numel()
        return rows.reshape(*ids.shape, weight.shape[1])          # (*, D)

    @staticmethod
    def backward(ctx, grad_output):
        (ids,) = ctx.saved_tensors
        flat_ids = ids.reshape(-1).long()                         # (N,)
        grad_rows = grad_output.reshape(flat_ids.numel(), grad_output.shape[-1])  # (N, D): a row per lookup
        if ctx.scale_grad_by_freq:  # divide each lookup's gradient by how often its id occurs
            counts = torch.bincount(flat_ids, minlength=ctx.num_embeddings)       # (V,)
            grad_rows = grad_rows / counts[flat_ids].unsqueeze(1).to(grad_rows.dtype)
        if ctx.padding_idx is not None:  # the padding row gets nothing
            grad_rows = grad_rows.masked_fill((flat_ids == ctx.padding_idx).unsqueeze(1), 0)
        zeros = grad_rows.new_zeros(ctx.num_embeddings, grad_rows.shape[1])        # (V, D)
        grad_weight = zeros.index_add(0, flat_ids, grad_rows)    # row i += every lookup of i
        return None, grad_weight, None, None


def manual_embedding(ids: torch.Tensor, weight: torch.Tensor, padding_idx: int | None = None,
                     scale_grad_by_freq: bool = False) -> torch.Tensor:
    r"""A lookup with a hand-written backward; equal to ``F.embedding`` in both directions.

    The forward pass is ``weight[ids]``. The backward pass builds the table's gradient as a
    scatter-add: ``zeros(V, D).index_add(0, ids.flatten(), grad_output.reshape(-1, D))``, so
    a row looked up ``k`` times gets the sum of ``k`` contributions and a row never looked
    up gets zeros. ``scale_grad_by_freq=True`` first divides each contribution by how many
    times its id occurs in ``ids``; ``padding_idx`` zeroes the contributions of that id.
    Like ``F.embedding`` (and unlike ``nn.Embedding``'s constructor), ``padding_idx`` does
    not change the forward pass: it only keeps the row out of the gradient.

    Args:
        ids (Tensor): integer ids (``torch.long`` or ``torch.int``), any shape ``(*)``,
            checked with :func:`course_lib.lookup.check_ids`.
        weight (Tensor): the table, a floating ``(V, D)`` tensor.
        padding_idx (int, optional): a row that gets no gradient; negative values count
            from the end, as in ``nn.Embedding``. Default: ``None``.
        scale_grad_by_freq (bool, optional): divide each row's gradient by the number of
            times its id occurs in ``ids``. Default: ``False``.

    Returns:
        Tensor: the looked-up rows.

    Shape:
        - Input: ``(*)`` ids and a ``(V, D)`` weight.
        - Output: ``(*, D)``.

    Examples::

        >>> weight = torch.zeros(5, 2, requires_grad=True)
        >>> ids = torch.tensor([[1, 3], [3, 3]])
        >>> manual_embedding(ids, weight).sum().backward()
        >>> weight.grad                     # row 3 was looked up three times
        tensor([[0., 0.],
                [1., 1.],
                [0., 0.],
                [3., 3.],
                [0., 0.]])
        >>> weight.grad = None
        >>> manual_embedding(ids, weight, scale_grad_by_freq=True).sum().backward()
        >>> weight.grad[3]                  # 3 lookups / 3 occurrences
        tensor([1., 1.])

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2 or not weight.is_floating_point():
        got = f"dtype {weight.dtype}, shape {tuple(weight.shape)}" if isinstance(weight, torch.Tensor) \
            else type(weight).__name__
        raise TypeError(f"weight must be a floating (V, D) tensor; got {got}. "
                        "Make one with torch.randn(num_embeddings, embedding_dim).")
    num_embeddings = weight.shape[0]
    check_ids(ids, num_embeddings)
    if ids.device != weight.device:
        raise ValueError(f"ids are on {ids.device} but weight is on {weight.device}; "
                         f"move them together, e.g. ids.to(weight.device)")
    if padding_idx is not None:
        if not is_int(padding_idx) \
                or not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(f"padding_idx must be None or an int in {-num_embeddings}..{num_embeddings - 1} "
                             f"for a table of {num_embeddings} rows; got {padding_idx!r}")
        padding_idx %= num_embeddings  # -1 is the last row, as in nn.Embedding
    if not isinstance(scale_grad_by_freq, bool):
        raise TypeError(f"scale_grad_by_freq must be True or False; got {scale_grad_by_freq!r}")
    return ManualEmbedding.apply(ids, weight, padding_idx, scale_grad_by_freq)


def _nbytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


def gradient_memory(vocab_sizes: Sequence[int], *, num_ids: int = 256, embedding_dim: int = 64,
                    seed: int = 0) -> list[dict]:
    r"""Measure the table's gradient, dense and sparse, after one lookup of ``num_ids`` ids.

    Each table is looked up once with ``sparse=False`` and once with ``sparse=True``;
    the sizes are read from the gradients themselves: a dense gradient is a full
    ``(V, D)`` tensor, a sparse COO gradient stores one ``(D,)`` row of values and one
    int64 index per *lookup* (repeated ids are not merged until ``.coalesce()``).

    Args:
        vocab_sizes (sequence of int): the table sizes V to try.
        num_ids (int, optional): ids looked up (drawn at random). Default: ``256``.
        embedding_dim (int, optional): D. Default: ``64``.
        seed (int, optional): seed for the ids. Default: ``0``.

    Returns:
        list of dict: one per V with ``vocab_size``, ``dense_bytes``, ``sparse_bytes``
        (indices plus values), ``sparse_nnz`` (stored rows) and ``unique_ids``.

    Examples::

        >>> rows = gradient_memory([100, 10_000], num_ids=8, embedding_dim=4)
        >>> [(r["vocab_size"], r["dense_bytes"], r["sparse_bytes"]) for r in rows]
        [(100, 1600, 192), (10000, 160000, 192)]

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    gen = torch.Generator().manual_seed(seed)
    rows = []
    for vocab_size in vocab_sizes:
        ids = torch.randint(int(vocab_size), (num_ids,), generator=gen)
        weight = torch.zeros(int(vocab_size), embedding_dim, requires_grad=True)
        sizes = {}
        for sparse in (False, True):
            weight.grad = None
            F.embedding(ids, weight, sparse=sparse).sum().backward()
            grad = weight.grad
            sizes[sparse] = _nbytes(grad._indices()) + _nbytes(grad._values()) if sparse else _nbytes(grad)
            nnz = grad._nnz() if sparse else None
        rows.append({"vocab_size": int(vocab_size), "dense_bytes": sizes[False], "sparse_bytes": sizes[True],
                     "sparse_nnz": nnz, "unique_ids": int(ids.unique().numel())})
    return rows
