"""The course's interactive explorers, and the contract tests and browsers drive them by.

- :class:`GradientExplorer` (lesson 02): type a batch of ids or words, pick the loss
  reduction, toggle ``padding_idx`` and ``scale_grad_by_freq``, and see the table's
  gradient: a heatmap, the looked-up rows outlined, each row's lookup count and value.
- :class:`TrainingStepper` (lesson 02; lesson 06 reuses it): a ``(8, 2)`` table of words
  drawn as points; pick an optimizer, an ``lr`` and a batch, press "step" (or scrub
  "history") and watch each row's move as an arrow. Rows can be held "frozen" under a
  :class:`FreezingStrategy` (``course_lib.freezing.strategies``); ``"none"`` and
  ``"zero_grad"`` are built in, and :func:`register_strategy` adds more (lesson 06 does).
  The optimizer is kept, state and all, while the strategy trains ``weight`` itself; one
  that trains Parameters of its own (``"partially_frozen"``) gets a new optimizer.
- :class:`EmbeddingSpaceExplorer` (lesson 02): scrub a "step" slider (or press play) through the
  recorded training of a 2-D table of words (``course_lib.embedding_space``): every row a point
  coloured by category, the next batch's rows ringed with their gradient as an arrow, followed
  words labelled with their path, and the categories' purity step by step.
- :class:`PromptInspector` (lesson 07): scrub a "step" slider through the snapshots of a soft
  prompt's training (``train_verbalizer(..., snapshot_every=k)``) and see the loss, each prompt
  vector's nearest words (cosine) and how far each vector has moved since step 0.

Every explorer is a plain object that owns its child widgets and its state: its
``update()`` reads the controls, recomputes, redraws one reused Agg figure (static parts
cached, only the changing artists redrawn; see ``course_lib.widgets.canvas``) into an
``ipywidgets.Image`` as PNG, and *then* writes a one-line reading into an
``ipywidgets.HTML`` readout. Controls call ``update()`` through ``observe(names="value")``,
so setting ``control.value`` in a test (no browser, ``MPLBACKEND=Agg``) updates the state
synchronously. ``python -m course_lib bench widgets`` times the updates (target: median
under 50 ms).

The CSS classes, labels and readouts that tests and browsers drive the explorers by are listed
in ``tests/ui/README.md``.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

from ..freezing.strategies import STRATEGIES, FreezingStrategy, ZeroGradStrategy, register_strategy
from .embedding_space import EmbeddingSpaceExplorer
from .gradient_explorer import GradientExplorer
from .prompt_inspector import PromptInspector
from .training_stepper import OPTIMIZERS, StepRecord, TrainingStepper

__all__ = ["OPTIMIZERS", "STRATEGIES", "EmbeddingSpaceExplorer", "FreezingStrategy", "GradientExplorer",
           "PromptInspector", "StepRecord", "TrainingStepper", "ZeroGradStrategy", "register_strategy"]
