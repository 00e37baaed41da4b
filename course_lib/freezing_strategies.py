"""Freezing strategies: how a TrainingStepper holds some rows "frozen", and the registry of them.

A strategy is a :class:`FreezingStrategy` subclass with four hooks around the optimizer
step, registered by name with :func:`register_strategy`. Two are built in: ``"none"`` (the
base class: nothing is held) and ``"zero_grad"`` (zero the frozen rows' gradient after
backward, which weight decay and momentum leak through). Lesson 05 registers more.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

import torch

__all__ = ["STRATEGIES", "FreezingStrategy", "ZeroGradStrategy", "register_strategy"]


class FreezingStrategy:
    """How a :class:`TrainingStepper` holds its frozen rows: ``"none"``, the base, does nothing.

    A step runs ``forward -> backward -> after_backward -> optimizer.step() -> after_step``.
    ``attach`` runs when the strategy or the frozen rows are chosen, ``detach`` before
    they change (to remove hooks). ``frozen`` is a LongTensor of row ids. To add one::

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


class ZeroGradStrategy(FreezingStrategy):
    """Zero the frozen rows' gradient after backward; weight decay and momentum still move them.

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    name = "zero_grad"
    summary = "zero the frozen rows' gradient after backward (leaks under weight decay and momentum)"

    def after_backward(self, weight, frozen):
        if weight.grad is not None and frozen.numel():
            weight.grad[frozen] = 0


#: name -> strategy class; the stepper's "strategy" menu, in registration order.
STRATEGIES: dict[str, type[FreezingStrategy]] = {}


def register_strategy(strategy: type[FreezingStrategy], *, replace: bool = False) -> type[FreezingStrategy]:
    """Add a :class:`FreezingStrategy` subclass to :data:`STRATEGIES` under its ``name``.

    Steppers created afterwards offer it. Returns the class, so it works as a decorator.

    Examples::

        >>> sorted(STRATEGIES)[:2]
        ['none', 'zero_grad']

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    if not (isinstance(strategy, type) and issubclass(strategy, FreezingStrategy)):
        raise TypeError(f"strategy must be a FreezingStrategy subclass; got {strategy!r}")
    if strategy.name in STRATEGIES and STRATEGIES[strategy.name] is not strategy and not replace:
        raise ValueError(f"a strategy named {strategy.name!r} is registered already; pass replace=True")
    STRATEGIES[strategy.name] = strategy
    return strategy


register_strategy(FreezingStrategy)
register_strategy(ZeroGradStrategy)
