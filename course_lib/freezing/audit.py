"""The leak audit of lesson 06: which "frozen" rows move, under which optimizer.

Part of :mod:`course_lib.freezing`, which re-exports its public names.

Introduced in notebooks/06_partial_freezing.ipynb.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from .._util import Markdown, is_int
from .strategies import STRATEGIES, STRATEGY_NAMES, holds_exactly

__all__ = ["AUDIT_OPTIMIZERS", "LeakAudit", "audit_leakage"]

#: name -> (factory(params), warm-started?): the optimizers of the audit.
AUDIT_OPTIMIZERS: dict[str, tuple[Callable, bool]] = {
    "SGD": (lambda p: torch.optim.SGD(p, lr=0.1), False),
    "SGD(momentum=0.9, weight_decay=0.01)": (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
                                             False),
    "Adam": (lambda p: torch.optim.Adam(p, lr=0.05), False),
    "AdamW (weight_decay=0.01)": (lambda p: torch.optim.AdamW(p, lr=0.05), False),
    "Adam, warm-started": (lambda p: torch.optim.Adam(p, lr=0.05), True),
}


@dataclass
class LeakAudit:
    """The result of :func:`audit_leakage`: one row per (strategy, optimizer).

    Each row is a dict with ``strategy``, ``optimizer``, ``max_drift`` (the largest absolute
    change of any frozen number; ``0.0`` means bit-for-bit unchanged) and ``learned`` (the
    trainable rows moved and their loss fell).

    Introduced in notebooks/06_partial_freezing.ipynb.
    """

    rows: list[dict] = field(default_factory=list)

    @property
    def strategies(self) -> list[str]:
        return list(dict.fromkeys(r["strategy"] for r in self.rows))

    @property
    def optimizers(self) -> list[str]:
        return list(dict.fromkeys(r["optimizer"] for r in self.rows))

    def row(self, strategy: str, optimizer: str) -> dict:
        for r in self.rows:
            if r["strategy"] == strategy and r["optimizer"] == optimizer:
                return r
        raise KeyError(f"no audit row for strategy={strategy!r}, optimizer={optimizer!r}; "
                       f"strategies: {self.strategies}; optimizers: {self.optimizers}")

    def drift(self, strategy: str, optimizer: str) -> float:
        """The max absolute drift of the frozen rows for one cell of the table."""
        return self.row(strategy, optimizer)["max_drift"]

    def leaks(self) -> list[tuple[str, str]]:
        """The (strategy, optimizer) pairs whose frozen rows moved at all."""
        return [(r["strategy"], r["optimizer"]) for r in self.rows if r["max_drift"] != 0.0]

    def table(self) -> Markdown:
        """Strategies down, optimizers across; each cell the max drift ("0" only when bit-for-bit)."""
        lines = ["| strategy | " + " | ".join(self.optimizers) + " |", "|---" * (len(self.optimizers) + 1) + "|"]
        for s in self.strategies:
            cells = []
            for o in self.optimizers:
                r = self.row(s, o)
                cell = "**0**" if r["max_drift"] == 0.0 else f"{r['max_drift']:.1e} ✗"
                cells.append(cell if r["learned"] else cell + " (did not learn)")
            lines.append(f"| `{s}` | " + " | ".join(cells) + " |")
        return Markdown("\n".join(lines))


def _loss(out: torch.Tensor, targets: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((out - targets[ids]) ** 2).sum(-1).mean()


def audit_leakage(strategies: Sequence[str] | None = None, optimizers: Sequence[str] | None = None, *,
                  num_embeddings: int = 12, embedding_dim: int = 4, num_trainable: int = 4,
                  num_steps: int = 20, warm_steps: int = 5, seed: int = 0) -> LeakAudit:
    r"""Train a small table under each strategy and optimizer; measure how far the frozen rows moved.

    The table is ``(num_embeddings, embedding_dim)`` from N(0, 1); its last ``num_trainable``
    rows train, the others are frozen. Every batch of 16 ids draws from all rows, so frozen
    rows get gradient too; the loss pulls each looked-up row towards a fixed target. Each run
    goes through the loop of :class:`~course_lib.freezing.strategies.FreezingStrategy`.
    "warm-started" first trains every row for ``warm_steps`` steps, then freezes: a hook
    strategy keeps the same weight, so it keeps the same optimizer and its state; a module
    strategy gets a new optimizer for its own Parameter.

    Args:
        strategies (sequence of str, optional): names in ``course_lib.freezing.STRATEGIES``.
            Default: the six of lesson 06.
        optimizers (sequence of str, optional): keys of :data:`AUDIT_OPTIMIZERS`. Default: all.
        num_steps (int, optional): steps after the freeze. Default: 20.
        seed (int, optional): the table, targets and batches. Default: 0.

    Returns:
        LeakAudit

    Examples::

        >>> audit = audit_leakage(["zero_grad", "partially_frozen"], ["SGD", "AdamW (weight_decay=0.01)"])
        >>> audit.leaks()
        [('zero_grad', 'AdamW (weight_decay=0.01)')]

    Introduced in notebooks/06_partial_freezing.ipynb.
    """

    strategies = list(STRATEGY_NAMES if strategies is None else strategies)
    optimizers = list(AUDIT_OPTIMIZERS if optimizers is None else optimizers)
    for name, value, choices in [*(("strategies", s, STRATEGIES) for s in strategies),
                                 *(("optimizers", o, AUDIT_OPTIMIZERS) for o in optimizers)]:
        if value not in choices:
            raise ValueError(f"{name} holds {value!r}; choose from {list(choices)}")
    for name, value, low in (("num_embeddings", num_embeddings, 2), ("embedding_dim", embedding_dim, 1),
                             ("num_steps", num_steps, 1), ("warm_steps", warm_steps, 1)):
        if not is_int(value) or value < low:
            raise ValueError(f"{name} must be an int >= {low}; got {value!r}")
    if not is_int(num_trainable) \
            or not 1 <= num_trainable < num_embeddings:
        raise ValueError(f"num_trainable must be an int in 1..{num_embeddings - 1} (some rows must stay frozen); "
                         f"got {num_trainable!r}")
    gen = torch.Generator().manual_seed(seed)
    start = torch.randn(num_embeddings, embedding_dim, generator=gen)                  # (V, D)
    targets = torch.randn(num_embeddings, embedding_dim, generator=gen)                # (V, D)
    batches = torch.randint(num_embeddings, (warm_steps + num_steps, 16), generator=gen)
    frozen = torch.arange(num_embeddings - num_trainable)                                 # first rows
    trainable = torch.arange(num_embeddings - num_trainable, num_embeddings)              # last rows
    audit = LeakAudit()
    for strategy_name in strategies:
        for opt_name in optimizers:
            make, warm = AUDIT_OPTIMIZERS[opt_name]
            weight = torch.nn.Parameter(start.clone())
            batch_iter = iter(batches)
            opt = None
            if warm:                                  # train every row first, as before a freeze
                opt = make([weight])
                for _ in range(warm_steps):
                    ids = next(batch_iter)
                    opt.zero_grad()
                    _loss(torch.nn.functional.embedding(ids, weight), targets, ids).backward()
                    opt.step()
            else:
                for _ in range(warm_steps):
                    next(batch_iter)
            strategy = STRATEGIES[strategy_name]()
            strategy.attach(weight, frozen)
            params = strategy.parameters(weight)
            if not holds_exactly(opt, params):
                opt = make(params)
            at_freeze = strategy.table(weight).clone()
            for ids in batch_iter:
                opt.zero_grad()
                loss = _loss(strategy.embed(weight, ids), targets, ids)
                loss.backward()
                strategy.after_backward(weight, frozen)
                opt.step()
                strategy.after_step(weight, frozen)
            table = strategy.table(weight)
            strategy.detach(weight)
            drift = (table[frozen] - at_freeze[frozen]).abs().max().item()
            moved = not torch.equal(table[trainable], at_freeze[trainable])
            fell = _loss(table[trainable], targets, trainable) < _loss(at_freeze[trainable], targets, trainable)
            audit.rows.append({"strategy": strategy_name, "optimizer": opt_name, "max_drift": drift,
                               "learned": moved and bool(fell)})
    return audit
