"""Lesson 07's comparison: every way to answer a task through the frozen TinyLM, on one split, over seeds.

Each :class:`Method` is one row of the lesson's table: no prompt, a hand-written prompt
(before or after the sentence), soft prompts of length 1, 5 and 20 started three ways (random,
vocabulary, label words) plus text init and the published lr 0.3 at length 20, full
fine-tuning, the whole embedding table, and only the label words' rows. :func:`run_method`
trains one (seed, method) from the shipped checkpoint and scores it on the validation split
with :func:`~course_lib.prompt_tasks.evaluate`.

The whole grid, three seeds, both tasks, takes about 10 minutes on one CPU thread, too long
for a notebook, so ``python -m course_lib prompt-study`` runs it and writes
``data/prompt_study.json``; the notebook re-runs a few rows live and checks that they match
the file.

Introduced in notebooks/07_soft_prompts.ipynb.
"""
from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from ._util import write_atomic
from .data import DATA_DIR
from .freezing import mask_frozen_grads
from .lm import CHECKPOINT, load_tiny_lm
from .prompt_tasks import evaluate, make_task, train_verbalizer
from .prompts import PromptTunedModel

__all__ = ["HAND_WRITTEN", "METHODS", "RESULTS", "SEEDS", "Method", "format_by_task", "format_summary",
           "load_study", "method", "run_method", "run_study", "summarize"]

#: where ``python -m course_lib prompt-study`` writes the grid
RESULTS = DATA_DIR / "prompt_study.json"
#: the seeds of every trained method (init of the prompt and order of the batches)
SEEDS = (0, 1, 2)
#: the hand-written prompt of each task: words that make the label word a natural next word
HAND_WRITTEN = {"sentiment": ("because", "it", "was"), "topic": ("then", "we", "talked", "about")}
_FORMAT = "course_lib.prompt_study"
_BATCH_SIZE = 16


@dataclass(frozen=True)
class Method:
    """One way to answer through the language model: what is trained, from where, how long.

    ``kind`` is ``"none"`` (the sentence alone), ``"prefix"`` / ``"suffix"`` (the task's
    :data:`HAND_WRITTEN` words before / after the sentence), ``"soft"`` (a P-vector soft prompt,
    started with ``init``), ``"full"`` (every weight), ``"table"`` (the whole tied embedding
    table) or ``"rows"`` (only the label words' rows of it).
    """

    name: str
    kind: str
    num_virtual_tokens: int = 0
    init: str = ""
    lr: float = 0.0
    num_steps: int = 0

    @property
    def trained(self) -> bool:
        return self.num_steps > 0


def _soft(P: int, init: str) -> Method:
    return Method(f"soft P={P} {init}", "soft", P, init, lr=0.03, num_steps=600)


#: every row of the lesson's table, in its order
METHODS = (
    Method("no prompt", "none"),
    Method("hand-written prefix", "prefix"),
    Method("hand-written suffix", "suffix"),
    *(_soft(P, init) for P in (1, 5, 20) for init in ("random", "vocab", "labels")),
    _soft(20, "text"),
    Method("soft P=20 vocab, lr 0.3", "soft", 20, "vocab", lr=0.3, num_steps=600),  # the published lr
    Method("label-word rows", "rows", lr=0.1, num_steps=600),
    Method("embedding table", "table", lr=0.01, num_steps=600),
    Method("full fine-tuning", "full", lr=1e-3, num_steps=150),
)


def method(name: str) -> Method:
    """The :class:`Method` called ``name`` (see :data:`METHODS`)."""
    for m in METHODS:
        if m.name == name:
            return m
    raise ValueError(f"no method {name!r}; choose one of {[m.name for m in METHODS]}")


def run_method(m: Method | str, task: str, seed: int = 0, *, device=None,
               checkpoint: str | os.PathLike = CHECKPOINT, snapshot_every: int = 0) -> dict:
    """Train ``m`` from a fresh copy of the checkpoint and score it on ``task``'s validation split.

    Returns:
        dict: ``task``, ``method``, ``seed``, ``trainable`` (numbers the optimizer updates),
        ``emit``, ``rank``, ``seconds``, and ``model`` / ``vocab`` / ``history`` (not stored
        in the results file).

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    m = method(m) if isinstance(m, str) else m
    base, vocab = load_tiny_lm(checkpoint)
    base.to(device or "cpu")
    words = HAND_WRITTEN[task] if task in HAND_WRITTEN else ()
    around = {"prefix": {"prefix": words}, "suffix": {"suffix": words}}.get(m.kind, {})
    train, val = (make_task(task, split, vocab, **around) for split in ("train", "validation"))
    model, params, trainable, history = base, None, 0, {}
    if m.kind == "soft":
        ids = {"labels": train.label_word_ids, "text": vocab.encode(list(words))}.get(m.init)
        model = PromptTunedModel(base, m.num_virtual_tokens, m.init, init_token_ids=ids,
                                 generator=torch.Generator().manual_seed(seed))
        trainable = model.soft_prompt.weight.numel()
    elif m.kind in ("table", "rows"):
        for p in base.parameters():
            p.requires_grad_(False)
        table = base.get_input_embeddings().weight                              # (V, D), tied to the output
        params, trainable = [table.requires_grad_(True)], table.numel()
        if m.kind == "rows":  # lesson 06's hook: Adam without weight decay leaves zero-gradient rows exactly put
            frozen = torch.ones(table.shape[0], dtype=torch.bool)
            frozen[train.label_word_ids] = False
            mask_frozen_grads(table, frozen.nonzero().flatten().to(table.device))
            trainable = len(train.label_word_ids) * table.shape[1]
    elif m.kind == "full":
        trainable = sum(p.numel() for p in base.parameters())
    if m.trained:
        history = train_verbalizer(model, train, params, num_steps=m.num_steps, lr=m.lr, batch_size=_BATCH_SIZE,
                                   seed=seed, snapshot_every=snapshot_every)
    return {"task": task, "method": m.name, "seed": seed if m.trained else None, "trainable": trainable,
            **evaluate(model, val), "seconds": history.get("seconds", [0.0])[0],
            "model": model, "vocab": vocab, "history": history}


def _record(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("model", "vocab", "history")}


def run_study(tasks=("sentiment", "topic"), seeds=SEEDS, methods=METHODS, *, out: str | os.PathLike | None = RESULTS,
              print_fn=print) -> list[dict]:
    """Run every method on every task (trained ones once per seed); write the rows to ``out`` as JSON.

    The file is written once, at the end, through a temporary file, so an interrupted run
    leaves the old one whole. Untrained methods run once (they have no seed).

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    rows, start = [], time.perf_counter()
    for task in tasks:
        for m in methods:
            for seed in (seeds if m.trained else (0,)):
                row = _record(run_method(m, task, seed))
                rows.append(row)
                print_fn(f"{task:9s} {m.name:24s} seed {row['seed']!s:4s} emit {row['emit']:.3f} "
                         f"rank {row['rank']:.3f}  {row['seconds']:5.1f} s")
    if out is not None:
        out = Path(out)
        payload = {"format": _FORMAT, "torch": torch.__version__, "threads": torch.get_num_threads(),
                   "batch_size": _BATCH_SIZE, "methods": [asdict(m) for m in methods], "rows": rows}
        write_atomic(out, (json.dumps(payload, indent=1) + "\n").encode("utf-8"))
        print_fn(f"wrote {out} ({len(rows)} runs, {time.perf_counter() - start:.0f} s)")
    return rows


def load_study(path: str | os.PathLike = RESULTS) -> list[dict]:
    """The rows written by :func:`run_study`.

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; `python -m course_lib prompt-study` writes it (about 10 min)")
    payload = json.loads(path.read_text())
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ValueError(f"{path} was not written by `python -m course_lib prompt-study`")
    return payload["rows"]


def summarize(rows: list[dict]) -> list[dict]:
    """One dict per (task, method), in the order met: ``trainable``, ``n`` (runs), and for ``emit``
    and ``rank`` the ``mean``, ``sd`` (sample, 0 for one run), ``min`` and ``max``.

    Examples::

        >>> rows = [{"task": "t", "method": "m", "trainable": 5, "emit": e, "rank": 1.0} for e in (0.5, 0.7)]
        >>> s = summarize(rows)[0]
        >>> s["n"], round(s["emit_mean"], 3), round(s["emit_sd"], 3), s["rank_max"]
        (2, 0.6, 0.141, 1.0)

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["task"], r["method"]), []).append(r)
    out = []
    for (task, name), rs in groups.items():
        s = {"task": task, "method": name, "trainable": rs[0]["trainable"], "n": len(rs)}
        for key in ("emit", "rank"):
            v = [r[key] for r in rs]
            s.update({f"{key}_mean": statistics.fmean(v), f"{key}_sd": statistics.stdev(v) if len(v) > 1 else 0.0,
                      f"{key}_min": min(v), f"{key}_max": max(v)})
        out.append(s)
    return out


def format_summary(summary: list[dict], task: str) -> str:
    """``summarize``'s rows of ``task`` as a fixed-width table (mean ± sd over seeds)."""
    lines = [f"{'method':24s} {'trained numbers':>15s}  {'emit':>13s}  {'rank':>13s}"]
    for s in summary:
        if s["task"] == task:
            cells = [f"{s[k + '_mean']:.3f} ± {s[k + '_sd']:.3f}" if s["n"] > 1 else f"{s[k + '_mean']:.3f}"
                     for k in ("emit", "rank")]
            lines.append(f"{s['method']:24s} {s['trainable']:>15,d}  {cells[0]:>13s}  {cells[1]:>13s}")
    return "\n".join(lines)


def format_by_task(summary: list[dict], key: str = "emit") -> str:
    """``summarize``'s rows as one fixed-width table, a column of ``key`` (mean ± sd) per task.

    One line per method, so both tasks fit on a screen; :func:`format_summary` shows one task
    with emit and rank. Where a method trains a different number of numbers per task (the label
    words' rows), the counts are joined in task order: ``128 / 384``.

    Args:
        summary (list of dict): the rows of :func:`summarize`.
        key (str, optional): ``"emit"`` or ``"rank"``. Default: ``"emit"``.

    Examples::

        >>> rows = [{"task": t, "method": "m", "trainable": 5, "emit": e, "rank": 1.0}
        ...         for t, e in (("a", 0.5), ("a", 0.7), ("b", 0.25))]
        >>> print(format_by_task(summarize(rows)))
        method                   trained numbers          a emit          b emit
        m                                      5   0.600 ± 0.141           0.250

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    if key not in ("emit", "rank"):
        raise ValueError(f"key must be 'emit' or 'rank'; got {key!r}")
    tasks = list(dict.fromkeys(s["task"] for s in summary))
    cells: dict[str, dict[str, str]] = {}
    trainable: dict[str, dict[str, int]] = {}
    for s in summary:
        text = f"{s[key + '_mean']:.3f} ± {s[key + '_sd']:.3f}" if s["n"] > 1 else f"{s[key + '_mean']:.3f}"
        cells.setdefault(s["method"], {})[s["task"]] = text
        trainable.setdefault(s["method"], {})[s["task"]] = s["trainable"]
    lines = [f"{'method':24s} {'trained numbers':>15s}" + "".join(f"  {t + ' ' + key:>14s}" for t in tasks)]
    for name, by_task in cells.items():
        counts = " / ".join(f"{n:,d}" for n in dict.fromkeys(trainable[name].values()))  # differs by task: "128 / 384"
        lines.append(f"{name:24s} {counts:>15s}" + "".join(f"  {by_task.get(t, '-'):>14s}" for t in tasks))
    return "\n".join(lines)
