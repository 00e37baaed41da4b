"""Plausible wrong answers to lesson 04's exercises."""
import torch
from torch import nn

WRONG = {
    "lesson04.q1": [100_000 * 300 * 4, 100_000 * 300 * 4 * 2, 100_000 * 300 * 4 * 3, 100_000 * 300,
                    100_000 * 300 * 8 * 4, 480, 4.8e8 + 1],
    "lesson04.q4": [300 ** 0.5, 300 * 0.05 ** 2 / 3, 300 ** 0.5 * 0.05 / 3 ** 0.5, 0.05 ** 2 / 3,
                    300 ** 0.5 * 0.05 ** 2, 0.05, "0.0144"],
    "lesson04.q2": ["queen", "man", "king", "boy", "prince", "zebra", 3, " Man", "BOY"],
    "lesson04.q3": ["forgets_padding", "hard_codes_row_0", "new_parameter", "normal", "constant", "frozen",
                    "zeros_row_0_always", "module_not_function",
                    "truncated_normal", "two_values", "half_range",   # right range, wrong distribution
                    "one_row_repeated"],                              # right shape and range, wrong values
}

# Right answers written other ways: each must be accepted (tests/test_exercises.py).
RIGHT = {
    "lesson04.q1": [480_000_000, 4.8e8, torch.tensor(480_000_000)],
    "lesson04.q4": [0.0144, 300 ** 0.5 * (0.05 ** 2 / 3), torch.tensor(0.0144)],
    "lesson04.q2": ["woman", " woman", "Woman"],
    "lesson04.q3": ["keras_data_", "keras_rand_", "keras_keeps_return"],
}


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs."""
    if key != "lesson04.q3":
        return spec  # q4's string and q2's words are answers themselves

    def keep_padding(emb):
        if emb.padding_idx is not None:
            with torch.no_grad():
                emb.weight[emb.padding_idx].zero_()

    def keras_data_(emb):                       # a right answer through .data, no return
        emb.weight.data.uniform_(-0.05, 0.05)
        keep_padding(emb)

    def keras_rand_(emb):                       # a right answer from torch.rand, in place
        with torch.no_grad():
            emb.weight.copy_(torch.rand_like(emb.weight) * 0.1 - 0.05)
        keep_padding(emb)

    def keras_keeps_return(emb):                # a right answer that returns the layer
        with torch.no_grad():
            emb.weight.uniform_(-0.05, 0.05)
        keep_padding(emb)
        return emb

    def truncated_normal(emb):
        with torch.no_grad():
            nn.init.trunc_normal_(emb.weight, std=0.02, a=-0.05, b=0.05)
        keep_padding(emb)

    def two_values(emb):
        with torch.no_grad():
            emb.weight.copy_(0.05 * torch.randn_like(emb.weight).sign())
        keep_padding(emb)

    def half_range(emb):
        with torch.no_grad():
            nn.init.uniform_(emb.weight, 0.0, 0.05)
        keep_padding(emb)

    def one_row_repeated(emb):
        with torch.no_grad():
            emb.weight.copy_(torch.empty(emb.embedding_dim).uniform_(-0.05, 0.05).expand_as(emb.weight))
        keep_padding(emb)

    def uniform_(emb):
        with torch.no_grad():
            nn.init.uniform_(emb.weight, -0.05, 0.05)

    def forgets_padding(emb):
        uniform_(emb)

    def hard_codes_row_0(emb):
        uniform_(emb)
        with torch.no_grad():
            emb.weight[0].zero_()

    def zeros_row_0_always(emb):
        hard_codes_row_0(emb)
        if emb.padding_idx is not None:
            with torch.no_grad():
                emb.weight[emb.padding_idx].zero_()

    def new_parameter(emb):
        weight = torch.empty_like(emb.weight).uniform_(-0.05, 0.05)
        if emb.padding_idx is not None:
            weight[emb.padding_idx] = 0
        emb.weight = nn.Parameter(weight)

    def normal(emb):
        with torch.no_grad():
            nn.init.normal_(emb.weight, std=0.05)
            if emb.padding_idx is not None:
                emb.weight[emb.padding_idx].zero_()

    def constant(emb):
        with torch.no_grad():
            emb.weight.fill_(0.05)
            if emb.padding_idx is not None:
                emb.weight[emb.padding_idx].zero_()

    def frozen(emb):
        zeros_row_0_always(emb)
        emb.weight.requires_grad_(False)

    return {"forgets_padding": forgets_padding, "hard_codes_row_0": hard_codes_row_0, "new_parameter": new_parameter,
            "normal": normal, "constant": constant, "frozen": frozen, "zeros_row_0_always": zeros_row_0_always,
            "module_not_function": nn.Embedding(3, 2), "truncated_normal": truncated_normal, "two_values": two_values,
            "half_range": half_range, "one_row_repeated": one_row_repeated, "keras_data_": keras_data_,
            "keras_rand_": keras_rand_, "keras_keeps_return": keras_keeps_return}[spec]
