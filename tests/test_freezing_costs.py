"""Lesson 06's cost measurement: the byte counts are exact, the floor is the same model, timings exist
(never compared: they depend on the machine and its load)."""
from __future__ import annotations

import pytest
import torch

import course_lib.tools.bench as bench
from course_lib.freezing import STRATEGY_NAMES, PartiallyFrozenEmbedding
from course_lib.freezing.costs import (NOTEBOOK_SIZE, _floor_lookup, cost_ratios, time_freezing,
                                       time_freezing_small)
from course_lib.memory import embedding_memory

V, D, K = 60, 4, 5
FULL_TABLE = {"zero_grad", "grad_hook", "restore_rows"}  # the optimizer holds every row


@pytest.fixture(scope="module")
def rows():
    return time_freezing(V, D, K, num_ids=16, steps=1)


def test_one_row_per_strategy_then_the_floor(rows):
    assert [r["strategy"] for r in rows] == [*STRATEGY_NAMES, "floor"]
    for r in rows:
        assert r["ms_per_step"] > 0 and r["cpu_ms_per_step"] >= 0
        assert (r["num_embeddings"], r["embedding_dim"], r["num_trainable"]) == (V, D, K)
        assert r["peak_extra_bytes"] is None  # on the CPU
        assert r["ratio_to_floor"] > 0 and "cpu_ratio_to_floor" in r  # against floor steps timed alongside
    assert rows[-1]["ratio_to_floor"] == 1.0


def test_optimizer_state_and_gradient_bytes_are_exact(rows):
    for r in rows:
        size = V if r["strategy"] in FULL_TABLE else K  # Adam's two moments for every row it holds
        assert r["optimizer_bytes"] == 2 * size * D * 4 + 4 == embedding_memory(size, D).optimizer, r["strategy"]
        assert r["grad_bytes"] == size * D * 4, r["strategy"]


def test_cost_ratios_read_the_targets_from_the_rows(rows):
    by_name = {r["strategy"]: r for r in rows}
    ratios = cost_ratios(rows)
    pfe = by_name["partially_frozen"]["ms_per_step"]
    assert ratios["time_vs_floor"] == by_name["partially_frozen"]["ratio_to_floor"]
    assert ratios["speedup_vs_zero_grad"] == pytest.approx(by_name["zero_grad"]["ms_per_step"] / pfe)
    assert ratios["optimizer_bytes"] == ratios["exact_optimizer_bytes"] == 2 * K * D * 4 + 4
    assert cost_ratios([by_name["floor"]]) == dict.fromkeys(ratios)  # missing rows: no figure


def test_the_floor_is_the_same_model_as_partially_frozen():
    torch.manual_seed(0)
    table, ids, target = torch.randn(V, D), torch.randint(V, (40,)), torch.randn(40, D)
    ids[:3] = torch.tensor([V - 1, V - K, V - K - 1])  # both sides of the boundary
    new_rows = torch.nn.Parameter(table[V - K:].clone())
    pfe = PartiallyFrozenEmbedding(table, torch.arange(V - K, V))
    out_floor, out_pfe = _floor_lookup(ids, table, new_rows), pfe(ids)
    torch.testing.assert_close(out_floor, out_pfe, rtol=0, atol=0)
    torch.nn.functional.mse_loss(out_floor, target).backward()
    torch.nn.functional.mse_loss(out_pfe, target).backward()
    torch.testing.assert_close(new_rows.grad, pfe.trainable_weight.grad)
    assert new_rows.grad.abs().sum() > 0 and not table.requires_grad


def test_notebook_size_returns_the_same_rows():
    rows = time_freezing_small(strategies=["partially_frozen"], steps=1)
    assert [r["strategy"] for r in rows] == ["partially_frozen", "floor"]
    assert (rows[0]["num_embeddings"], rows[0]["embedding_dim"], rows[0]["num_trainable"]) == NOTEBOOK_SIZE
    assert rows[0]["optimizer_bytes"] == 2 * NOTEBOOK_SIZE[2] * NOTEBOOK_SIZE[1] * 4 + 4


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"num_embeddings": 0}, ValueError, "num_embeddings must be an int >= 2; got 0"),
    ({"embedding_dim": 2.5}, ValueError, "embedding_dim must be an int >= 1; got 2.5"),
    ({"num_trainable": True}, ValueError, "num_trainable must be an int >= 1; got True"),
    ({"num_trainable": V}, ValueError, "num_trainable must be smaller than num_embeddings"),
    ({"num_ids": 0}, ValueError, "num_ids must be an int >= 1"),
    ({"steps": 0}, ValueError, "steps must be an int >= 1"),
    ({"trainable_share": 0.0}, ValueError, r"trainable_share must be a share in \(0, 1\]"),
    ({"trainable_share": 1.5}, ValueError, "trainable_share"),
    ({"lr": -1.0}, ValueError, "lr must be a positive number"),
    ({"strategies": "zero_grad"}, TypeError, r"strategies must be a list of names.*strategies=\['zero_grad'\]"),
    ({"strategies": ["zero_grads"]}, ValueError, "unknown strategy 'zero_grads'; choose from 'none', 'zero_grad'"),
    ({"strategies": ["floor"]}, ValueError, "the floor is always timed"),
    ({"strategies": ["zero_grad", "zero_grad"]}, ValueError, "must not repeat a name"),
])
def test_bad_arguments_are_refused_clearly(kwargs, error, match):
    args = {"num_embeddings": V, "embedding_dim": D, "num_trainable": K, "num_ids": 8, "steps": 1} | kwargs
    with pytest.raises(error, match=match):
        time_freezing(**args)


def test_bench_freezing_prints_every_strategy_and_the_targets_as_ratios(capsys):
    threads = torch.get_num_threads()
    assert bench.BENCHMARKS["freezing"] is bench.bench_freezing
    rows = bench.bench_freezing(V, D, K, num_ids=16, steps=1)
    out = capsys.readouterr().out
    assert torch.get_num_threads() == threads  # the course's thread count only while it runs
    for name in [*STRATEGY_NAMES, "floor"]:
        assert name in out
    assert "partially_frozen time / floor time" in out and "<= 1.25x" in out
    assert "zero_grad time / partially_frozen time" in out and ">= 10x" in out
    assert f"= {2 * K * D * 4 + 4:,} B" in out

    summary = bench._summary_rows("freezing", rows)
    ratios = cost_ratios(rows)
    assert [s["figure"] for s in summary] == ["partially_frozen time / floor time",
                                             "zero_grad time / partially_frozen time",
                                             "partially_frozen optimizer state"]
    assert summary[0]["ratio"] == pytest.approx(ratios["time_vs_floor"] / 1.25)
    ms = {r["strategy"]: r["ms_per_step"] for r in rows}
    assert summary[1]["ratio"] == pytest.approx(10 * ms["partially_frozen"] / ms["zero_grad"])
    assert summary[2]["ratio"] == 1.0
    table = bench.summary_table({"freezing": rows})
    assert table.count("freezing") == 3 and "partially_frozen optimizer state" in table


def test_run_summarises_the_freezing_benchmark(monkeypatch, capsys):
    monkeypatch.setitem(bench.BENCHMARKS, "freezing",
                        lambda: bench.bench_freezing(V, D, K, strategies=["zero_grad", "partially_frozen"], steps=1))
    results = bench.run(["freezing"])
    summary = capsys.readouterr().out.split("== summary")[1]
    assert [r["strategy"] for r in results["freezing"]] == ["zero_grad", "partially_frozen", "floor"]
    assert "zero_grad time / partially_frozen time" in summary and "partially_frozen optimizer state" in summary
