"""Measured costs at scale: a training step with dense vs sparse gradients, and bags of ids.

Timings are for plotting and reading, never for checking: they depend on the machine and on
what else runs on it. The byte counts in the same rows are exact.

Introduced in notebooks/08_embeddings_at_scale.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn

from ._util import median_ms
from .memory import measure_memory

__all__ = ["time_bags", "time_training_steps"]


def time_training_steps(vocab_sizes: Sequence[int], *, embedding_dim: int = 32, num_ids: int = 512,
                        repeats: int = 3, device: str | torch.device = "cpu", seed: int = 0) -> list[dict]:
    r"""Time one training step of a table, dense gradient + ``Adam`` against ``sparse=True`` +
    ``SparseAdam``, for growing vocabularies, and measure what each keeps in memory.

    A step is ``zero_grad(set_to_none=True)``, a lookup of ``num_ids`` random ids, the loss
    ``(emb(ids) * target).sum()``, ``backward()`` and ``step()``, as in a training loop.

    Args:
        vocab_sizes (sequence of int): the table sizes V to try.
        embedding_dim (int, optional): D. Default: ``32``.
        num_ids (int, optional): ids looked up per step. Default: ``512``.
        repeats (int, optional): timed steps per size (the median is kept). Default: ``3``.
        device (str or torch.device, optional): where to run. Default: ``"cpu"``.
        seed (int, optional): seed for the ids and the targets. Default: ``0``.

    Returns:
        list of dict: one per V with ``vocab_size``, ``dense_ms``, ``sparse_ms`` and, measured on
        the tensors after a step, ``table_bytes``, ``dense_gradient_bytes``,
        ``sparse_gradient_bytes``, ``dense_optimizer_bytes`` and ``sparse_optimizer_bytes``.

    Examples::

        >>> rows = time_training_steps([100, 1000], embedding_dim=4, num_ids=8, repeats=1)
        >>> [(r["vocab_size"], r["dense_gradient_bytes"], r["sparse_gradient_bytes"]) for r in rows]
        [(100, 1600, 192), (1000, 16000, 192)]

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    device = torch.device(device)
    gen = torch.Generator().manual_seed(seed)
    rows = []
    for vocab_size in vocab_sizes:
        ids = torch.randint(int(vocab_size), (num_ids,), generator=gen).to(device)
        target = torch.randn(num_ids, embedding_dim, generator=gen).to(device)
        row = {"vocab_size": int(vocab_size)}
        for kind, optimizer_class in (("dense", torch.optim.Adam), ("sparse", torch.optim.SparseAdam)):
            table = nn.Embedding(int(vocab_size), embedding_dim, sparse=kind == "sparse",
                                 _weight=torch.zeros(int(vocab_size), embedding_dim, device=device))
            optimizer = optimizer_class(table.parameters(), lr=1e-3)

            def step(table=table, optimizer=optimizer):
                optimizer.zero_grad(set_to_none=True)
                (table(ids) * target).sum().backward()
                optimizer.step()

            row[f"{kind}_ms"] = median_ms(step, repeats, device, warmup=1)  # a big dense step is slow
            memory = measure_memory(table, optimizer)
            row["table_bytes"] = memory.table
            row[f"{kind}_gradient_bytes"], row[f"{kind}_optimizer_bytes"] = memory.gradient, memory.optimizer
            del table, optimizer, step
        rows.append(row)
    return rows


def time_bags(bag_lengths: Sequence[int], *, num_bags: int = 256, num_embeddings: int = 10_000,
              embedding_dim: int = 64, repeats: int = 5, device: str | torch.device = "cpu",
              seed: int = 0) -> list[dict]:
    r"""Time forward + backward of ``num_bags`` bags of ids: ``nn.EmbeddingBag(mode="sum")`` against
    ``nn.Embedding`` followed by ``sum(dim=1)``, for growing bag lengths.

    Args:
        bag_lengths (sequence of int): ids per bag, T.
        num_bags (int, optional): B. Default: ``256``.
        num_embeddings (int, optional): V. Default: ``10_000``.
        embedding_dim (int, optional): D. Default: ``64``.
        repeats (int, optional): timed calls per length (the median is kept). Default: ``5``.
        device (str or torch.device, optional): where to run. Default: ``"cpu"``.
        seed (int, optional): seed for the table and the ids. Default: ``0``.

    Returns:
        list of dict: one per T with ``bag_length``, ``bag_ms``, ``embedding_sum_ms``,
        ``intermediate_bytes`` (the ``(B, T, D)`` lookup that Embedding + sum keeps for backward)
        and ``output_bytes`` (the ``(B, D)`` result of both).

    Examples::

        >>> rows = time_bags([4, 16], num_bags=2, num_embeddings=50, embedding_dim=3, repeats=1)
        >>> [(r["bag_length"], r["intermediate_bytes"], r["output_bytes"]) for r in rows]
        [(4, 96, 24), (16, 384, 24)]

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    device = torch.device(device)
    gen = torch.Generator().manual_seed(seed)
    weight = torch.randn(num_embeddings, embedding_dim, generator=gen).to(device)
    bag = nn.EmbeddingBag.from_pretrained(weight.clone(), mode="sum", freeze=False)
    emb = nn.Embedding.from_pretrained(weight.clone(), freeze=False)
    rows = []
    for length in bag_lengths:
        ids = torch.randint(num_embeddings, (num_bags, int(length)), generator=gen).to(device)  # (B, T)
        lookup = emb(ids)                                                                        # (B, T, D)

        def bag_step():
            bag.weight.grad = None
            bag(ids).sum().backward()                      # (B, T) -> (B, D), no (B, T, D) kept

        def embedding_step():
            emb.weight.grad = None
            emb(ids).sum(dim=1).sum().backward()           # (B, T, D) -> (B, D)

        rows.append({"bag_length": int(length), "bag_ms": median_ms(bag_step, repeats, device),
                     "embedding_sum_ms": median_ms(embedding_step, repeats, device),
                     "intermediate_bytes": lookup.numel() * lookup.element_size(),
                     "output_bytes": num_bags * embedding_dim * lookup.element_size()})
    return rows
