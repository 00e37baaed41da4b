"""Plausible wrong answers to lesson 07's exercises, and right answers written other ways (RIGHT)."""
import numpy as np
import torch
from torch import nn

_PROMPT, _BASE, _TABLE = 20 * 64, 132_544, 443 * 64
_PERCENT = 100 * _PROMPT / _BASE

WRONG = {
    # q1: make_prompt(base_model, num_virtual_tokens, generator)
    "lesson07.q1": ["copied_shape", "swapped", "hard_coded_width", "vocab_width", "batch_dim", "normal",
                    "unshifted", "narrow", "plain_tensor", "no_grad", "global_rng", "vocab_rows", "module",
                    "not_a_function",
                    "clipped_normal",      # right range, wrong distribution: N(0, 0.3) clipped to (-0.5, 0.5)
                    "squeezed_uniform",    # right range, wrong distribution: U(-0.45, 0.45)
                    "uses_q1_base",        # right values on q1.base, wrong object: ignores the model it is given
                    "one_parameter"],      # the same Parameter object returned by every call
    # q2: vocab_init_ids(vocab, num_virtual_tokens, generator)
    "lesson07.q2": ["first_rows", "most_frequent", "with_replacement", "keeps_eos", "all_rows", "hard_coded_size",
                    "global_rng", "words_not_ids", "mask", "too_few",
                    "frequent_quarter",    # right range, wrong distribution: only the most frequent quarter
                    "uses_q2_vocab"],      # wrong object: ignores the vocabulary it is given
    # q3: greedy(model, ids, n)
    "lesson07.q3": ["prompt_once", "no_prompt", "reads_inside_prompt", "new_only", "one_short", "in_place",
                    "returns_words", "sliced_ids",
                    "uses_q3_model",       # wrong object: runs q3.model whatever model it is given
                    "sampled"],            # right shape, wrong values: samples instead of the argmax
    # q4: the (B, V) readout of q4.logits
    "lesson07.q4": ["no_prompt", "padding", "after", "before", "all_pairs", "softmax", "positions_no_prompt",
                    "right_positions_float", "last_word_of_prompt",
                    "fresh_logits",        # right shape, wrong values: scores of another (B, P + T, V) tensor
                    "log_softmax",         # right shape, values shifted per row
                    "positions_list_no_prompt"],
    # q5: (percent, bytes)
    "lesson07.q5": [
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
        ("0.97%", _PROMPT * 4),                              # the percent as text
        (0.96, _PROMPT * 4),                                 # truncated, not rounded
        (0.95, _PROMPT * 4),                                 # right range, wrong value
        (0.0097, _PROMPT * 4),                               # the fraction as the lesson prints it, not a percent
        (0.80, _PROMPT * 4),                                 # tied table counted twice, rounded
        (_PERCENT, 6_824),                                   # the saved file's size, pickle framing included
        (_PERCENT, _PROMPT * 4 + 0.5),                       # not a whole number of bytes
    ],
    # q6: accuracies(readout, label_word_ids, labels)
    "lesson07.q6": ["rank_is_emit", "rank_vs_word_ids", "emit_vs_class", "swapped", "counts", "emit_is_rank",
                    "tensor_of_rows",
                    "percents",            # right values times 100
                    "uses_q6_globals"],    # right values on q6, wrong object: ignores its arguments
}


def _q1(spec, inputs):
    shared = {}

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
        "clipped_normal": lambda base, P, g: nn.Parameter(
            (torch.randn(P, read_width(base), generator=g) * 0.3).clamp(-0.5, 0.5)),
        "squeezed_uniform": lambda base, P, g: nn.Parameter((torch.rand(P, read_width(base), generator=g) - 0.5) * 0.9),
        "uses_q1_base": lambda base, P, g: nn.Parameter(torch.rand(P, read_width(inputs.base), generator=g) - 0.5),
        "one_parameter": lambda base, P, g: shared.setdefault(
            "p", nn.Parameter(torch.rand(P, read_width(base), generator=g) - 0.5)),
    }
    return makers[spec]


def _q2(spec, inputs):
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
        "frequent_quarter": lambda vocab, P, g: real_ids(vocab)[:len(vocab) // 4][
            torch.randperm(len(vocab) // 4, generator=g)[:P]],
        "uses_q2_vocab": lambda vocab, P, g: sample(inputs.vocab, P, g),
    }
    return makers[spec]


def _q3(spec, inputs):
    from course_lib.exercises.lesson07 import buggy_greedy
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

    @torch.no_grad()
    def sampled(model, ids, n):                                   # draws from the softmax instead of the argmax
        g = torch.Generator().manual_seed(0)
        for _ in range(n):
            probs = model(input_ids=ids).logits[:, -1].softmax(dim=-1)
            ids = torch.cat([ids, torch.multinomial(probs, 1, generator=g)], dim=1)
        return ids

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
        "uses_q3_model": lambda model, ids, n: generate(inputs.model, ids, n),
        "sampled": sampled,
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
        "fresh_logits": lambda: torch.randn(logits.shape, generator=torch.Generator().manual_seed(1))[rows,
                                                                                                   P + lengths - 1],
        "log_softmax": lambda: logits[rows, P + lengths - 1].log_softmax(dim=-1),
        "positions_list_no_prompt": lambda: (lengths - 1).tolist(),
    }
    return answers[spec]()


def _q6(spec, inputs):
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

    def percents(r, w, y):
        top, among, target = parts(r, w, y)
        return 100 * (top == target).float().mean().item(), 100 * (among == y).float().mean().item()

    def uses_q6_globals(r, w, y):                                 # computes on q6's own tensors, whatever it is given
        return percents(inputs.readout, inputs.label_word_ids, inputs.labels)[0] / 100, \
            percents(inputs.readout, inputs.label_word_ids, inputs.labels)[1] / 100

    return {"rank_is_emit": rank_is_emit, "rank_vs_word_ids": rank_vs_word_ids, "emit_vs_class": emit_vs_class,
            "swapped": swapped, "counts": counts, "emit_is_rank": emit_is_rank,
            "tensor_of_rows": tensor_of_rows, "percents": percents, "uses_q6_globals": uses_q6_globals}[spec]


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs."""
    if key == "lesson07.q1":
        return _q1(spec, inputs)
    if key == "lesson07.q2":
        return _q2(spec, inputs)
    if key == "lesson07.q3":
        return _q3(spec, inputs)
    if key == "lesson07.q4":
        return _q4(spec, inputs)
    if key == "lesson07.q6":
        return _q6(spec, inputs)
    return spec  # q5's answers are the numbers themselves


# ---------------------------------------------------------------- right answers written other ways
RIGHT = {
    "lesson07.q1": ["uniform_", "config_width", "weight_shape"],
    "lesson07.q2": ["list_of_ints", "sorted", "multinomial", "by_token_name"],
    "lesson07.q3": ["generate_itself", "without_no_grad", "with_attention_mask"],
    "lesson07.q4": ["gather", "list_of_rows", "positions", "positions_list", "from_mask", "float64"],
    "lesson07.q5": [(0.97, 5120), (0.966, 5120), (0.9657, 5120.0), [0.97, 5120], "tensor_pair", "numpy",
                    "zero_d_tensors"],
    "lesson07.q6": ["dict", "tensor_pair", "zero_d_tensors", "python_sums"],
}


def make_right(key, spec, inputs):
    """A right answer, written another way, made from the exercise's own inputs."""
    if key == "lesson07.q1":
        return {
            "uniform_": lambda base, P, g: nn.Parameter(
                torch.empty(P, base.get_input_embeddings().embedding_dim).uniform_(-0.5, 0.5, generator=g)),
            "config_width": lambda base, P, g: nn.Parameter(torch.rand(P, base.config.d_model, generator=g) - 0.5),
            "weight_shape": lambda base, P, g: nn.Parameter(
                torch.rand(P, base.get_input_embeddings().weight.shape[1], generator=g) - 0.5),
        }[spec]
    if key == "lesson07.q2":
        def real(vocab):
            return [i for i, t in enumerate(vocab.tokens) if t not in ("<pad>", "<unk>", "<eos>")]

        return {
            "list_of_ints": lambda vocab, P, g: [real(vocab)[int(i)] for i in
                                                 torch.randperm(len(real(vocab)), generator=g)[:P]],
            "sorted": lambda vocab, P, g: torch.tensor(real(vocab))[
                torch.randperm(len(real(vocab)), generator=g)[:P]].sort().values,
            "multinomial": lambda vocab, P, g: torch.tensor(real(vocab))[
                torch.multinomial(torch.ones(len(real(vocab))), P, replacement=False, generator=g)],
            "by_token_name": lambda vocab, P, g: torch.tensor(
                [vocab[t] for t in vocab.tokens if t not in ("<pad>", "<unk>", "<eos>")])[
                torch.randperm(len(real(vocab)), generator=g)[:P]],
        }[spec]
    if key == "lesson07.q3":
        from course_lib.prompts import generate

        def without_no_grad(model, ids, n):
            for _ in range(n):
                ids = torch.cat([ids, model(input_ids=ids).logits[:, -1].argmax(-1, keepdim=True)], dim=1)
            return ids

        def with_attention_mask(model, ids, n):
            for _ in range(n):
                logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
                ids = torch.cat([ids, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
            return ids.detach()

        return {"generate_itself": lambda model, ids, n: generate(model, ids, n),
                "without_no_grad": without_no_grad, "with_attention_mask": with_attention_mask}[spec]
    if key == "lesson07.q4":
        logits, lengths, P = inputs.logits, inputs.lengths, inputs.P
        B, _, V = logits.shape
        where = P + lengths - 1
        return {
            "gather": lambda: logits.gather(1, where.view(B, 1, 1).expand(B, 1, V)),        # (B, 1, V)
            "list_of_rows": lambda: [logits[i, where[i]] for i in range(B)],
            "positions": lambda: where,
            "positions_list": lambda: where.tolist(),
            "from_mask": lambda: logits[torch.arange(B), P + inputs.attention_mask.sum(dim=1) - 1],
            "float64": lambda: logits.double()[torch.arange(B), where],
        }[spec]()
    if key == "lesson07.q5":
        return {"tensor_pair": torch.tensor([100 * _PROMPT / _BASE, _PROMPT * 4.0]),
                "numpy": (np.float64(100 * _PROMPT / _BASE), np.int64(_PROMPT * 4)),
                "zero_d_tensors": (torch.tensor(100 * _PROMPT / _BASE), torch.tensor(_PROMPT * 4))}[spec] \
            if isinstance(spec, str) else spec
    if key == "lesson07.q6":
        def parts(r, w, y):
            return r.argmax(dim=1) == w[y], r[:, w].argmax(dim=1) == y

        def dict_form(r, w, y):
            emit, rank = parts(r, w, y)
            return {"emit": emit.float().mean().item(), "rank": rank.float().mean().item()}

        return {
            "dict": dict_form,
            "tensor_pair": lambda r, w, y: torch.stack([p.float().mean() for p in parts(r, w, y)]),
            "zero_d_tensors": lambda r, w, y: tuple(p.float().mean() for p in parts(r, w, y)),
            "python_sums": lambda r, w, y: tuple(sum(p.tolist()) / len(y) for p in parts(r, w, y)),
        }[spec]
    return spec
