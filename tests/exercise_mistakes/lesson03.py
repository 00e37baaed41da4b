"""Plausible wrong answers to lesson 03's exercises."""
import torch
from torch import nn

WRONG = {
    "lesson03.q1": [(1, 16, 64), (17, 64), (1, 65, 64), (1, 1, 64), (1, 17), (17, 1, 64), (1, 64, 17), 17],
    "lesson03.q2": [7, 8, 2, 3, 0, 9, "1", 1.5],
    "lesson03.q3": [{"weight"}, {"weight", "mean", "cache"}, {"weight", "mean", "step"}, {"mean"},
                    {"weight", "mean", "cache", "step"}, {"weight", "mean", "bias"}, "weight mean", [1, 2]],
    "lesson03.q4": ["default_lr", "sgd", "adamw", "only_head", "other_model", "learning_rate_string", "model",
                    "lr_0_1"],
    "lesson03.q5": ["new_parameter", "from_pretrained", "from_pretrained_trainable", "shared_data",
                    "does_nothing", "copy_without_no_grad", "result_not_function", "new_module_same_values"],
    "lesson03.q6": [129_000, 128_000, 64_000, 65_064, 1_000, "65000"],
    "lesson03.q7": ["only_requires_grad", "only_grad_none", "zero_the_grad", "freeze_data", "detach",
                    "does_nothing", "result_not_function", "raises"],
}


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs; other strings are answers as they are."""
    if key == "lesson03.q4":
        model = inputs.model
        return {
            "default_lr": lambda: torch.optim.Adam(model.parameters()),
            "sgd": lambda: torch.optim.SGD(model.parameters(), lr=0.01),
            "adamw": lambda: torch.optim.AdamW(model.parameters(), lr=0.01),
            "only_head": lambda: torch.optim.Adam(model[1].parameters(), lr=0.01),
            "other_model": lambda: torch.optim.Adam(nn.Linear(4, 4).parameters(), lr=0.01),
            "learning_rate_string": lambda: "torch.optim.Adam(q4.model.parameters(), learning_rate=0.01)",
            "model": lambda: model,
            "lr_0_1": lambda: torch.optim.Adam(model.parameters(), lr=0.1),
        }[spec]()
    if key == "lesson03.q5":
        def new_parameter(model, vectors):
            model.emb.weight = nn.Parameter(vectors.clone())

        def from_pretrained(model, vectors):
            model.emb = nn.Embedding.from_pretrained(vectors.clone())

        def from_pretrained_trainable(model, vectors):
            model.emb = nn.Embedding.from_pretrained(vectors.clone(), freeze=False)

        def shared_data(model, vectors):
            model.emb.weight.data = vectors

        def copy_without_no_grad(model, vectors):
            model.emb.weight.copy_(vectors)

        def new_module_same_values(model, vectors):
            emb = nn.Embedding(6, 3)
            with torch.no_grad():
                emb.weight.copy_(vectors)
            model.emb = emb

        return {
            "new_parameter": new_parameter,
            "from_pretrained": from_pretrained,
            "from_pretrained_trainable": from_pretrained_trainable,
            "shared_data": shared_data,
            "does_nothing": lambda model, vectors: None,
            "copy_without_no_grad": copy_without_no_grad,
            "result_not_function": inputs.vectors,
            "new_module_same_values": new_module_same_values,
        }[spec]
    if key == "lesson03.q7":
        def only_requires_grad(weight):
            weight.requires_grad = False

        def only_grad_none(weight):
            weight.grad = None

        def zero_the_grad(weight):
            weight.requires_grad_(False)
            weight.grad.zero_()

        def freeze_data(weight):
            weight.data.requires_grad = False
            weight.grad = None

        def raises(weight):
            weight.requires_grad_(False)
            weight.grad.zero_grad()

        return {
            "only_requires_grad": only_requires_grad,
            "only_grad_none": only_grad_none,
            "zero_the_grad": zero_the_grad,
            "freeze_data": freeze_data,
            "detach": lambda weight: weight.detach(),
            "does_nothing": lambda weight: None,
            "result_not_function": False,
            "raises": raises,
        }[spec]
    return spec
