"""Plausible wrong answers to lesson 01's exercises."""
import torch
import torch.nn.functional as F

WRONG = {
    "lesson01.q1": [(2, 5), (100, 8), (2, 5, 100), (8, 2, 5), torch.Size([2, 8]), 258],
    "lesson01.q2": ["one_hot_only", "one_hot_int", "transposed", "wrong_rows"],
    "lesson01.q3": [{1, 2, 3}, {2}, {2, 3, 5}, {1, 2, 3, 5}],
    "lesson01.q4": [torch.tensor([0, 2, 6]), torch.tensor([2, 5]), torch.tensor([0, 2, 5, 6]), torch.tensor([2, 3, 1]),
                    torch.tensor([0.0, 2.0, 5.0]), [0, 2, 5], torch.tensor([5, 2, 0])],
    "lesson01.q5": [50_000 + 300, 15_000, 60_000_000],
    "lesson01.q6": ["in_place", "abs", "clamp_to_one", "zeros_everywhere", "result_not_function"],
}


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs."""
    if key == "lesson01.q2":
        ids, weight = inputs.ids, inputs.weight
        one_hot = F.one_hot(ids, num_classes=weight.shape[0])
        return {"one_hot_only": one_hot.float(), "one_hot_int": one_hot,
                "transposed": (one_hot.float() @ weight).transpose(0, 1),
                "wrong_rows": F.embedding((ids + 1) % weight.shape[0], weight)}[spec]
    if key == "lesson01.q6":
        def in_place(ids):
            ids[ids < 0] = 0
            return ids
        return {"in_place": in_place, "abs": torch.abs, "zeros_everywhere": torch.zeros_like,
                "clamp_to_one": lambda ids: ids.clamp(min=1),
                "result_not_function": torch.tensor([[5, 9, 2, 0, 0], [7, 3, 0, 0, 0]])}[spec]
    raise KeyError(spec)
