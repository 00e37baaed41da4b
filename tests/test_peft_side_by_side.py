"""PEFT's trainable tokens and PartiallyFrozenEmbedding train the same rows to the same numbers.

Lesson 06's optional section "the same rows with PEFT" shows it on the lesson's task; here the
same claim on a toy model, over optimizers, with repeated ids and a padding row.
"""
from __future__ import annotations

import copy
import json

import peft  # the "hf" extra, which `make test` and CI install: a missing package fails, never skips
import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file  # installed with PEFT
from torch import nn

from course_lib.freezing import PartiallyFrozenEmbedding

V, D, NUM_CLASSES = 20, 4, 3
TRAINABLE = [11, 3, 19, 7]                      # not a tail, not sorted
OPTIMIZERS = {
    "SGD(momentum=0.9, weight_decay=0.01)": lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9,
                                                                            weight_decay=0.01),
    "Adam": lambda params: torch.optim.Adam(params, lr=0.05),
    "AdamW": lambda params: torch.optim.AdamW(params, lr=0.05),
}


class MeanClassifier(nn.Module):
    """The mean of a sentence's vectors (padding left out), then a linear layer."""

    def __init__(self, weight: torch.Tensor, num_classes: int):
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(weight, padding_idx=0)
        self.classifier = nn.Linear(weight.shape[1], num_classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        keep = (ids != 0).unsqueeze(-1)                                               # (B, T, 1)
        return self.classifier((self.embedding(ids) * keep).sum(1) / keep.sum(1))    # (B, num_classes)


def batches():
    gen = torch.Generator().manual_seed(1)
    for _ in range(15):
        ids = torch.randint(0, V, (6, 5), generator=gen)
        ids[:, 0] = torch.tensor(TRAINABLE + TRAINABLE[:2])                           # every trainable row, some twice
        yield ids, torch.randint(0, NUM_CLASSES, (6,), generator=gen)


def train(model: nn.Module, make_optimizer) -> list[torch.Tensor]:
    """Train the model's one trainable Parameter; return its gradient at every step."""
    (param,) = [p for p in model.parameters() if p.requires_grad]
    optimizer, grads = make_optimizer([param]), []
    for ids, labels in batches():
        optimizer.zero_grad()
        F.cross_entropy(model(ids), labels).backward()
        grads.append(param.grad.clone())
        optimizer.step()
    return grads


def side_by_side(make_optimizer):
    torch.manual_seed(0)
    base = MeanClassifier(torch.randn(V, D, generator=torch.Generator().manual_seed(0)), NUM_CLASSES)
    theirs = peft.get_peft_model(copy.deepcopy(base), peft.TrainableTokensConfig(target_modules=["embedding"],
                                                                                   token_indices=TRAINABLE))
    ours = copy.deepcopy(base)
    ours.embedding = PartiallyFrozenEmbedding.from_embedding(ours.embedding, TRAINABLE)
    ours.classifier.requires_grad_(False)                                             # PEFT freezes it too
    grads = train(theirs, make_optimizer), train(ours, make_optimizer)
    return base, theirs, ours, grads


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_peft_trainable_tokens_and_partially_frozen_give_the_same_table_bit_for_bit(optimizer):
    base, theirs, ours, _ = side_by_side(OPTIMIZERS[optimizer])
    adapter = peft.get_peft_model_state_dict(theirs)                                  # what PEFT would save
    (delta,) = adapter.values()
    assert torch.equal(delta, ours.embedding.trainable_state_dict()["trainable_weight"])
    merged = theirs.merge_and_unload().embedding.weight.detach()                      # (V, D)
    table = ours.embedding.merged_weight().detach()
    assert torch.equal(merged, table)
    before = base.embedding.weight
    changed = (table != before).any(dim=1).nonzero().flatten().tolist()
    assert sorted(changed) == sorted(TRAINABLE)                                       # the rows trained, no other moved
    assert torch.equal(ours.classifier.weight, base.classifier.weight)


def test_both_hold_the_same_trainable_parameters():
    _, theirs, ours, _ = side_by_side(OPTIMIZERS["Adam"])
    shapes = lambda model: [tuple(p.shape) for p in model.parameters() if p.requires_grad]
    assert shapes(theirs) == shapes(ours) == [(len(TRAINABLE), D)]


def test_peft_layer_does_not_pass_embedding_attributes_through():
    # Why lesson 06 builds its own small model for PEFT instead of BagOfEmbeddings, which reads them
    _, theirs, ours, _ = side_by_side(OPTIMIZERS["Adam"])
    wrapped = theirs.base_model.model.embedding
    assert type(wrapped).__name__ == "TrainableTokensLayer"
    assert wrapped.weight is wrapped.base_layer.weight                                # .weight: a property of PEFT's
    for name in ("padding_idx", "num_embeddings", "embedding_dim"):                   # the rest: not passed on
        assert not hasattr(wrapped, name)
    assert ours.embedding.padding_idx == 0 and ours.embedding.num_embeddings == V


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_the_gradients_agree_bit_for_bit_at_every_step(optimizer):
    # Equal forwards alone would not make the rows equal: lesson 06 claims, and checks, equal gradients too
    *_, (theirs, ours) = side_by_side(OPTIMIZERS[optimizer])
    assert len(theirs) == len(ours) == 15
    assert all(torch.equal(a, b) for a, b in zip(theirs, ours, strict=True))
    assert all(g.abs().sum() > 0 for g in ours)


def test_save_pretrained_writes_the_rows_alone_and_the_ids(tmp_path):
    _, theirs, ours, _ = side_by_side(OPTIMIZERS["AdamW"])
    assert theirs.peft_config["default"].token_indices == TRAINABLE
    theirs.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "adapter_config.json").read_text())["token_indices"] == TRAINABLE
    (rows,) = load_file(tmp_path / "adapter_model.safetensors").values()               # no frozen table in it
    assert torch.equal(rows, ours.embedding.trainable_state_dict()["trainable_weight"])
