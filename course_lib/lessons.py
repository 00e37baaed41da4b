"""The lesson map: every lesson of the course, in order, with what a learner leaves with.

``notebooks/00_start_here.ipynb`` shows it with :func:`lesson_map`; the README holds the
same table (a test keeps the two in step).

Introduced in notebooks/00_start_here.ipynb.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._util import Markdown

__all__ = ["LESSONS", "Lesson", "lesson_map"]

_NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class Lesson:
    """One notebook: its file stem, its title and what the learner leaves with."""

    stem: str
    title: str
    outcome: str

    @property
    def filename(self) -> str:
        return f"{self.stem}.ipynb"


LESSONS: tuple[Lesson, ...] = (
    Lesson("00_start_here", "Start here",
           "a working environment (`course_lib.doctor()`), how exercises and widgets work, this map"),
    Lesson("01_lookup_tables", "Lookup tables",
           "`emb(ids) == emb.weight[ids] == one_hot(ids) @ W`; shapes `(*) -> (*, D)`; the cost of "
           "one-hot vs gather; `padding_idx`, `max_norm`, `from_pretrained`, `EmbeddingBag`; bad ids"),
    Lesson("02_gradient_flow", "Gradient flow into embedding rows",
           "backward of a lookup is a scatter-add; only looked-up rows get gradient; sparse gradients; "
           "interactive gradient explorer; a 2-D table that learns its categories"),
    Lesson("03_parameters", "Registering learnable tensors",
           "`nn.Parameter` vs tensor attribute vs buffer; a tiny ViT's `cls_token` and `pos_embedding`; "
           "weight tying; optimizer pitfalls"),
    Lesson("04_init_and_word_vectors", "Initialisation and word vectors",
           "default init and scale; the padding row; parameter arithmetic; word vectors trained on the "
           "course corpus and checked against its truth"),
    Lesson("05_pretrained_vectors", "Pretrained vectors in a model",
           "GloVe / word2vec files; `align` and OOV rows; random vs frozen vs fine-tuned on a small "
           "labelled task; the same under a GRU, and the gradient reaching each word"),
    Lesson("06_partial_freezing", "Training only some rows",
           "freeze pretrained rows and train new ones six ways; which ones leak under which optimizer; "
           "`PartiallyFrozenEmbedding` at GloVe scale; growing a vocabulary"),
    Lesson("07_soft_prompts", "Soft prompts",
           "learned prompt vectors steering a frozen language model; accuracy vs trainable parameters; "
           "the same wrapper on a Hugging Face model"),
    Lesson("08_embeddings_at_scale", "Embeddings at scale",
           "memory arithmetic; SparseAdam; EmbeddingBag; hashing; mixed precision; a table sharded "
           "across two processes"),
)


def lesson_map(folder: str | Path = _NOTEBOOKS) -> Markdown:
    """The lessons as a Markdown table, linking the notebooks present in ``folder``.

    Examples::

        >>> print(repr(lesson_map()).splitlines()[0])
        | # | lesson | you leave with |

    Introduced in notebooks/00_start_here.ipynb.
    """
    folder = Path(folder)
    lines = ["| # | lesson | you leave with |", "|---|---|---|"]
    for lesson in LESSONS:
        number = lesson.stem[:2]
        if (folder / lesson.filename).exists():
            title = f"[{lesson.title}]({lesson.filename})"
        else:
            title = f"{lesson.title} *(in preparation)*"
        lines.append(f"| {number} | {title} | {lesson.outcome} |")
    return Markdown("\n".join(lines))
