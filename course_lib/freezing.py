r"""Training only some rows of an embedding table: six ways, and which ones leak.

The question behind lesson 05: "I loaded pretrained vectors; some words had none and got
random rows. How do I freeze the pretrained rows and train only the new ones?"
``weight.requires_grad = False`` freezes the whole table, so people reach for one of these:

1. :class:`SplitEmbedding`: two tables, ids routed between them (new words last);
2. :func:`zero_frozen_grads_`: zero the frozen rows' gradient after ``backward()``;
3. :func:`mask_frozen_grads`: a gradient hook that multiplies the frozen rows by 0;
4. :class:`RowRestorer`: copy the frozen rows back after every ``optimizer.step()``;
5. :class:`TrainableTokensEmbedding`: a frozen buffer plus a Parameter for the chosen rows,
   merged into a full table on every forward (Hugging Face PEFT's trainable-tokens design);
6. :class:`PartiallyFrozenEmbedding`: the same split, merged per looked-up id only. The
   course's recommendation.

2 and 3 leave every row in the optimizer, so weight decay and optimizer state from before the
freeze still move "frozen" rows; 4 undoes the move but pays for a full-table optimizer; 1, 5
and 6 never give the frozen rows to the optimizer at all. :func:`audit_leakage` measures it.
Each way is also a :class:`~course_lib.freezing_strategies.FreezingStrategy` registered
under the names in :data:`STRATEGY_NAMES`, so one loop (and the ``TrainingStepper``) runs them.

Introduced in notebooks/05_partial_freezing.ipynb.
"""
from __future__ import annotations

import torch
from torch import nn

from ._freezing_audit import LeakAudit, audit_leakage
from ._trainable_rows import PartiallyFrozenEmbedding, TrainableTokensEmbedding, _check_weight
from .freezing_strategies import zero_frozen_grads_
from .lookup import check_ids

__all__ = [
    "STRATEGY_NAMES",
    "LeakAudit",
    "PartiallyFrozenEmbedding",
    "RowRestorer",
    "SplitEmbedding",
    "TrainableTokensEmbedding",
    "audit_leakage",
    "grow_embedding",
    "mask_frozen_grads",
    "zero_frozen_grads_",
]

#: The six strategies of lesson 05, in the lesson's order (keys of ``freezing_strategies.STRATEGIES``).
STRATEGY_NAMES = ("split_tables", "zero_grad", "grad_hook", "restore_rows", "trainable_tokens", "partially_frozen")


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

    Introduced in notebooks/05_partial_freezing.ipynb.
    """

    def __init__(self, pretrained: torch.Tensor, num_new: int, padding_idx: int | None = None):
        super().__init__()
        pretrained = _check_weight(pretrained, "pretrained")
        if isinstance(num_new, bool) or not isinstance(num_new, int) or num_new < 1:
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

    Introduced in notebooks/05_partial_freezing.ipynb.
    """
    keep = torch.ones(weight.shape[0], 1, dtype=weight.dtype, device=weight.device)   # (V, 1)
    keep[frozen_ids] = 0
    return weight.register_hook(lambda grad: grad * keep)


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

    Introduced in notebooks/05_partial_freezing.ipynb.
    """

    def __init__(self, weight: torch.Tensor, frozen_ids: torch.Tensor):
        self.weight, self.frozen_ids = weight, frozen_ids
        self.saved = weight.detach()[frozen_ids].clone()                              # (V - K, D)

    def restore(self) -> None:
        with torch.no_grad():
            self.weight[self.frozen_ids] = self.saved


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

    Introduced in notebooks/05_partial_freezing.ipynb.
    """
    if not isinstance(emb, nn.Embedding):
        raise TypeError(f"emb must be an nn.Embedding; got {type(emb).__name__}")
    if isinstance(num_new, bool) or not isinstance(num_new, int) or num_new < 1:
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


from . import _freezing_adapters  # noqa: E402  (registers the strategies; it imports the names above)
