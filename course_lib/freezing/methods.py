r"""The six ways of training only some rows of an embedding table, in lesson 06's order.

:mod:`course_lib.freezing` (the package's ``__init__``) is the map: what each way does and which
ones leak. Each way is also a :class:`~course_lib.freezing.strategies.FreezingStrategy`, so one
loop (the leak audit, the cost benchmark, lesson 02's ``TrainingStepper``) runs them all.

Introduced in notebooks/06_partial_freezing.ipynb.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from ..lookup import check_ids
from .._util import is_int

__all__ = [
    "PartiallyFrozenEmbedding",
    "RowRestorer",
    "SplitEmbedding",
    "TrainableTokensEmbedding",
    "grow_embedding",
    "mask_frozen_grads",
    "zero_frozen_grads_",
]


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
    if not is_int(padding_idx) \
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


def _check_frozen_ids(weight, frozen_ids) -> torch.Tensor:
    """``frozen_ids`` as a tensor of row ids of ``weight`` (a list is fine), checked with :func:`check_ids`:
    a negative id would silently freeze a row counted from the end, one past the table a raw IndexError."""
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        raise TypeError(f"weight must be a 2-D tensor (V, D); got {getattr(weight, 'shape', type(weight).__name__)}")
    if not isinstance(frozen_ids, torch.Tensor):
        frozen_ids = list(frozen_ids)
        frozen_ids = torch.as_tensor(frozen_ids, dtype=torch.long if not frozen_ids else None)
    if frozen_ids.dtype == torch.bool:
        raise TypeError("frozen_ids must be row ids, not a mask of dtype torch.bool; for a mask m use "
                        "m.nonzero().flatten()")
    return check_ids(frozen_ids, weight.shape[0], name="frozen_ids")


def _checks_frozen_ids(fn):
    """``fn(weight, frozen_ids)`` with ``frozen_ids`` checked first. Applied after the ``def``, so that
    ``inspect.getsource`` (which lesson 06 prints) shows the function's own lines."""
    @functools.wraps(fn)
    def checked(weight: torch.Tensor, frozen_ids: torch.Tensor):
        return fn(weight, _check_frozen_ids(weight, frozen_ids))
    return checked


# ---------------------------------------------------------------- 1. two tables
class SplitEmbedding(nn.Module):
    r"""Two tables, ids routed between them: ids below ``V_old`` read the frozen pretrained
    table, ids from ``V_old`` on read a small trainable one. New words must come last.

    This is the widely shared answer with its four bugs fixed: it calls
    ``super().__init__()``; it never copies or edits the caller's ids (``torch.where``
    builds new ones, where the answer called ``tensor.copy()``, which does not exist, and
    then subtracted in place); and the first new id is ``V_old`` itself, so the test is ``>=``.

    Args:
        pretrained (Tensor): the pretrained rows, ``(V_old, D)``; copied, frozen.
        num_new (int): rows of the trainable table.
        padding_idx (int, optional): a pretrained row whose gradient is always 0. Default: None.

    Shape:
        - Input: ``(*)`` ids in ``0 .. V_old + num_new - 1``.
        - Output: ``(*, D)``.

    Examples::

        >>> split = SplitEmbedding(torch.zeros(3, 2), num_new=2)
        >>> ids = torch.tensor([0, 3, 4])
        >>> split(ids)[1:].equal(split.new.weight), ids.tolist()   # new rows; ids untouched
        (True, [0, 3, 4])
        >>> [name for name, p in split.named_parameters() if p.requires_grad]
        ['new.weight']

    Introduced in notebooks/06_partial_freezing.ipynb.
    """

    def __init__(self, pretrained: torch.Tensor, num_new: int, padding_idx: int | None = None):
        super().__init__()
        pretrained = _check_weight(pretrained, "pretrained")
        if not is_int(num_new) or num_new < 1:
            raise ValueError(f"num_new must be an int >= 1 (rows to train); got {num_new!r}. "
                             "With no new rows use nn.Embedding.from_pretrained(pretrained, freeze=True)")
        self.num_pretrained = pretrained.shape[0]
        self.pretrained = nn.Embedding.from_pretrained(pretrained.clone(), freeze=True, padding_idx=padding_idx)
        self.new = nn.Embedding(num_new, pretrained.shape[1], device=pretrained.device, dtype=pretrained.dtype)

    @property
    def num_embeddings(self) -> int:
        return self.num_pretrained + self.new.num_embeddings

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        check_ids(ids, self.num_embeddings)
        is_new = ids >= self.num_pretrained                                           # (*)
        old = self.pretrained(torch.where(is_new, 0, ids))                            # (*, D)
        new = self.new(torch.where(is_new, ids - self.num_pretrained, 0))             # (*, D)
        return torch.where(is_new.unsqueeze(-1), new, old)                            # (*, D)

    def weight(self) -> torch.Tensor:
        """The whole table, ``(V_old + num_new, D)``: pretrained rows, then new rows."""
        return torch.cat([self.pretrained.weight, self.new.weight])


# ---------------------------------------------------------------- 2. zeroed gradients
def zero_frozen_grads_(weight: torch.Tensor, frozen_ids: torch.Tensor) -> None:
    """Set the gradient of rows ``frozen_ids`` of ``weight`` to zero; call it after ``backward()``.

    The optimizer still holds every row: SGD's weight decay, momentum built up before, and
    Adam's state all move zero-gradient rows (lesson 06's leak audit shows each).

    Examples::

        >>> weight = torch.nn.Parameter(torch.ones(4, 2))
        >>> weight.sum().backward()
        >>> zero_frozen_grads_(weight, torch.tensor([0, 2]))
        >>> weight.grad[:, 0].tolist()
        [0.0, 1.0, 0.0, 1.0]

    Introduced in notebooks/06_partial_freezing.ipynb.
    """
    if weight.grad is None or not len(frozen_ids):
        return
    if weight.grad.is_sparse:
        raise TypeError("zero_frozen_grads_ works on dense gradients; this one is sparse (sparse=True). "
                        "Use the grad_hook strategy or PartiallyFrozenEmbedding instead")
    weight.grad[frozen_ids] = 0


zero_frozen_grads_ = _checks_frozen_ids(zero_frozen_grads_)  # ids checked before any indexing


# ---------------------------------------------------------------- 3. a gradient hook
def mask_frozen_grads(weight: torch.Tensor, frozen_ids: torch.Tensor) -> torch.utils.hooks.RemovableHandle:
    """Register a hook that multiplies the gradient of rows ``frozen_ids`` by 0 on its way to ``weight.grad``.

    Same effect as :func:`zero_frozen_grads_`, but automatic; the optimizer still holds every
    row, so it leaks the same way. Remove it with ``handle.remove()``.

    Examples::

        >>> weight = torch.nn.Parameter(torch.ones(3, 2))
        >>> handle = mask_frozen_grads(weight, torch.tensor([1]))
        >>> weight.sum().backward(); handle.remove()
        >>> weight.grad[:, 0].tolist()
        [1.0, 0.0, 1.0]

    Introduced in notebooks/06_partial_freezing.ipynb.
    """
    keep = torch.ones(weight.shape[0], 1, dtype=weight.dtype, device=weight.device)   # (V, 1)
    keep[frozen_ids] = 0
    return weight.register_hook(lambda grad: grad * keep)


mask_frozen_grads = _checks_frozen_ids(mask_frozen_grads)  # ids checked before any indexing


# ---------------------------------------------------------------- 4. restore after the step
class RowRestorer:
    """Save rows ``frozen_ids`` of ``weight`` now; :meth:`restore` copies them back.

    Call ``restore()`` after every ``optimizer.step()``: the frozen rows end each step
    bit-for-bit as saved, but the optimizer still updates (and keeps state for) the whole table.

    Examples::

        >>> weight = torch.nn.Parameter(torch.zeros(3, 2))
        >>> restorer = RowRestorer(weight, torch.tensor([0, 2]))
        >>> with torch.no_grad(): _ = weight.add_(1.0)
        >>> restorer.restore()
        >>> weight[:, 0].tolist()
        [0.0, 1.0, 0.0]

    Introduced in notebooks/06_partial_freezing.ipynb.
    """

    def __init__(self, weight: torch.Tensor, frozen_ids: torch.Tensor):
        self.weight, self.frozen_ids = weight, _check_frozen_ids(weight, frozen_ids)
        self.saved = weight.detach()[frozen_ids].clone()                              # (V - K, D)

    def restore(self) -> None:
        with torch.no_grad():
            self.weight[self.frozen_ids] = self.saved


# ---------------------------------------------------------------- 5. and 6. buffer + trainable rows
def _reindex_after_load(module: "_TrainableRows", incompatible_keys) -> None:
    module._reindex()


class _TrainableRows(nn.Module):
    """What lesson 06's two buffer-plus-Parameter layers share: a frozen buffer ``(V, D)``
    named ``_buffer``, the ids to train ``(K,)`` and a Parameter ``(K, D)`` named ``_param``,
    with the argument checks and a checkpoint loader that loads all of them or nothing.
    Each subclass writes its own ``forward`` and ``merged_weight`` with its own names.
    """

    _buffer: str
    _param: str

    def __init__(self, weight: torch.Tensor, trainable_ids, padding_idx: int | None = None):
        super().__init__()
        weight = _check_weight(weight)
        self.num_embeddings, self.embedding_dim = weight.shape
        self.padding_idx = _check_padding_idx(padding_idx, self.num_embeddings)
        ids = _check_trainable_ids(trainable_ids, self.num_embeddings, self.padding_idx).to(weight.device)
        ids = ids.clone()  # its own memory: a slice of a longer tensor would drag all of it into every checkpoint
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

    def __getattr__(self, name: str):
        if name == "weight":  # nn.Embedding's name: weight tying (out.weight = emb.weight) and HF's tie_weights use it
            raise AttributeError(
                f"{type(self).__name__} has no .weight: its table is the buffer {self._buffer} plus the Parameter "
                f"{self._param}. For the whole table call merged_weight(); to tie an output layer, use "
                f"logits = F.linear(hidden, emb.merged_weight()), which sends gradient to {self._param}. "
                "to_embedding() gives a plain nn.Embedding (a copy)")
        return super().__getattr__(name)

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
    into a full table on every forward, as Hugging Face PEFT's trainable tokens do.

    PEFT's layer (``peft/tuners/trainable_tokens/layer.py``) leaves the table where it was, as
    the wrapped layer's frozen ``weight`` Parameter; it keeps the chosen rows' new values in a
    ``ParameterDict`` ``trainable_tokens_delta`` (one Parameter per adapter:
    ``trainable_tokens_delta.default``) and their original values in a ``BufferDict``
    ``trainable_tokens_original``, and while unmerged ``index_copy``-s the rows into a copy of
    the table on every forward. Here the table is a buffer of this module, so the layer stands alone.

    ``forward(ids)`` equals ``F.embedding(ids, self.merged_weight(), padding_idx)``. No optimizer
    can move a frozen row, but each forward copies the whole ``(V, D)`` table, which at
    400,000 x 300 is 480 MB per step.

    Args:
        weight (Tensor): the table, ``(V, D)``; copied into the buffer.
        trainable_ids (sequence of int or LongTensor): the rows to train, ``(K,)``.
        padding_idx (int, optional): as in ``nn.Embedding``. Default: None.

    Introduced in notebooks/06_partial_freezing.ipynb.
    """

    _buffer, _param = "base_weight", "delta"

    def merged_weight(self) -> torch.Tensor:
        """The whole table, ``(V, D)``: ``base_weight`` with the rows of ``delta`` put in place."""
        return self.base_weight.index_copy(0, self.trainable_ids, self.delta)               # (V, D)

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

    There is no ``.weight``: :meth:`merged_weight` is the whole table (tie an output layer
    with ``F.linear(hidden, emb.merged_weight())``). :meth:`trainable_state_dict` saves the
    trained rows alone, :meth:`load_trainable_state_dict` puts them back.

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

    Introduced in notebooks/06_partial_freezing.ipynb.
    """

    _buffer, _param = "frozen_weight", "trainable_weight"

    def merged_weight(self) -> torch.Tensor:
        """The whole table, ``(V, D)``: ``frozen_weight`` with the rows of ``trainable_weight`` put in place.

        Differentiable: a loss computed from it sends gradient to ``trainable_weight`` (only), so
        an output layer tied to the table is ``F.linear(hidden, emb.merged_weight())``; the
        layer has no ``.weight`` to assign to one.
        """
        return self.frozen_weight.index_copy(0, self.trainable_ids, self.trainable_weight)  # (V, D)

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        r"""Only what training changes: ``trainable_weight`` ``(K, D)`` and ``trainable_ids`` ``(K,)``.

        :meth:`state_dict` also holds the frozen table ``(V, D)``, which you have already (it is
        your pretrained file); a checkpoint of this dict is about ``K / V`` of that size: at
        GloVe's 400,000 x 300 with 1,000 trained rows, 1.2 MB of tensors against 481 MB.
        The tensors are detached and share memory with the layer, as ``state_dict()``'s do;
        ``torch.save`` writes them out. Load them with :meth:`load_trainable_state_dict` onto a
        layer built from the same pretrained table and ids.

        Returns:
            dict: ``{"trainable_weight": (K, D) tensor, "trainable_ids": (K,) LongTensor}``.

        Examples::

            >>> emb = PartiallyFrozenEmbedding(torch.zeros(5, 2), trainable_ids=[4, 1])
            >>> {name: tuple(t.shape) for name, t in emb.trainable_state_dict().items()}
            {'trainable_weight': (2, 2), 'trainable_ids': (2,)}

        Introduced in notebooks/06_partial_freezing.ipynb.
        """
        return {"trainable_weight": self.trainable_weight.detach(), "trainable_ids": self.trainable_ids.detach()}

    def load_trainable_state_dict(self, state) -> None:
        r"""Copy the trained rows of :meth:`trainable_state_dict` into this layer, in place.

        Build the layer first from the same pretrained table and the same ``trainable_ids``
        (``PartiallyFrozenEmbedding(weight, state["trainable_ids"])``). Everything is checked
        before anything is copied, so a wrong checkpoint changes nothing: the keys, the ids
        (the same ids in the same order), the rows' shape ``(K, D)`` and dtype. The
        Parameter stays the same object, so an optimizer built on it keeps working.

        Args:
            state (dict): ``trainable_weight`` and ``trainable_ids``, e.g.
                ``torch.load(path, weights_only=True)``; on any device.

        Examples::

            >>> table = torch.zeros(5, 2)
            >>> emb = PartiallyFrozenEmbedding(table, trainable_ids=[4, 1])
            >>> with torch.no_grad(): _ = emb.trainable_weight.fill_(7.0)
            >>> fresh = PartiallyFrozenEmbedding(table, trainable_ids=[4, 1])
            >>> fresh.load_trainable_state_dict(emb.trainable_state_dict())
            >>> torch.equal(fresh.merged_weight(), emb.merged_weight())
            True

        Introduced in notebooks/06_partial_freezing.ipynb.
        """
        weight, _ = self._checked_trainable_state(state)
        with torch.no_grad():
            self.trainable_weight.copy_(weight)

    def _checked_trainable_state(self, state) -> tuple[torch.Tensor, torch.Tensor]:
        """``state``'s rows and ids if they fit this layer; otherwise an error that names what differs."""
        keys, fix = ("trainable_weight", "trainable_ids"), "pass what trainable_state_dict() returned"
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a dict with {keys[0]!r} and {keys[1]!r}; got {type(state).__name__}; {fix}")
        if "frozen_weight" in state:
            raise ValueError("state holds 'frozen_weight': it is a whole state_dict(), not a trainable_state_dict(); "
                             "load it with load_state_dict(state)")
        missing, extra = [k for k in keys if k not in state], sorted(map(str, set(state) - set(keys)))
        if missing or extra:
            raise ValueError(f"state must hold exactly {keys[0]!r} and {keys[1]!r}; it lacks {missing} and has the "
                             f"unexpected keys {extra}; {fix} (keys with a prefix such as 'embedding.' come from a "
                             "model's state_dict(): use model.load_state_dict)")
        weight, ids = state["trainable_weight"], state["trainable_ids"]
        for key, value in zip(keys, (weight, ids)):
            if not isinstance(value, torch.Tensor):
                raise TypeError(f"state[{key!r}] must be a tensor; got {type(value).__name__}; {fix}")
        rebuild = ("build this layer with the checkpoint's ids: PartiallyFrozenEmbedding(weight, "
                   "state['trainable_ids'], padding_idx=...) from the same pretrained weight")
        if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
            raise TypeError(f"state['trainable_ids'] must hold integer ids; got dtype {ids.dtype}")
        mine = self.trainable_ids
        if ids.shape != mine.shape:
            raise ValueError(f"state['trainable_ids'] has shape {tuple(ids.shape)}, but this layer trains "
                             f"{len(mine)} rows, shape {tuple(mine.shape)}; {rebuild}")
        differ = (ids.to(mine.device, torch.long) != mine).nonzero()
        if len(differ):
            k = int(differ[0, 0])
            order = " (the same ids in another order)" if torch.equal(ids.sort().values.cpu(),
                                                                        mine.sort().values.cpu()) else ""
            raise ValueError(f"the ids differ{order}: state['trainable_ids'][{k}] = {int(ids[k])}, but this layer's "
                             f"trainable_ids[{k}] = {int(mine[k])}, so row {k} of the checkpoint was trained for "
                             f"another word; {rebuild}")
        if weight.shape != self.trainable_weight.shape:
            raise ValueError(f"state['trainable_weight'] has shape {tuple(weight.shape)}, but this layer's "
                             f"trainable_weight is {tuple(self.trainable_weight.shape)} (K, D); the checkpoint "
                             "comes from a table of another embedding_dim: build this layer from the pretrained "
                             "vectors the checkpoint was trained on")
        if weight.dtype != self.trainable_weight.dtype:
            raise TypeError(f"state['trainable_weight'] has dtype {weight.dtype}, but this layer's trainable_weight "
                            f"is {self.trainable_weight.dtype}; convert one to the other first, e.g. "
                            f"layer.to({weight.dtype}) or state['trainable_weight'].to({self.trainable_weight.dtype})")
        return weight, ids

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        flat = check_ids(ids, self.num_embeddings).reshape(-1)                           # (N,)
        out = F.embedding(flat, self.frozen_weight, self.padding_idx)                    # (N, D), no graph
        slot = self.slot[flat]                                                           # (N,)
        where = (slot >= 0).nonzero().squeeze(1)                                         # (N_trained,)
        out[where] = F.embedding(slot[where], self.trainable_weight)                     # (N_trained, D)
        return out.view(*ids.shape, self.embedding_dim)                                  # (*, D)


# ---------------------------------------------------------------- growing a vocabulary
def grow_embedding(emb: nn.Embedding, num_new: int, init: str = "mean", *,
                   generator: torch.Generator | None = None) -> nn.Embedding:
    r"""A new ``nn.Embedding`` with ``num_new`` more rows; the old rows are copied bit for bit.

    ``padding_idx``, ``max_norm``, ``scale_grad_by_freq``, ``sparse``, device and dtype are kept;
    ``emb`` is not changed. New rows:

    - ``"mean"``: Hugging Face's ``resize_token_embeddings`` (``mean_resizing=True``): drawn from
      N(mean, 1e-9 x covariance) of the old rows, so practically the mean row; the mean
      itself when that covariance is not positive-definite.
    - ``"normal"``: N(0, s^2), with ``s`` the standard deviation of the old rows' numbers.
    - ``"zeros"``: zeros.

    Args:
        emb (nn.Embedding): the trained layer.
        num_new (int): rows to add, >= 1 (``len(vocab.add_tokens(words))``).
        init (str, optional): ``"mean"``, ``"normal"`` or ``"zeros"``. Default: ``"mean"``.
        generator (torch.Generator, optional): a CPU generator for the random draws. Default: torch's.

    Examples::

        >>> old = torch.nn.Embedding(4, 3, padding_idx=0)
        >>> new = grow_embedding(old, 2)
        >>> new, new.weight[:4].equal(old.weight)
        (Embedding(6, 3, padding_idx=0), True)

    Introduced in notebooks/06_partial_freezing.ipynb.
    """
    if not isinstance(emb, nn.Embedding):
        raise TypeError(f"emb must be an nn.Embedding; got {type(emb).__name__}")
    if not is_int(num_new) or num_new < 1:
        raise ValueError(f"num_new must be an int >= 1 (the number of new words); got {num_new!r}")
    if init not in ("mean", "normal", "zeros"):
        raise ValueError(f"init must be 'mean', 'normal' or 'zeros'; got {init!r}")
    old = emb.weight.detach()
    base = old.to("cpu", torch.float32)                                               # (V, D)
    shape = (num_new, old.shape[1])
    if init == "zeros":
        rows = torch.zeros(shape)
    elif init == "normal":
        rows = torch.randn(shape, generator=generator) * base.std()
    else:
        mean = base.mean(0)                                                           # (D,)
        centred = base - mean
        cov = 1e-9 * (centred.T @ centred) / base.shape[0]                           # (D, D)
        chol, info = torch.linalg.cholesky_ex(cov)
        if int(info) == 0:
            rows = mean + torch.randn(shape, generator=generator) @ chol.T
        else:
            rows = mean.expand(shape).clone()
    new = nn.Embedding(old.shape[0] + num_new, old.shape[1], padding_idx=emb.padding_idx, max_norm=emb.max_norm,
                       norm_type=emb.norm_type, scale_grad_by_freq=emb.scale_grad_by_freq, sparse=emb.sparse,
                       device=old.device, dtype=old.dtype)
    with torch.no_grad():
        new.weight.copy_(torch.cat([old, rows.to(old.device, old.dtype)]))
    new.weight.requires_grad_(emb.weight.requires_grad)
    return new

