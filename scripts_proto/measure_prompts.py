"""Prototype measurements for lesson 06 (not part of the package): soft prompts vs baselines on a fixed TinyLM.

python scripts_proto/measure_prompts.py --task sentiment --out /tmp/wip6/sent.jsonl [--configs ...] [--seeds 0 1 2]
Each configuration name: zero (sentence only) | discrete (hand-written suffix) | prefix (the same words before
the sentence) | soft:P:init[:lr] | full:lr | embed:lr (whole tied table) | rows:lr (label-word rows only)
"""
import argparse
import json
import math
import statistics
import time

import torch

from course_lib.lm import load_tiny_lm
from course_lib.prompt_tasks import evaluate, make_task, train_verbalizer
from course_lib.prompts import PromptTunedModel

DISCRETE = {"sentiment": ["because", "it", "was"], "topic": ["then", "we", "talked", "about"]}
DEFAULT = {
    "sentiment": ["zero", "discrete"] + [f"soft:{p}:{i}" for p in (1, 5, 20) for i in ("random", "vocab", "labels")]
                 + ["soft:20:text", "full:1e-3", "embed:1e-2", "rows:1e-1"],
}
DEFAULT["topic"] = DEFAULT["sentiment"]


def run(name, task_name, seed, ckpt, steps, batch_size, prompt_lr):
    base, vocab = load_tiny_lm(ckpt)
    kind, *args = name.split(":")
    disc = DISCRETE[task_name]
    around = {"discrete": {"suffix": disc}, "prefix": {"prefix": disc}}.get(kind, {})  # hand-written prompts
    train = make_task(task_name, "train", vocab, **around)
    val = make_task(task_name, "validation", vocab, **around)
    n_base = sum(p.numel() for p in base.parameters())
    t0 = time.perf_counter()
    if kind in ("zero", "discrete", "prefix"):
        model, trainable = base, 0
    elif kind == "soft":
        P, init = int(args[0]), args[1]
        ids = {"labels": train.label_word_ids, "text": vocab.encode(disc)}.get(init)
        model = PromptTunedModel(base, P, init, init_token_ids=ids,
                                 generator=torch.Generator().manual_seed(seed))
        trainable = model.soft_prompt.weight.numel()
        lr = float(args[2]) if len(args) > 2 else prompt_lr
        train_verbalizer(model, train, num_steps=steps, lr=lr, batch_size=batch_size, seed=seed)
    elif kind == "full":
        model, trainable = base, n_base
        torch.manual_seed(seed)
        train_verbalizer(model, train, num_steps=steps, lr=float(args[0]), batch_size=batch_size, seed=seed)
    elif kind in ("embed", "rows"):
        model = base
        for p in base.parameters():
            p.requires_grad_(False)
        table = base.get_input_embeddings().weight
        table.requires_grad_(True)
        trainable = table.numel()
        if kind == "rows":  # only the label words' rows (tied: also their output rows)
            keep = torch.zeros(table.shape[0], 1)
            keep[train.label_word_ids] = 1
            table.register_hook(lambda g: g * keep)
            trainable = len(train.label_word_ids) * table.shape[1]
        train_verbalizer(model, train, [table], num_steps=steps, lr=float(args[0]), batch_size=batch_size,
                         seed=seed)
    seconds = time.perf_counter() - t0
    acc = evaluate(model, val)
    return {"task": task_name, "config": name, "seed": seed, "trainable": trainable, "seconds": round(seconds, 2),
            **acc}


def summarize(rows):
    by = {}
    for r in rows:
        by.setdefault((r["task"], r["config"]), []).append(r)
    lines = [f"{'task':9s} {'config':18s} {'params':>7s} {'emit mean±sd [min,max]':>26s} "
             f"{'rank mean±sd [min,max]':>26s} {'s/run':>6s}"]
    for (task, config), rs in by.items():
        def f(key):
            v = [r[key] for r in rs]
            sd = statistics.stdev(v) if len(v) > 1 else 0.0
            return f"{statistics.mean(v):.3f}±{sd:.3f} [{min(v):.2f},{max(v):.2f}]"
        lines.append(f"{task:9s} {config:18s} {rs[0]['trainable']:7d} {f('emit'):>26s} {f('rank'):>26s} "
                     f"{statistics.mean(r['seconds'] for r in rs):6.2f}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="sentiment")
    ap.add_argument("--configs", nargs="*")
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--ckpt", default="data/tinylm.pt")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--prompt-lr", type=float, default=0.03)
    ap.add_argument("--out")
    ap.add_argument("--summarize", nargs="*", help="only print the table of these jsonl files")
    a = ap.parse_args()
    if a.summarize:
        print(summarize([json.loads(l) for p in a.summarize for l in open(p)]))
        return
    torch.set_num_threads(1)
    rows = []
    for config in a.configs or DEFAULT[a.task]:
        seeds = [0] if config in ("zero", "discrete", "prefix") else a.seeds
        for seed in seeds:
            r = run(config, a.task, seed, a.ckpt, a.steps, a.batch_size, a.prompt_lr)
            r.update(steps=a.steps, batch_size=a.batch_size)
            print(json.dumps(r), flush=True)
            rows.append(r)
            if a.out:
                with open(a.out, "a") as f:
                    f.write(json.dumps(r) + "\n")
    print(summarize(rows))


if __name__ == "__main__":
    main()
