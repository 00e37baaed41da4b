"""course_lib: the shared library of "Embedding Layers, Hands-On".

Every notebook starts with::

    import course_lib; DEVICE = course_lib.setup(seed=0)

``course_lib`` itself is the learner's library, one module (or small package) per idea:
``runtime`` (set-up), ``health`` (``doctor``), ``vocab``, ``toyworld`` (the course corpus),
``data`` (the files in ``data/``), ``vectors`` (GloVe and word2vec files), ``lookup`` (what a
lookup computes), ``autograd_lookup`` (a lookup's hand-written backward), ``models`` (a tiny
ViT, a tiny language model, small classifiers), ``images`` (the ViT's task), ``train`` (one
training loop), ``pretrain`` and ``vector_checks`` (word vectors and their checks),
``transfer`` (pretrained tables on a labelled task), ``freezing`` (training only some rows),
``lm``, ``prompts``, ``prompt_tasks`` and ``prompt_study`` (soft prompts), ``memory``,
``step_costs``, ``hashing`` and ``sharding`` (embeddings at scale), ``lessons`` (the lesson
map). Beside it, importing the library but never imported by it: ``widgets`` (the interactive
explorers), ``plots`` (figures, one module per lesson), ``exercises`` (checks, hints,
solutions) and ``tools`` (the ``python -m course_lib`` commands).

``import course_lib`` loads the top-level names below; the modules load when first used
(``course_lib.freezing`` or ``from course_lib import plots``).

Introduced in notebooks/00_start_here.ipynb.
"""
from __future__ import annotations

__version__ = "0.1.0"

import importlib

from .autograd_lookup import manual_embedding
from .health import doctor
from .lookup import check_ids, one_hot_lookup
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

#: The subpackages and modules ``course_lib.NAME`` loads on first use (all but ``tools``).
_SUBMODULES = frozenset({
    "autograd_lookup", "data", "exercises", "freezing", "hashing", "health", "images", "lessons", "lm", "lookup",
    "memory", "models", "plots", "pretrain", "prompt_study", "prompt_tasks", "prompts", "runtime", "sharding",
    "step_costs", "toyworld", "train", "transfer", "vector_checks", "vectors", "vocab", "widgets",
})


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
