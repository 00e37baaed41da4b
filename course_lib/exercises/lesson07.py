"""Exercises of notebooks/07_soft_prompts.ipynb.

q1 to q3 are the bugs of widely copied soft-prompt code (a hard-coded shape, an init from the
first P rows, a generation loop that loses the prompt); q4 to q6 are the readout, the
parameter count and the two accuracies of the lesson. Every input is built here, on the CPU,
from its own seeded generator, so the global random state of the notebook is left alone.
"""
from __future__ import annotations

import inspect
import math

import torch
from torch import nn

from ..lm import EOS, load_tiny_lm, lm_vocab
from ..models import TinyLM, TinyLMConfig
from ..prompts import PromptTunedModel, generate
from ..vocab import Vocab
from . import Exercise, Incorrect, as_number, expect_type
from .._util import is_int, is_number

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6"]

_SPECIALS = ("<pad>", "<unk>", EOS)


def _tiny_lm(vocab_size: int = 443, d_model: int = 64, seed: int = 0) -> TinyLM:
    """A fresh, untrained TinyLM, built without touching the global random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return TinyLM(TinyLMConfig(vocab_size=vocab_size, d_model=d_model)).eval()


def _as_printed(value: float, exact: float) -> bool:
    """Whether ``value`` is ``exact``, or ``exact`` rounded to 2 to 6 significant digits (as a lesson prints it)."""
    if math.isclose(value, exact, rel_tol=1e-3):
        return True
    return any(value == float(f"{exact:.{digits}g}") for digits in range(2, 7))


def _expect_function(answer, example: str) -> None:
    if not callable(answer) or isinstance(answer, (nn.Module, torch.Tensor)):
        raise Incorrect(f"answer with the function itself, e.g. `answer = {example}` (no parentheses).")


# ---------------------------------------------------------------- q1: a shape read from the model
COPIED_INIT = """\
class SoftPrompt(nn.Module):
    def __init__(self):
        super().__init__()
        self.prompt = nn.Parameter(torch.rand(2, 10) - 0.5)   # 2 virtual tokens of width 10"""


def _q1_inputs() -> dict:
    return {"snippet": COPIED_INIT, "base": _tiny_lm()}


def _q1_call(answer, base, P, seed):
    prompt = answer(base, P, torch.Generator().manual_seed(seed))
    if isinstance(prompt, nn.Module):
        raise Incorrect(f"your function returned a module ({type(prompt).__name__}); return the nn.Parameter "
                        "itself, the (P, D) table of prompt vectors.")
    expect_type(prompt, torch.Tensor, "an nn.Parameter of shape (P, D)")
    return prompt


def _q1_shape(prompt, base, P) -> None:
    V, D = base.get_input_embeddings().weight.shape
    got = tuple(prompt.shape)
    if got == (P, D):
        return
    if got == (2, 10):
        raise Incorrect("your prompt has shape (2, 10): the shape was copied, not read from the model. Its rows "
                        "must be as wide as the model's input embeddings, and there is one row per virtual token.")
    if got == (D, P):
        raise Incorrect(f"your prompt has shape {got}: the right sizes in the wrong order. One row per virtual "
                        "token, each row as wide as a word vector, so it can stand in front of the word vectors.")
    if got == (P, V):
        raise Incorrect(f"your prompt is {V} wide: that is the vocabulary size (the table's rows). A prompt vector "
                        "is as wide as one row of the table.")
    if len(got) == 3 and got[1:] == (P, D):
        raise Incorrect(f"your prompt has shape {got}: keep the Parameter (P, D), one vector per virtual token; "
                        "the batch dimension is added in forward (prompt.expand(B, -1, -1)).")
    if len(got) == 2 and got[0] == P and got[1] != D:
        raise Incorrect(f"on a model whose word vectors are {D} wide your prompt is {got[1]} wide: that width was "
                        "typed in or read from another model (q1.base), not from the base_model your function is "
                        "given (base_model.get_input_embeddings()).")
    raise Incorrect(f"on a model with {D}-wide word vectors and {P} virtual tokens your prompt has shape {got}; "
                    "it should be (number of virtual tokens, width of a word vector).")


def _q1_uniform(answer, base) -> None:
    """Many draws at once: their empirical CDF must follow U(-0.5, 0.5)'s (a Kolmogorov-Smirnov bound).

    A clipped normal of the right spread has the right range, mean and almost the right standard
    deviation; only the shape of the distribution tells it apart.
    """
    values = _q1_call(answer, base, 200, seed=3).detach().cpu().double().flatten().sort().values  # (200 D,)
    n = values.numel()
    cdf = values + 0.5                                                       # U(-0.5, 0.5)'s CDF at each value
    steps = torch.arange(1, n + 1, dtype=torch.float64) / n
    gap = torch.maximum((steps - cdf).abs(), (steps - 1 / n - cdf).abs()).max().item()
    if gap > 2.5 / math.sqrt(n):                                             # a false alarm about once in 10^5
        raise Incorrect(f"your values stay in (-0.5, 0.5) but are not spread evenly: {gap:.0%} of them sit on the "
                        "wrong side of some point compared with U(-0.5, 0.5) (a clipped or squeezed normal?). Draw "
                        "them with torch.rand.")


def _check_q1(answer) -> None:
    _expect_function(answer, "make_prompt")
    small = _tiny_lm(vocab_size=50, d_model=32, seed=1)
    for base, P in ((_tiny_lm(), 20), (small, 7)):
        table_before = base.get_input_embeddings().weight.detach().clone()
        prompt = _q1_call(answer, base, P, seed=0)
        _q1_shape(prompt, base, P)
        if not isinstance(prompt, nn.Parameter):
            raise Incorrect("your function returns a plain tensor: a module keeps only nn.Parameter attributes in "
                            "parameters(), so an optimizer would never see it. Wrap it in nn.Parameter.")
        if not prompt.requires_grad:
            raise Incorrect("your Parameter has requires_grad=False: the prompt is the one thing that trains.")
        if not prompt.is_floating_point():
            raise Incorrect(f"your prompt holds {prompt.dtype}; prompt vectors are floats like the word vectors.")
        values = prompt.detach().cpu().float()
        table = table_before.cpu()
        if any(bool((table == row).all(dim=1).any()) for row in values):
            raise Incorrect("your prompt copies rows of the embedding table (a vocab init); this exercise asks for "
                            "the random init, U(-0.5, 0.5).")
        if values.min() >= 0:
            raise Incorrect("every value of your prompt is >= 0: torch.rand draws from U(0, 1), so the snippet "
                            "shifts it to centre it on 0.")
        if values.abs().max() > 0.5:
            raise Incorrect(f"your prompt has values up to {values.abs().max().item():.2f} in size; U(-0.5, 0.5) "
                            "stays within 0.5 (torch.randn draws N(0, 1), which does not).")
        if not 0.25 < values.std().item() < 0.33 or values.abs().max() < 0.4:
            raise Incorrect(f"your values have standard deviation {values.std().item():.3f}; U(-0.5, 0.5) has "
                            "1 / sqrt(12) = 0.289, spread evenly between -0.5 and 0.5.")
        again = _q1_call(answer, base, P, seed=0).detach().cpu()
        other = _q1_call(answer, base, P, seed=1).detach().cpu()
        if not torch.equal(again, values.to(again.dtype)):
            raise Incorrect("two calls with generators of the same seed gave different prompts: draw the numbers "
                            "with the generator you are given (torch.rand(..., generator=generator)).")
        if torch.equal(other, again):
            raise Incorrect("generators of different seeds gave the same prompt: draw the numbers from the "
                            "generator, so that each seed gives its own prompt.")
        _q1_uniform(answer, base)
        with torch.no_grad():
            ids = torch.tensor([[3, 5, 7]])
            embeds = base.get_input_embeddings()(ids)                              # (1, 3, D)
            front = prompt.detach().to(embeds.dtype).unsqueeze(0)                  # (1, P, D)
            logits = base(inputs_embeds=torch.cat([front, embeds], dim=1)).logits  # (1, P + 3, V)
        if tuple(logits.shape) != (1, P + 3, base.config.vocab_size):  # pragma: no cover - the shape is checked
            raise Incorrect("your prompt does not fit in front of the word vectors.")


q1 = Exercise(
    "q1",
    "`q1.snippet` is a soft prompt copied from a tutorial: its shape `(2, 10)` suited the author's model, not "
    "ours. Write `make_prompt(base_model, num_virtual_tokens, generator)` that returns the prompt as an "
    "`nn.Parameter` of shape `(P, D)`, with D read from `base_model` and values drawn from U(-0.5, 0.5) with "
    "`generator`. The check calls it on two TinyLMs of different widths and puts the prompt in front of their "
    "word vectors (`q1.base` is one to try it on).",
    check=_check_q1,
    inputs=_q1_inputs,
    hints=[
        "Hugging Face models and the TinyLM both have `get_input_embeddings()`, the `nn.Embedding` whose rows "
        "the prompt stands in front of. What does that layer know about its width?",
        "`base_model.get_input_embeddings().embedding_dim` is D; `torch.rand(P, D, generator=generator) - 0.5` is "
        "U(-0.5, 0.5).",
    ],
    solution="""def make_prompt(base_model, num_virtual_tokens, generator):
    D = base_model.get_input_embeddings().embedding_dim                    # read from the model, never typed in
    values = torch.rand(num_virtual_tokens, D, generator=generator) - 0.5  # U(-0.5, 0.5)
    return nn.Parameter(values)                                            # (P, D), requires_grad=True

answer = make_prompt""",
    explanation="The prompt vectors are concatenated with the word vectors along the sequence dimension, so their "
                "last dimension must be the model's D: 64 for the TinyLM, 768 for GPT-2 small. Any number typed "
                "into the code is right for one model only. `PromptTunedModel` reads it the same way, from "
                "`get_input_embeddings().weight.shape[1]`.",
)


# ---------------------------------------------------------------- q2: which rows a vocab init draws
COPIED_VOCAB_INIT = """\
table = base_model.get_input_embeddings().weight          # (V, D)
self.prompt = nn.Parameter(table[:num_virtual_tokens].clone())   # "initialise from the vocabulary\""""


def _q2_inputs() -> dict:
    return {"snippet": COPIED_VOCAB_INIT, "vocab": lm_vocab()}


def _q2_small_vocab() -> Vocab:
    return Vocab(["<pad>", "<unk>", "we", "it", "was", "good", "bad", "soup", "rain", "calm", EOS])


def _q2_call(answer, vocab, P, seed) -> list[int]:
    ids = answer(vocab, P, torch.Generator().manual_seed(seed))
    if isinstance(ids, torch.Tensor):
        if ids.is_floating_point() or ids.dtype == torch.bool:
            raise Incorrect(f"your function returned a tensor of {ids.dtype}; return the ids, integers "
                            "(a LongTensor or a list of ints).")
        if ids.dim() != 1:
            raise Incorrect(f"your function returned a tensor of shape {tuple(ids.shape)}; return one id per "
                            "virtual token, shape (P,).")
        ids = ids.tolist()
    expect_type(ids, (list, tuple), "a LongTensor or a list of P ids")
    if not all(is_int(i) for i in ids):
        raise Incorrect("your function should return ids (whole numbers), not words or vectors.")
    return list(ids)


def _q2_specials(vocab: Vocab) -> dict[int, str]:
    return {vocab[w]: w for w in _SPECIALS if w in vocab}


def _q2_judge(ids: list[int], voc: Vocab, P: int) -> None:
    """Raise :class:`Incorrect` unless ``ids`` is a sound draw of ``P`` ids from ``voc``'s real words."""
    special = _q2_specials(voc)
    real = [i for i in range(len(voc)) if i not in special]
    if len(ids) != P:
        raise Incorrect(f"asked for {P} virtual tokens, your function returned {len(ids)} ids: one per token.")
    outside = [i for i in ids if not 0 <= i < len(voc)]
    if outside:
        raise Incorrect(f"id {outside[0]} is not a row: this vocabulary has ids 0 to {len(voc) - 1} (read its "
                        "size from the vocab you are given).")
    if P < len(real) and ids == list(range(P)):
        raise Incorrect(f"those are the first {P} rows: in this vocabulary that is <pad> and <unk>, which the "
                        "language model never read, then the most frequent words (the vocabulary is sorted by "
                        "count: print(q2.vocab.tokens[:8])). The prompt would start as padding, unknown and "
                        "stop words, and as the same words in every run.")
    if P < len(real) and ids == real[:P]:
        raise Incorrect(f"those are the {P} most frequent words ('we', 'and', 'it', 'the', ...): stop words, "
                        "the same in every run, and a small corner of the table. Sample from all of it.")
    bad = [special[i] for i in ids if i in special]
    if bad:
        why = ("the separator between sentences, not a word" if bad[0] == EOS else
               "a row the language model never read: no sentence of its corpus contains it")
        raise Incorrect(f"your ids can include {bad[0]}, {why}. Draw from the real words only.")
    if len(set(ids)) != len(ids):
        raise Incorrect("your ids hold the same row twice: two virtual tokens would start as the same vector. "
                        "Draw without replacement (torch.randperm).")


def _check_q2(answer) -> None:
    _expect_function(answer, "vocab_init_ids")
    for voc, P in ((lm_vocab(), 20), (_q2_small_vocab(), 5)):
        ids = _q2_call(answer, voc, P, seed=0)
        _q2_judge(ids, voc, P)
        if _q2_call(answer, voc, P, seed=0) != ids:
            raise Incorrect("two calls with generators of the same seed drew different ids: draw with the "
                            "generator you are given, so a run can be repeated.")
        if _q2_call(answer, voc, P, seed=1) == ids:
            raise Incorrect("generators of different seeds drew the same ids: the draw should come from the "
                            "generator.")
        real = [i for i in range(len(voc)) if i not in _q2_specials(voc)]
        every = _q2_call(answer, voc, len(real), seed=2)                   # as many ids as there are real words
        _q2_judge(every, voc, len(real))
        if sorted(every) != real:  # pragma: no cover - the judge above already rules this out
            raise Incorrect(f"asked for all {len(real)} real words at once, your function missed some.")


q2 = Exercise(
    "q2",
    "`q2.snippet` starts a prompt from the first P rows of the table, a common \"vocab init\". Write "
    "`vocab_init_ids(vocab, num_virtual_tokens, generator)` that returns the P ids a sound vocab init copies: "
    "P **different** ids drawn at random, with `generator`, from the real words of `vocab` (every id but "
    "`<pad>`, `<unk>` and `<eos>`). The check calls it on `q2.vocab` and on a small vocabulary.",
    check=_check_q2,
    inputs=_q2_inputs,
    hints=[
        "Look at the rows the snippet copies: `print(q2.vocab.tokens[:8])`. How was the vocabulary sorted?",
        "Make a tensor of the allowed ids, then pick P of them with `torch.randperm(n, generator=generator)[:P]`, "
        "which never picks one twice.",
    ],
    solution="""def vocab_init_ids(vocab, num_virtual_tokens, generator):
    special = {vocab["<pad>"], vocab["<unk>"], vocab["<eos>"]}
    words = torch.tensor([i for i in range(len(vocab)) if i not in special])     # the real words' ids
    pick = torch.randperm(len(words), generator=generator)[:num_virtual_tokens]  # P different, at random
    return words[pick]

answer = vocab_init_ids""",
    explanation="The course vocabulary, like most, is sorted by frequency after its special tokens, so its first "
                "rows are `<pad>` and `<unk>` (which never occur in the TinyLM's corpus, so their rows were never "
                "read as input) and then 'we', 'and', 'it', 'the'. A sample of real words starts the prompt among "
                "the vectors the model knows, a different sample for each seed.",
)


# ---------------------------------------------------------------- q3: generation that keeps the prompt
@torch.no_grad()
def buggy_greedy(model, ids, n):
    """Greedy decoding as a copied loop does it: the prompt model once, then the base model alone."""
    logits = model(input_ids=ids).logits                                    # (B, P + T, V): prompt in front
    ids = torch.cat([ids, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    for _ in range(n - 1):
        logits = model.base_model(input_ids=ids).logits                     # (B, T + 1, V)
        ids = torch.cat([ids, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    return ids


BUGGY_GREEDY = inspect.getsource(buggy_greedy)
_Q3_CASES = (("it was bad and we felt tired <eos>", ["it was", "we talked"], 8),
             ("we ate soup for feast and we felt cheerful because it was good <eos>", ["we talked", "it was"], 6))


def _q3_case(text: str, starts: list[str], n: int) -> dict:
    with torch.random.fork_rng(devices=[]):                                # TinyLM() draws an init first
        base, vocab = load_tiny_lm()
    model = PromptTunedModel(base, len(text.split()), "text", init_token_ids=vocab.encode(text)).eval()
    ids = torch.stack([vocab.encode(s) for s in starts])                    # (B, T), no padding
    return {"model": model, "vocab": vocab, "ids": ids, "n": n, "prompt_text": text}


def _q3_inputs() -> dict:
    return {**_q3_case(*_Q3_CASES[0]), "buggy_greedy": buggy_greedy, "buggy_code": BUGGY_GREEDY}


@torch.no_grad()
def _greedy_reading(model, ids, n, where):
    for _ in range(n):
        logits = model(input_ids=ids).logits
        ids = torch.cat([ids, logits[:, where(ids)].argmax(dim=-1, keepdim=True)], dim=1)
    return ids


def _q3_mistakes(model, ids, n) -> dict[str, torch.Tensor]:
    return {
        "prompt_once": buggy_greedy(model, ids, n),
        "no_prompt": generate(model.base_model, ids, n),
        "reads_inside_prompt": _greedy_reading(model, ids, n, lambda cur: cur.shape[1] - 1),
    }


def _check_q3(answer) -> None:
    _expect_function(answer, "greedy")
    for k, case in enumerate(_Q3_CASES):
        inputs = _q3_case(*case)
        model, ids, n = inputs["model"], inputs["ids"], inputs["n"]
        given = ids.clone()
        expected = generate(model, ids, n)                                   # (B, T + n)
        got = answer(model, given, n)
        if not torch.equal(given, ids):
            raise Incorrect("your function changed the ids it was given in place; build new tensors (torch.cat).")
        expect_type(got, torch.Tensor, "a LongTensor of ids, shape (B, T + n)")
        B, T = ids.shape
        if got.is_floating_point():
            raise Incorrect(f"your function returned {got.dtype} values; return ids (argmax gives them).")
        got = got.detach().cpu()
        if tuple(got.shape) == (B, n):
            raise Incorrect("your function returned only the new tokens; return the input ids followed by them, "
                            "shape (B, T + n), as generate does.")
        if got.dim() != 2 or got.shape[0] != B:
            raise Incorrect(f"your function returned shape {tuple(got.shape)}; the ids and the new tokens are "
                            f"(B, T + n) = {(B, T + n)}.")
        if got.shape[1] != T + n:
            raise Incorrect(f"your function returned {got.shape[1]} ids per row; the T = {T} input ids and the "
                            f"n = {n} new tokens make {T + n}.")
        if not torch.equal(got[:, :T], ids):
            raise Incorrect("the first T ids of your result are not the input: keep the input and append.")
        if torch.equal(got, expected):
            continue
        mistakes = _q3_mistakes(model, ids, n)
        if torch.equal(got, mistakes["prompt_once"]):
            raise Incorrect("your first new token is right, but from the second token on the prompt is gone: "
                            "the later steps run a model that has no prompt in front.")
        if torch.equal(got, mistakes["no_prompt"]):
            raise Incorrect("your tokens are those of the base model alone: the prompt is never in front. Every "
                            "step must run the prompt-tuned model.")
        if torch.equal(got, mistakes["reads_inside_prompt"]):
            raise Incorrect("you read the scores at the position of the last input id counted without the prompt; "
                            "the logits have P + T positions, and the next token's scores are at the last one.")
        if k > 0 and torch.equal(got, generate(_q3_case(*_Q3_CASES[0])["model"], ids, n)):
            raise Incorrect("on the second prompt your tokens are those of the first prompt's model: your function "
                            "runs a model of its own (q3.model?) instead of the `model` it is given.")
        first = int((got[:, T:] != expected[:, T:]).any(dim=0).nonzero()[0])
        raise Incorrect(f"your new token number {first + 1} differs from greedy decoding with the prompt: at every "
                        "step, run the whole prompt-tuned model on everything so far and take the argmax of the "
                        "last position.")


q3 = Exercise(
    "q3",
    "`q3.buggy_greedy` (its code is `q3.buggy_code`) is a copied greedy-decoding loop. Run it on `q3.model`, a "
    "`PromptTunedModel` whose prompt vectors are copies of the word vectors of `q3.prompt_text`, and compare "
    "with `generate(q3.model, q3.ids, q3.n)`. Then write `greedy(model, ids, n)` that appends the `n` most "
    "likely next tokens one at a time, with the prompt in front at every step, and returns the ids of shape "
    "`(B, T + n)`. It is checked against `course_lib.prompts.generate` on two prompts.",
    check=_check_q3,
    inputs=_q3_inputs,
    hints=[
        "Decode `q3.buggy_greedy(q3.model, q3.ids, q3.n)` and `generate(...)` with `q3.vocab.decode(row)`: "
        "which token is the first to differ, and which model made it?",
        "Call `model(input_ids=ids)` at every step: it puts the prompt in front. The next token's scores are at "
        "`logits[:, -1]`, whatever P is.",
    ],
    solution="""@torch.no_grad()
def greedy(model, ids, n):
    for _ in range(n):
        logits = model(input_ids=ids).logits                    # (B, P + T, V): the prompt in front, every step
        next_id = logits[:, -1].argmax(dim=-1, keepdim=True)    # (B, 1): the scores after the last token
        ids = torch.cat([ids, next_id], dim=1)                  # (B, T + 1)
    return ids

answer = greedy""",
    explanation="The prompt has no ids: it exists only inside the `PromptTunedModel`'s forward. A loop that "
                "switches to `model.base_model` (or keeps a key/value cache built without the prompt, or cuts the "
                "first P positions out of a cache) decodes every later token without it. Running the whole model "
                "at every step costs more but cannot lose the prompt; a cache is a speed-up, to be tested against "
                "this loop.",
)


# ---------------------------------------------------------------- q4: where the label word is read
_Q4_P, _Q4_T, _Q4_V = 3, 6, 7
_Q4_LENGTHS = (5, 2, 4, 3)


def _q4_inputs() -> dict:
    gen = torch.Generator().manual_seed(4)
    lengths = torch.tensor(_Q4_LENGTHS)
    B = len(lengths)
    logits = torch.randn(B, _Q4_P + _Q4_T, _Q4_V, generator=gen)             # (B, P + T, V)
    mask = (torch.arange(_Q4_T) < lengths[:, None]).long()                    # (B, T): 1 for a real word
    return {"logits": logits, "lengths": lengths, "P": _Q4_P, "attention_mask": mask}


def _q4_positions(answer, logits) -> list[int]:
    B, L, V = logits.shape
    if not answer.is_floating_point():
        if tuple(answer.shape) != (B,):
            raise Incorrect(f"your tensor of positions has shape {tuple(answer.shape)}; give one per row, (B,), "
                            "or the (B, V) scores.")
        return answer.tolist()
    if tuple(answer.shape) == (B, B, V):
        raise Incorrect("your answer has shape (B, B, V): logits[:, where] reads every row at every row's "
                        "position. Pair row i with where[i]: logits[torch.arange(B), where].")
    if tuple(answer.shape) != (B, V):
        raise Incorrect(f"your answer has shape {tuple(answer.shape)}; the scores of the next word for each row "
                        f"are (B, V) = {(B, V)}.")
    positions = []
    for i in range(B):
        hits = [t for t in range(L) if torch.allclose(answer[i].detach().float().cpu(), logits[i, t])]
        if not hits:
            raise Incorrect(f"row {i} of your answer is none of the positions of logits[{i}]: give the raw "
                            "scores (no softmax), read at one position per row.")
        positions.append(hits[0])
    return positions


def _check_q4(answer) -> None:
    inputs = _q4_inputs()
    logits, lengths, P = inputs["logits"], inputs["lengths"], inputs["P"]
    B, _, V = logits.shape
    if isinstance(answer, (list, tuple)) and len(answer) == B:
        if all(isinstance(a, torch.Tensor) and tuple(a.shape) == (V,) for a in answer):
            answer = torch.stack(list(answer))                     # a list of the B rows of scores
        elif all(is_int(as_number(a)) for a in answer):
            answer = torch.tensor([as_number(a) for a in answer])   # the B positions as a list
    expect_type(answer, torch.Tensor, "a (B, V) tensor of scores (or the (B,) positions)")
    if tuple(answer.shape) == (B, 1, V):
        answer = answer[:, 0]                                      # gather(...) keeps a dimension of 1
    T = logits.shape[1] - P
    got = _q4_positions(answer.detach().cpu(), logits)
    formulas = {
        "right": (P + lengths - 1).tolist(),
        "no_prompt": (lengths - 1).tolist(),
        "padding": [P + T - 1] * len(lengths),
        "after": (P + lengths).tolist(),
        "before": (P + lengths - 2).tolist(),
        "no_prompt_after": lengths.tolist(),
        "prompt_end": [P - 1] * len(lengths),
    }
    if got == formulas["right"]:
        return
    messages = {
        "no_prompt": "you read each row where its last word is without a prompt: the logits start with P positions "
                     "of the prompt, so every word sits P positions later.",
        "padding": "you read the last position of every row: in the shorter rows that is padding. Read each row "
                   "where its own real words end.",
        "after": "one position too far: a row's next-word scores sit at the position of its last real word, not "
                 "one after it.",
        "before": "one position too early: you read the scores at the second-to-last real word.",
        "no_prompt_after": "you read at L_i, which forgets the P prompt positions and is also one position too far.",
        "prompt_end": "you read every row at the last prompt position, before any word of the row: the scores "
                      "there guess the first word, not the label.",
    }
    for name, message in messages.items():
        if got == formulas[name]:
            raise Incorrect(message)
    wrong = [i for i, (g, r) in enumerate(zip(got, formulas["right"])) if g != r]
    raise Incorrect(f"row(s) {wrong} are read at the wrong position: count the P prompt positions, then the row's "
                    "real words, and read at the last of them.")


q4 = Exercise(
    "q4",
    "A `PromptTunedModel` with P = `q4.P` prompt vectors read a batch of right-padded rows; `q4.logits` is its "
    "output, shape `(B, P + T, V)`, and `q4.lengths` the number of real words of each row. Answer with the "
    "`(B, V)` scores the verbalizer reads: for each row, the next-word scores after its last real word.",
    check=_check_q4,
    inputs=_q4_inputs,
    hints=[
        "Without a prompt, the scores after the last real word of row i are at position `lengths[i] - 1`. What "
        "does the prompt in front change?",
        "Compute the (B,) positions `where`, then take one position per row with "
        "`q4.logits[torch.arange(B), where]`.",
    ],
    solution="""B = q4.logits.shape[0]
where = q4.P + q4.lengths - 1                     # (B,): the last real word, after the P prompt positions
answer = q4.logits[torch.arange(B), where]        # (B, V): row i read at where[i]""",
    explanation="Position P + L_i - 1 holds row i's last real word, and a causal model's output there is its "
                "guess for the next token. `readout_logits` in `course_lib.prompt_tasks` computes the same "
                "positions from the right (`logits.shape[1] - T + lengths - 1`), so it works with and without a "
                "prompt. `logits[:, -1]` is only right for the longest rows: the others would be read after "
                "their padding.",
)


# ---------------------------------------------------------------- q5: how many numbers train
_Q5_P = 20


def _q5_inputs() -> dict:
    base = _tiny_lm()
    model = PromptTunedModel(base, _Q5_P, generator=torch.Generator().manual_seed(5))
    return {"model": model}


def _q5_numbers():
    inputs = _q5_inputs()
    model = inputs["model"]
    prompt = model.soft_prompt.weight.numel()                                 # P x D
    base = sum(p.numel() for p in model.base_model.parameters())              # tied table once
    table = model.base_model.get_input_embeddings().weight.numel()            # V x D
    return prompt, base, table


def _as_number(x, which: str):
    x = as_number(x)
    if isinstance(x, str):
        raise Incorrect(f"your {which} is the text {x!r}; give it as a number, e.g. 0.5 for half a percent.")
    if not is_number(x):
        raise Incorrect("answer with two numbers: (percent, number_of_bytes).")
    return x


def _check_q5(answer) -> None:
    if isinstance(answer, torch.Tensor) and answer.dim() == 1:
        answer = answer.tolist()                                     # torch.tensor([percent, bytes]) is a pair too
    expect_type(answer, (tuple, list), "a pair (percent, number_of_bytes), e.g. (2.5, 1000)")
    if len(answer) != 2:
        raise Incorrect("answer with two numbers: (percent, number_of_bytes).")
    percent, size = _as_number(answer[0], "percent"), _as_number(answer[1], "size")
    prompt, base, table = _q5_numbers()
    right = 100 * prompt / base

    def near(a, b):                                                  # exact, or b rounded as the lesson prints it
        return _as_printed(a, b)

    if near(percent, prompt * 4) and near(size, right):
        raise Incorrect("you have both numbers, in the wrong order: the percent comes first.")
    percent_mistakes = {
        prompt / base: "a fraction, not a percent: multiply by 100.",
        100 * prompt / (base + prompt): "you divided by the base plus the prompt; full fine-tuning trains the "
                                        "TinyLM's own numbers, with no prompt.",
        100 * prompt / (base + table): "you counted the tied table twice: lm_head.weight is wte.weight, one "
                                       "tensor (model.parameters() yields it once, state_dict() lists it twice).",
        100 * prompt / (base - table): "you left the token table out of full fine-tuning; it trains too (it is "
                                       "the input table and, tied, the output layer).",
        100 * (base + prompt) / base: "you counted the frozen base as trainable: keep only the parameters with "
                                      "requires_grad.",
        100 * base / prompt: "you divided the other way round: the prompt's numbers over full fine-tuning's.",
    }
    if not near(percent, right):
        if percent == math.floor(right * 100) / 100:
            raise Incorrect(f"your percent, {percent}, is cut off after two decimals; round it instead (or keep "
                            "every digit).")
        for value, message in percent_mistakes.items():
            if near(percent, value):
                raise Incorrect(f"your percent: {message}")
        if percent == round(right):
            raise Incorrect(f"your percent, {percent}, is rounded to a whole number: keep two significant digits "
                            "at least (the lesson prints it to two decimals).")
        raise Incorrect("your percent is off: count the numbers that train with the prompt and those that train "
                        "in full fine-tuning (every TinyLM parameter, once each).")
    size_mistakes = {
        prompt: "a count of numbers, not bytes: a float32 takes 4.",
        prompt * 8: "float64 sizes; the prompt is float32.",
        (base + prompt) * 4: "the whole model; save_prompt stores the prompt alone.",
        base * 4: "the base model's size; save_prompt stores the prompt alone.",
        prompt * 4 * 3: "the prompt with Adam's two running averages; the file holds the weight alone.",
    }
    if size != prompt * 4:
        for value, message in size_mistakes.items():
            if near(size, value):
                raise Incorrect(f"your size: {message}")
        if 6_000 < size < 8_000:
            raise Incorrect("that is the size of the saved file, pickle framing included; the question asks for "
                            "the bytes of the weight itself.")
        raise Incorrect("your size is off: the saved weight is P x D float32 numbers, a whole number of bytes.")


q5 = Exercise(
    "q5",
    f"`q5.model` is a `PromptTunedModel` with P = {_Q5_P} on a TinyLM. Answer with a pair `(percent, num_bytes)`: "
    "the prompt's trainable numbers as a percent of the numbers full fine-tuning trains (every parameter of the "
    "TinyLM), and the bytes of the prompt's weight in float32, which is what `save_prompt` stores. Compute "
    "both from `q5.model` rather than typing numbers in (a percent rounded as the lesson prints it is accepted).",
    check=_check_q5,
    inputs=_q5_inputs,
    hints=[
        "`sum(p.numel() for p in m.parameters() if p.requires_grad)` counts what trains; `q5.model.base_model` "
        "is the TinyLM.",
        "The TinyLM's output layer shares its table with the input embeddings: `parameters()` yields that "
        "tensor once, which is how many numbers it adds. A float32 takes 4 bytes.",
    ],
    solution="""trainable = sum(p.numel() for p in q5.model.parameters() if p.requires_grad)   # the prompt: P x D
full = sum(p.numel() for p in q5.model.base_model.parameters())                # every TinyLM number, tied table once
answer = (100 * trainable / full, trainable * 4)                               # float32: 4 bytes a number""",
    explanation="20 x 64 = 1,280 numbers against 132,544: 0.97% of full fine-tuning, and a 5,120-byte weight "
                "(the saved file adds a little pickle framing). A prompt per task costs kilobytes where a "
                "fine-tuned copy of the model costs its whole size; at GPT-2 small's 124 M parameters and "
                "D = 768 the same 20 vectors are 0.012%.",
)


# ---------------------------------------------------------------- q6: emit and rank
_Q6_LABEL_WORDS = (7, 3)


def _q6_case(seed: int, B: int, V: int = 12, boost: float = 1.5) -> dict:
    gen = torch.Generator().manual_seed(seed)
    label_word_ids = torch.tensor(_Q6_LABEL_WORDS)
    readout = torch.randn(B, V, generator=gen)                                # (B, V)
    readout[:, label_word_ids] += boost                                       # the label words score higher
    labels = torch.randint(len(label_word_ids), (B,), generator=gen)          # (B,) class index
    return {"readout": readout, "label_word_ids": label_word_ids, "labels": labels}


def _q6_inputs() -> dict:
    return _q6_case(14, 10)


def _q6_values(readout, label_word_ids, labels) -> dict[str, float]:
    top = readout.argmax(dim=1)                                               # (B,) word ids
    among = readout[:, label_word_ids].argmax(dim=1)                          # (B,) class index
    return {
        "emit": (top == label_word_ids[labels]).float().mean().item(),
        "rank": (among == labels).float().mean().item(),
        "emit_vs_class": (top == labels).float().mean().item(),
        "rank_vs_words": (among == label_word_ids[labels]).float().mean().item(),
    }


def _q6_number(x, which: str) -> float:
    x = as_number(x)
    if not is_number(x):
        raise Incorrect(f"your {which} should be a number, the fraction of rows that are right.")
    return float(x)


def _check_q6(answer) -> None:
    _expect_function(answer, "accuracies")
    for case in (_q6_inputs(), _q6_case(3, 40, V=15, boost=1.0)):
        out = answer(case["readout"].clone(), case["label_word_ids"].clone(), case["labels"].clone())
        if isinstance(out, dict) and set(out) == {"emit", "rank"}:
            out = (out["emit"], out["rank"])                         # the form evaluate() returns
        if isinstance(out, torch.Tensor) and out.dim() == 1:
            out = out.tolist()
        expect_type(out, (tuple, list), "a pair (emit, rank)")
        if len(out) != 2:
            raise Incorrect("return two numbers: (emit, rank).")
        emit, rank = _q6_number(out[0], "emit"), _q6_number(out[1], "rank")
        v = _q6_values(case["readout"], case["label_word_ids"], case["labels"])
        B = len(case["labels"])

        def near(a, b):
            return math.isclose(a, b, abs_tol=1e-6)

        if near(emit, v["emit"]) and near(rank, v["rank"]):
            continue
        if B != len(_q6_inputs()["labels"]):
            given = _q6_values(**_q6_inputs())
            if near(emit, given["emit"]) and near(rank, given["rank"]):
                raise Incorrect("on the second batch your function returns q6's accuracies: compute from the "
                                "readout, label_word_ids and labels it is given, not from q6.")
        if near(emit, v["rank"]) and near(rank, v["emit"]):
            raise Incorrect("you have both accuracies, in the wrong order: emit comes first.")
        if (near(emit, v["emit"] * B) and not near(emit, v["emit"])) or \
                (near(rank, v["rank"] * B) and not near(rank, v["rank"])):
            raise Incorrect("those are counts of rows; return fractions (divide by the number of rows, or take "
                            ".float().mean()).")
        if (near(emit, 100 * v["emit"]) and v["emit"] > 0) or (near(rank, 100 * v["rank"]) and v["rank"] > 0):
            raise Incorrect("those are percents; return fractions between 0 and 1.")
        if not near(emit, v["emit"]):
            if near(emit, v["emit_vs_class"]):
                raise Incorrect("your emit compares the most likely word's id with the class index: the argmax over "
                                "the whole vocabulary is a word id, so compare it with each row's label word id.")
            if near(emit, v["rank"]):
                raise Incorrect("your emit is the rank accuracy: emit takes the argmax over the whole vocabulary.")
            raise Incorrect("your emit is off: it is the fraction of rows whose single most likely word is the "
                            "row's label word.")
        if near(rank, v["emit"]):
            raise Incorrect("your rank equals emit: you took the argmax over the whole vocabulary. Rank compares "
                            "the label words only (readout[:, label_word_ids]).")
        if near(rank, v["rank_vs_words"]):
            raise Incorrect("your rank compares a position among the label words (0 to C - 1, a class index) with "
                            "word ids: compare it with labels.")
        raise Incorrect("your rank is off: it is the fraction of rows whose own label word scores highest among "
                        "the label words.")


q6 = Exercise(
    "q6",
    "Write `accuracies(readout, label_word_ids, labels)` that returns `(emit, rank)` as fractions: `readout` is "
    "`(B, V)` next-word scores, `label_word_ids` the `(C,)` vocabulary ids of the label words, `labels` the "
    "`(B,)` class of each row. **emit**: the row's label word is the single most likely word of the vocabulary. "
    "**rank**: the row's label word scores higher than the other label words. The check compares with "
    "`course_lib.prompt_tasks.evaluate`'s arithmetic on `q6` and on a second batch.",
    check=_check_q6,
    inputs=_q6_inputs,
    hints=[
        "A row's label word id is `label_word_ids[labels]`, shape (B,).",
        "`readout.argmax(dim=1)` is a word id; `readout[:, label_word_ids].argmax(dim=1)` is a class index (which "
        "label word won). Compare each with the matching kind of target.",
    ],
    solution="""def accuracies(readout, label_word_ids, labels):
    target = label_word_ids[labels]                                          # (B,) each row's label word id
    emit = (readout.argmax(dim=1) == target).float().mean().item()           # best of all V words
    rank = (readout[:, label_word_ids].argmax(dim=1) == labels).float().mean().item()  # best of the C label words
    return emit, rank

answer = accuracies""",
    explanation="Rank only asks the model to prefer the right label word to the other label words; emit asks it to "
                "prefer it to every word, 'the' and 'we' included. Every emit-correct row is rank-correct, so "
                "emit <= rank; the gap is the rows where the model ranks the label words right but would say "
                "another word first. With two label words, rank is 50% by chance alone while emit starts near 0: "
                "a bare model that has just read a sentence has no reason to say 'good' or 'bad' next.",
)
