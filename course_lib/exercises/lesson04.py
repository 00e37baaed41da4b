"""Exercises of notebooks/04_init_and_word_vectors.ipynb."""
from __future__ import annotations

import math

import torch
from torch import nn

from . import Exercise, Incorrect, expect_int, expect_type

__all__ = ["q1", "q2", "q3", "q4"]


# ---------------------------------------------------------------- q1: memory of a table under Adam
_Q1 = 100_000 * 300 * 4 * 4


def _check_q1(answer) -> None:
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()                       # a count computed with tensors is the same number
    expect_type(answer, (int, float), "a number of bytes (int)")
    table = 100_000 * 300 * 4
    named = {table: "the weights alone", 2 * table: "weights and gradient, without Adam's state",
             3 * table: "three tables' worth: one of weights, gradient and Adam's two running averages is missing",
             100_000 * 300: "the number of parameters, not bytes", 2 * _Q1: "float64 sizes; float32 takes 4 bytes"}
    for value, mistake in named.items():
        if math.isclose(answer, value):
            raise Incorrect(f"that is {mistake}.")
    if not math.isclose(answer, _Q1):
        raise Incorrect("count the float32 tensors of the table's size that training keeps: the weights, their "
                        "gradient and Adam's two running averages.")
    expect_int(answer, _Q1, what="your byte count")


q1 = Exercise(
    "q1",
    "A 100,000 x 300 embedding table in float32 is trained with `torch.optim.Adam`. How many **bytes** do "
    "the table's weights, its gradient and Adam's state for it take together? (Ignore the rest of the model, and Adam's scalar step counter.)",
    check=_check_q1,
    hints=["One float32 number takes 4 bytes; the table alone is 100,000 x 300 of them.",
           "Adam keeps two running averages per parameter (`exp_avg` and `exp_avg_sq`), each the size of the table."],
    solution="answer = 100_000 * 300 * 4 * 4",
    explanation="Weights, gradient, and Adam's `exp_avg` and `exp_avg_sq`: four tables of 120 MB, 480 MB in all, "
                "for a layer whose job is to look up a handful of rows per sentence.",
)


# ---------------------------------------------------------------- q2: an analogy by hand
_Q2_WORDS = ["king", "queen", "man", "woman", "prince", "boy"]
_Q2_VECTORS = [[1, -2, 5], [-2, -1, 2], [5, -3, -2], [1, -3, 2], [5, 0, 5], [-1, 5, -3]]


def _q2_inputs() -> dict:
    return {"words": list(_Q2_WORDS), "vectors": torch.tensor(_Q2_VECTORS, dtype=torch.float32)}


def _check_q2(answer) -> None:
    expect_type(answer, str, "a word (str), e.g. 'prince'")
    answer = answer.strip().lower()                  # ' Woman' is the same word
    if answer not in _Q2_WORDS:
        raise Incorrect(f"{answer!r} is not one of q2.words.")
    if answer in ("king", "queen", "man"):
        raise Incorrect(f"{answer!r} is one of the three question words; 3CosAdd leaves a, b and c out of the "
                        "candidates (otherwise b or c is nearly always the nearest).")
    if answer == "boy":
        raise Incorrect("that is what b - a + c gives on the raw vectors; scale every vector to unit length "
                        "first (F.normalize), so that long vectors do not dominate the sum.")
    if answer == "prince":
        raise Incorrect("that is the nearest word to king - queen + man; the analogy a : b :: c : ? looks "
                        "near b - a + c.")
    if answer != "woman":  # pragma: no cover - every other word is named above
        raise Incorrect("not the word 3CosAdd picks.")


q2 = Exercise(
    "q2",
    "Solve `king : queen :: man : ?` with 3CosAdd on the toy table `q2.vectors` (row `i` is `q2.words[i]`; "
    "`q2 = ex.q2.inputs()`): scale the rows to unit length, take the cosine of every word with `b - a + c`, "
    "leave out `a`, `b` and `c`, and answer with the best word.",
    check=_check_q2,
    inputs=_q2_inputs,
    hints=["`u = F.normalize(q2.vectors, dim=1)` gives unit rows; with unit rows, `u @ target` ranks words by "
           "cosine with `target`.",
           "Set the scores of king, queen and man to `-float('inf')` before taking `argmax`."],
    solution="""u = F.normalize(q2.vectors, dim=1)
index = {word: i for i, word in enumerate(q2.words)}
target = u[index["queen"]] - u[index["king"]] + u[index["man"]]
scores = u @ target
for word in ("king", "queen", "man"):
    scores[index[word]] = -float("inf")
answer = q2.words[int(scores.argmax())]""",
    explanation="`course_lib.pretrain.analogy_accuracy` does exactly this for every quadruple at once. Leaving "
                "out the question words matters: without that rule, `queen - king + man` is nearest to `man` "
                "here, and most 'solved' analogies in papers would fail.",
)


# ---------------------------------------------------------------- q3: re-initialise without losing the pad row
_Q3_ROWS, _Q3_DIM = 200, 50      # 10,000 numbers: enough to tell U(-0.05, 0.05) from look-alikes


def _check_q3(answer) -> None:
    if not callable(answer) or isinstance(answer, nn.Module):
        raise Incorrect("answer with the function itself, e.g. `answer = keras_init_` (no parentheses).")
    for padding_idx in (0, 3, None):
        emb = nn.Embedding(_Q3_ROWS, _Q3_DIM, padding_idx=padding_idx)
        before = emb.weight
        answer(emb)
        if emb.weight is not before:
            raise Incorrect("your function replaced emb.weight with a new Parameter; an optimizer built before "
                            "the call would still hold the old one. Fill the existing weight in place.")
        if not emb.weight.requires_grad:
            raise Incorrect("emb.weight no longer requires grad, so the table would not train.")
        values = emb.weight.detach()
        if values.abs().max() > 0.05:
            raise Incorrect(f"some numbers are outside [-0.05, 0.05] (largest: {values.abs().max():.3f}); draw "
                            "from a uniform distribution on that interval.")
        rows = [i for i in range(_Q3_ROWS) if i != padding_idx]
        if values[rows].std() < 0.01:
            raise Incorrect("the rows are (nearly) all the same; draw every number at random from U(-0.05, 0.05).")
        if len(values[rows].unique(dim=0)) < len(rows):
            raise Incorrect("some rows are copies of each other; draw every number of every row at random.")
        if padding_idx is not None and values[padding_idx].any():
            where = "" if padding_idx == 0 else f" (tried padding_idx={padding_idx}: use emb.padding_idx, not 0)"
            raise Incorrect(f"the padding row is no longer zero{where}: nn.init functions fill every row, "
                            "padding included.")
        if padding_idx is None and not values[0].any():
            raise Incorrect("with padding_idx=None every row is a real word's row; your function zeroed row 0.")
        # the shape of the distribution: U(-a, a) puts a quarter of the numbers in each quarter of the interval
        quarters = torch.histc(values[rows], bins=4, min=-0.05, max=0.05) / values[rows].numel()
        if (quarters - 0.25).abs().max() > 0.03:
            shares = ", ".join(f"{q:.0%}" for q in quarters.tolist())
            raise Incorrect(f"the numbers are inside [-0.05, 0.05] but not spread evenly: the four quarters of the "
                            f"interval hold {shares} of them, where U(-0.05, 0.05) puts 25% in each. Draw from "
                            "a uniform distribution (nn.init.uniform_), not a normal or a two-valued one.")


q3 = Exercise(
    "q3",
    "Write a function that re-initialises an `nn.Embedding` in place the way Keras does, every number from "
    "U(-0.05, 0.05), **keeping the padding row at zero** whatever `padding_idx` is (or none). Answer with "
    "the function.",
    check=_check_q3,
    hints=["`nn.init.uniform_(emb.weight, -0.05, 0.05)` fills the weight in place, padding row included.",
           "Then zero row `emb.padding_idx` (if it is not None) inside `with torch.no_grad():`."],
    solution="""def keras_init_(emb):
    with torch.no_grad():
        nn.init.uniform_(emb.weight, -0.05, 0.05)
        if emb.padding_idx is not None:
            emb.weight[emb.padding_idx].zero_()
    return emb

answer = keras_init_""",
    explanation="`nn.Embedding.reset_parameters()` zeroes the padding row after drawing N(0, 1), but "
                "`nn.init.*` knows nothing about padding. Filling in place keeps the same Parameter, so "
                "an optimizer built earlier still trains it (lesson 03).",
)
# ---------------------------------------------------------------- q4: the scale of a dot product
def _check_q4(answer) -> None:
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    expect_type(answer, (int, float), "a number (float)")
    a, dim = 0.05, 300
    expected = math.sqrt(dim) * a**2 / 3
    named = {math.sqrt(dim): "the value for N(0, 1) rows; here each coordinate is U(-0.05, 0.05)",
             dim * a**2 / 3: "the variance of the dot product; the question asks for its standard deviation",
             math.sqrt(dim) * a / math.sqrt(3): "sqrt(D) times the coordinates' standard deviation; each term "
                                                "x_d * y_d has variance Var(x) * Var(y)",
             a**2 / 3: "the variance of a single product x_d * y_d; the dot product sums D of them",
             math.sqrt(dim) * a**2: "what you get taking a^2 as the variance of U(-a, a); it is a^2 / 3"}
    for value, mistake in named.items():
        if math.isclose(answer, value, rel_tol=0.02):
            raise Incorrect(f"that is {mistake}.")
    if not math.isclose(answer, expected, rel_tol=0.02):
        raise Incorrect("not within 2% of the right value: add up D independent products x_d * y_d, each with "
                        "mean 0 and variance Var(x) * Var(y).")


q4 = Exercise(
    "q4",
    "Two rows of a table initialised like Keras (every number drawn from U(-0.05, 0.05)) with D = 300. What "
    "is the standard deviation of their dot product? A number within 2% is accepted.",
    check=_check_q4,
    hints=["The variance of U(-a, a) is a\u00b2 / 3.",
           "x . y is a sum of D independent terms x_d y_d; each has mean 0 and variance Var(x_d) Var(y_d); "
           "variances of independent terms add."],
    solution="answer = 300 ** 0.5 * 0.05 ** 2 / 3",
    explanation="Var(x . y) = D (a\u00b2/3)\u00b2, so the standard deviation is sqrt(D) a\u00b2 / 3 = 0.0144: "
                "about 1200 times smaller than with N(0, 1) rows (sqrt(300) = 17.3). Both grow like sqrt(D).",
)
