"""Plausible wrong answers to lesson 08's exercises, and right answers written other ways (RIGHT)."""
import math

import numpy as np
import torch

V, D = 20_000_000, 64
N, M = 50_000, 2**16
EXPECTED = N - M * (1 - (1 - 1 / M) ** N)

WRONG = {
    "lesson08.q1": [16 * 2**30 // 512, 16 * 2**30 // 1024, 16 * 2**30 // 1536, 16 * 10**9 // 2048, 2**23 // 8,
                    16 * 2**30 // 128, 2**23 + 1, 2**23 - 1, 2**23 + 0.5, 16.0, "8388608",
                    np.int64(2**23 + 1),                      # right type (a NumPy int), wrong value
                    torch.tensor([2**23, 2**23]),             # right value, wrong form: two numbers
                    2**23 * 128],                             # numbers, not rows
    "lesson08.q2": [2 * 4096 * D * 4, 4096 * D * 4, V * D * 4, 0, V * D * 4 * 4, 9.54,
                    np.int64(2 * 4096 * D * 4),               # sparse moments, as a NumPy int
                    2 * V * D * 2,                            # right shape of the count, bfloat16 sizes
                    10.24],                                   # GB, not bytes
    "lesson08.q3": [50_000**2 / (2 * 2**16), 2**16 * (1 - (1 - 1 / 2**16) ** 50_000), 0, 50_000 / 2**16, 20_000,
                    "birthday",
                    N * (1 - (1 - 1 / M) ** (N - 1)),         # keys not alone in their row: another count
                    EXPECTED * 1.03,                          # right range, 3% off
                    EXPECTED / N],                            # a fraction, not a count
    "lesson08.q4": [2.0**-8, 2.0**-10, 2.0**-23, 0.01, 2.0**-6, 2.0**-1, 0.005, 0, -2.0**-7, 2.0**-12,
                    7,                                        # k, not the number
                    128,                                      # 2 ** 7, the inverse
                    0.0078],                                  # rounded: not a power of two
    "lesson08.q5": ["own_rows", "sorted", "all_ids", "two_d", torch.tensor([2, 3]), torch.tensor([2.0, 3.0, 0.0]),
                    torch.tensor([2, 3, 1]),                  # right shape, an id not in the batch
                    torch.tensor([2, 3, 0, 0]),               # an id twice
                    "other_batch"],                           # right rule, applied to another batch
}


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs."""
    if key == "lesson08.q5":
        flat = inputs.ids.flatten()
        other = torch.tensor([[1, 8, 4], [6, 2, 9]]).flatten()
        return {"own_rows": flat[flat >= 5], "sorted": flat[flat < 5].sort().values, "all_ids": flat,
                "two_d": inputs.ids.clamp(max=4), "other_batch": other[other < 5]}[spec]
    return spec


RIGHT = {
    "lesson08.q1": [2**23, 8388608.0, np.int64(2**23), torch.tensor(2**23), 16 * 2**30 // 2048,
                    math.floor(16 * 2**30 / (128 * 16))],
    "lesson08.q2": [2 * V * D * 4, 1.024e10, np.int64(2 * V * D * 4), torch.tensor(2 * V * D * 4),
                    torch.tensor(1.024e10, dtype=torch.float64)],
    "lesson08.q3": [EXPECTED, round(EXPECTED), 15_000, np.float64(EXPECTED), torch.tensor(EXPECTED),
                    N - M * (1 - math.exp(-N / M))],           # the Poisson approximation, within 1%
    "lesson08.q4": [2.0**-7, 0.0078125, 1 / 128, np.float32(2.0**-7), torch.tensor(2.0**-7, dtype=torch.bfloat16)],
    "lesson08.q5": [[2, 3, 0], (2, 3, 0), torch.tensor([2, 3, 0], dtype=torch.int32), "masked_select",
                    [np.int64(2), np.int64(3), np.int64(0)]],
}


def make_right(key, spec, inputs):
    """A right answer written another way, made from the exercise's own inputs where it is a string."""
    if key == "lesson08.q5" and isinstance(spec, str):
        return {"masked_select": inputs.ids.flatten().masked_select(inputs.ids.flatten() < 5)}[spec]
    return spec
