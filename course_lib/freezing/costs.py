"""What each freezing strategy costs: time per training step and optimizer state, against a floor.

The floor is the cheapest correct model: the whole table frozen (``requires_grad=False``)
and Adam on a separate ``(K, D)`` Parameter that the trainable ids look up. A strategy's
cost is read as its ratio to the floor. Timings are for plotting and reading, never for
checking: they depend on the machine and on what else runs on it. The byte counts are exact.

Introduced in notebooks/06_partial_freezing.ipynb.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from .._util import is_int, is_number, time_call
from ..memory import measure_memory
from .strategies import STRATEGIES, STRATEGY_NAMES

__all__ = ["GLOVE_SIZE", "NOTEBOOK_SIZE", "SPEEDUP_TARGET", "TIME_VS_FLOOR_TARGET", "cost_ratios", "time_freezing",
           "time_freezing_small"]

#: (num_embeddings, embedding_dim, num_trainable) of the issue's target: GloVe's 400k x 300, 1k new words.
GLOVE_SIZE = (400_000, 300, 1_000)
#: the size lesson 06 times in a few seconds.
NOTEBOOK_SIZE = (50_000, 100, 1_000)
#: ``partially_frozen`` may take at most this many times the floor's time per step.
TIME_VS_FLOOR_TARGET = 1.25
#: ``partially_frozen`` must be at least this many times faster than full-table Adam with ``zero_grad``.
SPEEDUP_TARGET = 10.0
_SLOW_STEP_S = 0.1  # a warm-up step slower than this is timed over few steps


def _check_count(name: str, value, low: int = 1) -> int:
    if not is_int(value) or value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value!r}")
    return value


def _check_strategies(strategies) -> list[str]:
    if strategies is None:
        return list(STRATEGY_NAMES)
    if isinstance(strategies, str):
        raise TypeError(f"strategies must be a list of names, not one string; got {strategies!r}. "
                        f"Use e.g. strategies=[{strategies!r}]")
    names = list(strategies)
    for name in names:
        if name not in STRATEGIES:
            choices = ", ".join(repr(k) for k in STRATEGIES)
            raise ValueError(f"strategies: unknown strategy {name!r}; choose from {choices} "
                             "(the floor is always timed, do not list it)")
    if len(set(names)) != len(names):
        raise ValueError(f"strategies must not repeat a name; got {names!r}")
    return names


def _timer(step, device: torch.device):
    """``timed()`` runs ``step()`` once and returns its wall time and this process's CPU time (ms)."""
    return lambda: time_call(step, device)


def _adam_step(params, embed, after_backward, after_step, ids, target, lr: float):
    """One step of the protocol loop with Adam on ``params``, and the optimizer."""
    optimizer = torch.optim.Adam(params, lr=lr)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(embed(ids), target)
        loss.backward()
        after_backward()
        optimizer.step()
        after_step()

    return step, optimizer


def _gpu_baseline(device: torch.device) -> int | None:
    """GPU memory allocated now, the peak counter reset; ``None`` on the CPU."""
    if device.type != "cuda":
        return None
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    return torch.cuda.memory_allocated(device)


def _measure(name, step, optimizer, counted, floor_step, steps: int, device: torch.device, baseline) -> dict:
    """Time ``step`` after a warm-up (few steps when a step is slow), alternating with ``floor_step``
    so that a busy machine slows both alike; then count what the optimizer and backward left."""
    timed, timed_floor = _timer(step, device), _timer(floor_step or (lambda: None), device)
    if timed()[0] < _SLOW_STEP_S * 1e3:
        timed()  # a second warm-up: the first calls allocate and pick kernels
    else:
        steps = min(steps, 3)
    samples, floor = [], []
    for _ in range(steps):
        samples.append(timed())
        floor.append(timed_floor())
    wall, cpu = (statistics.median(x) for x in zip(*samples))
    floor_wall, floor_cpu = (statistics.median(x) for x in zip(*floor))
    peak = None if baseline is None else torch.cuda.max_memory_allocated(device) - baseline
    memory = measure_memory(list({id(t): t for t in counted}.values()), optimizer)
    return {"strategy": name, "ms_per_step": wall, "cpu_ms_per_step": cpu, "optimizer_bytes": memory.optimizer,
            "grad_bytes": memory.gradient, "peak_extra_bytes": peak,
            "ratio_to_floor": wall / floor_wall if floor_step else 1.0,
            "cpu_ratio_to_floor": (cpu / floor_cpu if floor_cpu > 0 else float("nan")) if floor_step else 1.0}


def time_freezing(num_embeddings: int = GLOVE_SIZE[0], embedding_dim: int = GLOVE_SIZE[1],
                  num_trainable: int = GLOVE_SIZE[2], *, strategies: Sequence[str] | None = None,
                  num_ids: int = 2048, trainable_share: float = 0.1, steps: int = 20, lr: float = 1e-3,
                  device: str | torch.device = "cpu", seed: int = 0) -> list[dict]:
    r"""Time one Adam training step of each freezing strategy, and of the floor, on one table.

    Every strategy runs the protocol loop of :class:`~course_lib.freezing.strategies.FreezingStrategy`
    on one ``weight`` Parameter ``(V, D)`` whose last ``K`` rows (new words) train and whose
    other rows are frozen. A step is ``zero_grad()``, ``embed(weight, ids)``, a squared loss
    against a fixed target, ``backward()``, ``after_backward``, ``Adam.step()`` and
    ``after_step``. The batch holds ``num_ids`` ids, ``trainable_share`` of them trainable,
    fixed by ``seed``. The floor row is the same model with the whole table frozen
    (``requires_grad=False``) plus Adam on a separate ``(K, D)`` Parameter that the batch's
    trainable ids look up: the least any correct method can do (its forward looks every id up
    in the frozen table and overwrites the new ids' rows in place, which measured cheaper than a
    ``torch.where`` over the whole batch).

    Each strategy is warmed up, then timed over ``steps`` steps (over ``min(steps, 3)`` when
    a step takes more than 0.1 s, as full-table Adam does at GloVe scale), each followed by a
    floor step, so that its ratio to the floor compares steps taken while the machine was
    equally busy; medians are kept. Its tensors are freed before the next strategy runs. The
    floor's own row is timed last, alone.

    Args:
        num_embeddings (int, optional): V, rows in the table. Default: ``400_000``.
        embedding_dim (int, optional): D. Default: ``300``.
        num_trainable (int, optional): K, trainable rows (the last ``K`` ids). Default: ``1_000``.
        strategies (sequence of str, optional): names registered in
            :data:`~course_lib.freezing.strategies.STRATEGIES`. Default: the six of
            :data:`course_lib.freezing.STRATEGY_NAMES`.
        num_ids (int, optional): ids looked up per step. Default: ``2048``.
        trainable_share (float, optional): share of the batch's ids that are trainable (at
            least one). Default: ``0.1``.
        steps (int, optional): timed steps per strategy. Default: ``20``.
        lr (float, optional): Adam's learning rate. Default: ``1e-3``.
        device (str or torch.device, optional): where to run. Default: ``"cpu"``.
        seed (int, optional): seed for the table, the batch and the target. Default: ``0``.

    Returns:
        list of dict: one per strategy, then ``"floor"``, with ``strategy``, ``ms_per_step``
        (median wall time), ``cpu_ms_per_step`` (median CPU time of this process: it grows less
        than the wall time when other programs share the cores), ``optimizer_bytes`` (every
        tensor in ``optimizer.state``), ``grad_bytes`` (the ``.grad`` of the optimizer's
        Parameters and of ``weight``), ``peak_extra_bytes`` (the most GPU memory the strategy
        held beyond the table: its copies, gradients, optimizer state and temporaries; ``None``
        on the CPU), ``ratio_to_floor`` (median time per step / median time of the floor steps
        taken in alternation with it; ``1.0`` for the floor), ``cpu_ratio_to_floor`` (the same
        with CPU times) and the sizes ``num_embeddings``, ``embedding_dim``, ``num_trainable``.

    Examples::

        >>> rows = time_freezing(50, 4, 3, strategies=["zero_grad"], num_ids=8, steps=1)
        >>> [(r["strategy"], r["optimizer_bytes"], r["grad_bytes"]) for r in rows]
        [('zero_grad', 1604, 800), ('floor', 100, 48)]

    Introduced in notebooks/06_partial_freezing.ipynb.
    """
    V = _check_count("num_embeddings", num_embeddings, 2)
    D = _check_count("embedding_dim", embedding_dim)
    K = _check_count("num_trainable", num_trainable)
    if K >= V:
        raise ValueError(f"num_trainable must be smaller than num_embeddings ({V}) so that some rows are frozen; "
                         f"got {K}")
    _check_count("num_ids", num_ids)
    _check_count("steps", steps)
    if not is_number(trainable_share) \
            or not 0 < trainable_share <= 1:
        raise ValueError(f"trainable_share must be a share in (0, 1], e.g. 0.1; got {trainable_share!r}")
    if not is_number(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive number; got {lr!r}")
    names = _check_strategies(strategies)
    device = torch.device(device)

    gen = torch.Generator().manual_seed(seed)
    num_new = max(1, round(num_ids * trainable_share))
    ids = torch.cat([torch.randint(V - K, (num_ids - num_new,), generator=gen),
                     torch.randint(V - K, V, (num_new,), generator=gen)])
    ids = ids[torch.randperm(num_ids, generator=gen)].to(device)
    target = torch.randn(num_ids, D, generator=gen).to(device)
    weight = torch.nn.Parameter(torch.randn(V, D, generator=gen).to(device))
    frozen = torch.arange(V - K, device=device)

    floor_step = _floor(weight, K, ids, target, lr)[0]  # timed in alternation with each strategy
    rows = [_time_strategy(name, weight, frozen, ids, target, floor_step, steps, lr, device) for name in names]
    baseline = _gpu_baseline(device)
    step, optimizer, new_rows = _floor(weight, K, ids, target, lr)  # the floor's own row: a fresh one
    rows.append(_measure("floor", step, optimizer, [new_rows], None, steps, device, baseline))
    for row in rows:
        row.update(num_embeddings=V, embedding_dim=D, num_trainable=K)
    return rows


def _floor(weight, num_trainable, ids, target, lr):
    """The floor's step, its optimizer and its Parameter: the whole table frozen (no gradient,
    no optimizer state) and Adam on a separate ``(K, D)`` Parameter for the new rows."""
    table = weight.detach()
    new_rows = torch.nn.Parameter(table[-num_trainable:].clone())
    step, optimizer = _adam_step([new_rows], lambda x: _floor_lookup(x, table, new_rows), lambda: None,
                                 lambda: None, ids, target, lr)
    return step, optimizer, new_rows


def _time_strategy(name, weight, frozen, ids, target, floor_step, steps, lr, device) -> dict:

    baseline = _gpu_baseline(device)  # what attach copies (a frozen buffer, saved rows) counts too
    strategy = STRATEGIES[name]()
    strategy.attach(weight, frozen)
    try:
        params = list(strategy.parameters(weight))
        step, optimizer = _adam_step(params, lambda x: strategy.embed(weight, x),
                                     lambda: strategy.after_backward(weight, frozen),
                                     lambda: strategy.after_step(weight, frozen), ids, target, lr)
        # weight.grad counts too when a strategy's backward writes it
        return _measure(name, step, optimizer, [*params, weight], floor_step, steps, device, baseline)
    finally:
        strategy.detach(weight)
        weight.grad = None  # free the (V, D) gradient before the next strategy


def _floor_lookup(ids: torch.Tensor, table: torch.Tensor, new_rows: torch.Tensor) -> torch.Tensor:
    """The floor's forward, ``(N,) -> (N, D)``: ids from ``V - K`` on read ``new_rows`` ``(K, D)``, the
    others the frozen ``table`` ``(V, D)``. The cheapest routing measured: look every id up in the
    table, then overwrite the new ids' rows in place (cheaper than a ``torch.where`` over the batch)."""
    first_new = table.shape[0] - new_rows.shape[0]
    out = F.embedding(ids, table)                                                  # (N, D), no grad
    pos = (ids >= first_new).nonzero().squeeze(-1)                                 # (N_new,)
    out[pos] = F.embedding(ids[pos] - first_new, new_rows)
    return out


def time_freezing_small(*, strategies: Sequence[str] | None = None, steps: int = 5, device: str | torch.device = "cpu",
                        seed: int = 0) -> list[dict]:
    """:func:`time_freezing` at :data:`NOTEBOOK_SIZE` (50,000 x 100, 1,000 trainable rows): a few seconds.

    Args:
        strategies (sequence of str, optional): as in :func:`time_freezing`. Default: the six.
        steps (int, optional): timed steps per strategy. Default: ``5``.
        device (str or torch.device, optional): where to run. Default: ``"cpu"``.
        seed (int, optional): seed. Default: ``0``.

    Returns:
        list of dict: the rows of :func:`time_freezing`.

    Introduced in notebooks/06_partial_freezing.ipynb.
    """
    return time_freezing(*NOTEBOOK_SIZE, strategies=strategies, steps=steps, device=device, seed=seed)


def cost_ratios(rows: Sequence[dict]) -> dict:
    """The issue's targets read from :func:`time_freezing`'s rows.

    Args:
        rows (sequence of dict): rows of :func:`time_freezing` that include ``"partially_frozen"``
            and ``"zero_grad"`` (a figure whose rows are missing is ``None``).

    Returns:
        dict: ``time_vs_floor`` (``partially_frozen``'s ``ratio_to_floor``, target
        <= :data:`TIME_VS_FLOOR_TARGET`), ``cpu_time_vs_floor`` (the same in CPU time),
        ``speedup_vs_zero_grad`` (``zero_grad`` time / ``partially_frozen`` time, target
        >= :data:`SPEEDUP_TARGET`), ``optimizer_bytes``
        (``partially_frozen``'s) and ``exact_optimizer_bytes`` (``2 * K * D * 4`` for Adam's two
        moments plus 4 for its step counter, in float32).

    Examples::

        >>> cost_ratios([{"strategy": "partially_frozen", "ms_per_step": 3.0, "ratio_to_floor": 1.2,
        ...               "cpu_ratio_to_floor": 1.1, "optimizer_bytes": 100, "num_trainable": 3, "embedding_dim": 4},
        ...              {"strategy": "zero_grad", "ms_per_step": 60.0}, {"strategy": "floor", "ms_per_step": 2.5}])
        {'time_vs_floor': 1.2, 'cpu_time_vs_floor': 1.1, 'speedup_vs_zero_grad': 20.0,
         'optimizer_bytes': 100, 'exact_optimizer_bytes': 100}

    Introduced in notebooks/06_partial_freezing.ipynb.
    """
    by_name = {r["strategy"]: r for r in rows}
    pfe, zero = by_name.get("partially_frozen"), by_name.get("zero_grad")
    return {
        "time_vs_floor": pfe["ratio_to_floor"] if pfe else None,
        "cpu_time_vs_floor": pfe.get("cpu_ratio_to_floor") if pfe else None,
        "speedup_vs_zero_grad": zero["ms_per_step"] / pfe["ms_per_step"] if pfe and zero else None,
        "optimizer_bytes": pfe["optimizer_bytes"] if pfe else None,
        "exact_optimizer_bytes": 2 * pfe["num_trainable"] * pfe["embedding_dim"] * 4 + 4 if pfe else None,
    }
