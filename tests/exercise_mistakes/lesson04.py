"""Plausible wrong answers to lesson 04's exercises."""
import torch
from torch import nn

WRONG = {
    "lesson04.q1": [100_000 * 300 * 4, 100_000 * 300 * 4 * 2, 100_000 * 300 * 4 * 3, 100_000 * 300,
                    100_000 * 300 * 8 * 4, 480, 4.8e8 + 1],
    "lesson04.q2": [300 ** 0.5, 300 * 0.05 ** 2 / 3, 300 ** 0.5 * 0.05 / 3 ** 0.5, 0.05 ** 2 / 3,
                    300 ** 0.5 * 0.05 ** 2, 0.05, "0.0144"],
    "lesson04.q3": ["queen", "man", "king", "boy", "prince", "zebra", 3],
    "lesson04.q4": [{4, 5}, {1, 4, 5}, {0, 4, 5}, {0, 1, 2, 3, 4, 5}, {0, 1, 5}, {0, 1, 4, 5, 6}, [0, 1]],
    "lesson04.q5": ["forgets_padding", "hard_codes_row_0", "new_parameter", "normal", "constant", "frozen",
                    "zeros_row_0_always", "module_not_function"],
    "lesson04.q6": [(442 * 64 + 130, 442 * 64 + 130), (128, 442 * 64 + 128), (130, 442 * 64), (0, 442 * 64 + 130),
                    (130, 130), 130, (130.0, 28418.0)],
}


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs."""
    if key != "lesson04.q5":
        return spec  # q2's string and q3's words are answers themselves

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
            "module_not_function": nn.Embedding(3, 2)}[spec]
