"""Plausible wrong answers to lesson 03's exercises, and right answers written other ways (``RIGHT``)."""
import copy

import numpy as np
import torch
from torch import nn

WRONG = {
    "lesson03.q1": [(1, 16, 64), (17, 64), (1, 65, 64), (1, 1, 64), (1, 17), (17, 1, 64), (1, 64, 17), 17],
    "lesson03.q2": [7, 8, 2, 3, 0, 9, "1", 1.5],
    "lesson03.q3": [{"weight"}, {"weight", "mean", "cache"}, {"weight", "mean", "step"}, {"mean"},
                    {"weight", "mean", "cache", "step"}, {"weight", "mean", "bias"}, "weight mean", [1, 2]],
    # right shapes and settings, wrong object: a model of the same architecture, a deep copy, fresh tensors
    "lesson03.q4": ["default_lr", "sgd", "adamw", "only_head", "other_model", "learning_rate_string", "model",
                    "lr_0_1", "same_architecture", "deep_copy", "fresh_tensors"],
    "lesson03.q5": ["new_parameter", "from_pretrained", "from_pretrained_trainable", "shared_data",
                    "does_nothing", "copy_without_no_grad", "result_not_function", "new_module_same_values",
                    "into_a_copy"],
    "lesson03.q6": [129_000, 128_000, 64_000, 65_064, 1_000, "65000"],
    "lesson03.q7": ["only_requires_grad", "only_grad_none", "zero_the_grad", "freeze_data", "detach",
                    "does_nothing", "result_not_function", "raises"],
}

# Right answers written another plausible way: each must be accepted (tests/test_exercises.py).
RIGHT = {
    "lesson03.q1": [[1, 17, 64], torch.Size([1, 17, 64]), "computed"],
    "lesson03.q2": [1.0, torch.tensor(1), np.int64(1)],
    "lesson03.q3": [["weight", "mean"], ("mean", "weight"), frozenset({"weight", "mean"}), "state_dict_keys"],
    "lesson03.q4": ["param_groups", "list_of_parameters", "lr_1e_2"],
    "lesson03.q5": ["data_copy", "slice_assign", "data_assign_clone"],
    "lesson03.q6": [65_000.0, torch.tensor(65_000), np.int64(65_000), "computed"],
    "lesson03.q7": ["attribute_then_none", "del_grad"],
}


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs; other strings are answers as they are."""
    if key == "lesson03.q1" and spec == "computed":
        from course_lib.models import TinyViT
        return TinyViT(image_size=32, patch_size=8, embedding_dim=64).pos_embedding.shape
    if key == "lesson03.q3" and spec == "state_dict_keys":  # run the class the question shows
        from course_lib.exercises.lesson03 import _Q3_CODE

        scope = {"nn": nn, "torch": torch}
        exec(_Q3_CODE.strip("`").removeprefix("python\n"), scope)
        return scope["Scaler"]().state_dict().keys()
    if key == "lesson03.q6" and spec == "computed":
        emb, head = nn.Embedding(1000, 64), nn.Linear(64, 1000)
        head.weight = emb.weight
        return sum(p.numel() for p in nn.ModuleList([emb, head]).parameters())
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
            "same_architecture": lambda: torch.optim.Adam(
                nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 2)).parameters(), lr=0.01),
            "deep_copy": lambda: torch.optim.Adam(copy.deepcopy(model).parameters(), lr=0.01),
            "fresh_tensors": lambda: torch.optim.Adam(
                [nn.Parameter(p.detach().clone()) for p in model.parameters()], lr=0.01),
            "param_groups": lambda: torch.optim.Adam(
                [{"params": model[0].parameters()}, {"params": model[1].parameters()}], lr=0.01),
            "list_of_parameters": lambda: torch.optim.Adam(list(model.parameters()), lr=0.01),
            "lr_1e_2": lambda: torch.optim.Adam(params=model.parameters(), lr=1e-2),
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

        def into_a_copy(model, vectors):  # loads into a copy; the caller's model is unchanged
            clone = copy.deepcopy(model)
            with torch.no_grad():
                clone.emb.weight.copy_(vectors)
            return clone

        def data_copy(model, vectors):
            model.emb.weight.data.copy_(vectors)

        def slice_assign(model, vectors):
            with torch.no_grad():
                model.emb.weight[:] = vectors

        def data_assign_clone(model, vectors):
            model.emb.weight.data = vectors.clone()

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
            "into_a_copy": into_a_copy,
            "data_copy": data_copy,
            "slice_assign": slice_assign,
            "data_assign_clone": data_assign_clone,
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

        def attribute_then_none(weight):
            weight.requires_grad = False
            weight.grad = None

        def del_grad(weight):
            weight.requires_grad_(False)
            del weight.grad

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
            "attribute_then_none": attribute_then_none,
            "del_grad": del_grad,
        }[spec]
    return spec
