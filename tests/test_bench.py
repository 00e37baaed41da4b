"""``python -m course_lib bench`` ends with one table: every figure, its target and its ratio."""
from __future__ import annotations

import course_lib.tools.bench as bench


def test_run_prints_one_summary_of_every_benchmark(monkeypatch, capsys):
    fake = {
        "notebooks": lambda: [{"notebook": "00_start_here.ipynb", "seconds": 9.0, "target_s": 45.0, "ratio": 0.2},
                              {"notebook": "all notebooks", "seconds": 200.0, "target_s": 180.0, "ratio": 200 / 180}],
        "threads": lambda: [{"threads": t, "other core": load, "seconds": s, "slowest step (ms)": 1.0}
                            for t, load, s in [(1, "quiet", 2.0), (2, "quiet", 1.0), (1, "busy", 2.0), (2, "busy", 6.0)]],
        "widgets": lambda: [{"explorer": "GradientExplorer", "action": "reduction", "median_ms": 20.0,
                             "slowest_ms": 30.0, "cpu_ms": 15.0, "target_ms": 50.0, "ratio": 0.4}],
    }
    monkeypatch.setattr(bench, "BENCHMARKS", fake)
    results = bench.run()
    out = capsys.readouterr().out
    summary = out[out.index("== summary"):].splitlines()
    assert set(results) == set(fake)
    rows = summary[3:]
    assert len(summary) == 3 + 5                                       # title, header, rule, five figures
    assert any("00_start_here.ipynb" in r and "0.20" in r and r.rstrip().endswith("ok") for r in rows)
    assert any("all notebooks" in r and "1.11" in r and r.rstrip().endswith("OVER") for r in rows)
    assert any("other core busy" in r and "0.33" in r and "<= 2 threads (6.00 s)" in r for r in rows)
    assert any("other core quiet" in r and "none (2 threads: 1.00 s)" in r for r in rows)
    assert any("GradientExplorer: reduction" in r and "20.0 ms" in r and "< 50 ms" in r for r in rows)


def test_running_one_benchmark_summarises_only_it(monkeypatch, capsys):
    monkeypatch.setattr(bench, "BENCHMARKS", {"widgets": lambda: [], "notebooks": lambda: 1 / 0})
    assert bench.run(["widgets"]) == {"widgets": []}
    assert "== summary" in capsys.readouterr().out
