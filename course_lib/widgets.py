"""The course's interactive explorers, and the contract tests and browsers drive them by.

- :class:`GradientExplorer` (lesson 02): type a batch of ids or words, pick the loss
  reduction, toggle ``padding_idx`` and ``scale_grad_by_freq``, and see the table's
  gradient: a heatmap, the looked-up rows outlined, each row's lookup count and value.
- :class:`TrainingStepper` (lesson 02; lesson 05 reuses it): a ``(8, 2)`` table of words
  drawn as points; pick an optimizer, an ``lr`` and a batch, press "step" (or scrub
  "history") and watch each row's move as an arrow. Rows can be held "frozen" under a
  :class:`FreezingStrategy` (``course_lib.freezing_strategies``); ``"none"`` and
  ``"zero_grad"`` are built in, and :func:`register_strategy` adds more (lesson 05 does).
  The optimizer is kept, state and all, while the strategy trains ``weight`` itself; one
  that trains Parameters of its own (``"partially_frozen"``) gets a new optimizer.
- :class:`PromptInspector` (lesson 06): scrub a "step" slider through the snapshots of a soft
  prompt's training (``train_verbalizer(..., snapshot_every=k)``) and see the loss, each prompt
  vector's nearest words (cosine) and how far each vector has moved since step 0.

Every explorer is a plain object that owns its child widgets and its state: its
``update()`` reads the controls, recomputes, redraws one reused Agg figure (static parts
cached, only the changing artists redrawn; see ``course_lib._blit``) into an
``ipywidgets.Image`` as PNG, and *then* writes a one-line reading into an
``ipywidgets.HTML`` readout. Controls call ``update()`` through ``observe(names="value")``,
so setting ``control.value`` in a test (no browser, ``MPLBACKEND=Agg``) updates the state
synchronously. ``python -m course_lib bench widgets`` times the updates (target: median
under 50 ms).

**For browser tests.** Each control has a stable ``description`` (its label) and a CSS
class; wait for the readout's text, then look at the figure:

=============================================  =============================================
GradientExplorer                               TrainingStepper
=============================================  =============================================
``course-gradient-explorer`` (the whole box)   ``course-stepper`` (the whole box)
``course-gradient-tokens`` Text "tokens"       ``course-stepper-optimizer`` Dropdown "optimizer"
``course-gradient-reduction`` ToggleButtons    ``course-stepper-lr`` SelectionSlider "lr"
"reduction" (buttons "mean", "sum")            ``course-stepper-batch`` Text "batch"
``course-gradient-padding-idx`` Checkbox       ``course-stepper-frozen`` SelectMultiple "frozen"
"padding_idx" (row 0)                          ``course-stepper-strategy`` Dropdown "strategy"
``course-gradient-scale-grad-by-freq``         ``course-stepper-step`` Button "step"
Checkbox "scale_grad_by_freq"                  ``course-stepper-reset`` Button "reset"
``course-gradient-figure`` Image (PNG)         ``course-stepper-history`` IntSlider "history"
``course-gradient-readout`` HTML               ``course-stepper-figure`` Image (PNG)
                                               ``course-stepper-readout`` HTML
=============================================  =============================================

=============================================
PromptInspector
=============================================
``course-prompt-inspector`` (the whole box)
``course-prompt-step`` SelectionSlider "step"
(the snapshot steps; starts at the last)
``course-prompt-figure`` Image (PNG)
``course-prompt-readout`` HTML
``course-prompt-table`` HTML (a table: one row
per prompt vector, its ``k`` nearest words)
=============================================

Readouts a test can wait for (the explorers' defaults)::

    GradientExplorer(), reduction "mean" (at start):
      mean of 24 outputs: each lookup adds 1/24 = 0.0417 to its row; rows 2 and 4 were looked
      up twice: their gradient is 2 x 1/24 = 0.0833; rows 0, 6, 7, 8: not looked up, zero gradient
    ... after choosing "sum":
      sum of 24 outputs: each lookup adds 1 to its row; rows 2 and 4 were looked up twice:
      their gradient is 2 x 1 = 2; rows 0, 6, 7, 8: not looked up, zero gradient
    TrainingStepper(), at start:
      step 0: the starting table; press step to train on the batch
    ... after one press of "step":
      step 1: rows king, queen got gradient; 2 rows moved, max move 0.826 (king)
    ... after choosing a strategy with Parameters of its own, the reading ends (until the next step):
      ...; new optimizer for the trainable rows; its state starts empty
    PromptInspector(history, table, vocab), history with snapshot_steps [0, 10, 20] and
    losses 2.0 (steps 1-10), 1.0 (steps 11-20), window=10 (tests/test_prompt_inspector.py), at start:
      step 20 of 20: loss 1.000 (mean of steps 11-20); 2 of 3 vectors changed their nearest word
      since step 0; moved most: vector 0 (by 2.142), now nearest to d (0.932)
    ... after select(0):
      step 0 of 20: the starting prompt (3 vectors), before training; loss at step 1: 2.000
    PromptInspector in notebooks/06_soft_prompts.ipynb (20 vectors, vocab init, 600 steps, lr 0.03,
    batch 16, seed 0, snapshot_every=25), after select(300), for example (measured, not tested here):
      step 300 of 600: loss 1.471 (mean of steps 276-300); 19 of 20 vectors changed their nearest
      word since step 0; moved most: vector 4 (by 4.818), now nearest to for (0.415)

(each reading is one line; ``tests/test_widgets.py`` and ``tests/test_prompt_inspector.py`` check
these exact strings).

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

from .freezing_strategies import STRATEGIES, FreezingStrategy, ZeroGradStrategy, register_strategy
from .gradient_explorer import GradientExplorer
from .prompt_inspector import PromptInspector
from .training_stepper import OPTIMIZERS, StepRecord, TrainingStepper

__all__ = ["OPTIMIZERS", "STRATEGIES", "FreezingStrategy", "GradientExplorer", "PromptInspector", "StepRecord",
           "TrainingStepper", "ZeroGradStrategy", "register_strategy"]
