"""Lesson 06's exercises 4 to 6: reading the answer (the readout position, the prompt's size, emit and rank).

Part of :mod:`course_lib.exercises.lesson06`, which re-exports ``q4``, ``q5`` and ``q6``; kept apart so
each file holds one group of questions.
"""
from __future__ import annotations

import math

import torch

from torch import nn

from ..models import TinyLM, TinyLMConfig
from ..prompts import PromptTunedModel
from . import Exercise, Incorrect, expect_type

__all__ = ["q4", "q5", "q6"]


def _tiny_lm(vocab_size: int = 443, d_model: int = 64, seed: int = 0) -> TinyLM:
    """A fresh, untrained TinyLM, built without touching the global random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return TinyLM(TinyLMConfig(vocab_size=vocab_size, d_model=d_model)).eval()


def _expect_function(answer, example: str) -> None:
    if not callable(answer) or isinstance(answer, (nn.Module, torch.Tensor)):
        raise Incorrect(f"answer with the function itself, e.g. `answer = {example}` (no parentheses).")


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
    expect_type(answer, torch.Tensor, "a (B, V) tensor of scores (or the (B,) positions)")
    inputs = _q4_inputs()
    logits, lengths, P = inputs["logits"], inputs["lengths"], inputs["P"]
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


def _as_number(x):
    if isinstance(x, torch.Tensor) and x.numel() == 1:
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise Incorrect("answer with two numbers: (percent, number_of_bytes).")
    return x


def _check_q5(answer) -> None:
    expect_type(answer, (tuple, list), "a pair (percent, number_of_bytes), e.g. (2.5, 1000)")
    if len(answer) != 2:
        raise Incorrect("answer with two numbers: (percent, number_of_bytes).")
    percent, size = (_as_number(x) for x in answer)
    prompt, base, table = _q5_numbers()
    right = 100 * prompt / base

    def near(a, b):
        return math.isclose(a, b, rel_tol=1e-3)

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
    for value, message in percent_mistakes.items():
        if near(percent, value):
            raise Incorrect(f"your percent: {message}")
    if not near(percent, right):
        raise Incorrect("your percent is off: count the numbers that train with the prompt and those that train "
                        "in full fine-tuning (every TinyLM parameter, once each).")
    size_mistakes = {
        prompt: "a count of numbers, not bytes: a float32 takes 4.",
        prompt * 8: "float64 sizes; the prompt is float32.",
        (base + prompt) * 4: "the whole model; save_prompt stores the prompt alone.",
        base * 4: "the base model's size; save_prompt stores the prompt alone.",
        prompt * 4 * 3: "the prompt with Adam's two running averages; the file holds the weight alone.",
    }
    for value, message in size_mistakes.items():
        if near(size, value):
            raise Incorrect(f"your size: {message}")
    if not near(size, prompt * 4):
        raise Incorrect("your size is off: the saved weight is P x D float32 numbers.")


q5 = Exercise(
    "q5",
    f"`q5.model` is a `PromptTunedModel` with P = {_Q5_P} on a TinyLM. Answer with a pair `(percent, num_bytes)`: "
    "the prompt's trainable numbers as a percent of the numbers full fine-tuning trains (every parameter of the "
    "TinyLM), and the bytes of the prompt's weight in float32, which is what `save_prompt` stores. Compute "
    "both from `q5.model` rather than typing numbers in.",
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
    if isinstance(x, torch.Tensor) and x.numel() == 1:
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise Incorrect(f"your {which} should be a number, the fraction of rows that are right.")
    return float(x)


def _check_q6(answer) -> None:
    _expect_function(answer, "accuracies")
    for case in (_q6_inputs(), _q6_case(3, 40, V=15, boost=1.0)):
        out = answer(case["readout"].clone(), case["label_word_ids"].clone(), case["labels"].clone())
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
        if near(emit, v["rank"]) and near(rank, v["emit"]):
            raise Incorrect("you have both accuracies, in the wrong order: emit comes first.")
        if (near(emit, v["emit"] * B) and not near(emit, v["emit"])) or \
                (near(rank, v["rank"] * B) and not near(rank, v["rank"])):
            raise Incorrect("those are counts of rows; return fractions (divide by the number of rows, or take "
                            ".float().mean()).")
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
