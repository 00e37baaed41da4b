"""Plausible wrong answers to lesson 07's exercises."""
import torch

V, D = 20_000_000, 64

WRONG = {
    "lesson07.q1": [16 * 2**30 // 512, 16 * 2**30 // 1024, 16 * 2**30 // 1536, 16 * 10**9 // 2048, 2**23 // 8,
                    16 * 2**30 // 128, 2**23 + 1, 2**23 - 1, 2**23 + 0.5, 16.0, "8388608"],
    "lesson07.q2": [2 * 4096 * D * 4, 4096 * D * 4, V * D * 4, 0, V * D * 4 * 4, 9.54],
    "lesson07.q3": [50_000**2 / (2 * 2**16), 2**16 * (1 - (1 - 1 / 2**16) ** 50_000), 0, 50_000 / 2**16, 20_000,
                    "birthday"],
    "lesson07.q4": [2.0**-8, 2.0**-10, 2.0**-23, 0.01, 2.0**-6, 2.0**-1, 0.005, 0, -2.0**-7, 2.0**-12],
    "lesson07.q5": ["own_rows", "sorted", "all_ids", "two_d", torch.tensor([2, 3]), torch.tensor([2.0, 3.0, 0.0])],
}


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs."""
    if key == "lesson07.q5":
        flat = inputs.ids.flatten()
        return {"own_rows": flat[flat >= 5], "sorted": flat[flat < 5].sort().values, "all_ids": flat,
                "two_d": inputs.ids.clamp(max=4)}[spec]
    return spec
