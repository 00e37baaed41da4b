"""What an embedding table costs in training: the table, its gradient, the optimizer's state.

:func:`embedding_memory` does the arithmetic for any size; :func:`measure_memory` adds up
the bytes of real tensors, so the arithmetic can be checked on a small table.

Introduced in notebooks/08_embeddings_at_scale.ipynb.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from ._util import is_int

__all__ = ["OPTIMIZER_STATES", "MemoryEstimate", "embedding_memory", "format_bytes", "measure_memory"]

#: optimizer name -> (number of (V, D) state tensors, bytes of its step counter tensor).
#: SparseAdam counts its steps in a Python int, Adam, AdamW and Adagrad in a float32 0-d tensor.
OPTIMIZER_STATES: dict[str | None, tuple[int, int]] = {
    None: (0, 0),          # inference: no gradient, no state
    "sgd": (0, 0),
    "momentum": (1, 0),    # SGD(momentum=...): one velocity per number
    "adagrad": (1, 4),     # the running sum of squared gradients
    "adam": (2, 4),        # exp_avg and exp_avg_sq
    "adamw": (2, 4),
    "sparseadam": (2, 0),  # dense (V, D) moments, although the gradient is sparse
}


def format_bytes(num_bytes: float) -> str:
    """``num_bytes`` in binary units with three significant figures.

    Examples::

        >>> format_bytes(512), format_bytes(1536), format_bytes(400_000 * 300 * 4)
        ('512 B', '1.50 KiB', '458 MiB')

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    value = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            break
        value /= 1024
    if unit == "B":
        return f"{int(value)} B"
    decimals = 0 if value >= 100 else 1 if value >= 10 else 2
    return f"{value:.{decimals}f} {unit}"


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes held by a table in training, by kind. ``total`` is their sum.

    Attributes:
        table (int): the table used by the forward pass.
        gradient (int): its gradient, as backward writes it (dense or sparse COO).
        optimizer (int): the optimizer's state (moments, step counters).
        master (int): a higher-precision copy of the table that the optimizer updates. Default: ``0``.

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """

    table: int
    gradient: int
    optimizer: int
    master: int = 0

    @property
    def total(self) -> int:
        return self.table + self.gradient + self.optimizer + self.master

    def __str__(self) -> str:
        parts = [f"table {format_bytes(self.table)}", f"gradient {format_bytes(self.gradient)}",
                 f"optimizer {format_bytes(self.optimizer)}"]
        if self.master:
            parts.append(f"master {format_bytes(self.master)}")
        return " + ".join(parts) + f" = {format_bytes(self.total)}"


def _element_size(dtype: torch.dtype, name: str) -> int:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"{name} must be a floating torch.dtype such as torch.float32 or torch.bfloat16; got {dtype!r}")
    return torch.empty((), dtype=dtype).element_size()


def embedding_memory(num_embeddings: int, embedding_dim: int, *, dtype: torch.dtype = torch.float32,
                     optimizer: str | None = "adam", master_dtype: torch.dtype | None = None,
                     sparse_lookups: int | None = None) -> MemoryEstimate:
    r"""The bytes a ``(num_embeddings, embedding_dim)`` table takes in training, by kind.

    The table takes ``V x D x element size``. Backward writes a dense gradient of the same
    size, or with ``sparse_lookups=N`` a sparse COO gradient of ``N`` rows of values plus ``N``
    int64 indices. The optimizer keeps ``k`` more ``(V, D)`` tensors (:data:`OPTIMIZER_STATES`:
    0 for SGD, 1 for momentum and Adagrad, 2 for Adam, AdamW and SparseAdam) plus a step counter.
    With ``master_dtype``, the optimizer updates a copy of the table in that dtype (its state
    is in that dtype too) and the table is re-cast from it after each step.

    Args:
        num_embeddings (int): V, rows in the table.
        embedding_dim (int): D, numbers per row.
        dtype (torch.dtype, optional): the table's dtype. Default: ``torch.float32``.
        optimizer (str or None, optional): a key of :data:`OPTIMIZER_STATES`; ``None`` for
            inference (no gradient either). Default: ``"adam"``.
        master_dtype (torch.dtype, optional): dtype of a master copy. Default: none.
        sparse_lookups (int, optional): lookups per step when the gradient is sparse. Default:
            ``None`` (a dense gradient).

    Returns:
        MemoryEstimate: ``table``, ``gradient``, ``optimizer``, ``master`` and their ``total``.

    Examples::

        >>> print(embedding_memory(400_000, 300))                      # GloVe's table, fp32, Adam
        table 458 MiB + gradient 458 MiB + optimizer 916 MiB = 1.79 GiB
        >>> embedding_memory(10, 4, dtype=torch.bfloat16, optimizer="sgd").total
        160

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
        if not is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}")
    if optimizer not in OPTIMIZER_STATES:
        choices = ", ".join(repr(k) for k in OPTIMIZER_STATES)
        raise ValueError(f"optimizer must be one of {choices}; got {optimizer!r}")
    if sparse_lookups is not None and (not is_int(sparse_lookups)
                                       or sparse_lookups < 0):
        raise ValueError(f"sparse_lookups must be a whole number of lookups per step, or None; got {sparse_lookups!r}")
    size = _element_size(dtype, "dtype")
    master_size = _element_size(master_dtype, "master_dtype") if master_dtype is not None else 0
    numbers = num_embeddings * embedding_dim
    num_states, counter = OPTIMIZER_STATES[optimizer]
    if optimizer is None:
        gradient = 0
    elif sparse_lookups is None:
        gradient = numbers * size
    else:
        gradient = sparse_lookups * (embedding_dim * size + 8)  # values + one int64 index per lookup
    state_size = master_size or size
    return MemoryEstimate(table=numbers * size, gradient=gradient,
                          optimizer=num_states * numbers * state_size + counter, master=numbers * master_size)


def _nbytes(t: torch.Tensor) -> int:
    if t.is_sparse:
        return _nbytes(t._indices()) + _nbytes(t._values())
    return t.numel() * t.element_size()


def measure_memory(parameters: Iterable[torch.Tensor] | torch.nn.Module,
                   optimizer: torch.optim.Optimizer | None = None) -> MemoryEstimate:
    """Add up the bytes of real tensors: parameters, their ``.grad`` and the optimizer's state.

    Args:
        parameters (module or iterable of tensors): what counts as the table.
        optimizer (torch.optim.Optimizer, optional): whose state tensors to count. Default: none.

    Returns:
        MemoryEstimate: ``table`` (the parameters), ``gradient`` (dense or sparse), ``optimizer``
        (every tensor in ``optimizer.state``); ``master`` is 0.

    Examples::

        >>> emb = torch.nn.Embedding(10, 4)
        >>> opt = torch.optim.Adam(emb.parameters())
        >>> emb(torch.tensor([1, 2])).sum().backward(); opt.step()
        >>> measure_memory(emb, opt) == embedding_memory(10, 4, optimizer="adam")
        True

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    params = list(parameters.parameters() if isinstance(parameters, torch.nn.Module) else parameters)
    state = 0
    if optimizer is not None:
        state = sum(_nbytes(v) for s in optimizer.state.values() for v in s.values() if isinstance(v, torch.Tensor))
    return MemoryEstimate(table=sum(_nbytes(p) for p in params),
                          gradient=sum(_nbytes(p.grad) for p in params if p.grad is not None), optimizer=state)
