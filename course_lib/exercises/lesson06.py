"""Exercises of notebooks/06_partial_freezing.ipynb."""
from __future__ import annotations

import math
from collections.abc import Iterator, KeysView

import torch
from torch import nn

from ..freezing import AUDIT_OPTIMIZERS
from ..freezing import STRATEGY_NAMES
from ..vocab import Vocab
from . import Exercise, Incorrect, as_int_set, expect_type
from .._util import is_number

__all__ = ["q1", "q2", "q3", "q4", "q5"]


# ---------------------------------------------------------------- q1: the four bugs of a shared answer
#: The widely shared two-table answer, rewritten in the course's words with its four bugs kept.
SHARED_ANSWER = """\
class SplitEmbedding(nn.Module):
    def __init__(self, pretrained, num_new):
        self.pretrained = nn.Embedding.from_pretrained(pretrained)
        self.new = nn.Embedding(num_new, pretrained.shape[1])

    def forward(self, batch):
        is_new = batch > self.pretrained.num_embeddings
        old_ids = batch.copy()
        old_ids[is_new] = 0
        out = self.pretrained(old_ids)
        batch -= self.pretrained.num_embeddings
        batch[~is_new] = 0
        out[is_new] = self.new(batch)[is_new]
        return out"""

_NUM_LINES = len(SHARED_ANSWER.splitlines())
# each bug: the lines that name it (any one of them counts), and its symptom, told without the fix
_BUGS = {
    "init": ({2, 3}, "one bug stops the model before it is ever used: building it raises an error."),
    "compare": ({7}, "one bug shows only when the batch holds one particular id: then the lookup fails."),
    "copy": ({8}, "one bug raises an error the first time forward runs, whatever the batch."),
    "in_place": ({11, 12}, "one bug damages something that does not belong to forward: call it twice on the same "
                           "batch and compare."),
}
_FINE = {
    1: "line 1 is fine: a model is an nn.Module subclass.",
    4: "line 4 is fine: the new rows' table is an ordinary trainable nn.Embedding.",
    5: "line 5 is blank.",
    6: "line 6 is fine: forward takes the batch of ids.",
    9: "line 9 is fine: it writes into old_ids, which forward means to own (once it really is a copy).",
    10: "line 10 is fine: it looks up the frozen table.",
    13: "line 13 is fine: out is a new tensor made by this forward, so writing into it harms no one.",
    14: "line 14 is fine.",
}


def numbered(code: str = SHARED_ANSWER) -> str:
    """``code`` with line numbers, as the exercise shows it."""
    return "\n".join(f"{i:2d}  {line}" for i, line in enumerate(code.splitlines(), 1))


def _q1_inputs() -> dict:
    return {"code": SHARED_ANSWER, "numbered": numbered()}


def _check_q1(answer) -> None:
    got = as_int_set(answer, what="your set of line numbers")
    outside = sorted(i for i in got if not 1 <= i <= _NUM_LINES)
    if outside:
        raise Incorrect(f"line {outside[0]} does not exist: the snippet has lines 1 to {_NUM_LINES}.")
    for line in sorted(got):
        if line in _FINE:
            raise Incorrect(_FINE[line])
    missing = [symptom for lines, symptom in _BUGS.values() if not lines & got]
    if missing:
        found = len(_BUGS) - len(missing)
        raise Incorrect(f"you found {found} of the 4 bugs. Still hidden: " + " And ".join(missing))


q1 = Exercise(
    "q1",
    "`q1.numbered` is a widely shared way to freeze pretrained rows with two tables (new words get the ids "
    "after the pretrained ones). It has four bugs. Answer with the set of line numbers that hold them; for a "
    "line that is missing, give the line it should follow. (`q1 = ex.q1.inputs()`; `print(q1.numbered)`.)",
    check=_check_q1,
    inputs=_q1_inputs,
    hints=[
        "Run it in your head on `ids = torch.tensor([0, V_old - 1, V_old, V_old + 1])`, where V_old is the number "
        "of pretrained rows: which table should each id read, and what does each line do?",
        "Four questions: what must every nn.Module's __init__ do first? Is `copy` a tensor method? Which is the "
        "first new id? Whose tensor is `batch`?",
    ],
    solution="answer = {2, 7, 8, 11}",
    explanation="Line 2: `__init__` never calls `super().__init__()`, so assigning a module raises "
                "\"cannot assign module before Module.__init__() call\". Line 7: the first new id is V_old "
                "itself, so the test is `>=`; with `>`, id V_old goes to the pretrained table, which has rows "
                "0 to V_old - 1 (an IndexError on the CPU, a device-side assert on a GPU). Line 8: tensors "
                "have `clone()`, not `copy()` (that is NumPy). Lines 11 and 12 change the caller's batch in "
                "place: whatever reads the batch next (the loss, a second forward) sees shifted "
                "ids. `course_lib.freezing.SplitEmbedding` is the fixed version.",
)


# ---------------------------------------------------------------- q2: which audit cells drift?
_LEAKY_OPTIMIZERS = {
    "SGD(momentum=0.9, weight_decay=0.01)":
        "SGD's weight_decay adds weight_decay x w to the gradient inside step(), after your zeroing",
    "AdamW (weight_decay=0.01)":
        "AdamW shrinks every parameter that has a .grad by lr x weight_decay x w inside step(), and a zeroed "
        "gradient is still a .grad",
    "Adam, warm-started":
        "Adam's running averages, built while the rows still trained, keep pushing after the gradient is zeroed",
}
_HOOK_STRATEGIES = ("zero_grad", "grad_hook")


def _q2_inputs() -> dict:
    return {"strategies": list(STRATEGY_NAMES), "optimizers": list(AUDIT_OPTIMIZERS)}


def _check_q2(answer) -> None:
    if isinstance(answer, (KeysView, Iterator)):
        answer = list(answer)                        # a dict's keys or itertools.product(...) hold the same pairs
    expect_type(answer, (set, frozenset, list, tuple), "a set of (strategy, optimizer) pairs")
    cells = set()
    for cell in answer:
        if isinstance(cell, list):
            cell = tuple(cell)                       # ["zero_grad", "SGD"] names the same cell
        if not (isinstance(cell, tuple) and len(cell) == 2 and all(isinstance(x, str) for x in cell)):
            raise Incorrect(f"each element should be a pair of names (strategy, optimizer); got {cell!r}.")
        strategy, optimizer = cell
        if strategy not in STRATEGY_NAMES:
            raise Incorrect(f"{strategy!r} is not a strategy of the audit; use the names in q2.strategies.")
        if optimizer not in AUDIT_OPTIMIZERS:
            raise Incorrect(f"{optimizer!r} is not an optimizer of the audit; use the names in q2.optimizers.")
        cells.add(cell)
    for strategy, optimizer in sorted(cells):
        if strategy in ("split_tables", "trainable_tokens", "partially_frozen"):
            raise Incorrect(f"your set has a cell of {strategy!r}: its frozen rows are in no Parameter the optimizer "
                            "holds, so nothing the optimizer does can reach them.")
        if strategy == "restore_rows":
            raise Incorrect("your set has a cell of 'restore_rows': whatever step() does, the saved rows are copied "
                            "back after it, so the table ends every step as it was saved.")
        if optimizer == "SGD":
            raise Incorrect("with plain SGD a row moves by lr x its gradient and nothing else, and that gradient "
                            "is zero.")
        if optimizer == "Adam":
            raise Incorrect("Adam from a fresh start: a row whose gradient has always been zero has running "
                            "averages of zero, so its update is 0 / (sqrt(0) + eps) = 0.")
    for strategy in _HOOK_STRATEGIES:
        other = [s for s in _HOOK_STRATEGIES if s != strategy][0]
        if {o for s, o in cells if s == strategy} != {o for s, o in cells if s == other}:
            raise Incorrect("zero_grad and grad_hook should have the same cells: both leave the same zeros in "
                            ".grad before step() runs.")
    for optimizer, why in _LEAKY_OPTIMIZERS.items():
        if (_HOOK_STRATEGIES[0], optimizer) not in cells:
            raise Incorrect(f"a leaking column is missing: {why}.")


q2 = Exercise(
    "q2",
    "Predict before you run it: `audit_leakage()` trains each strategy in `q2.strategies` with each optimizer in "
    "`q2.optimizers`. In which (strategy, optimizer) cells do the frozen rows move at all? Answer with a set of "
    "pairs of names (`q2 = ex.q2.inputs()`).",
    check=_check_q2,
    inputs=_q2_inputs,
    hints=[
        "Sort the strategies in two groups: those that keep the frozen rows in the optimizer's parameters, and "
        "those that do not (or undo every step).",
        "For the first group, ask of each optimizer: does anything but the current gradient move a row? Weight "
        "decay, momentum and Adam's running averages are the suspects, and a fresh Adam has no history.",
    ],
    solution="""leaky = ("zero_grad", "grad_hook")
drifting = ("SGD(momentum=0.9, weight_decay=0.01)", "AdamW (weight_decay=0.01)", "Adam, warm-started")
answer = {(strategy, optimizer) for strategy in leaky for optimizer in drifting}""",
    explanation="`zero_grad` and `grad_hook` only zero the gradient; the optimizer still holds every row, and the "
                "table has a `.grad` (zeros in the frozen rows). Weight "
                "decay (SGD's, added to the gradient inside step(), and AdamW's, applied to the weight) and "
                "momentum or Adam state from before the freeze move the rows anyway. A fresh Adam and plain SGD "
                "do not: with a zero gradient from the first step on, their update is exactly zero. The other "
                "four strategies hold at 0.0 everywhere.",
)


# ---------------------------------------------------------------- q3: optimizer state at GloVe scale
_V, _D, _K = 400_000, 300, 1_000
_Q3 = (2 * _K * _D * 4, 2 * _V * _D * 4)


def _bytes_mistakes(value, rows: int, which: str) -> None:
    named = {rows * _D * 4: "one running average; Adam keeps two, exp_avg and exp_avg_sq",
             2 * rows * _D: "a count of numbers, not bytes: a float32 takes 4",
             3 * rows * _D * 4: "three tables' worth: the gradient is not optimizer state",
             4 * rows * _D * 4: "weights, gradient and state together; the question asks for the state alone",
             2 * rows * _D * 8: "float64 sizes; the table is float32"}
    for number, mistake in named.items():
        if math.isclose(value, number):
            raise Incorrect(f"your {which} figure is {mistake}.")


def _check_q3(answer) -> None:
    expect_type(answer, (tuple, list), "a pair (partially_frozen_bytes, zero_grad_bytes), e.g. (10, 20)")
    if len(answer) != 2 or not all(is_number(x) for x in answer):
        raise Incorrect("answer with two numbers of bytes: (partially_frozen, zero_grad).")
    pfe, zero = answer
    if math.isclose(pfe, _Q3[1]) and math.isclose(zero, _Q3[0]):
        raise Incorrect("you have both figures, in the wrong order: partially_frozen comes first.")
    if math.isclose(pfe, _Q3[1]):
        raise Incorrect("your partially_frozen figure counts every row; its optimizer holds only the trainable_weight "
                        "Parameter, (K, D).")
    if math.isclose(zero, _Q3[0]):
        raise Incorrect("your zero_grad figure counts only the trainable rows; with zeroed gradients the optimizer "
                        "still holds the whole (V, D) weight and keeps state for every row.")
    if math.isclose(pfe, 2 * _K * _D * 4 + 4) or math.isclose(zero, 2 * _V * _D * 4 + 4):
        raise Incorrect("you counted Adam's 4-byte step counter; the question leaves it out.")
    _bytes_mistakes(pfe, _K, "partially_frozen")
    _bytes_mistakes(zero, _V, "zero_grad")
    if not math.isclose(pfe, _Q3[0]):
        raise Incorrect("your partially_frozen figure is off: count Adam's two running averages of the (K, D) "
                        "trainable rows, 4 bytes a number.")
    if not math.isclose(zero, _Q3[1]):
        raise Incorrect("your zero_grad figure is off: count Adam's two running averages of the whole (V, D) table, "
                        "4 bytes a number.")


q3 = Exercise(
    "q3",
    "GloVe's table: V = 400,000 rows, D = 300, float32; K = 1,000 new rows train with `torch.optim.Adam`. How many "
    "bytes do Adam's running averages (`exp_avg` and `exp_avg_sq`, leave out the step counter) take with "
    "`PartiallyFrozenEmbedding`, and with the `zero_grad` strategy? Answer with a tuple "
    "`(partially_frozen_bytes, zero_grad_bytes)`.",
    check=_check_q3,
    hints=[
        "Adam keeps two tensors of the shape of each Parameter it holds.",
        "Which Parameter does each optimizer hold? `PartiallyFrozenEmbedding.parameters()` yields one of shape "
        "(K, D); zeroing gradients leaves the (V, D) weight in the optimizer.",
    ],
    solution="answer = (2 * 1_000 * 300 * 4, 2 * 400_000 * 300 * 4)",
    explanation="2.4 MB against 960 MB: the ratio is V / K = 400. Zeroing gradients also keeps a (V, D) gradient "
                "(480 MB) and makes Adam update every row every step, which is where its time goes.",
)


# ---------------------------------------------------------------- q4: grow, train only the new rows
_Q4_V, _Q4_D, _Q4_NEW = 10, 4, 2


def _q4_inputs() -> dict:
    gen = torch.Generator().manual_seed(4)
    emb = nn.Embedding(_Q4_V, _Q4_D, padding_idx=0)
    with torch.no_grad():
        emb.weight.copy_(torch.randn(_Q4_V, _Q4_D, generator=gen))
        emb.weight[0] = 0
    targets = 2 * torch.randn(_Q4_V + _Q4_NEW, _Q4_D, generator=gen)              # (V + new, D)
    batches = []
    for _ in range(40):
        ids = torch.cat([torch.randint(1, _Q4_V, (4,), generator=gen), torch.arange(_Q4_V, _Q4_V + _Q4_NEW)])
        batches.append((ids, targets[ids]))                                        # (6,), (6, D)
    return {"emb": emb, "num_new": _Q4_NEW, "batches": batches}


_Q4_OPTIMIZERS = {
    "AdamW(lr=0.1)": lambda params: torch.optim.AdamW(params, lr=0.1),
    "SGD(lr=0.05, momentum=0.9, weight_decay=0.01)":
        lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=0.01),
}


def _check_q4(answer) -> None:
    if not callable(answer) or isinstance(answer, nn.Module):
        raise Incorrect("answer with the function itself, e.g. `answer = grow_and_train` (no parentheses).")
    for opt_name, make_optimizer in _Q4_OPTIMIZERS.items():
        inputs = _q4_inputs()
        emb, batches = inputs["emb"], inputs["batches"]
        before = emb.weight.detach().clone()
        table = answer(emb, inputs["num_new"], batches, make_optimizer)
        if emb.weight.shape != before.shape or not torch.equal(emb.weight.detach(), before):
            raise Incorrect("your function changed `emb` itself; build a new, larger layer (grow_embedding copies).")
        if not isinstance(table, torch.Tensor):
            raise Incorrect(f"your function should return the trained table as a tensor; it returned "
                            f"{type(table).__name__} (a module's merged_weight() gives the table).")
        if tuple(table.shape) != (_Q4_V + _Q4_NEW, _Q4_D):
            raise Incorrect(f"your table has shape {tuple(table.shape)}; the grown table has "
                            f"{_Q4_V} old + {_Q4_NEW} new rows of {_Q4_D} numbers.")
        table = table.detach().cpu()
        moved = (table[:_Q4_V] != before).any(dim=1)
        if moved.any():
            raise Incorrect(f"under {opt_name}, {int(moved.sum())} of the {_Q4_V} old rows moved: the optimizer "
                            "still reaches them. Keep the old rows out of the optimizer's parameters.")
        targets = torch.stack([t[-_Q4_NEW:] for _, t in batches[:1]])[0]           # (new, D)
        start = before[1:].mean(0)                                                 # the mean row, (D,)
        trained = (table[_Q4_V:] - targets).pow(2).sum().item()
        untrained = (start - targets).pow(2).sum().item()
        if torch.isnan(table).any() or not trained < 0.25 * untrained:
            raise Incorrect(f"under {opt_name} the new rows did not learn their targets. Does the optimizer get the "
                            "new rows' Parameter, and does the loss go through the layer that holds it?")


q4 = Exercise(
    "q4",
    "After training, two new entities join the vocabulary. Write `grow_and_train(emb, num_new, batches, "
    "make_optimizer)`: grow the trained `nn.Embedding` `emb` by `num_new` rows, train **only the new rows** "
    "with `opt = make_optimizer(params)` on `batches` (a list of `(ids, targets)`, one step each, loss "
    "`((layer(ids) - targets) ** 2).sum()`), and return the whole trained table `(V + num_new, D)`. The check "
    "runs it with AdamW and with SGD + momentum + weight decay, and compares the old rows bit for bit "
    "(`q4 = ex.q4.inputs()` has an `emb` and `batches` to try it on).",
    check=_check_q4,
    inputs=_q4_inputs,
    hints=[
        "`grow_embedding(emb, num_new)` returns a new, larger `nn.Embedding` whose old rows are copies; the new "
        "rows' ids are `emb.num_embeddings, ..., emb.num_embeddings + num_new - 1`.",
        "`PartiallyFrozenEmbedding.from_embedding(grown, new_ids)` holds only those rows as a Parameter: give "
        "`layer.parameters()` to `make_optimizer`, and return `layer.merged_weight().detach()`.",
    ],
    solution="""from course_lib.freezing import PartiallyFrozenEmbedding, grow_embedding

def grow_and_train(emb, num_new, batches, make_optimizer):
    grown = grow_embedding(emb, num_new)                       # old rows copied bit for bit
    new_ids = list(range(emb.num_embeddings, grown.num_embeddings))
    layer = PartiallyFrozenEmbedding.from_embedding(grown, new_ids)
    opt = make_optimizer(layer.parameters())                   # only the (num_new, D) Parameter
    for ids, targets in batches:
        opt.zero_grad()
        ((layer(ids) - targets) ** 2).sum().backward()
        opt.step()
    return layer.merged_weight().detach()

answer = grow_and_train""",
    explanation="The optimizer holds one `(num_new, D)` Parameter, so AdamW's weight decay and SGD's momentum "
                "act on the new rows only. Zeroing the old rows' gradients instead would leave them in the "
                "optimizer, and both optimizers of the check would move them.",
)


# ---------------------------------------------------------------- q5: which rows to train
def _q5_inputs() -> dict:
    vocab = Vocab(["<pad>", "<unk>", "the", "film", "was", "superb", "dull", "bingeworthy", "meh"])
    words = ["the", "was", "film", "dull", "superb", "actor"]
    vectors = torch.randn(len(words), 3, generator=torch.Generator().manual_seed(5))
    return {"vocab": vocab, "words": words, "vectors": vectors}


def _check_q5(answer) -> None:
    if isinstance(answer, torch.Tensor) and answer.dtype == torch.bool:
        raise Incorrect("that is a mask; trainable_ids takes row ids (a mask m gives them as m.nonzero().flatten()).")
    got = as_int_set(answer, what="your trainable ids")
    if isinstance(answer, (list, tuple)) and len(answer) != len(got) or \
            isinstance(answer, torch.Tensor) and answer.numel() != len(got):
        raise Incorrect("your ids hold a row twice; PartiallyFrozenEmbedding takes each row once.")
    inputs = _q5_inputs()
    vocab, words = inputs["vocab"], set(inputs["words"])
    outside = sorted(i for i in got if not 0 <= i < len(vocab))
    if outside:
        raise Incorrect(f"id {outside[0]} is not a row: the vocabulary has ids 0 to {len(vocab) - 1}.")
    if 0 in got:
        raise Incorrect("your ids hold the padding row (id 0): it stays zero and never trains, and "
                        "PartiallyFrozenEmbedding refuses padding_idx among the trainable ids.")
    with_vector = sorted(i for i in got if vocab.tokens[i] in words)
    if with_vector:
        raise Incorrect(f"your ids hold {len(with_vector)} row(s) whose word has a pretrained vector; those are the "
                        "rows to keep frozen.")
    if 1 not in got:
        raise Incorrect("<unk> (id 1) has no pretrained vector either: it is a row the file lacks, like any other.")
    expected = {i for i, w in enumerate(vocab.tokens) if w not in words and i != 0}
    if got != expected:
        raise Incorrect("a word of the vocabulary that the file lacks is missing from your ids.")


q5 = Exercise(
    "q5",
    "The GloVe question itself: a task vocabulary `q5.vocab` and a vector file with words `q5.words` and vectors "
    "`q5.vectors`. Give the `trainable_ids` for `PartiallyFrozenEmbedding(weight, trainable_ids, padding_idx=0)`: "
    "every row whose word has no vector in the file, except the padding row. Answer with a list, a set or a "
    "LongTensor of ids (`q5 = ex.q5.inputs()`).",
    check=_check_q5,
    inputs=_q5_inputs,
    hints=[
        "`weight, found = align(q5.vocab, q5.words, q5.vectors)` (lesson 04) says which rows came from the file.",
        "`found` is a mask; the trainable rows are where it is False, less the padding row, which align counts as "
        "not found.",
    ],
    solution="""from course_lib.vectors import align

weight, found = align(q5.vocab, q5.words, q5.vectors)
answer = [i for i in range(len(q5.vocab)) if not found[i] and i != q5.vocab.pad_id]""",
    explanation="Rows 1 (<unk>), 7 (bingeworthy) and 8 (meh) have no vector: they train. 'actor' is in the file "
                "but not in the vocabulary, so it has no row at all. `found` counts <pad> as not found because "
                "align sets it to zeros; as padding_idx it must stay out of the trainable ids.",
)
