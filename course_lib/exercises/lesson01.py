"""Exercises of notebooks/01_lookup_tables.ipynb."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import (Exercise, Incorrect, as_int_set, expect_close, expect_int, expect_int_set,
               expect_shape, expect_tensor)

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6"]


q1 = Exercise(
    "q1",
    "`emb = nn.Embedding(100, 8)` receives `ids` of shape `(2, 5)`. What is the shape of `emb(ids)`? "
    "Answer with a tuple.",
    check=lambda answer: expect_shape(answer, (2, 5, 8), what="your shape"),
    hints=[
        "A lookup replaces every id by a row of the table.",
        "The shape rule is `(*) -> (*, D)`: the ids' shape, with one more dimension of size `embedding_dim`.",
    ],
    solution="answer = (2, 5, 8)",
    explanation="Each of the 2 x 5 ids becomes a row of 8 numbers; `num_embeddings=100` only "
                "bounds which ids are valid and never appears in the output shape.",
)


def _q2_inputs() -> dict:
    gen = torch.Generator().manual_seed(2)
    return {"ids": torch.tensor([[4, 0, 7], [7, 7, 1]]), "weight": torch.randn(8, 3, generator=gen)}


def _check_q2(answer) -> None:
    inputs = _q2_inputs()
    ids, weight = inputs["ids"], inputs["weight"]
    answer = expect_tensor(answer, what="your lookup")
    if tuple(answer.shape) == (*ids.shape, weight.shape[0]):
        raise Incorrect(f"your tensor has shape {tuple(answer.shape)}: that is the one-hot matrix itself. "
                        "Multiply it by the table to pick the rows.")
    expect_tensor(answer, what="your lookup", integer=False)
    expect_close(answer, F.embedding(ids, weight), what="your lookup")


q2 = Exercise(
    "q2",
    "Look up `q2.ids` in the table `q2.weight` **without indexing and without `nn.Embedding`**: build "
    "the one-hot matrix and multiply. (`q2 = ex.q2.inputs()`; the check cannot see how you computed "
    "the answer, so the rule is on your honour.)",
    check=_check_q2,
    inputs=_q2_inputs,
    hints=[
        "`F.one_hot(ids, num_classes=V)` turns ids of shape `(2, 3)` into `(2, 3, V)`; here V is "
        "`q2.weight.shape[0]`.",
        "`F.one_hot` returns integers, and a matrix product needs both sides to be floats of the same dtype.",
    ],
    solution="answer = F.one_hot(q2.ids, num_classes=q2.weight.shape[0]).float() @ q2.weight",
    explanation="Row `i` of the product is the one-hot vector of `ids[i]` times the table: a sum "
                "in which only the row `ids[i]` has weight 1.",
)


def _q3_inputs() -> dict:
    weight = torch.tensor([[0.0, 0.0], [0.0, 1.0], [3.0, 4.0], [1.0, 1.0], [0.1, 0.0], [2.0, 0.0]])
    return {"weight": weight, "ids": torch.tensor([1, 2, 3, 3])}


def _check_q3(answer) -> None:
    got = as_int_set(answer, what="your set of changed rows", num_rows=6)
    if got & {0, 4, 5}:
        raise Incorrect("your set has a row that this forward pass does not look up; such a row is never touched.")
    if 1 in got:
        raise Incorrect("your set has a row whose norm is not greater than max_norm; such a row is left alone.")
    if got != {2, 3}:
        raise Incorrect("a looked-up row longer than max_norm is missing from your set.")


q3 = Exercise(
    "q3",
    "`emb = nn.Embedding.from_pretrained(q3.weight, max_norm=1.0)` is called once on `q3.ids`. Which "
    "rows of `emb.weight` have changed afterwards? Answer with a set of row ids (`q3 = ex.q3.inputs()`).",
    check=_check_q3,
    inputs=_q3_inputs,
    hints=[
        "`max_norm` only touches rows that are looked up in this forward pass.",
        "Of those, it rescales only rows whose norm is *greater* than `max_norm`: compute "
        "`q3.weight.norm(dim=1)`.",
        "To check by running it, compare with `q3.weight.clone()` taken *before* the call: "
        "`from_pretrained` shares `q3.weight`'s memory, so `max_norm` rescales `q3.weight` too.",
    ],
    solution="answer = {2, 3}",
    explanation="Rows 1, 2 and 3 are looked up. Row 1 has norm exactly 1.0, so it is left alone; "
                "rows 2 (norm 5) and 3 (norm 1.41) are scaled down to norm 1. Rows 0, 4 and 5 are "
                "not looked up, so even row 5 (norm 2) keeps its length.",
)


def _check_q4(answer) -> None:
    if isinstance(answer, (list, tuple)):
        raise Incorrect("nn.EmbeddingBag takes offsets as a tensor (a list fails inside it): wrap yours in "
                        "torch.tensor(...).")
    answer = expect_tensor(answer, what="your offsets", integer=True)
    if answer.dim() != 1:
        raise Incorrect(f"offsets are a 1-D tensor (one start position per bag); yours has shape {tuple(answer.shape)}.")
    if answer.numel() != 3:
        raise Incorrect(f"there are 3 bags, so 3 offsets; you gave {answer.numel()}. (A fourth, closing "
                        "offset is only for include_last_offset=True, which is not the default.)")
    if sorted(answer.tolist()) == [1, 2, 3]:
        raise Incorrect("these look like bag lengths; offsets are the positions where bags start.")
    if int(answer[0]) != 0:
        raise Incorrect("the first bag starts at position 0 of the flat ids.")
    expect_int_set(answer.tolist(), {0, 2, 5}, what="your offsets")
    if answer.tolist() != sorted(answer.tolist()):
        raise Incorrect("offsets must be in increasing order.")


q4 = Exercise(
    "q4",
    "The flat ids `[7, 1, 1, 3, 2, 9]` hold three bags: `[7, 1]`, `[1, 3, 2]` and `[9]`. Give the "
    "`offsets` tensor that `nn.EmbeddingBag` needs to split them that way.",
    check=_check_q4,
    hints=[
        "`offsets[i]` is the position in the flat ids where bag `i` starts.",
        "The first bag starts at 0; each next bag starts where the previous one ended.",
    ],
    solution="answer = torch.tensor([0, 2, 5])",
    explanation="Bag 0 starts at 0 and has 2 ids, so bag 1 starts at 2; it has 3 ids, so bag 2 "
                "starts at 5. The last bag runs to the end of the flat ids.",
)

q5 = Exercise(
    "q5",
    "A vocabulary of 50,000 words gets 300-dimensional vectors. How many learnable numbers does "
    "the embedding table hold?",
    check=lambda answer: expect_int(answer, 15_000_000, what="your count"),
    hints=["One row per word, one column per dimension."],
    solution="answer = 50_000 * 300",
    explanation="15 million parameters, 60 MB in float32, before any gradient or optimizer state; "
                "lesson 04 weighs that against a few thousand labelled examples.",
)


def _q6_batches() -> list[torch.Tensor]:
    """The batch the check tries first, then others of other shapes (a function must not be written for one)."""
    return [torch.tensor([[5, 9, 2, -1, -1], [7, 3, -1, -1, -1]]),
            torch.tensor([[1, 8, 6, 4, -1, -1, -1], [2, -1, -1, -1, -1, -1, -1], [9, 9, 3, 1, 5, 7, 4]]),
            torch.tensor([[[4, -1], [6, 2]], [[-1, -1], [3, 8]]])]


def _check_q6(answer) -> None:
    if not callable(answer):
        raise Incorrect("answer with the function itself, e.g. `answer = fix_padding` (no parentheses).")
    for n, ids in enumerate(_q6_batches()):
        where = "" if n == 0 else f" (for a batch of shape {tuple(ids.shape)})"
        before = ids.clone()
        fixed = expect_tensor(answer(ids), tuple(ids.shape), what=f"what your function returns{where}", integer=True)
        if not torch.equal(ids, before):
            raise Incorrect("your function changed the caller's batch in place; build a new tensor instead.")
        if (fixed < 0).any():
            raise Incorrect(f"{int((fixed < 0).sum())} id(s) are still negative{where}.")
        real = before >= 0
        if not torch.equal(fixed[real], before[real]):
            raise Incorrect(f"some real word ids changed{where}; only the padding positions should.")
        if not (fixed[~real] == 0).all():
            raise Incorrect(f"the padding positions should hold the <pad> id, 0{where}.")


q6 = Exercise(
    "q6",
    "Batches arrive padded with `-1` (a convention from another library). Write a function that "
    "returns a copy that `nn.Embedding(10, 3, padding_idx=0)` accepts: padding at id 0, real ids "
    "unchanged, and the caller's `ids` left exactly as they were. Answer with the function.",
    check=_check_q6,
    hints=[
        "Assigning into `ids` (`ids[ids < 0] = 0`) changes the caller's tensor; the check notices.",
        "`torch.where(condition, a, b)` builds a new tensor and leaves its inputs alone.",
    ],
    solution="""def fix_padding(ids):
    return torch.where(ids < 0, 0, ids)

answer = fix_padding""",
    explanation="`torch.where` returns a new tensor, so the caller's batch is untouched (editing it "
                "in place is one of the bugs of a widely copied answer, in lesson 06). `-1` would "
                "raise on the CPU and trigger a device-side assert on a GPU.",
)
