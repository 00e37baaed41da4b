"""Exercises of notebooks/05_pretrained_vectors.ipynb."""
from __future__ import annotations

import torch

from ..vocab import Vocab
from . import Exercise, Incorrect, as_int_set, expect_close, expect_type
from .._util import is_int

__all__ = ["q1", "q2", "q3"]


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
    if tuned == table - 64 + head:
        raise Incorrect("your fine-tuned count leaves out the `<pad>` row: the `<pad>` row's numbers are trainable "
                        "too; they just always get a zero gradient (padding_idx).")
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


# ---------------------------------------------------------------- q3: the state after the last word
def _q3_inputs() -> dict:
    ids = torch.tensor([[4, 9, 2, 7, 5, 3],       # 6 words: the longest sentence
                        [8, 6, 2, 0, 0, 0],       # 3 words, then 3 pads
                        [5, 0, 0, 0, 0, 0],       # 1 word
                        [3, 3, 8, 1, 0, 0]])      # 4 words
    return {"ids": ids, "outputs": torch.randn(4, 6, 3, generator=torch.Generator().manual_seed(3))}


def _q3_cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(outputs, ids) batches the answer must handle: the question's, one with two full-length
    sentences and H = 2, and one without any padding."""
    gen = torch.Generator().manual_seed(33)
    q3 = _q3_inputs()
    other = torch.tensor([[6, 2, 0, 0, 0], [1, 4, 4, 9, 7], [2, 8, 3, 5, 6]])
    full = torch.tensor([[3, 1, 4, 1], [5, 9, 2, 6]])
    return [(q3["outputs"], q3["ids"]), (torch.randn(3, 5, 2, generator=gen), other),
            (torch.randn(2, 4, 5, generator=gen), full)]


def _reads_one_past(answer, outputs: torch.Tensor, ids: torch.Tensor) -> bool:
    """Whether ``answer`` returns ``outputs[b, lengths[b]]``, the position just after each sentence's last word:
    tried on the same batch with one more pad column, where that position exists for every sentence."""
    B, T, H = outputs.shape
    extra = torch.randn(B, 1, H, generator=torch.Generator().manual_seed(5))
    longer, padded = torch.cat([outputs, extra], dim=1), torch.cat([ids, torch.zeros(B, 1, dtype=ids.dtype)], dim=1)
    try:
        got = answer(longer.clone(), padded.clone())
        return (isinstance(got, torch.Tensor) and tuple(got.shape) == (B, H)
                and torch.allclose(got.detach().to(longer.dtype), longer[torch.arange(B), (ids != 0).sum(dim=1)]))
    except Exception:  # the answer fails here too: it is not this mistake
        return False


def _check_q3(answer) -> None:
    if not callable(answer):
        raise Incorrect("answer with the function itself, e.g. `answer = last_state` (no parentheses).")
    for outputs, ids in _q3_cases():
        B, T, H = outputs.shape
        lengths = (ids != 0).sum(dim=1)
        try:
            got = answer(outputs.clone(), ids.clone())
        except IndexError as err:
            full = next((b for b in range(B) if int(lengths[b]) == T), None)
            if full is None or not _reads_one_past(answer, outputs, ids):
                raise                                # another bug: reported as the learner's crash, with its line
            raise Incorrect(f"your function raised IndexError ({err}) on a batch where sentence {full} has "
                            f"{T} words and no pads: it reads the position just after each sentence's last "
                            "word, which that sentence does not have. Positions count from 0, so a sentence of "
                            "n words has its last word at position n - 1.") from None
        what = f"for outputs of shape {(B, T, H)}, your function"
        expect_type(got, torch.Tensor, "your function to return a (B, H) tensor")
        if tuple(got.shape) != (B, H):
            raise Incorrect(f"{what} returned shape {tuple(got.shape)}; it should return one state per sentence, "
                            f"shape (B, H) = {(B, H)}.")
        for b in range(B):
            n, row = int(lengths[b]), got[b].detach().to(outputs.dtype)
            if torch.allclose(row, outputs[b, n - 1]):
                continue
            same = [t for t in range(T) if torch.allclose(row, outputs[b, t])]
            if same and same[0] >= n:
                raise Incorrect(f"row {b} of your result is outputs[{b}, {same[0]}], the state after a pad: "
                                f"sentence {b} has {n} word(s) and {T - n} pad(s), and the GRU reads pads as "
                                "words.")
            if same:
                raise Incorrect(f"row {b} of your result is outputs[{b}, {same[0]}], the state after word "
                                f"{same[0] + 1} of sentence {b}, which has {n} words: it has not read the end.")
            raise Incorrect(f"row {b} of your result is none of the states outputs[{b}, t]; return one state per "
                            "sentence, not a mean or a mix of them.")
        expect_close(got, outputs[torch.arange(B), lengths - 1], what=f"{what}'s result")


q3 = Exercise(
    "q3",
    "`q3.outputs` holds a GRU's outputs `(B, T, H)` for the right-padded batch `q3.ids` `(B, T)`, pad id 0: "
    "`outputs[b, t]` is the state after position `t`. Write `last_state(outputs, ids)` that returns the `(B, H)` "
    "states after each sentence's **last word**, and answer with the function (the check also runs it on other "
    "batches; `q3 = ex.q3.inputs()`).",
    check=_check_q3,
    inputs=_q3_inputs,
    hints=["Where does the last word of a sentence of n words sit, when its pads come after it? "
           "`outputs[:, -1]` is the state after the last *column*.",
           "`(ids != 0).sum(dim=1)` counts each sentence's words; `outputs[torch.arange(B), positions]` picks "
           "one position per sentence."],
    solution="""def last_state(outputs, ids):
    lengths = (ids != 0).sum(dim=1)                       # (B,) words per sentence
    return outputs[torch.arange(len(ids)), lengths - 1]   # (B, H): the state after word lengths[b]

answer = last_state""",
    explanation="`outputs[:, -1]` is right only for the batch's longest sentences; for the others it is the state "
                "after the pads, which the GRU has read as words (zero vectors). `RecurrentClassifier` makes the "
                "same choice, with the zero initial state in front so that an empty sentence reads as zeros. "
                "`nn.utils.rnn.pack_padded_sequence` is the other way: the GRU then stops at each sentence's "
                "length, and its `h_n` is this state.",
)
