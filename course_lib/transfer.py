"""Pretrained vectors on a small labelled task: a random table, a frozen one, a fine-tuned one.

:func:`encode_labelled` turns labelled sentences into padded ids and labels;
:func:`train_classifier` trains a :class:`~course_lib.models.BagOfEmbeddings` from one of
:data:`INITS` with :func:`course_lib.train.fit` and records train and validation
accuracy after every epoch.

Introduced in notebooks/05_pretrained_vectors.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from . import toyworld
from .models import BagOfEmbeddings
from .toyworld import Sentence
from .train import History, fit
from .vocab import Vocab

__all__ = ["INITS", "encode_labelled", "train_classifier"]

#: how the table starts: N(0, 1) and trained; pretrained and frozen; pretrained and trained
INITS: tuple[str, ...] = ("random", "frozen", "fine-tuned")
_LABELS = {"sentiment": toyworld.SENTIMENTS, "topic": toyworld.TOPICS}


def encode_labelled(sentences: Sequence[Sentence], vocab: Vocab,
                    task: str = "sentiment") -> tuple[torch.Tensor, torch.Tensor]:
    """Labelled sentences as a padded batch of ids and a tensor of class indices.

    Args:
        sentences (sequence of Sentence): e.g. ``course_lib.data.load_sentences("train")``.
        vocab (Vocab): maps words to ids (unknown words to ``<unk>``); pads with ``<pad>``.
        task (str, optional): ``"sentiment"`` (classes ``toyworld.SENTIMENTS``) or
            ``"topic"`` (classes ``toyworld.TOPICS``). Default: ``"sentiment"``.

    Returns:
        tuple: ``ids`` (long, padded with ``vocab.pad_id``) and ``labels`` (long).

    Shape:
        - Output: ``ids`` is ``(B, T)`` with T the longest sentence; ``labels`` is ``(B,)``.

    Examples::

        >>> vocab = Vocab.from_tokens("it was good bad".split())
        >>> ids, labels = encode_labelled([Sentence(("it", "was", "good"), "food", "positive"),
        ...                                Sentence(("bad",), "food", "negative")], vocab)
        >>> ids.tolist(), labels.tolist()
        ([[4, 5, 3], [2, 0, 0]], [1, 0])

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """
    if task not in _LABELS:
        raise ValueError(f"task must be 'sentiment' or 'topic'; got {task!r}")
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a course_lib Vocab; got {type(vocab).__name__}")
    if not sentences or not all(isinstance(s, Sentence) for s in sentences):
        raise TypeError("sentences must be a non-empty list of toyworld.Sentence, e.g. data.load_sentences('train')")
    ids = nn.utils.rnn.pad_sequence([vocab.encode(list(s.tokens)) for s in sentences], batch_first=True,
                                    padding_value=vocab.pad_id)  # (B, T)
    labels = torch.tensor([_LABELS[task].index(getattr(s, task)) for s in sentences])  # (B,)
    return ids, labels


def _accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    return float((logits.argmax(dim=-1) == labels).float().mean())


def train_classifier(init: str, train: tuple[torch.Tensor, torch.Tensor],
                     validation: tuple[torch.Tensor, torch.Tensor], *, num_classes: int,
                     weight: torch.Tensor | None = None, num_embeddings: int | None = None,
                     embedding_dim: int | None = None, num_epochs: int = 30, lr: float = 0.01,
                     batch_size: int = 16, seed: int = 0, device: str | torch.device = "cpu",
                     progress: bool = False) -> tuple[BagOfEmbeddings, History]:
    r"""Train a bag-of-embeddings classifier whose table starts as ``init`` says.

    - ``"random"``: ``nn.Embedding``'s default N(0, 1) rows (``padding_idx`` row zero), all trained;
      the table's size comes from ``weight`` if given, else ``num_embeddings`` and ``embedding_dim``.
    - ``"frozen"``: a copy of ``weight``, never changed; only the linear layer learns.
    - ``"fine-tuned"``: a copy of ``weight``, trained with everything else.

    Adam with learning rate ``lr`` on every trainable parameter, cross-entropy, batches of
    ``batch_size`` sentences shuffled each epoch. The model's initial numbers and the
    shuffling come from ``seed`` alone (the global random state is left as it was).

    Args:
        init (str): one of :data:`INITS`.
        train (tuple): ``(ids, labels)`` from :func:`encode_labelled`.
        validation (tuple): ``(ids, labels)`` to score after each epoch.
        num_classes (int): the number of labels.
        weight (Tensor, optional): the pretrained table ``(V, D)``, e.g. from
            :func:`course_lib.vectors.align`. Needed unless ``init="random"``.
        num_embeddings, embedding_dim (int, optional): the table's size for ``"random"``
            without ``weight``.
        num_epochs (int, optional): passes over ``train``. Default: ``30``.
        lr (float, optional): Adam's learning rate. Default: ``0.01``.
        batch_size (int, optional): sentences per step. Default: ``16``.
        seed (int, optional): initial numbers and batch order. Default: ``0``.
        device (str or torch.device, optional): where to train. Default: ``"cpu"``.
        progress (bool, optional): a progress bar over epochs. Default: ``False``.

    Returns:
        tuple: the trained model and its :class:`~course_lib.train.History`, one dict per
        epoch with ``train_loss``, ``train_acc``, ``val_acc`` and ``val_loss``.

    Examples::

        >>> ids = torch.tensor([[2, 3], [4, 0], [2, 0], [4, 3]]); labels = torch.tensor([0, 1, 0, 1])
        >>> model, history = train_classifier("frozen", (ids, labels), (ids, labels), num_classes=2,
        ...                                   weight=torch.eye(5), num_epochs=50, lr=0.1)
        >>> history.last["val_acc"], model.embedding.weight.requires_grad
        (1.0, False)

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {list(INITS)}; got {init!r}")
    if weight is None and init != "random":
        raise ValueError(f"init={init!r} starts from pretrained vectors: pass weight=<(V, D) tensor>, "
                         "e.g. from course_lib.vectors.align")
    if weight is None and (num_embeddings is None or embedding_dim is None):
        raise ValueError("init='random' without weight needs num_embeddings and embedding_dim")
    device = torch.device(device)
    with torch.random.fork_rng(devices=[]):  # the model's numbers depend on seed only
        torch.manual_seed(seed)
        if init == "random":
            size = tuple(weight.shape) if weight is not None else (num_embeddings, embedding_dim)
            model = BagOfEmbeddings(*size, num_classes)
        else:
            model = BagOfEmbeddings.from_pretrained(weight.detach().cpu(), num_classes, freeze=init == "frozen")
    model = model.to(device)
    (x_train, y_train), (x_val, y_val) = [(x.to(device), y.to(device)) for x, y in (train, validation)]
    order = torch.Generator().manual_seed(seed)

    def batches(epoch: int):
        perm = torch.randperm(len(y_train), generator=order).to(device)
        return [(x_train[perm[i:i + batch_size]], y_train[perm[i:i + batch_size]])
                for i in range(0, len(y_train), batch_size)]

    def loss_fn(model, batch):
        ids, labels = batch
        return F.cross_entropy(model(ids), labels)

    def eval_fn(model):
        val_logits = model(x_val)
        return {"train_acc": _accuracy(model(x_train), y_train), "val_acc": _accuracy(val_logits, y_val),
                "val_loss": float(F.cross_entropy(val_logits, y_val))}

    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    history = fit(model, batches, loss_fn, optimizer, num_epochs, eval_fn=eval_fn, progress=progress)
    return model, history
