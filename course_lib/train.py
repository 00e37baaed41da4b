"""One small training loop for the lessons: :func:`fit`, with a progress bar and a :class:`History`.

``fit`` does what every lesson's loop does, once, with checks that name the mistake::

    for epoch in 1..num_epochs:
        model.train()
        for batch in batches:
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model, batch).backward()
            optimizer.step()
        record {"epoch", "train_loss", **eval_fn(model)}   # eval_fn under no_grad and eval()

Progress bars and notebooks: a bar shows elapsed times and rates that change from run to
run, so the course's notebooks pass ``progress=False`` in every checked cell (and print
``history`` or plot it instead). ``progress=None`` shows a bar only in an interactive
session; ``COURSE_PROGRESS=0`` (or ``1``) overrides that guess.

Introduced in notebooks/03_parameters.ipynb.
"""
from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch
from torch import nn
from ._util import is_int, is_number

__all__ = ["History", "accuracy", "fit"]

#: Environment variable that overrides ``progress=None`` ("0" off, "1" on).
PROGRESS_ENV = "COURSE_PROGRESS"
_RESERVED = ("epoch", "train_loss")


class History:
    """What :func:`fit` recorded: one dict per epoch, ``{"epoch", "train_loss", **eval_fn(model)}``.

    ``history["val_acc"]`` is that metric's list over epochs, ``history[-1]`` (or
    ``history.last``) the last epoch's dict, ``len(history)`` the number of epochs.

    Args:
        records (iterable of dict, optional): epochs recorded so far. Default: none.

    Examples::

        >>> h = History([{"epoch": 1, "train_loss": 0.9, "val_acc": 0.5},
        ...              {"epoch": 2, "train_loss": 0.4, "val_acc": 0.75}])
        >>> h["val_acc"], len(h), h.last["epoch"]
        ([0.5, 0.75], 2, 2)
        >>> h
        History(2 epochs; last: epoch=2, train_loss=0.4, val_acc=0.75)
        >>> h["val_loss"]
        Traceback (most recent call last):
        ...
        KeyError: "history has no metric 'val_loss'; it records: epoch, train_loss, val_acc"

    Introduced in notebooks/03_parameters.ipynb.
    """

    def __init__(self, records: Iterable[Mapping[str, float]] = ()):
        self.records: list[dict[str, float]] = [dict(r) for r in records]

    def append(self, record: Mapping[str, float]) -> None:
        """Add one epoch's dict."""
        self.records.append(dict(record))

    def keys(self) -> list[str]:
        """The metric names, in the order they were first recorded."""
        names: dict[str, None] = {}
        for record in self.records:
            names.update(dict.fromkeys(record))
        return list(names)

    @property
    def last(self) -> dict[str, float]:
        """The last epoch's dict (a copy)."""
        if not self.records:
            raise IndexError("history is empty: no epoch has been recorded yet")
        return dict(self.records[-1])

    def __getitem__(self, key: str | int) -> list[float] | dict[str, float]:
        if isinstance(key, str):
            if key not in self.keys():
                raise KeyError(f"history has no metric {key!r}; it records: {', '.join(self.keys()) or 'nothing yet'}")
            return [r.get(key, math.nan) for r in self.records]
        if is_int(key):
            return dict(self.records[key])
        raise TypeError(f"index a History with a metric name (history['val_acc']) or an epoch position "
                        f"(history[-1]); got {type(key).__name__}")

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, float]]:
        return (dict(r) for r in self.records)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self.records == other.records

    def __repr__(self) -> str:
        if not self.records:
            return "History(0 epochs)"
        last = ", ".join(f"{k}={_fmt(v)}" for k, v in self.records[-1].items())
        plural = "epoch" if len(self) == 1 else "epochs"
        return f"History({len(self)} {plural}; last: {last})"


def _fmt(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.4g}"


def _interactive() -> bool:
    env = os.environ.get(PROGRESS_ENV, "").strip()
    if env in {"0", "1"}:
        return env == "1"
    try:
        from IPython import get_ipython

        if get_ipython() is not None:
            return True
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        pass
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def _epoch_batches(batches: Any, epoch: int) -> Iterable:
    if hasattr(batches, "__iter__"):
        return batches
    return batches(epoch)


def _check_arguments(model, batches, loss_fn, optimizer, num_epochs, eval_fn) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if not is_int(num_epochs) or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive int; got {num_epochs!r}. Use e.g. num_epochs=5.")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function (model, batch) -> scalar loss tensor; got {type(loss_fn).__name__}")
    if eval_fn is not None and not callable(eval_fn):
        raise TypeError(f"eval_fn must be a function model -> dict of metrics, or None; got {type(eval_fn).__name__}")
    if not hasattr(batches, "__iter__") and not callable(batches):
        raise TypeError(f"batches must be a list of batches, a DataLoader, or a function epoch -> iterable; "
                        f"got {type(batches).__name__}")
    if isinstance(batches, Iterator):
        raise TypeError(f"batches is a one-shot iterator ({type(batches).__name__}): it would be empty after the "
                        "first epoch. Pass a list (list(batches)), a DataLoader, or a function epoch -> iterable.")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer; got {type(optimizer).__name__}. "
                        "Build one with e.g. torch.optim.Adam(model.parameters(), lr=1e-3).")
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if not params:
        raise ValueError("optimizer has no parameters to update (its param_groups are empty). "
                         "Build it with the model's parameters: torch.optim.Adam(model.parameters(), lr=...).")
    if not any(p.requires_grad for p in params):
        raise ValueError(f"optimizer holds {len(params)} parameter(s), but none has requires_grad=True, so "
                         "nothing would train. Unfreeze what should learn (p.requires_grad_(True)).")
    in_model = {id(p) for p in model.parameters()}
    if not any(id(p) in in_model for p in params):
        raise ValueError("optimizer updates none of the model's parameters: was it built before the model's "
                         "parameters were replaced (or for another model)? Build the optimizer after the "
                         "model is complete: torch.optim.Adam(model.parameters(), lr=...).")


def _check_loss(loss: Any, epoch: int, step: int) -> torch.Tensor:
    where = f"(epoch {epoch}, batch {step})"
    if not isinstance(loss, torch.Tensor):
        raise TypeError(f"loss_fn must return a scalar tensor; got {type(loss).__name__} {where}. "
                        "Return the tensor itself, not loss.item().")
    if loss.numel() != 1:
        raise ValueError(f"loss_fn must return a scalar tensor; got shape {tuple(loss.shape)} {where}. "
                         "Reduce it, e.g. F.cross_entropy(..., reduction='mean') or loss.mean().")
    if not loss.requires_grad:
        raise ValueError(f"loss_fn returned a tensor that does not require grad {where}: it is not connected to "
                         "any trainable parameter. Was it computed under torch.no_grad(), detached, or are all "
                         "parameters frozen?")
    return loss.reshape(())


def fit(model: nn.Module, batches: Iterable | Callable[[int], Iterable], loss_fn: Callable[[nn.Module, Any], torch.Tensor],
        optimizer: torch.optim.Optimizer, num_epochs: int, *,
        eval_fn: Callable[[nn.Module], Mapping[str, float]] | None = None,
        progress: bool | None = None) -> History:
    """Train ``model`` for ``num_epochs`` epochs and return the :class:`History`.

    Each step is ``optimizer.zero_grad(set_to_none=True)``, ``loss_fn(model, batch).backward()``,
    ``optimizer.step()``, with the model in ``train()`` mode. After each epoch ``eval_fn(model)``
    runs under ``torch.no_grad()`` with the model in ``eval()`` mode; the model is put back in
    ``train()`` mode afterwards. The loop draws no random numbers, so a run is reproducible
    from the seed that made the model and the batches.

    Args:
        model (nn.Module): the model; ``loss_fn`` receives it.
        batches (iterable or callable): the batches of one epoch: a list, a DataLoader, or
            any re-iterable; or a function ``epoch -> iterable`` (``epoch`` counts from 1),
            e.g. to shuffle with a generator seeded by the epoch. A one-shot iterator
            (a generator) is refused: it would be empty after the first epoch.
        loss_fn (callable): ``loss_fn(model, batch) -> scalar tensor`` (attached to the graph).
        optimizer (torch.optim.Optimizer): built on (some of) the model's parameters.
        num_epochs (int): passes over ``batches``; at least 1.
        eval_fn (callable, optional): ``eval_fn(model) -> {"name": number, ...}``, recorded
            with each epoch (e.g. ``{"train_acc": ..., "val_acc": ...}``). Default: none.
        progress (bool, optional): show a bar over epochs (``tqdm.auto``) with the latest
            metrics. Default ``None``: on in an interactive session (a Jupyter kernel, a
            terminal), off otherwise; ``COURSE_PROGRESS=0``/``1`` overrides. The course's
            notebooks pass ``progress=False`` in checked cells: a bar's timings differ
            between runs.

    Returns:
        History: one dict per epoch, ``{"epoch": e, "train_loss": mean batch loss, **eval_fn(model)}``.

    Raises:
        ValueError: ``num_epochs < 1``; an optimizer with no (trainable) parameters or none of
            the model's; a loss with more than one element or not attached to the graph; an
            empty epoch; a ``nan`` or infinite loss; ``eval_fn`` returning a reserved name.
        TypeError: an argument of the wrong kind (a one-shot iterator, ``loss.item()``, ...).

    Examples::

        >>> _ = torch.manual_seed(0)
        >>> model = nn.Linear(2, 1)
        >>> x = torch.randn(64, 2); y = x @ torch.tensor([[2.0], [-1.0]])
        >>> batches = [(x[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16)]
        >>> def loss_fn(model, batch):
        ...     inputs, targets = batch
        ...     return nn.functional.mse_loss(model(inputs), targets)
        >>> history = fit(model, batches, loss_fn, torch.optim.SGD(model.parameters(), lr=0.1),
        ...               num_epochs=20, eval_fn=lambda m: {"mse": loss_fn(m, (x, y)).item()}, progress=False)
        >>> len(history), history["mse"][-1] < 0.01 * history["mse"][0]
        (20, True)

    Introduced in notebooks/03_parameters.ipynb.
    """
    _check_arguments(model, batches, loss_fn, optimizer, num_epochs, eval_fn)
    show = _interactive() if progress is None else bool(progress)
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=num_epochs, desc="training", unit="epoch")
    history = History()
    try:
        for epoch in range(1, num_epochs + 1):
            model.train()
            total, steps = None, 0
            for steps, batch in enumerate(_epoch_batches(batches, epoch), 1):
                optimizer.zero_grad(set_to_none=True)
                loss = _check_loss(loss_fn(model, batch), epoch, steps)
                loss.backward()
                optimizer.step()
                total = loss.detach() if total is None else total + loss.detach()
            if steps == 0:
                raise ValueError(f"epoch {epoch} had no batches: batches is empty"
                                 + (" (the function returned an empty iterable)" if callable(batches) else "")
                                 + ". Check the data, the batch size and drop_last.")
            train_loss = float(total) / steps
            if not math.isfinite(train_loss):
                raise ValueError(f"the training loss became {train_loss} in epoch {epoch}. "
                                 "Lower the learning rate (lr) or check the inputs for nan.")
            record: dict[str, float] = {"epoch": epoch, "train_loss": train_loss}
            if eval_fn is not None:
                record.update(_evaluate(model, eval_fn))
            history.append(record)
            if bar is not None:
                bar.set_postfix({k: _fmt(v) for k, v in record.items() if k != "epoch"}, refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return history


def _evaluate(model: nn.Module, eval_fn: Callable[[nn.Module], Mapping[str, float]]) -> dict[str, float]:
    model.eval()
    try:
        with torch.no_grad():
            metrics = eval_fn(model)
    finally:
        model.train()
    if not isinstance(metrics, Mapping):
        raise TypeError(f"eval_fn must return a dict of metrics such as {{'val_acc': 0.9}}; "
                        f"got {type(metrics).__name__}")
    out = {}
    for name, value in metrics.items():
        if name in _RESERVED:
            raise ValueError(f"eval_fn returned the name {name!r}, which fit records itself; "
                             f"rename it (e.g. 'val_loss').")
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if not is_number(value):
            raise TypeError(f"eval_fn's metric {name!r} must be a number; got {type(value).__name__}. "
                            "Return e.g. float(accuracy).")
        out[str(name)] = float(value)
    return out


def accuracy(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> float:
    """The fraction of ``inputs`` whose highest logit is the target class.

    Runs under ``torch.no_grad()`` in ``eval()`` mode and restores the model's mode.

    Args:
        model (nn.Module): returns logits of shape ``(*, num_classes)``.
        inputs (Tensor): what the model takes, on its device.
        targets (Tensor): class ids of shape ``(*)``.

    Returns:
        float: in ``[0, 1]``.

    Examples::

        >>> accuracy(nn.Identity(), torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1]))
        0.5

    Introduced in notebooks/03_parameters.ipynb.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            predictions = model(inputs).argmax(dim=-1)
    finally:
        model.train(was_training)
    if predictions.shape != targets.shape:
        raise ValueError(f"targets must have the shape of the predictions, {tuple(predictions.shape)} "
                         f"(one class id per example); got {tuple(targets.shape)}")
    return (predictions == targets).float().mean().item()
