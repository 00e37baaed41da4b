"""Plausible wrong answers to lesson 01's exercises, and right answers written other ways (``RIGHT``)."""
import numpy as np
import torch
import torch.nn.functional as F

WRONG = {
    "lesson01.q1": [(2, 5), (100, 8), (2, 5, 100), (8, 2, 5), torch.Size([2, 8]), 258],
    # right shape, wrong values: other rows, the positions of one sentence swapped, random numbers of the
    # table's own spread (right range, wrong distribution)
    "lesson01.q2": ["one_hot_only", "one_hot_int", "transposed", "wrong_rows", "positions_swapped", "random_like"],
    # the mask of *looked-up* rows (right form, wrong rows)
    "lesson01.q3": [{1, 2, 3}, {2}, {2, 3, 5}, {1, 2, 3, 5}, torch.tensor([False, True, True, True, False, False])],
    "lesson01.q4": [torch.tensor([0, 2, 6]), torch.tensor([2, 5]), torch.tensor([0, 2, 5, 6]), torch.tensor([2, 3, 1]),
                    torch.tensor([0.0, 2.0, 5.0]), [0, 2, 5], torch.tensor([5, 2, 0])],
    "lesson01.q5": [50_000 + 300, 15_000, 60_000_000],
    # hard_coded: right values for the first batch the check tries, written for that batch only
    "lesson01.q6": ["in_place", "abs", "clamp_to_one", "zeros_everywhere", "result_not_function", "hard_coded"],
}

# Right answers written another plausible way: each must be accepted (tests/test_exercises.py).
RIGHT = {
    "lesson01.q1": [[2, 5, 8], torch.Size([2, 5, 8]), "computed"],
    "lesson01.q2": ["indexing", "float64", "embedding"],
    "lesson01.q3": [[2, 3], (3, 2), torch.tensor([2, 3]), frozenset({2, 3}), np.array([2, 3]), {2: 1, 3: 1}.keys(),
                    "changed_mask", "changed_nonzero"],
    "lesson01.q4": [torch.tensor([0, 2, 5], dtype=torch.int32), torch.tensor([0, 2, 3]).cumsum(0)],
    "lesson01.q5": [15e6, 1.5e7, torch.tensor(15_000_000), np.int64(15_000_000)],
    "lesson01.q6": ["clamp", "masked_fill", "clone_then_assign", "where_minus_one"],
}


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs."""
    if key == "lesson01.q1":
        return {"computed": torch.nn.Embedding(100, 8)(torch.zeros(2, 5, dtype=torch.long)).shape}[spec]
    if key == "lesson01.q2":
        ids, weight = inputs.ids, inputs.weight
        one_hot = F.one_hot(ids, num_classes=weight.shape[0])
        lookup = F.embedding(ids, weight)
        return {"one_hot_only": one_hot.float(), "one_hot_int": one_hot,
                "transposed": (one_hot.float() @ weight).transpose(0, 1),
                "wrong_rows": F.embedding((ids + 1) % weight.shape[0], weight),
                "positions_swapped": lookup.flip(1),
                "random_like": torch.randn(lookup.shape, generator=torch.Generator().manual_seed(0)) * weight.std(),
                "indexing": weight[ids], "float64": one_hot.double() @ weight.double(),
                "embedding": torch.nn.Embedding.from_pretrained(weight)(ids)}[spec]
    if key == "lesson01.q3":  # run it, as the third hint suggests, and compare
        before = inputs.weight.clone()
        torch.nn.Embedding.from_pretrained(inputs.weight, max_norm=1.0)(inputs.ids)
        changed = (inputs.weight != before).any(dim=1)
        return {"changed_mask": changed, "changed_nonzero": changed.nonzero()}[spec]
    if key == "lesson01.q6":
        def in_place(ids):
            ids[ids < 0] = 0
            return ids

        def clone_then_assign(ids):
            fixed = ids.clone()
            fixed[fixed < 0] = 0
            return fixed

        return {"in_place": in_place, "abs": torch.abs, "zeros_everywhere": torch.zeros_like,
                "clamp_to_one": lambda ids: ids.clamp(min=1),
                "result_not_function": torch.tensor([[5, 9, 2, 0, 0], [7, 3, 0, 0, 0]]),
                "hard_coded": lambda ids: torch.tensor([[5, 9, 2, 0, 0], [7, 3, 0, 0, 0]]),
                "clamp": lambda ids: ids.clamp(min=0), "masked_fill": lambda ids: ids.masked_fill(ids < 0, 0),
                "clone_then_assign": clone_then_assign,
                "where_minus_one": lambda ids: torch.where(ids == -1, torch.zeros_like(ids), ids)}[spec]
    raise KeyError(spec)
