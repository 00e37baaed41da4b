"""The buffer-plus-Parameter layers of lesson 05 and the argument checks of ``course_lib.freezing``.

Public names are re-exported by :mod:`course_lib.freezing`.

Introduced in notebooks/05_partial_freezing.ipynb.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .lookup import check_ids

__all__ = ["PartiallyFrozenEmbedding", "TrainableTokensEmbedding"]


# ---------------------------------------------------------------- argument checks
def _check_weight(weight, name: str = "weight") -> torch.Tensor:
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"{name} must be a 2-D float tensor (V, D); got {type(weight).__name__}")
    if weight.dim() != 2 or not weight.is_floating_point():
        raise ValueError(f"{name} must be a 2-D float tensor (V, D); got shape {tuple(weight.shape)}, "
                         f"dtype {weight.dtype}")
    return weight.detach()


def _check_padding_idx(padding_idx, num_embeddings: int) -> int | None:
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, int) \
            or not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"padding_idx must be None or an int in {-num_embeddings}..{num_embeddings - 1}; "
                         f"got {padding_idx!r}")
    return padding_idx % num_embeddings  # as nn.Embedding stores it


def _check_trainable_ids(trainable_ids, num_embeddings: int, padding_idx: int | None) -> torch.Tensor:
    """``trainable_ids`` as a 1-D LongTensor of distinct ids in range, or a clear error."""
    if not isinstance(trainable_ids, torch.Tensor):
        trainable_ids = list(trainable_ids)
    if len(trainable_ids) == 0:
        raise ValueError("trainable_ids is empty: nothing would train. To freeze the whole table use "
                         "nn.Embedding.from_pretrained(weight, freeze=True)")
    ids = torch.as_tensor(trainable_ids)
    if ids.is_floating_point() or ids.dtype == torch.bool or ids.is_complex():
        raise TypeError(f"trainable_ids must be integer row ids; got dtype {ids.dtype}. "
                        "Pass a list of ints or a LongTensor (for a mask m use m.nonzero().flatten())")
    ids = ids.flatten().long()
    check_ids(ids, num_embeddings, name="trainable_ids")
    unique, counts = torch.unique(ids, return_counts=True)
    if (counts > 1).any():
        raise ValueError(f"trainable_ids holds id {int(unique[counts > 1][0])} more than once; "
                         "pass each row once (e.g. sorted(set(ids)))")
    if padding_idx is not None and bool((ids == padding_idx).any()):
        raise ValueError(f"trainable_ids holds padding_idx={padding_idx}, a row that never trains; "
                         "remove it from trainable_ids or pass padding_idx=None")
    return ids


# ---------------------------------------------------------------- 5. and 6. buffer + trainable rows
def _reindex_after_load(module: "_TrainableRows", incompatible_keys) -> None:
    module._reindex()


class _TrainableRows(nn.Module):
    """A frozen buffer ``(V, D)``, the ids to train ``(K,)`` and a Parameter ``(K, D)``."""

    _param = "trainable_weight"

    def __init__(self, weight: torch.Tensor, trainable_ids, padding_idx: int | None = None):
        super().__init__()
        weight = _check_weight(weight)
        self.num_embeddings, self.embedding_dim = weight.shape
        self.padding_idx = _check_padding_idx(padding_idx, self.num_embeddings)
        ids = _check_trainable_ids(trainable_ids, self.num_embeddings, self.padding_idx).to(weight.device)
        self.register_buffer(self._buffer, weight.clone())
        self.register_buffer("trainable_ids", ids)
        self.register_parameter(self._param, nn.Parameter(weight[ids].clone()))
        self.register_buffer("slot", self._slots(), persistent=False)
        self.register_load_state_dict_post_hook(_reindex_after_load)  # a function, so the module pickles

    def _slots(self) -> torch.Tensor:
        """``slot[i]`` = where row ``i`` sits in the Parameter, or -1 if it is frozen. ``(V,)``"""
        ids = _check_trainable_ids(self.trainable_ids, self.num_embeddings, self.padding_idx)
        slot = torch.full((self.num_embeddings,), -1, dtype=torch.long, device=ids.device)
        slot[ids] = torch.arange(len(ids), device=ids.device)
        return slot

    def _reindex(self) -> None:
        self.slot = self._slots()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        """Check the checkpoint's rows and ids first, so a bad one loads nothing (not half a module)."""
        name = type(self).__name__
        shapes = {self._buffer: (self.num_embeddings, self.embedding_dim), "trainable_ids": self.trainable_ids.shape,
                  self._param: (len(self.trainable_ids), self.embedding_dim)}
        absent = [prefix + key for key in shapes if prefix + key not in state_dict]
        if 0 < len(absent) < len(shapes):
            error_msgs.append(f"the checkpoint lacks {', '.join(absent)}; a {name} loads all of "
                              f"{', '.join(prefix + key for key in shapes)} or none, so nothing was loaded")
            return
        for key, shape in shapes.items():
            value = state_dict.get(prefix + key)
            if value is not None and tuple(value.shape) != tuple(shape):
                error_msgs.append(f"{prefix}{key} in the checkpoint has shape {tuple(value.shape)}, but this {name} "
                                  f"expects {tuple(shape)}; build the module with the checkpoint's table and "
                                  f"trainable_ids, e.g. {name}(state['{prefix}{self._buffer}'], "
                                  f"state['{prefix}trainable_ids'])")
                return
        ids = state_dict.get(prefix + "trainable_ids")
        if ids is not None:
            try:
                _check_trainable_ids(ids, self.num_embeddings, self.padding_idx)
            except (TypeError, ValueError, IndexError) as err:
                error_msgs.append(f"{prefix}trainable_ids in the checkpoint: {err}")
                return
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def merged_weight(self) -> torch.Tensor:
        """The whole table, ``(V, D)``: the frozen rows with the trained rows put in place."""
        return getattr(self, self._buffer).index_copy(0, self.trainable_ids, getattr(self, self._param))

    def to_embedding(self) -> nn.Embedding:
        """A plain, trainable ``nn.Embedding`` holding :meth:`merged_weight` (a copy)."""
        return nn.Embedding.from_pretrained(self.merged_weight().detach().clone(), freeze=False,
                                            padding_idx=self.padding_idx)

    @classmethod
    def from_embedding(cls, emb: nn.Embedding, trainable_ids):
        """Build from an ``nn.Embedding``'s weight (copied) and ``padding_idx``; ``emb`` is not changed."""
        if not isinstance(emb, nn.Embedding):
            raise TypeError(f"emb must be an nn.Embedding; got {type(emb).__name__}")
        if emb.max_norm is not None:
            raise ValueError(f"emb has max_norm={emb.max_norm}, which renormalises rows in place during "
                             "lookups; this class does not support it. Build from emb.weight instead")
        return cls(emb.weight, trainable_ids, padding_idx=emb.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}, trainable={len(self.trainable_ids)}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")


class TrainableTokensEmbedding(_TrainableRows):
    r"""A frozen buffer ``base_weight`` plus a Parameter ``delta`` for the chosen rows, merged
    into a full table on every forward: Hugging Face PEFT's trainable-tokens design.

    ``forward(ids)`` equals ``F.embedding(ids, self.merged_weight(), padding_idx)``. No optimizer
    can move a frozen row, but each forward copies the whole ``(V, D)`` table, which at
    400,000 x 300 is 480 MB per step.

    Args:
        weight (Tensor): the table, ``(V, D)``; copied into the buffer.
        trainable_ids (sequence of int or LongTensor): the rows to train, ``(K,)``.
        padding_idx (int, optional): as in ``nn.Embedding``. Default: None.

    Introduced in notebooks/05_partial_freezing.ipynb.
    """

    _buffer, _param = "base_weight", "delta"

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return F.embedding(check_ids(ids, self.num_embeddings), self.merged_weight(), self.padding_idx)  # (*, D)


class PartiallyFrozenEmbedding(_TrainableRows):
    r"""An embedding table in which only the rows ``trainable_ids`` are parameters.

    ``forward(ids)`` equals ``F.embedding(ids, self.merged_weight(), padding_idx)``. The other
    rows live in the buffer ``frozen_weight``: they are not parameters, so no optimizer, weight
    decay or optimizer state from before can move them, and an optimizer keeps state for
    ``K`` rows only. A forward looks every id up in the frozen buffer, then writes the trained
    rows over the positions of trainable ids: work in proportion to the ids, never a copy of
    the table.

    Args:
        weight (Tensor): the table, ``(V, D)``, e.g. pretrained vectors with new rows appended;
            copied.
        trainable_ids (sequence of int or LongTensor): the rows to train, ``(K,)``, distinct,
            in any order (row ``trainable_ids[k]`` is ``trainable_weight[k]``).
        padding_idx (int, optional): as in ``nn.Embedding``; it cannot be trainable. Default: None.

    Attributes:
        trainable_weight (Parameter): ``(K, D)``, the only parameter.
        frozen_weight (Tensor): buffer ``(V, D)``, the table as given.
        trainable_ids (Tensor): buffer ``(K,)``.

    Shape:
        - Input: ``(*)`` integer ids.
        - Output: ``(*, D)``.

    Examples::

        >>> emb = PartiallyFrozenEmbedding(torch.zeros(5, 2), trainable_ids=[4, 1])
        >>> [(name, tuple(p.shape)) for name, p in emb.named_parameters()]
        [('trainable_weight', (2, 2))]
        >>> emb(torch.tensor([[1, 2], [4, 4]])).sum().backward()
        >>> emb.trainable_weight.grad.tolist()      # row 4 looked up twice, row 1 once
        [[2.0, 2.0], [1.0, 1.0]]
        >>> emb
        PartiallyFrozenEmbedding(5, 2, trainable=2)

    Introduced in notebooks/05_partial_freezing.ipynb.
    """

    _buffer = "frozen_weight"

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        flat = check_ids(ids, self.num_embeddings).reshape(-1)                           # (N,)
        out = F.embedding(flat, self.frozen_weight, self.padding_idx)                    # (N, D), no graph
        slot = self.slot[flat]                                                           # (N,)
        where = (slot >= 0).nonzero().squeeze(1)                                         # (N_trained,)
        out[where] = F.embedding(slot[where], self.trainable_weight)                     # (N_trained, D)
        return out.view(*ids.shape, self.embedding_dim)                                  # (*, D)
