"""``python -m course_lib bench``: the course's speed figures, printed with their targets.

Benchmarks print what they measure; tests never assert on time.

Introduced in README.md ("Speed").
"""
from __future__ import annotations

from collections.abc import Callable

__all__ = ["BENCHMARKS", "bench_notebooks", "run"]

NOTEBOOK_TARGET_S = 45.0
COURSE_TARGET_S = 180.0


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*map(str, row)) for row in rows]
    return "\n".join(lines)


def bench_notebooks(paths=None) -> list[dict]:
    """Execute each notebook in a fresh kernel and time it, kernel start included.

    Returns:
        list of dict: ``notebook``, ``seconds``, ``target_s`` and ``ratio`` (seconds / target),
        the last row being the whole course.
    """
    from .nbtools import execute, list_notebooks

    rows = []
    for path in paths or list_notebooks():
        _, seconds = execute(path)
        rows.append({"notebook": path.name, "seconds": seconds, "target_s": NOTEBOOK_TARGET_S})
        print(f"  ran {path.name} in {seconds:.1f} s", flush=True)
    total = sum(r["seconds"] for r in rows)
    rows.append({"notebook": "all notebooks", "seconds": total, "target_s": COURSE_TARGET_S})
    for r in rows:
        r["ratio"] = r["seconds"] / r["target_s"]
    print(_table(
        ["notebook", "seconds", "target (s)", "ratio", "verdict"],
        [[r["notebook"], f"{r['seconds']:.1f}", f"{r['target_s']:.0f}", f"{r['ratio']:.2f}",
          "ok" if r["ratio"] <= 1 else "OVER"] for r in rows],
    ))
    return rows


#: name -> function; ``python -m course_lib bench NAME`` runs one, no name runs all.
BENCHMARKS: dict[str, Callable[[], object]] = {"notebooks": bench_notebooks}


def run(names: list[str] | None = None) -> None:
    """Run the named benchmarks (all of them when ``names`` is empty)."""
    import os
    import platform

    import torch

    from .runtime import pick_num_threads

    unknown = [n for n in names or [] if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; torch {torch.__version__}; "
          f"course default threads: {pick_num_threads()}")
    for name in names or list(BENCHMARKS):
        print(f"\n== bench {name}")
        BENCHMARKS[name]()
