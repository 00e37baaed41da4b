"""Exercises of notebooks/06_soft_prompts.ipynb.

q1 to q3 are the bugs of widely copied soft-prompt code (a hard-coded shape, an init from the
first P rows, a generation loop that loses the prompt); q4 to q6 are the readout, the
parameter count and the two accuracies of the lesson. Every input is built here, on the CPU,
from its own seeded generator, so the global random state of the notebook is left alone.
"""
from __future__ import annotations

import inspect

import torch
from torch import nn

from ..lm import EOS, load_tiny_lm, lm_vocab
from ..prompts import PromptTunedModel, generate
from ..vocab import Vocab
from . import Exercise, Incorrect, expect_type
from ._lesson06_answers import _expect_function, _tiny_lm, q4, q5, q6

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6"]

_SPECIALS = ("<pad>", "<unk>", EOS)


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
                        "typed in, not read from the model (base_model.get_input_embeddings()).")
    raise Incorrect(f"on a model with {D}-wide word vectors and {P} virtual tokens your prompt has shape {got}; "
                    "it should be (number of virtual tokens, width of a word vector).")


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
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
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
    for case in _Q3_CASES:
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
