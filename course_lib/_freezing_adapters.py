"""Lesson 05's ways of freezing rows as :class:`~course_lib.freezing_strategies.FreezingStrategy`
classes, registered in the order of :data:`course_lib.freezing.STRATEGY_NAMES`, so one loop (the
leak audit, the cost benchmark, the ``TrainingStepper``) runs them all.

Imported by :mod:`course_lib.freezing`.

Introduced in notebooks/05_partial_freezing.ipynb.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ._trainable_rows import PartiallyFrozenEmbedding, TrainableTokensEmbedding, _TrainableRows
from .freezing import RowRestorer, SplitEmbedding, mask_frozen_grads
from .freezing_strategies import FreezingStrategy, register_strategy

__all__ = ["GradHookStrategy", "PartiallyFrozenStrategy", "RestoreRowsStrategy", "SplitTablesStrategy",
           "TrainableTokensStrategy"]


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

    layer: type[_TrainableRows]

    def _build(self, weight, frozen):
        return self.layer(weight, self.trainable)

    def _param(self):
        return getattr(self.module, self.layer._param)

    def _table(self):
        return self.module.merged_weight()


class TrainableTokensStrategy(_TrainableRowsStrategy):
    name = "trainable_tokens"
    summary = "frozen buffer + Parameter for the chosen rows, merged into a full table every forward (PEFT)"
    layer = TrainableTokensEmbedding


class PartiallyFrozenStrategy(_TrainableRowsStrategy):
    name = "partially_frozen"
    summary = "PartiallyFrozenEmbedding: only the trainable rows are a Parameter (recommended)"
    layer = PartiallyFrozenEmbedding


for _strategy in (SplitTablesStrategy, GradHookStrategy, RestoreRowsStrategy, TrainableTokensStrategy,
                  PartiallyFrozenStrategy):  # the stepper's menu follows STRATEGY_NAMES
    register_strategy(_strategy)
