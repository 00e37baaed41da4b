"""Plausible wrong answers to lesson 06's exercises."""
import torch
from torch import nn

_PROMPT, _BASE, _TABLE = 20 * 64, 132_544, 443 * 64
_PERCENT = 100 * _PROMPT / _BASE

WRONG = {
    # q1: make_prompt(base_model, num_virtual_tokens, generator)
    "lesson06.q1": ["copied_shape", "swapped", "hard_coded_width", "vocab_width", "batch_dim", "normal",
                    "unshifted", "narrow", "plain_tensor", "no_grad", "global_rng", "vocab_rows", "module",
                    "not_a_function"],
    # q2: vocab_init_ids(vocab, num_virtual_tokens, generator)
    "lesson06.q2": ["first_rows", "most_frequent", "with_replacement", "keeps_eos", "all_rows", "hard_coded_size",
                    "global_rng", "words_not_ids", "mask", "too_few"],
    # q3: greedy(model, ids, n)
    "lesson06.q3": ["prompt_once", "no_prompt", "reads_inside_prompt", "new_only", "one_short", "in_place",
                    "returns_words", "sliced_ids"],
    # q4: the (B, V) readout of q4.logits
    "lesson06.q4": ["no_prompt", "padding", "after", "before", "all_pairs", "softmax", "positions_no_prompt",
                    "right_positions_float", "last_word_of_prompt"],
    # q5: (percent, bytes)
    "lesson06.q5": [
        (_PROMPT / _BASE, _PROMPT * 4),                      # a fraction, not a percent
        (100 * _PROMPT / (_BASE + _PROMPT), _PROMPT * 4),    # divided by base + prompt
        (100 * _PROMPT / (_BASE + _TABLE), _PROMPT * 4),     # tied table counted twice (state_dict)
        (100 * (_BASE + _PROMPT) / _BASE, _PROMPT * 4),      # frozen base counted as trainable
        (100 * _BASE / _PROMPT, _PROMPT * 4),                # upside down
        (_PERCENT, _PROMPT),                                 # numbers, not bytes
        (_PERCENT, _PROMPT * 8),                             # float64
        (_PERCENT, (_BASE + _PROMPT) * 4),                   # the whole model saved
        (_PROMPT * 4, _PERCENT),                             # swapped
        (1.0, _PROMPT * 4),                                  # rounded to 1%: too coarse
        _PERCENT,                                            # one number
        "0.97%",
    ],
    # q6: accuracies(readout, label_word_ids, labels)
    "lesson06.q6": ["rank_is_emit", "rank_vs_word_ids", "emit_vs_class", "swapped", "counts", "emit_is_rank",
                    "tensor_of_rows"],
}


def _q1(spec):
    def read_width(base):
        return base.get_input_embeddings().embedding_dim

    makers = {
        "copied_shape": lambda base, P, g: nn.Parameter(torch.rand(2, 10, generator=g) - 0.5),
        "swapped": lambda base, P, g: nn.Parameter(torch.rand(read_width(base), P, generator=g) - 0.5),
        "hard_coded_width": lambda base, P, g: nn.Parameter(torch.rand(P, 64, generator=g) - 0.5),
        "vocab_width": lambda base, P, g: nn.Parameter(
            torch.rand(P, base.get_input_embeddings().num_embeddings, generator=g) - 0.5),
        "batch_dim": lambda base, P, g: nn.Parameter(torch.rand(1, P, read_width(base), generator=g) - 0.5),
        "normal": lambda base, P, g: nn.Parameter(torch.randn(P, read_width(base), generator=g)),
        "unshifted": lambda base, P, g: nn.Parameter(torch.rand(P, read_width(base), generator=g)),
        "narrow": lambda base, P, g: nn.Parameter(torch.rand(P, read_width(base), generator=g) * 0.1 - 0.05),
        "plain_tensor": lambda base, P, g: torch.rand(P, read_width(base), generator=g) - 0.5,
        "no_grad": lambda base, P, g: nn.Parameter(torch.rand(P, read_width(base), generator=g) - 0.5,
                                                   requires_grad=False),
        "global_rng": lambda base, P, g: nn.Parameter(torch.rand(P, read_width(base)) - 0.5),
        "vocab_rows": lambda base, P, g: nn.Parameter(base.get_input_embeddings().weight.detach()[:P].clone()),
        "module": lambda base, P, g: nn.Embedding(P, read_width(base)),
        "not_a_function": nn.Parameter(torch.rand(20, 64) - 0.5),
    }
    return makers[spec]


def _q2(spec):
    def real_ids(vocab):
        special = {vocab["<pad>"], vocab["<unk>"], vocab["<eos>"]}
        return torch.tensor([i for i in range(len(vocab)) if i not in special])

    def sample(vocab, P, g):
        words = real_ids(vocab)
        return words[torch.randperm(len(words), generator=g)[:P]]

    def keeps_eos(vocab, P, g):
        words = torch.arange(2, len(vocab))                       # forgot <eos>, the last id
        return words[torch.randperm(len(words), generator=g)[:P]]

    makers = {
        "first_rows": lambda vocab, P, g: torch.arange(P),
        "most_frequent": lambda vocab, P, g: real_ids(vocab)[:P],
        "with_replacement": lambda vocab, P, g: real_ids(vocab)[torch.randint(len(real_ids(vocab)), (P,),
                                                                              generator=g)],
        "keeps_eos": keeps_eos,
        "all_rows": lambda vocab, P, g: torch.randperm(len(vocab), generator=g)[:P],   # what SoftPrompt draws
        "hard_coded_size": lambda vocab, P, g: 2 + torch.randperm(440, generator=g)[:P],
        "global_rng": lambda vocab, P, g: real_ids(vocab)[torch.randperm(len(real_ids(vocab)))[:P]],
        "words_not_ids": lambda vocab, P, g: vocab.decode(sample(vocab, P, g)),
        "mask": lambda vocab, P, g: torch.isin(torch.arange(len(vocab)), sample(vocab, P, g)),
        "too_few": lambda vocab, P, g: sample(vocab, P - 1, g),
    }
    return makers[spec]


def _q3(spec):
    from course_lib.exercises.lesson06 import buggy_greedy
    from course_lib.prompts import generate

    @torch.no_grad()
    def loop(model, ids, n, run=None, where=lambda logits, ids: logits[:, -1]):
        run = run or (lambda ids: model(input_ids=ids))
        for _ in range(n):
            next_id = where(run(ids).logits, ids).argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, next_id], dim=1)
        return ids

    def in_place(model, ids, n):
        out = loop(model, ids, n)
        ids[:] = out[:, :ids.shape[1]] + 1                          # "reuses" the caller's buffer
        return out

    def sliced_ids(model, ids, n):                                # drops the first P ids, as if the prompt had ids
        P = model.num_virtual_tokens
        out = loop(model, ids, n)
        return out[:, P:] if out.shape[1] > P else out

    makers = {
        "prompt_once": buggy_greedy,
        "no_prompt": lambda model, ids, n: generate(model.base_model, ids, n),
        "reads_inside_prompt": lambda model, ids, n: loop(model, ids, n,
                                                          where=lambda logits, cur: logits[:, cur.shape[1] - 1]),
        "new_only": lambda model, ids, n: loop(model, ids, n)[:, ids.shape[1]:],
        "one_short": lambda model, ids, n: loop(model, ids, n - 1),
        "in_place": in_place,
        "returns_words": lambda model, ids, n: [str(row.tolist()) for row in loop(model, ids, n)],
        "sliced_ids": sliced_ids,
    }
    return makers[spec]


def _q4(spec, inputs):
    logits, lengths, P = inputs.logits, inputs.lengths, inputs.P
    B, T = logits.shape[0], logits.shape[1] - P
    rows = torch.arange(B)
    answers = {
        "no_prompt": lambda: logits[rows, lengths - 1],
        "padding": lambda: logits[:, -1],
        "after": lambda: logits[rows, P + lengths],
        "before": lambda: logits[rows, P + lengths - 2],
        "all_pairs": lambda: logits[:, P + lengths - 1],
        "softmax": lambda: logits[rows, P + lengths - 1].softmax(dim=-1),
        "positions_no_prompt": lambda: lengths - 1,
        "right_positions_float": lambda: (P + lengths - 1).float(),     # positions as floats: (B,) not (B, V)
        "last_word_of_prompt": lambda: logits[rows, torch.full((B,), P - 1)],
    }
    return answers[spec]()


def _q6(spec):
    def parts(readout, label_word_ids, labels):
        top = readout.argmax(dim=1)
        among = readout[:, label_word_ids].argmax(dim=1)
        return top, among, label_word_ids[labels]

    def rank_is_emit(r, w, y):
        top, among, target = parts(r, w, y)
        return (top == target).float().mean().item(), (top == target).float().mean().item()

    def rank_vs_word_ids(r, w, y):
        top, among, target = parts(r, w, y)
        return (top == target).float().mean().item(), (among == target).float().mean().item()

    def emit_vs_class(r, w, y):
        top, among, target = parts(r, w, y)
        return (top == y).float().mean().item(), (among == y).float().mean().item()

    def swapped(r, w, y):
        top, among, target = parts(r, w, y)
        return (among == y).float().mean().item(), (top == target).float().mean().item()

    def counts(r, w, y):
        top, among, target = parts(r, w, y)
        return int((top == target).sum()), int((among == y).sum())

    def emit_is_rank(r, w, y):
        top, among, target = parts(r, w, y)
        return (among == y).float().mean().item(), (among == y).float().mean().item()

    def tensor_of_rows(r, w, y):
        top, among, target = parts(r, w, y)
        return top == target, among == y

    return {"rank_is_emit": rank_is_emit, "rank_vs_word_ids": rank_vs_word_ids, "emit_vs_class": emit_vs_class,
            "swapped": swapped, "counts": counts, "emit_is_rank": emit_is_rank,
            "tensor_of_rows": tensor_of_rows}[spec]


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs."""
    if key == "lesson06.q1":
        return _q1(spec)
    if key == "lesson06.q2":
        return _q2(spec)
    if key == "lesson06.q3":
        return _q3(spec)
    if key == "lesson06.q4":
        return _q4(spec, inputs)
    if key == "lesson06.q6":
        return _q6(spec)
    return spec  # q5's answers are the numbers themselves
