"""Freezing strategies: each way of :mod:`course_lib.freezing.methods` behind one protocol, and their registry.

A strategy is a :class:`FreezingStrategy` subclass with hooks around the optimizer step, so
one loop (the ``TrainingStepper`` of lesson 02, the leak audit and the cost benchmark of
lesson 06) runs them all. :data:`STRATEGIES` maps each name to its class, in this order:
``"none"`` (the base class: nothing is held) and ``"zero_grad"`` (lesson 02's stepper shows
these two), then the other five of lesson 06's six ways in the lesson's order (all six, in
order, are :data:`STRATEGY_NAMES`). :func:`register_strategy` adds one of your own.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .methods import (PartiallyFrozenEmbedding, RowRestorer, SplitEmbedding, TrainableTokensEmbedding,
                      mask_frozen_grads, zero_frozen_grads_)

__all__ = ["STRATEGIES", "STRATEGY_NAMES", "FreezingStrategy", "GradHookStrategy", "PartiallyFrozenStrategy",
           "RestoreRowsStrategy", "SplitTablesStrategy", "TrainableTokensStrategy", "ZeroGradStrategy",
           "holds_exactly", "register_strategy"]


class FreezingStrategy:
    """How a :class:`TrainingStepper` holds its frozen rows: ``"none"``, the base, does nothing.

    One loop runs every strategy on a ``weight`` Parameter ``(V, D)`` and a LongTensor
    ``frozen`` of row ids::

        strategy.attach(weight, frozen)              # hooks or modules, from weight's values
        opt = make_optimizer(strategy.parameters(weight))
        for ids in batches:
            opt.zero_grad()
            loss = loss_fn(strategy.embed(weight, ids))                  # (*, D)
            loss.backward()
            strategy.after_backward(weight, frozen)
            opt.step()
            strategy.after_step(weight, frozen)      # weight now holds the model's table
        strategy.detach(weight)

    ``attach`` runs when the strategy or the frozen rows are chosen, ``detach`` before they
    change. A strategy that trains a module of its own (lesson 06's ``"partially_frozen"``)
    returns that module's Parameters from :meth:`parameters` and copies its table into
    ``weight`` in :meth:`after_step`; one that hooks ``weight`` keeps the defaults. To add one::

        class RestoreRows(FreezingStrategy):
            name = "restore"
            summary = "copy the frozen rows back after every step"
            def attach(self, weight, frozen):
                self.saved = weight.detach()[frozen].clone()
            def after_step(self, weight, frozen):
                with torch.no_grad():
                    weight[frozen] = self.saved

        register_strategy(RestoreRows)

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    name = "none"
    summary = "no freezing: frozen rows train like every other row"

    def attach(self, weight: torch.Tensor, frozen: torch.Tensor) -> None:
        """Called when this strategy starts holding ``frozen``."""

    def detach(self, weight: torch.Tensor) -> None:
        """Called before the strategy or the frozen rows change."""

    def after_backward(self, weight: torch.Tensor, frozen: torch.Tensor) -> None:
        """Called after ``loss.backward()``, before ``optimizer.step()``."""

    def after_step(self, weight: torch.Tensor, frozen: torch.Tensor) -> None:
        """Called after ``optimizer.step()``."""

    def parameters(self, weight: torch.Tensor) -> list[torch.Tensor]:
        """What the optimizer must hold. Default: ``[weight]``, every row."""
        return [weight]

    def embed(self, weight: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """The lookup, ``(*) -> (*, D)``. Default: ``F.embedding(ids, weight)``."""
        return F.embedding(ids, weight)

    def grad(self, weight: torch.Tensor) -> torch.Tensor | None:
        """The gradient of each row of the table, ``(V, D)``, or None. Default: ``weight.grad``."""
        return weight.grad

    def table(self, weight: torch.Tensor) -> torch.Tensor:
        """The whole table the model looks up, ``(V, D)``, detached. Default: ``weight``."""
        return weight.detach()


class ZeroGradStrategy(FreezingStrategy):
    """Zero the frozen rows' gradient after backward; weight decay and momentum still move them.

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    name = "zero_grad"
    summary = "zero the frozen rows' gradient after backward (leaks under weight decay and momentum)"

    def after_backward(self, weight, frozen):
        zero_frozen_grads_(weight, frozen)


def holds_exactly(optimizer: torch.optim.Optimizer | None, params) -> bool:
    """Whether ``optimizer`` holds exactly the tensors ``params``, the same objects in the same order.

    The protocol's rule for a strategy change: keep the optimizer (and its state) when this
    is true, build a new one for ``params`` otherwise.

    Examples::

        >>> weight = torch.nn.Parameter(torch.zeros(2))
        >>> opt = torch.optim.SGD([weight], lr=0.1)
        >>> holds_exactly(opt, [weight]), holds_exactly(opt, [torch.nn.Parameter(torch.zeros(2))])
        (True, False)

    Introduced in notebooks/06_partial_freezing.ipynb.
    """
    held = [] if optimizer is None else [p for group in optimizer.param_groups for p in group["params"]]
    params = list(params)
    return optimizer is not None and len(held) == len(params) and all(p is q for p, q in zip(held, params))


# ---------------------------------------------------------------- lesson 06's ways as strategies
def _complement(frozen: torch.Tensor, num_rows: int) -> torch.Tensor:
    keep = torch.ones(num_rows, dtype=torch.bool, device=frozen.device)
    keep[frozen] = False
    return keep.nonzero().flatten()


class GradHookStrategy(FreezingStrategy):
    name = "grad_hook"
    summary = "a gradient hook multiplies the frozen rows' gradient by 0 (leaks like zero_grad)"

    def attach(self, weight, frozen):
        self.handle = mask_frozen_grads(weight, frozen)

    def detach(self, weight):
        self.handle.remove()


class RestoreRowsStrategy(FreezingStrategy):
    name = "restore_rows"
    summary = "copy the frozen rows back after every step (still a full-table optimizer)"

    def attach(self, weight, frozen):
        self.restorer = RowRestorer(weight, frozen)

    def after_step(self, weight, frozen):
        self.restorer.restore()


class _ModuleStrategy(FreezingStrategy):
    """Train a module of its own built from ``weight``; copy its trained rows back into ``weight``."""

    def attach(self, weight, frozen):
        self.trainable = _complement(frozen, weight.shape[0])                      # (K,)
        self.module = self._build(weight.detach(), frozen) if len(self.trainable) else None

    def parameters(self, weight):
        return [] if self.module is None else [self._param()]

    def embed(self, weight, ids):
        return F.embedding(ids, weight.detach()) if self.module is None else self.module(ids)

    def after_step(self, weight, frozen):
        if self.module is not None:
            with torch.no_grad():
                weight[self.trainable] = self._param().detach()

    def grad(self, weight):
        if self.module is None or self._param().grad is None:
            return None
        grad = torch.zeros_like(weight)
        grad[self.trainable] = self._param().grad
        return grad

    def table(self, weight):
        return weight.detach() if self.module is None else self._table().detach()


class SplitTablesStrategy(_ModuleStrategy):
    name = "split_tables"
    summary = "two tables, ids routed between them (frozen rows renumbered first, new rows last)"

    def _build(self, weight, frozen):
        self.order = torch.cat([frozen, self.trainable])                              # new id -> old id
        self.position = torch.empty_like(self.order)
        self.position[self.order] = torch.arange(len(self.order), device=self.order.device)  # old -> new
        module = SplitEmbedding(weight[frozen], len(self.trainable))
        with torch.no_grad():
            module.new.weight.copy_(weight[self.trainable])
        return module

    def embed(self, weight, ids):
        return super().embed(weight, ids) if self.module is None else self.module(self.position[ids])

    def _param(self):
        return self.module.new.weight

    def _table(self):
        return torch.empty_like(self.module.weight()).index_copy_(0, self.order, self.module.weight())


class _TrainableRowsStrategy(_ModuleStrategy):
    """Train a ``layer(weight, trainable_ids)`` of the buffer-plus-Parameter kind."""

    layer: type[TrainableTokensEmbedding] | type[PartiallyFrozenEmbedding]

    def _build(self, weight, frozen):
        return self.layer(weight, self.trainable)

    def _param(self):
        return getattr(self.module, self.layer._param)

    def _table(self):
        return self.module.merged_weight()


class TrainableTokensStrategy(_TrainableRowsStrategy):
    name = "trainable_tokens"
    summary = "frozen table + Parameter for the chosen rows, merged into a full table every forward (as PEFT)"
    layer = TrainableTokensEmbedding


class PartiallyFrozenStrategy(_TrainableRowsStrategy):
    name = "partially_frozen"
    summary = "PartiallyFrozenEmbedding: only the trainable rows are a Parameter (recommended)"
    layer = PartiallyFrozenEmbedding


#: The six ways of lesson 06, in the lesson's order (keys of :data:`STRATEGIES`).
STRATEGY_NAMES = ("split_tables", "zero_grad", "grad_hook", "restore_rows", "trainable_tokens", "partially_frozen")

#: name -> strategy class; the stepper's "strategy" menu, in this order.
STRATEGIES: dict[str, type[FreezingStrategy]] = {
    strategy.name: strategy
    for strategy in (FreezingStrategy, ZeroGradStrategy, SplitTablesStrategy, GradHookStrategy, RestoreRowsStrategy,
                     TrainableTokensStrategy, PartiallyFrozenStrategy)
}


def register_strategy(strategy: type[FreezingStrategy], *, replace: bool = False) -> type[FreezingStrategy]:
    """Add a :class:`FreezingStrategy` subclass to :data:`STRATEGIES` under its ``name``.

    Steppers created afterwards offer it. Returns the class, so it works as a decorator.

    Examples::

        >>> list(STRATEGIES)[:2]
        ['none', 'zero_grad']

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    if not (isinstance(strategy, type) and issubclass(strategy, FreezingStrategy)):
        raise TypeError(f"strategy must be a FreezingStrategy subclass; got {strategy!r}")
    if strategy.name in STRATEGIES and STRATEGIES[strategy.name] is not strategy and not replace:
        raise ValueError(f"a strategy named {strategy.name!r} is registered already; pass replace=True")
    STRATEGIES[strategy.name] = strategy
    return strategy

