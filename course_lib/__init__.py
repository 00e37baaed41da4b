"""course_lib: the shared library of "Embedding Layers, Hands-On".

Every notebook starts with::

    import course_lib; DEVICE = course_lib.setup(seed=0)

Modules, one concept each: ``runtime`` (set-up), ``health`` (``doctor``), ``vocab``,
``toyworld`` (the course corpus), ``data`` (the files in ``data/``), ``vectors`` (GloVe and
word2vec files), ``lookup`` (what a lookup computes), ``autograd_lookup`` (a lookup's
hand-written backward), ``widgets`` (the interactive explorers) and ``freezing_strategies`` (how they
hold rows still), ``freezing`` (training only some rows; ``freezing_costs`` times it, on
demand), ``models`` and ``images`` (a tiny ViT and its task), ``train`` (one training loop),
``pretrain`` and ``vector_checks`` (word vectors and their checks), ``transfer`` (pretrained
tables on a labelled task), ``memory``, ``step_costs``, ``hashing`` and ``sharding`` (lesson 07;
``sharding`` is imported on demand), ``classroom``, ``publish`` and ``offline`` (student copies,
slides and the static site; imported on demand), ``plots``, ``lessons`` (the lesson map),
``exercises`` (checks, hints, solutions).

Introduced in notebooks/00_start_here.ipynb.
"""
from __future__ import annotations

__version__ = "0.1.0"

from . import lookup  # first: it re-exports autograd_lookup.manual_embedding, which needs lookup.check_ids
from . import (autograd_lookup, data, exercises, freezing, freezing_strategies, hashing, images, lessons, memory,
               models, plots, pretrain, step_costs, toyworld, train, transfer, vector_checks, vectors, widgets)
from .health import doctor
from .lookup import check_ids, manual_embedding, one_hot_lookup
from .runtime import get_device, pick_num_threads, seed_everything, setup
from .vocab import Vocab

__all__ = [
    "Vocab",
    "__version__",
    "check_ids",
    "doctor",
    "get_device",
    "manual_embedding",
    "one_hot_lookup",
    "pick_num_threads",
    "seed_everything",
    "setup",
]
