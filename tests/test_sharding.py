"""A table sharded by rows across real processes (gloo) gives exactly the single-process step."""
from __future__ import annotations

import pytest
import torch

from course_lib.sharding import reference_step, run_sharded, shard_bounds


def _case(num_embeddings, ids, embedding_dim=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    weight = torch.randn(num_embeddings, embedding_dim, generator=gen)
    upstream = [torch.randn(*i.shape, embedding_dim, generator=gen) for i in ids]
    return weight, ids, upstream


def _assert_same(sharded, reference):
    assert len(sharded.outputs) == len(reference.outputs)
    for got, expected in zip(sharded.outputs, reference.outputs):
        torch.testing.assert_close(got, expected, rtol=0, atol=0)   # a lookup copies rows: exact
    torch.testing.assert_close(sharded.grad, reference.grad)
    torch.testing.assert_close(sharded.weight, reference.weight)


def test_two_processes_match_one_process_with_repeats_and_uneven_shards():
    # V = 7 splits 4 + 3; rank 0 asks only rank 1's rows, rank 1 has a repeated id on both shards
    ids = [torch.tensor([[6, 5, 6], [4, 6, 5]]), torch.tensor([0, 3, 3, 6, 0])]
    weight, ids, upstream = _case(7, ids)
    result = run_sharded(weight, ids, upstream, lr=0.5)
    _assert_same(result, reference_step(weight, ids, upstream, lr=0.5))
    # who asked whom: rank 0 needs nothing from rank 0's rows, everything from rank 1's
    assert [r.tolist() for r in result.requests[0]] == [[], [6, 5, 6, 4, 6, 5]]
    assert [r.tolist() for r in result.requests[1]] == [[0, 3, 3, 0], [6]]
    # rows nobody looked up kept their values; the others moved
    moved = (result.weight != weight).any(dim=1)
    assert moved.tolist() == [True, False, False, True, True, True, True]


def test_three_processes_and_an_empty_batch():
    ids = [torch.tensor([9, 0, 4]), torch.zeros(0, dtype=torch.long), torch.tensor([[2, 2], [9, 7]])]
    weight, ids, upstream = _case(10, ids, embedding_dim=2, seed=1)
    result = run_sharded(weight, ids, upstream)
    _assert_same(result, reference_step(weight, ids, upstream))
    assert result.outputs[1].shape == (0, 2)


def test_bad_inputs_are_refused_before_any_process_starts():
    weight, ids, upstream = _case(4, [torch.tensor([1]), torch.tensor([4])])
    with pytest.raises(ValueError, match=r"ids\[1\] must be a long tensor of ids in 0..3"):
        run_sharded(weight, ids, upstream)
    with pytest.raises(ValueError, match="one ids tensor and one upstream tensor per process"):
        run_sharded(weight, ids, upstream[:1])
    with pytest.raises(ValueError, match=r"upstream\[0\] must have shape \(1, 3\)"):
        run_sharded(weight, [torch.tensor([1]), torch.tensor([2])], [torch.zeros(1, 2), torch.zeros(1, 3)])
    with pytest.raises(ValueError, match="world_size must be between 1 and num_embeddings=4; got 5"):
        shard_bounds(4, 5)


def test_a_failing_worker_is_reported_and_stopped(monkeypatch):
    import course_lib.sharding as sharding

    monkeypatch.setattr(sharding, "_BOOT", "import sys; print('worker broke on purpose'); sys.exit(3)")
    weight, ids, upstream = _case(4, [torch.tensor([1]), torch.tensor([2])])
    with pytest.raises(RuntimeError, match=r"(?s)rank 0 \(exit 3\).*worker broke on purpose"):
        run_sharded(weight, ids, upstream)


@pytest.mark.parametrize("num_embeddings,world_size", [(10, 2), (7, 2), (10, 3), (5, 5)])
def test_shard_bounds_cover_every_row_once(num_embeddings, world_size):
    bounds = shard_bounds(num_embeddings, world_size)
    rows = [r for start, stop in bounds for r in range(start, stop)]
    assert rows == list(range(num_embeddings))
    assert max(b - a for a, b in bounds) - min(b - a for a, b in bounds) <= 1
