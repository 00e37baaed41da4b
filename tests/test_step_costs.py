"""Lesson 08's measurements: the byte counts are exact; the timings exist (never compared)."""
from __future__ import annotations

import torch

from course_lib.memory import embedding_memory
from course_lib.step_costs import time_bags, time_training_steps


def test_training_step_bytes_match_the_arithmetic():
    rows = time_training_steps([50, 500], embedding_dim=4, num_ids=16, repeats=1)
    for r in rows:
        V = r["vocab_size"]
        dense = embedding_memory(V, 4, optimizer="adam")
        sparse = embedding_memory(V, 4, optimizer="sparseadam", sparse_lookups=16)
        assert (r["table_bytes"], r["dense_gradient_bytes"], r["dense_optimizer_bytes"]) == \
            (dense.table, dense.gradient, dense.optimizer)
        assert (r["sparse_gradient_bytes"], r["sparse_optimizer_bytes"]) == (sparse.gradient, sparse.optimizer)
        assert r["dense_ms"] > 0 and r["sparse_ms"] > 0


def test_bag_rows_report_the_intermediate_that_embedding_keeps():
    rows = time_bags([3, 30], num_bags=5, num_embeddings=40, embedding_dim=2, repeats=1)
    assert [(r["bag_length"], r["intermediate_bytes"], r["output_bytes"]) for r in rows] == [(3, 120, 40), (30, 1200, 40)]
    assert all(r["bag_ms"] > 0 and r["embedding_sum_ms"] > 0 for r in rows)


def test_the_two_steps_that_are_timed_compute_the_same_first_update():
    """SparseAdam and Adam agree on a first step, so the timing compares like with like."""
    start = torch.randn(30, 4)
    ids, target = torch.tensor([1, 5, 5, 29]), torch.randn(4, 4)
    result = []
    for sparse, make in ((False, torch.optim.Adam), (True, torch.optim.SparseAdam)):
        table = torch.nn.Embedding.from_pretrained(start.clone(), freeze=False, sparse=sparse)
        optimizer = make(table.parameters(), lr=1e-3)
        (table(ids) * target).sum().backward()
        optimizer.step()
        result.append(table.weight.detach())
    torch.testing.assert_close(result[0], result[1])
