"""The memory arithmetic of lesson 08 agrees with the bytes of real tensors after a real step."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from course_lib.memory import OPTIMIZER_STATES, MemoryEstimate, embedding_memory, format_bytes, measure_memory

OPTIMIZERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1),
    "adam": lambda p: torch.optim.Adam(p),
    "adamw": lambda p: torch.optim.AdamW(p),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_dense_estimate_matches_real_tensors(name, dtype):
    table = nn.Embedding(37, 5).to(dtype)
    optimizer = OPTIMIZERS[name](table.parameters())
    table(torch.tensor([1, 2, 2, 36])).float().sum().backward()
    optimizer.step()
    assert measure_memory(table, optimizer) == embedding_memory(37, 5, dtype=dtype, optimizer=name)


@pytest.mark.parametrize("name,make", [("sparseadam", lambda p: torch.optim.SparseAdam(p)),
                                       ("sgd", lambda p: torch.optim.SGD(p, lr=0.1)),
                                       ("adagrad", lambda p: torch.optim.Adagrad(p, lr=0.1))])
def test_sparse_estimate_counts_one_row_per_lookup(name, make):
    table = nn.Embedding(1000, 8, sparse=True)
    optimizer = make(table.parameters())
    table(torch.tensor([[5, 5, 7], [1, 999, 5]])).sum().backward()      # 6 lookups, repeats kept
    with torch.sparse.check_sparse_tensor_invariants():                  # Adagrad warns without it
        optimizer.step()
    assert measure_memory(table, optimizer) == embedding_memory(1000, 8, optimizer=name, sparse_lookups=6)


def test_every_listed_optimizer_is_consistent():
    for name, (states, counter) in OPTIMIZER_STATES.items():
        estimate = embedding_memory(10, 3, optimizer=name)
        assert estimate.optimizer == states * 120 + counter
        assert estimate.gradient == (0 if name is None else 120)


def test_master_copy_is_in_its_own_dtype_and_so_is_the_optimizer_state():
    estimate = embedding_memory(1000, 10, dtype=torch.bfloat16, master_dtype=torch.float32)
    assert (estimate.table, estimate.gradient, estimate.master) == (20_000, 20_000, 40_000)
    assert estimate.optimizer == 2 * 40_000 + 4
    assert estimate.total == embedding_memory(1000, 10).total          # as much as float32 alone


def test_inference_keeps_only_the_table():
    assert embedding_memory(100, 4, optimizer=None) == MemoryEstimate(table=1600, gradient=0, optimizer=0)


@pytest.mark.parametrize("kwargs,message", [
    ({"optimizer": "Adam"}, "optimizer must be one of"),
    ({"dtype": torch.int64}, "dtype must be a floating torch.dtype"),
    ({"dtype": "float32"}, "dtype must be a floating torch.dtype"),
    ({"sparse_lookups": -1}, "sparse_lookups must be a whole number"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        embedding_memory(10, 3, **kwargs)
    with pytest.raises(ValueError, match="num_embeddings must be a positive int; got 0"):
        embedding_memory(0, 3)


def test_format_bytes_picks_the_unit():
    assert [format_bytes(n) for n in (0, 1023, 1024, 10 * 2**20, 123 * 2**30, 5 * 2**40)] == \
        ["0 B", "1023 B", "1.00 KiB", "10.0 MiB", "123 GiB", "5.00 TiB"]
    assert "= 1.79 GiB" in str(embedding_memory(400_000, 300))
