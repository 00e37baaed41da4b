"""``python -m course_lib bench``: the course's speed figures, printed with their targets.

Benchmarks print what they measure; tests never assert on time.

Introduced in README.md ("Speed").
"""
from __future__ import annotations

from collections.abc import Callable

__all__ = ["BENCHMARKS", "bench_freezing", "bench_notebooks", "bench_threads", "bench_widgets", "run", "summary_table"]

NOTEBOOK_TARGET_S = 45.0
COURSE_TARGET_S = 180.0
WIDGET_TARGET_MS = 50.0


def _table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    """Columns padded to line up: the first ``left`` ones flush left (names), the others right (numbers)."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:{'<' if i < left else '>'}{w}}}" for i, w in enumerate(widths))
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


# A small-op training step like the course's word-vector and tiny-model loops.
_SMALL_LOOP = """
import sys, time, torch
torch.set_num_threads(int(sys.argv[1])); torch.manual_seed(0)
emb, ctx = torch.nn.Embedding(480, 64), torch.nn.Embedding(480, 64)
opt = torch.optim.Adam([*emb.parameters(), *ctx.parameters()], lr=0.01)
steps = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    c, o, n = torch.randint(480, (2048,)), torch.randint(480, (2048,)), torch.randint(480, (2048, 5))
    e = emb(c)
    pos, neg = (e * ctx(o)).sum(-1), torch.bmm(ctx(n), e.unsqueeze(-1)).squeeze(-1)
    loss = -(torch.nn.functional.logsigmoid(pos).mean() + torch.nn.functional.logsigmoid(-neg).sum(-1).mean())
    opt.zero_grad(); loss.backward(); opt.step()
    steps.append(time.perf_counter() - start)
print(sum(steps), max(steps))
"""


def bench_threads(thread_counts=(1, 2), steps: int = 300) -> list[dict]:
    """Time a small-op training loop (``steps`` skip-gram steps) per torch thread count,
    on a quiet machine and with one core kept busy by another process.

    This is the measurement behind :func:`course_lib.runtime.pick_num_threads`.
    """
    import subprocess
    import sys

    rows = []
    for busy in (False, True):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
        try:
            for threads in thread_counts:
                out = subprocess.run([sys.executable, "-c", _SMALL_LOOP, str(threads), str(steps)], capture_output=True,
                                     text=True, check=True, timeout=600).stdout.split()
                rows.append({"threads": threads, "other core": "busy" if busy else "quiet",
                             "seconds": float(out[0]), "slowest step (ms)": 1e3 * float(out[1])})
        finally:
            if hog is not None:
                hog.kill()
                hog.wait()
    print(_table(["threads", "other core", "seconds", "slowest step (ms)"],
                 [[r["threads"], r["other core"], f"{r['seconds']:.2f}", f"{r['slowest step (ms)']:.0f}"]
                  for r in rows]))
    return rows


def _median_ms(action, repeats: int) -> tuple[float, float, float]:
    """Median and slowest wall time, and median CPU time of this process (ms), of ``action(i)``."""
    import statistics

    from .._util import time_call

    for i in range(3):  # warm-up: first calls import and allocate
        action(i)
    times = [time_call(lambda: action(i)) for i in range(repeats)]   # (wall, cpu) per call
    wall, cpu = [t[0] for t in times], [t[1] for t in times]
    return statistics.median(wall), max(wall), statistics.median(cpu)


def _prompt_history(num_vectors: int = 20, num_steps: int = 600, every: int = 25):
    """A history of lesson 07's shape without training: a vocab-init prompt on the shipped TinyLM's
    table drifting at random, 25 snapshots, a falling loss; and the table and vocab to read it with."""
    import torch

    from ..lm import load_tiny_lm

    base, vocab = load_tiny_lm()
    table = base.get_input_embeddings().weight.detach()                                # (V, D)
    gen = torch.Generator().manual_seed(0)
    prompt = table[torch.randperm(len(table), generator=gen)[:num_vectors]].clone()   # (P, D)
    steps = list(range(0, num_steps + 1, every))
    snapshots = [prompt + 0.1 * (s / every) ** 0.5 * torch.randn(prompt.shape, generator=gen) for s in steps]
    loss = (1.5 + 10 * torch.exp(-torch.arange(1, num_steps + 1) / 30) + 0.2 * torch.rand(num_steps, generator=gen))
    history = {"step": list(range(1, num_steps + 1)), "loss": loss.tolist(), "snapshot_steps": steps,
               "snapshots": snapshots}
    return history, table, vocab


def bench_widgets(repeats: int = 30) -> list[dict]:
    """Time each explorer's response to the actions a learner takes (setting a control's
    value runs the update synchronously, figure and readout included).

    The CPU column is this process's CPU time: when other programs share the cores, the wall
    time grows and the CPU time much less, which tells a busy machine from a slow update.

    Returns:
        list of dict: ``explorer``, ``action``, ``median_ms``, ``slowest_ms``, ``cpu_ms``,
        ``target_ms`` and ``ratio`` (median wall time / target).
    """
    import itertools

    from ..data import load_vocab
    from ..embedding_space import train_embedding_space
    from ..widgets import OPTIMIZERS, EmbeddingSpaceExplorer, GradientExplorer, PromptInspector, TrainingStepper

    explorer, stepper = GradientExplorer(), TrainingStepper()
    held = TrainingStepper(optimizer="AdamW", frozen=["king", "dog"], strategy="partially_frozen",
                           batch="king queen dog cat")
    words = GradientExplorer("the king", vocab=load_vocab())
    inspector = PromptInspector(*_prompt_history(), k=3)
    space = EmbeddingSpaceExplorer(train_embedding_space())   # lesson 02's run: 800 steps, 4 words followed
    last = space.history.steps[-1]

    def select(i, first_visit=True):
        if first_visit:
            inspector._pngs.clear()   # draw the figure, as at the first visit of a step
        inspector.slider.value = inspector.steps[(i * 7) % len(inspector.steps)]  # a different snapshot each time

    def revisit(i):
        if len(inspector._pngs) < len(inspector.steps):   # (at the first, warm-up call) see every step once
            for step in inspector.steps:
                inspector.slider.value = step
        select(i, first_visit=False)

    def setter(widget, values):
        return lambda i: setattr(widget, "value", values[i % len(values)])

    def scrub(i):
        stepper.history_slider.value = i % (len(stepper.records) + 1)

    def jump(i, far=337):   # a step far from the last, never shown before (its picture is drawn)
        space.slider.value = (space.slider.value + far) % (last + 1)

    def follow(i, calls=itertools.count()):   # four other words each time (a picture not drawn before)
        table, n = space.history.words, 5 * next(calls)
        space.follow.value = " ".join(table[(n + k) % len(table)] for k in range(4))

    actions = [
        ("GradientExplorer", "reduction", setter(explorer.reduction, ["sum", "mean"])),
        ("GradientExplorer", "padding_idx", setter(explorer.padding_idx, [True, False])),
        ("GradientExplorer", "scale_grad_by_freq", setter(explorer.scale_grad_by_freq, [True, False])),
        ("GradientExplorer", "tokens (same rows drawn)",
         setter(explorer.tokens, ["0 0 3 | 3 1 7", "1 2 4 5 | 4 3 2 9"])),
        ("GradientExplorer(vocab)", "tokens (new rows drawn)",
         setter(words.tokens, ["the queen saw a dog", "a king ate | the cat"])),
        ("TrainingStepper", "step", lambda i: stepper.step_button.click()),
        ("TrainingStepper", "history", scrub),
        ("TrainingStepper", "optimizer (starts over)", setter(stepper.optimizer, [*OPTIMIZERS][1:] + ["SGD"])),
        ("TrainingStepper", "step (partially_frozen)", lambda i: held.step_button.click()),
        ("TrainingStepper", "strategy (new optimizer)", setter(held.strategy, ["zero_grad", "partially_frozen"])),
        ("PromptInspector", "step (first visit: drawn)", select),
        ("PromptInspector", "step (seen before: kept PNG)", revisit),
        ("EmbeddingSpaceExplorer", "step (jump)", jump),
        ("EmbeddingSpaceExplorer", "step (next, as play does)", lambda i: jump(i, far=1)),
        ("EmbeddingSpaceExplorer", "follow (new words)", follow),
    ]
    rows = []
    for name, action, fn in actions:
        median, slowest, cpu = _median_ms(fn, repeats)
        rows.append({"explorer": name, "action": action, "median_ms": median, "slowest_ms": slowest,
                     "cpu_ms": cpu, "target_ms": WIDGET_TARGET_MS, "ratio": median / WIDGET_TARGET_MS})
    print(_table(
        ["explorer", "action", "median (ms)", "slowest (ms)", "cpu (ms)", "target (ms)", "ratio", "verdict"],
        [[r["explorer"], r["action"], f"{r['median_ms']:.1f}", f"{r['slowest_ms']:.1f}", f"{r['cpu_ms']:.1f}",
          f"{r['target_ms']:.0f}", f"{r['ratio']:.2f}", "ok" if r["ratio"] <= 1 else "OVER"] for r in rows],
    ))
    return rows


def _freezing_targets(rows: list[dict]) -> list[dict]:
    """Lesson 06's targets read from :func:`bench_freezing`'s rows, as summary rows (ratio <= 1 is on target)."""
    from ..freezing.costs import SPEEDUP_TARGET, TIME_VS_FLOOR_TARGET, cost_ratios

    ratios, out = cost_ratios(rows), []
    if ratios["time_vs_floor"] is not None:
        out.append({"benchmark": "freezing", "figure": "partially_frozen time / floor time",
                    "measured": f"{ratios['time_vs_floor']:.2f}x (cpu {ratios['cpu_time_vs_floor']:.2f}x)",
                    "target": f"<= {TIME_VS_FLOOR_TARGET}x",
                    "ratio": ratios["time_vs_floor"] / TIME_VS_FLOOR_TARGET})
    if ratios["speedup_vs_zero_grad"] is not None:
        out.append({"benchmark": "freezing", "figure": "zero_grad time / partially_frozen time",
                    "measured": f"{ratios['speedup_vs_zero_grad']:.0f}x", "target": f">= {SPEEDUP_TARGET:.0f}x",
                    "ratio": SPEEDUP_TARGET / ratios["speedup_vs_zero_grad"]})
    if ratios["optimizer_bytes"] is not None:
        out.append({"benchmark": "freezing", "figure": "partially_frozen optimizer state",
                    "measured": f"{ratios['optimizer_bytes']:,} B",
                    "target": f"= {ratios['exact_optimizer_bytes']:,} B (2 K D 4 + 4)",
                    "ratio": ratios["optimizer_bytes"] / ratios["exact_optimizer_bytes"]})
    return out


def bench_freezing(num_embeddings: int = 400_000, embedding_dim: int = 300, num_trainable: int = 1_000,
                   **kwargs) -> list[dict]:
    """Time one Adam step of each lesson-05 freezing strategy at GloVe scale against the floor,
    and print the issue's targets as ratios.

    Runs :func:`course_lib.freezing.costs.time_freezing` with the course's thread count (about
    45 s and 4 GB of memory at the default 400,000 x 300 table with 1,000 trainable rows).
    ``kwargs`` go to it (``strategies``, ``steps``, ``num_ids``, ...). Each strategy's steps
    alternate with floor steps; the CPU-time ratio, printed next to the wall-time one, is
    the steadier figure when other programs share the cores.

    Returns:
        list of dict: the rows of :func:`~course_lib.freezing.costs.time_freezing`.
    """
    from ..freezing.costs import time_freezing
    from ..memory import format_bytes
    from ..runtime import course_threads

    with course_threads():
        rows = time_freezing(num_embeddings, embedding_dim, num_trainable, **kwargs)
    print(f"table {num_embeddings:,} x {embedding_dim}, {num_trainable:,} trainable rows, Adam; "
          f"floor = whole table frozen + Adam on a separate ({num_trainable}, {embedding_dim}) Parameter")
    print(_table(
        ["strategy", "ms/step", "cpu ms/step", "optimizer state", "gradient", "x floor", "x floor (cpu)"],
        [[r["strategy"], f"{r['ms_per_step']:.2f}", f"{r['cpu_ms_per_step']:.2f}", format_bytes(r["optimizer_bytes"]),
          format_bytes(r["grad_bytes"]), f"{r['ratio_to_floor']:.2f}", f"{r['cpu_ratio_to_floor']:.2f}"] for r in rows],
    ))
    targets = _freezing_targets(rows)
    if targets:
        print(_table(["target", "measured", "target", "ratio", "verdict"],
                     [[t["figure"], t["measured"], t["target"], f"{t['ratio']:.2f}",
                       "ok" if t["ratio"] <= 1 else "OVER"] for t in targets]))
    return rows


#: name -> function; ``python -m course_lib bench NAME`` runs one, no name runs all.
BENCHMARKS: dict[str, Callable[[], object]] = {"notebooks": bench_notebooks, "threads": bench_threads,
                                               "widgets": bench_widgets, "freezing": bench_freezing}


def _summary_rows(name: str, rows: list[dict]) -> list[dict]:
    """The figures of one benchmark's rows, each with its target and ratio (figure / target; <= 1 is on target)."""
    if name == "notebooks":
        return [{"benchmark": name, "figure": r["notebook"], "measured": f"{r['seconds']:.1f} s",
                 "target": f"< {r['target_s']:.0f} s", "ratio": r["ratio"]} for r in rows]
    if name == "widgets":
        return [{"benchmark": name, "figure": f"{r['explorer']}: {r['action']}", "measured": f"{r['median_ms']:.1f} ms",
                 "target": f"< {r['target_ms']:.0f} ms", "ratio": r["ratio"]} for r in rows]
    if name == "freezing":
        return _freezing_targets(rows)
    if name == "threads":  # why one thread is the default: it must not be slower than two when a core is busy
        out = []
        for load in ("quiet", "busy"):
            secs = {r["threads"]: r["seconds"] for r in rows if r["other core"] == load}
            if 1 in secs and 2 in secs:
                out.append({"benchmark": name, "figure": f"1 thread, other core {load}", "measured": f"{secs[1]:.2f} s",
                            "target": f"<= 2 threads ({secs[2]:.2f} s)" if load == "busy" else
                            f"none (2 threads: {secs[2]:.2f} s)", "ratio": secs[1] / secs[2] if load == "busy" else None})
        return out
    return []


def summary_table(results: dict[str, list[dict]]) -> str:
    """One table of every figure measured in a run, with its target and its ratio to it.

    Examples::

        >>> print(summary_table({"notebooks": [{"notebook": "all notebooks", "seconds": 90.0, "target_s": 180.0,
        ...                                     "ratio": 0.5}]}))
        benchmark  figure         measured  target   ratio  verdict
        ---------  -------------  --------  -------  -----  -------
        notebooks  all notebooks    90.0 s  < 180 s   0.50       ok
    """
    rows = [row for name, result in results.items() for row in _summary_rows(name, result)]
    return _table(["benchmark", "figure", "measured", "target", "ratio", "verdict"],
                  [[r["benchmark"], r["figure"], r["measured"], r["target"],
                    "-" if r["ratio"] is None else f"{r['ratio']:.2f}",
                    "" if r["ratio"] is None else "ok" if r["ratio"] <= 1 else "OVER"] for r in rows], left=2)


def run(names: list[str] | None = None) -> dict[str, list[dict]]:
    """Run the named benchmarks (all of them when ``names`` is empty), then print one summary table
    of every figure against its target; return each benchmark's rows."""
    import os
    import platform

    import torch

    from ..runtime import num_threads

    unknown = [n for n in names or [] if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; torch {torch.__version__}; "
          f"course threads: {num_threads()}")
    results = {}
    for name in names or list(BENCHMARKS):
        print(f"\n== bench {name}")
        results[name] = BENCHMARKS[name]()
    print("\n== summary: each figure against its target (ratio = measured / target)")
    print(summary_table(results))
    return results
