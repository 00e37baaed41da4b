"""Exercises of notebooks/05_pretrained_vectors.ipynb."""
from __future__ import annotations

import torch

from ..vocab import Vocab
from . import Exercise, Incorrect, as_int_set, expect_type
from .._util import is_int

__all__ = ["q1", "q2"]


# ---------------------------------------------------------------- q1: which rows does align leave at zero?
def _q1_inputs() -> dict:
    return {"vocab": Vocab(["<pad>", "<unk>", "the", "cat", "sat", "zebra"]), "words": ["cat", "the", "dog"],
            "vectors": torch.tensor([[0.5, -1.0], [2.0, 0.25], [1.0, 1.0]])}


def _check_q1(answer) -> None:
    if isinstance(answer, torch.Tensor) and answer.dtype == torch.bool:
        if answer.shape != (6,):
            raise Incorrect(f"your mask has shape {tuple(answer.shape)}; a mask over the rows of weight has "
                            "shape (6,), e.g. (weight == 0).all(dim=1).")
        answer = answer.nonzero().flatten()          # a row mask, e.g. (weight == 0).all(dim=1), names the same rows
    got = as_int_set(answer, what="your set of rows")
    outside = sorted(i for i in got if not 0 <= i < 6)
    if outside:
        raise Incorrect(f"id {outside[0]} is not a row of weight: the vocabulary has ids 0 to 5.")
    if got & {2, 3}:
        raise Incorrect("your set has a row whose word is in q1.words; align copies that word's vector.")
    if 0 not in got:
        raise Incorrect("the <pad> row (id 0) is always zeros, so that it suits padding_idx=0.")
    if 1 not in got:
        raise Incorrect("<unk> is a word of the vocabulary that the file does not have: an OOV row like any other.")
    if got != {0, 1, 4, 5}:
        raise Incorrect("a row of a word that q1.words lacks is missing from your set.")


q1 = Exercise(
    "q1",
    "`weight, found = align(q1.vocab, q1.words, q1.vectors, oov=\"zeros\")`: which row ids of `weight` are "
    "all zeros? Answer with a set (or a list, or a row mask) (`q1 = ex.q1.inputs()`; `q1.vocab.tokens` lists the "
    "vocabulary in id order).",
    check=_check_q1,
    inputs=_q1_inputs,
    hints=["Row i of weight belongs to q1.vocab.tokens[i]; a row is copied when q1.words has that word.",
           "Two special tokens start every course vocabulary; what does align do with each?"],
    solution="answer = {0, 1, 4, 5}",
    explanation="Rows 2 (the) and 3 (cat) are copied from the file; 'dog' is in the file but not in the "
                "vocabulary, so it is simply not used. <unk>, 'sat' and 'zebra' are OOV and start at zero, and "
                "<pad> is zero whatever `oov` says.",
)


# ---------------------------------------------------------------- q2: what the optimizer trains
def _check_q2(answer) -> None:
    expect_type(answer, (tuple, list), "a pair (frozen, fine_tuned), e.g. (10, 20)")
    if len(answer) == 2 and all(isinstance(x, float) and x.is_integer() for x in answer):
        answer = tuple(int(x) for x in answer)       # (130.0, 28418.0) is the same count
    if len(answer) != 2 or not all(is_int(x) for x in answer):
        raise Incorrect("answer with two whole numbers: (trainable in the frozen run, trainable in the fine-tuned run).")
    frozen, tuned = answer
    table, head = 442 * 64, 64 * 2 + 2
    if frozen == table + head:
        raise Incorrect("your frozen count includes the table; freeze=True sets requires_grad=False on it.")
    if frozen == 64 * 2 or tuned == table + 64 * 2:
        raise Incorrect("the linear layer has a bias too: one number per class.")
    if frozen != head:
        raise Incorrect("the frozen count is wrong: only the linear layer (D inputs, 2 classes) trains.")
    if tuned == table:
        raise Incorrect("your fine-tuned count leaves out the linear layer, which trains in both runs.")
    if tuned != table + head:
        raise Incorrect("the fine-tuned count is wrong: the whole table trains too, one number per row and dimension.")


q2 = Exercise(
    "q2",
    "`BagOfEmbeddings.from_pretrained(weight, num_classes=2, freeze=...)` with a `(442, 64)` weight: how many "
    "numbers does the optimizer train with `freeze=True`, and with `freeze=False`? Answer with a tuple "
    "`(frozen, fine_tuned)`.",
    check=_check_q2,
    hints=["The model is a table followed by `nn.Linear(64, 2)`.",
           "`sum(p.numel() for p in model.parameters() if p.requires_grad)` counts them; try it."],
    solution="answer = (64 * 2 + 2, 442 * 64 + 64 * 2 + 2)",
    explanation="Frozen: 130 numbers learn from the labels, so 48 sentences are plenty. Fine-tuned: 28,418, of "
                "which the 28,288 table numbers can memorise the training words.",
)
