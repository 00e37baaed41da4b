r"""Training only some rows of an embedding table (lesson 06): the map of this package.

The question behind lesson 06: "I loaded pretrained vectors; some words had none and got
random rows. How do I freeze the pretrained rows and train only the new ones?"
``weight.requires_grad = False`` freezes the whole table, so people reach for one of six ways,
all in :mod:`course_lib.freezing.methods`, in the lesson's order:

1. :class:`SplitEmbedding`: two tables, ids routed between them (new words last);
2. :func:`zero_frozen_grads_`: zero the frozen rows' gradient after ``backward()``;
3. :func:`mask_frozen_grads`: a gradient hook that multiplies the frozen rows by 0;
4. :class:`RowRestorer`: copy the frozen rows back after every ``optimizer.step()``;
5. :class:`TrainableTokensEmbedding`: a frozen table plus a Parameter for the chosen rows,
   merged into a full table on every forward (as Hugging Face PEFT's trainable tokens do);
6. :class:`PartiallyFrozenEmbedding`: the same split, merged per looked-up id only. The
   course's recommendation.

2 and 3 leave every row in the optimizer, so weight decay and optimizer state from before the
freeze still move "frozen" rows; 4 undoes the move but pays for a full-table optimizer; 1, 5
and 6 never give the frozen rows to the optimizer at all. The rest of the package:

- :mod:`~course_lib.freezing.strategies`: each way behind one protocol
  (:class:`FreezingStrategy`, lesson 02's ``TrainingStepper`` runs it), and :data:`STRATEGIES`;
- :mod:`~course_lib.freezing.audit`: :func:`audit_leakage`, which rows move under which optimizer;
- :mod:`~course_lib.freezing.costs`: time per step and optimizer memory against the floor;
- :func:`grow_embedding` (in ``methods``): more rows for a trained vocabulary.

Introduced in notebooks/06_partial_freezing.ipynb.
"""
from __future__ import annotations

from .audit import AUDIT_OPTIMIZERS, LeakAudit, audit_leakage
from .methods import (PartiallyFrozenEmbedding, RowRestorer, SplitEmbedding, TrainableTokensEmbedding, grow_embedding,
                      mask_frozen_grads, zero_frozen_grads_)
from .strategies import STRATEGIES, STRATEGY_NAMES, FreezingStrategy, ZeroGradStrategy, holds_exactly, register_strategy

__all__ = [
    "AUDIT_OPTIMIZERS",
    "STRATEGIES",
    "STRATEGY_NAMES",
    "FreezingStrategy",
    "LeakAudit",
    "PartiallyFrozenEmbedding",
    "RowRestorer",
    "SplitEmbedding",
    "TrainableTokensEmbedding",
    "ZeroGradStrategy",
    "audit_leakage",
    "grow_embedding",
    "holds_exactly",
    "mask_frozen_grads",
    "register_strategy",
    "zero_frozen_grads_",
]
