"""Freezing strategies: how a TrainingStepper holds some rows "frozen", and the registry of them.

A strategy is a :class:`FreezingStrategy` subclass with hooks around the optimizer step,
registered by name with :func:`register_strategy`. Two are built in: ``"none"`` (the base
class: nothing is held) and ``"zero_grad"`` (zero the frozen rows' gradient after backward,
which weight decay and momentum leak through). :mod:`course_lib.freezing` (lesson 05)
registers the others; the same loop runs them all (see :class:`FreezingStrategy`).

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["STRATEGIES", "FreezingStrategy", "ZeroGradStrategy", "holds_exactly", "register_strategy",
           "zero_frozen_grads_"]


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
    change. A strategy that trains a module of its own (lesson 05's ``"partially_frozen"``)
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


def zero_frozen_grads_(weight: torch.Tensor, frozen_ids: torch.Tensor) -> None:
    """Set the gradient of rows ``frozen_ids`` of ``weight`` to zero; call it after ``backward()``.

    The optimizer still holds every row: SGD's weight decay, momentum built up before, and
    Adam's state all move zero-gradient rows (lesson 05's leak audit shows each).

    Examples::

        >>> weight = torch.nn.Parameter(torch.ones(4, 2))
        >>> weight.sum().backward()
        >>> zero_frozen_grads_(weight, torch.tensor([0, 2]))
        >>> weight.grad[:, 0].tolist()
        [0.0, 1.0, 0.0, 1.0]

    Introduced in notebooks/05_partial_freezing.ipynb.
    """
    if weight.grad is None or not len(frozen_ids):
        return
    if weight.grad.is_sparse:
        raise TypeError("zero_frozen_grads_ works on dense gradients; this one is sparse (sparse=True). "
                        "Use the grad_hook strategy or PartiallyFrozenEmbedding instead")
    weight.grad[frozen_ids] = 0


def holds_exactly(optimizer: torch.optim.Optimizer | None, params) -> bool:
    """Whether ``optimizer`` holds exactly the tensors ``params``, the same objects in the same order.

    The protocol's rule for a strategy change: keep the optimizer (and its state) when this
    is true, build a new one for ``params`` otherwise.

    Examples::

        >>> weight = torch.nn.Parameter(torch.zeros(2))
        >>> opt = torch.optim.SGD([weight], lr=0.1)
        >>> holds_exactly(opt, [weight]), holds_exactly(opt, [torch.nn.Parameter(torch.zeros(2))])
        (True, False)

    Introduced in notebooks/05_partial_freezing.ipynb.
    """
    held = [] if optimizer is None else [p for group in optimizer.param_groups for p in group["params"]]
    params = list(params)
    return optimizer is not None and len(held) == len(params) and all(p is q for p, q in zip(held, params))


#: name -> strategy class; the stepper's "strategy" menu, in registration order.
STRATEGIES: dict[str, type[FreezingStrategy]] = {}


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


register_strategy(FreezingStrategy)
register_strategy(ZeroGradStrategy)
