"""Exercises of notebooks/02_gradient_flow.ipynb."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import Exercise, Incorrect, as_int_set, expect_close, expect_tensor, expect_type

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6"]


def _q1_inputs() -> dict:
    return {"ids": torch.tensor([[0, 3, 3], [1, 3, 4]])}


def _same(answer: torch.Tensor, expected: torch.Tensor) -> bool:
    return torch.allclose(answer.detach().double().cpu(), expected.double(), atol=1e-5, rtol=1e-4)


def _check_q1(answer) -> None:
    answer = expect_tensor(answer, what="your gradient")
    if tuple(answer.shape) == (2, 3, 2):
        raise Incorrect("your tensor has the shape of emb(ids), (2, 3, 2). The gradient of emb.weight has the "
                        "shape of the table: one row per id.")
    answer = expect_tensor(answer, (5, 2), what="your gradient", integer=False)
    counts = torch.tensor([1.0, 1.0, 0.0, 3.0, 1.0]).unsqueeze(1).expand(5, 2)
    once = (counts > 0).double()
    if _same(answer, counts):
        raise Incorrect("these are the gradients of a sum. A mean divides every contribution by the number "
                        "of outputs it averages over.")
    if _same(answer, counts / 6):
        raise Incorrect("you divided by the number of ids (6). The mean runs over every number of emb(ids), "
                        "and each id gives embedding_dim of them.")
    if _same(answer, once / 12) or _same(answer, once):
        raise Incorrect("row 3 is looked up three times, and each lookup adds its own contribution; in your "
                        "table it got as much as a row looked up once.")
    if answer[2].abs().sum() > 0:
        raise Incorrect("row 2 is never looked up, so nothing flows back to it.")
    expect_close(answer, counts / 12, what="your gradient")


q1 = Exercise(
    "q1",
    "`emb = nn.Embedding(5, 2)` looks up `q1.ids` (shape `(2, 3)`) and `loss = emb(ids).mean()`. Without "
    "calling `backward()`, give `emb.weight.grad` as a `(5, 2)` tensor (`q1 = ex.q1.inputs()`).",
    check=_check_q1,
    inputs=_q1_inputs,
    hints=[
        "`d loss / d out` is the same for every number of the output: 1 divided by how many numbers the mean "
        "averages.",
        "Each lookup of row `i` adds that value to every column of row `i`; `torch.bincount` counts the lookups.",
    ],
    solution="""counts = torch.bincount(q1.ids.flatten(), minlength=5)   # lookups per row: [1, 1, 0, 3, 1]
answer = (counts / 12).unsqueeze(1).expand(5, 2)         # a mean over 2 x 3 x 2 = 12 outputs""",
    explanation="The output has 2 x 3 x 2 = 12 numbers, so each gets gradient 1/12. Every lookup of row `i` "
                "adds its (2,) slice of that to row `i`: row 3, looked up three times, gets 3/12 = 0.25; row 2, "
                "never looked up, gets zeros.",
)


def _check_rows(answer, expected: set[int], rules) -> None:
    """``rules``: (test on the learner's set, message) pairs, checked in order. The table has 8 rows."""
    got = as_int_set(answer, what="your set of rows", num_rows=8)
    for wrong, message in rules:
        if wrong(got):
            raise Incorrect(message)
    if got != expected:
        raise Incorrect("your set is not quite right: re-read which rows had a gradient at each step.")


q2 = Exercise(
    "q2",
    "`emb = nn.Embedding(8, 3, padding_idx=0)` and `opt = torch.optim.SGD(emb.parameters(), lr=0.1)`. After "
    "one `backward()` and `opt.step()` on `loss = emb(ids).pow(2).sum()` with `ids = [[1, 5, 5], [2, 0, 0]]`, "
    "which rows of `emb.weight` have changed? Answer with a set of row ids.",
    check=lambda answer: _check_rows(answer, {1, 2, 5}, [
        (lambda got: 0 in got, "row 0 is the padding_idx: it gets no gradient, and plain SGD moves a row only "
                               "by its gradient."),
        (lambda got: got - {0, 1, 2, 5}, "your set has a row that is not looked up; its gradient is zero, and "
                                         "plain SGD moves a row only by its gradient."),
        (lambda got: not {1, 2, 5} <= got, "a row that is looked up (and is not padding) is missing from your set."),
    ]),
    hints=[
        "Plain SGD computes `w -= lr * grad`: a row changes exactly when its gradient is not zero.",
        "Which rows are looked up? And which of those does `padding_idx` keep out of the gradient?",
    ],
    solution="answer = {1, 2, 5}",
    explanation="Rows 1, 2 and 5 are looked up and get gradient (row 5 twice as much). Row 0 is looked up "
                "too, but as `padding_idx` its gradient is zero. The other rows are not looked up.",
)

q3 = Exercise(
    "q3",
    "Now `emb = nn.Embedding(8, 3)` and `opt = torch.optim.SGD(emb.parameters(), lr=0.1, momentum=0.9)`. "
    "Step 1 trains on `ids = [1, 2]`, step 2 on `ids = [6]` (each: `zero_grad`, `backward` of "
    "`emb(ids).pow(2).sum()`, `step`). Which rows change **during step 2**?",
    check=lambda answer: _check_rows(answer, {1, 2, 6}, [
        (lambda got: got == {6}, "with momentum, a step moves a row by its velocity, which remembers the "
                                 "gradients of earlier steps, not only this step's gradient."),
        (lambda got: got - {1, 2, 6}, "your set has a row that never had a gradient: its velocity is still zero."),
        (lambda got: 6 not in got, "row 6 gets gradient in step 2, so it moves."),
        (lambda got: not {1, 2} <= got, "one of the rows trained in step 1 is missing."),
    ]),
    hints=[
        "SGD with momentum keeps a velocity per number: `v = 0.9 * v + grad`, then `w -= lr * v`.",
        "After step 1, which rows have a non-zero velocity? Does a zero gradient in step 2 reset it?",
    ],
    solution="answer = {1, 2, 6}",
    explanation="Row 6 moves by its new gradient; rows 1 and 2 keep moving by `0.9 *` their velocity from "
                "step 1 although they are not in the batch. Adam behaves the same way; AdamW's weight decay "
                "would move every row.",
)


def _q4_inputs() -> dict:
    return {"ids": torch.tensor([[3, 3, 3, 5], [3, 0, 0, 0]])}


def _check_q4(answer) -> None:
    answer = expect_tensor(answer, (6, 2), what="your gradient")   # whole numbers here, so an int tensor is fine
    got = answer.detach().double().cpu()[:, 0]
    if not torch.allclose(answer[:, 0].double().cpu(), answer[:, 1].double().cpu()):
        raise Incorrect("the two columns of a row get the same gradient here: the loss is a plain sum.")
    if abs(got[3] - 4) < 1e-6:
        raise Incorrect("row 3 got the sum of its 4 lookups: scale_grad_by_freq divides that sum by how often "
                        "the id occurs.")
    if abs(got[3] - 2) < 1e-6:
        raise Incorrect("scale_grad_by_freq counts an id over the whole batch, not sentence by sentence.")
    if abs(got[0]) > 1e-6:
        raise Incorrect("row 0 is the padding_idx: it gets no gradient, with or without scaling.")
    expect_close(answer, torch.tensor([[0.0, 0], [0, 0], [0, 0], [1, 1], [0, 0], [1, 1]]), what="your gradient")


q4 = Exercise(
    "q4",
    "`emb = nn.Embedding(6, 2, padding_idx=0, scale_grad_by_freq=True)` looks up `q4.ids` and "
    "`loss = emb(ids).sum()`. Give `emb.weight.grad` as a `(6, 2)` tensor (`q4 = ex.q4.inputs()`).",
    check=_check_q4,
    inputs=_q4_inputs,
    hints=[
        "Start without the options: with a sum, each lookup adds 1 to its row.",
        "`scale_grad_by_freq` divides each row's total by the number of times its id occurs in the whole "
        "batch; `padding_idx` then leaves its row at zero.",
    ],
    solution="""answer = torch.zeros(6, 2)
answer[[3, 5]] = 1.0   # row 3: 4 lookups / 4 occurrences; row 5: 1 / 1; row 0 is padding""",
    explanation="Without options row 3 would get 4 and row 5 would get 1. Dividing by the frequency gives "
                "both exactly 1: with a sum loss, every looked-up row gets the same gradient, however "
                "frequent its word. Row 0 occurs three times but is the padding row.",
)


def _check_q5(answer) -> None:
    if not callable(answer):
        raise Incorrect("answer with the function itself, e.g. `answer = table_grad` (no parentheses).")
    gen = torch.Generator().manual_seed(5)
    # (shape of the ids, D, the highest id): the last case leaves the top rows unused and has D = 4,
    # so a function that reads V from ids.max() or fixes D = 3 is caught.
    for shape, D, high in [((4,), 3, 5), ((2, 4), 3, 5), ((2, 3, 4), 3, 5), ((3, 2), 4, 3)]:
        ids = torch.randint(high, shape, generator=gen)
        ids.view(-1)[-1] = ids.view(-1)[0]  # at least one repeat
        grad_output = torch.randn(*shape, D, generator=gen)                  # (*, D)
        weight = torch.zeros(5, D, requires_grad=True)
        F.embedding(ids, weight).backward(grad_output)
        got = answer(ids.clone(), grad_output.clone(), 5)
        what = f"for ids of shape {shape} and D = {D}, your table"
        got = expect_tensor(got, (5, D), what=what, integer=False).detach()
        overwritten = torch.zeros(5, D).index_put_((ids.flatten(),), grad_output.reshape(-1, D))
        if torch.allclose(got, overwritten) and not torch.allclose(got, weight.grad):
            raise Incorrect("a repeated id kept only one of its gradients: assignment overwrites, it does not "
                            "add. Use index_add_ (or index_put_ with accumulate=True).")
        expect_close(got, weight.grad, what=what)


q5 = Exercise(
    "q5",
    "Write `table_grad(ids, grad_output, num_embeddings)`: given ids of any shape `(*)` and the gradient "
    "`grad_output` of the lookup's output, shape `(*, D)`, return the gradient of the `(V, D)` table, "
    "**without autograd**: a scatter-add into zeros. Answer with the function.",
    check=_check_q5,
    hints=[
        "Flatten first: `ids.flatten()` is `(N,)` and `grad_output.reshape(-1, D)` is `(N, D)`.",
        "`torch.zeros(V, D).index_add_(0, index, source)` adds row `k` of `source` to row `index[k]`, "
        "repeats included; `zeros[index] = source` would overwrite them.",
    ],
    solution="""def table_grad(ids, grad_output, num_embeddings):
    D = grad_output.shape[-1]
    grad = torch.zeros(num_embeddings, D, dtype=grad_output.dtype)
    return grad.index_add_(0, ids.flatten(), grad_output.reshape(-1, D))

answer = table_grad""",
    explanation="This is the backward of `course_lib.lookup.manual_embedding` (without its options), and what "
                "`F.embedding`'s backward computes: row `i` receives the sum of the output gradients of every "
                "position that looked `i` up.",
)

_OPTIMIZERS = ("SGD", "SGD(momentum=0.9)", "SGD(weight_decay=0.01)", "Adagrad", "Adam", "AdamW", "SparseAdam")


def _check_q6(answer) -> None:
    expect_type(answer, (set, frozenset, list, tuple), "a set of names, e.g. {'SGD'}")
    got = {str(a).strip() for a in answer}
    unknown = got - set(_OPTIMIZERS)
    if unknown:
        raise Incorrect(f"{sorted(unknown)[0]!r} is not one of the choices; copy the names from the question.")
    if got & {"Adam", "AdamW"}:
        raise Incorrect("Adam and AdamW keep dense running averages and refuse sparse gradients; their error "
                        "message names the variant that accepts them.")
    if "SGD(weight_decay=0.01)" in got:
        raise Incorrect("weight decay adds the whole dense table to the gradient, and SGD refuses to add a "
                        "dense tensor to a sparse one.")
    if "SparseAdam" not in got:
        raise Incorrect("one optimizer was written for sparse gradients; its name says so.")
    if "SGD(momentum=0.9)" not in got or "SGD" not in got:
        raise Incorrect("plain SGD takes sparse gradients, with or without momentum (its buffer becomes sparse).")
    if "Adagrad" not in got:
        raise Incorrect("one optimizer with a per-number learning rate accepts sparse gradients (without "
                        "weight decay); it is missing.")


q6 = Exercise(
    "q6",
    "`emb = nn.Embedding(10_000, 64, sparse=True)` gives a sparse gradient. Which of these optimizers can "
    f"`step()` with it? Choose from {', '.join(repr(o) for o in _OPTIMIZERS)}; answer with a set of names.",
    check=_check_q6,
    hints=[
        "Section 4.2 (optional) built the table by catching each optimizer's error.",
        "An optimizer that must add a dense tensor (running averages over every row, or the weights for weight "
        "decay) to the gradient cannot work on the few rows a sparse gradient holds.",
    ],
    solution="answer = {'SGD', 'SGD(momentum=0.9)', 'Adagrad', 'SparseAdam'}",
    explanation="SGD, Adagrad and SparseAdam update only the rows the sparse gradient holds; SGD with "
                "momentum accepts it too, but its velocity keeps moving rows that have left the batch. Adam and AdamW ask for SparseAdam instead, and weight decay (SGD's or "
                "Adagrad's) needs the dense table. SparseAdam is a *lazy* Adam: rows out of the batch keep "
                "their position, unlike with Adam.",
)
