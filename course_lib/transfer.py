"""Pretrained vectors on a small labelled task: a random table, a frozen one, a fine-tuned one.

:func:`encode_labelled` turns labelled sentences into padded ids and labels;
:func:`train_classifier` trains a :class:`~course_lib.models.BagOfEmbeddings` (or a
:class:`~course_lib.models.RecurrentClassifier`, one of :data:`MODELS`) from one of
:data:`INITS` with :func:`course_lib.train.fit` and records train and validation
accuracy after every epoch; :func:`build_classifier` is the untrained model it starts from.
:func:`gradient_by_position` measures how much gradient reaches each word's vector, by the
word's distance from the end of its sentence: evenly spread in a bag, fading back through a
recurrence.

Introduced in notebooks/05_pretrained_vectors.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from . import toyworld
from .models import BagOfEmbeddings, RecurrentClassifier
from .toyworld import Sentence
from .train import History, fit
from .vocab import Vocab

__all__ = ["INITS", "MODELS", "OPTIMIZERS", "build_classifier", "encode_labelled", "gradient_by_position",
           "train_classifier"]

#: how the table starts: N(0, 1) and trained; pretrained and frozen; pretrained and trained
INITS: tuple[str, ...] = ("random", "frozen", "fine-tuned")
#: what reads the table: a BagOfEmbeddings; a RecurrentClassifier with a GRU; with an LSTM
MODELS: tuple[str, ...] = ("bag", "gru", "lstm")
#: what trains it: Adam (each number's step scaled by its own recent gradients); plain SGD (lr x gradient)
OPTIMIZERS: tuple[str, ...] = ("adam", "sgd")
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


def build_classifier(init: str, *, num_classes: int, weight: torch.Tensor | None = None,
                     num_embeddings: int | None = None, embedding_dim: int | None = None, model: str = "bag",
                     hidden_size: int | None = None, seed: int = 0) -> BagOfEmbeddings | RecurrentClassifier:
    r"""The untrained classifier that :func:`train_classifier` starts from, on the CPU.

    ``init`` says how the table starts (see :func:`train_classifier`), ``model`` what reads it:
    ``"bag"`` a :class:`~course_lib.models.BagOfEmbeddings`, ``"gru"`` or ``"lstm"`` a
    :class:`~course_lib.models.RecurrentClassifier` with that cell and ``hidden_size``. The
    model's numbers come from ``seed`` alone (the global random state is left as it was), so
    ``build_classifier(init, ..., seed=s)`` is exactly the model ``train_classifier(init, ...,
    seed=s)`` trains: measure it before training.

    Args:
        init (str): one of :data:`INITS`.
        num_classes (int): the number of labels.
        weight (Tensor, optional): the pretrained table ``(V, D)``. Needed unless ``init="random"``.
        num_embeddings, embedding_dim (int, optional): the table's size for ``"random"`` without ``weight``.
        model (str, optional): one of :data:`MODELS`. Default: ``"bag"``.
        hidden_size (int, optional): the state size of ``"gru"`` and ``"lstm"``; not for ``"bag"``.
            Default: ``32``.
        seed (int, optional): the model's initial numbers. Default: ``0``.

    Returns:
        BagOfEmbeddings or RecurrentClassifier.

    Examples::

        >>> gru = build_classifier("frozen", num_classes=2, weight=torch.eye(5), model="gru", hidden_size=3)
        >>> type(gru).__name__, gru.embedding.weight.requires_grad, tuple(gru.rnn.weight_hh_l0.shape)
        ('RecurrentClassifier', False, (9, 3))
        >>> build_classifier("random", num_classes=2, num_embeddings=5, embedding_dim=2, hidden_size=8)
        Traceback (most recent call last):
        ...
        ValueError: hidden_size=8 is for model='gru' or 'lstm'; model='bag' has no recurrent state: leave hidden_size out.

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {list(INITS)}; got {init!r}")
    if model not in MODELS:
        raise ValueError(f"model must be one of {list(MODELS)}; got {model!r}")
    if weight is None and init != "random":
        raise ValueError(f"init={init!r} starts from pretrained vectors: pass weight=<(V, D) tensor>, "
                         "e.g. from course_lib.vectors.align")
    if weight is None and (num_embeddings is None or embedding_dim is None):
        raise ValueError("init='random' without weight needs num_embeddings and embedding_dim")
    if model == "bag" and hidden_size is not None:
        raise ValueError(f"hidden_size={hidden_size!r} is for model='gru' or 'lstm'; model='bag' has no recurrent "
                         "state: leave hidden_size out.")
    recurrent = {} if model == "bag" else {"hidden_size": 32 if hidden_size is None else hidden_size, "cell": model}
    cls = BagOfEmbeddings if model == "bag" else RecurrentClassifier
    with torch.random.fork_rng(devices=[]):  # the model's numbers depend on seed only
        torch.manual_seed(seed)
        if init == "random":
            size = tuple(weight.shape) if weight is not None else (num_embeddings, embedding_dim)
            return cls(*size, num_classes, **recurrent)
        return cls.from_pretrained(weight.detach().cpu(), num_classes, freeze=init == "frozen", **recurrent)


def train_classifier(init: str, train: tuple[torch.Tensor, torch.Tensor],
                     validation: tuple[torch.Tensor, torch.Tensor], *, num_classes: int,
                     weight: torch.Tensor | None = None, num_embeddings: int | None = None,
                     embedding_dim: int | None = None, model: str = "bag", hidden_size: int | None = None,
                     num_epochs: int = 30, lr: float = 0.01, optimizer: str = "adam", batch_size: int = 16,
                     seed: int = 0, device: str | torch.device = "cpu",
                     progress: bool = False) -> tuple[BagOfEmbeddings | RecurrentClassifier, History]:
    r"""Train a classifier (a bag of embeddings, or a GRU or LSTM) whose table starts as ``init`` says.

    - ``"random"``: ``nn.Embedding``'s default N(0, 1) rows (``padding_idx`` row zero), all trained;
      the table's size comes from ``weight`` if given, else ``num_embeddings`` and ``embedding_dim``.
    - ``"frozen"``: a copy of ``weight``, never changed; only the rest learns (the linear layer,
      and the GRU or LSTM of a recurrent model).
    - ``"fine-tuned"``: a copy of ``weight``, trained with everything else.

    Adam (or, with ``optimizer="sgd"``, plain SGD: no momentum, no weight decay) with learning
    rate ``lr`` on every trainable parameter, cross-entropy, batches of ``batch_size`` sentences
    shuffled each epoch. The model's initial numbers and the shuffling come from ``seed`` alone
    (the global random state is left as it was); the untrained model is :func:`build_classifier`
    with the same arguments.

    Args:
        init (str): one of :data:`INITS`.
        train (tuple): ``(ids, labels)`` from :func:`encode_labelled`.
        validation (tuple): ``(ids, labels)`` to score after each epoch.
        num_classes (int): the number of labels.
        weight (Tensor, optional): the pretrained table ``(V, D)``, e.g. from
            :func:`course_lib.vectors.align`. Needed unless ``init="random"``.
        num_embeddings, embedding_dim (int, optional): the table's size for ``"random"``
            without ``weight``.
        model (str, optional): what reads the table, one of :data:`MODELS`: ``"bag"``
            (:class:`~course_lib.models.BagOfEmbeddings`), ``"gru"`` or ``"lstm"``
            (:class:`~course_lib.models.RecurrentClassifier`). Default: ``"bag"``.
        hidden_size (int, optional): the state size of ``"gru"`` and ``"lstm"``. Default: ``32``.
        num_epochs (int, optional): passes over ``train``. Default: ``30``.
        lr (float, optional): the optimizer's learning rate. Default: ``0.01``.
        optimizer (str, optional): one of :data:`OPTIMIZERS`: ``"adam"`` (:class:`~torch.optim.Adam`,
            which scales each number's step by its own recent gradients, so a small gradient still
            moves a number by about ``lr``) or ``"sgd"`` (:class:`~torch.optim.SGD`, which moves each
            number by ``lr`` times its gradient). Default: ``"adam"``.
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
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}; got {optimizer!r}")
    classifier = build_classifier(init, num_classes=num_classes, weight=weight, num_embeddings=num_embeddings,
                                  embedding_dim=embedding_dim, model=model, hidden_size=hidden_size, seed=seed)
    device = torch.device(device)
    model = classifier.to(device)
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

    trainable = [p for p in model.parameters() if p.requires_grad]
    step = torch.optim.Adam(trainable, lr=lr) if optimizer == "adam" else torch.optim.SGD(trainable, lr=lr)
    history = fit(model, batches, loss_fn, step, num_epochs, eval_fn=eval_fn, progress=progress)
    return model, history


def gradient_by_position(model: nn.Module, ids: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    r"""How much gradient reaches each word's vector, by the word's distance from the end of its sentence.

    For each sentence, ``loss = cross_entropy(model(ids), labels)`` of that sentence alone (the
    batch's losses are summed, not averaged, so a sentence's gradient does not depend on the
    batch size). Its gradient with respect to the *output of the lookup*,
    ``d loss / d model.embedding(ids)[b, t]``, is the vector that reaches the table row of word
    ``t`` (a lookup's backward adds it to that row; lesson 02). The result's entry ``k`` is the
    mean norm of that vector over the words that have ``k`` words after them in their sentence:
    entry 0 is the last word, entry 1 the one before it, and so on.

    Why from the end: a recurrent model reads the state after the last word, so the gradient of
    a word ``k`` from the end travels back through ``k`` steps of the recurrence, whatever the
    sentence's length. Padding positions are left out (after the last word, or anywhere in a
    bag): these models ignore them, so their gradient is exactly zero. In a
    :class:`~course_lib.models.BagOfEmbeddings` every word of a sentence of ``n`` words gets the
    same vector, ``1/n`` of the gradient of the mean; averaged over sentences of different lengths,
    the far entries hold only long sentences, whose shares are smaller. Pass sentences of one
    length to compare positions on equal terms.

    Nothing of the model changes: no ``.grad`` is written, the table may be frozen, and the
    model's mode (train or eval) is left as it is.

    Args:
        model (nn.Module): a classifier whose table is ``model.embedding`` (an
            :class:`~torch.nn.Embedding` looked up once per call), such as
            :class:`~course_lib.models.BagOfEmbeddings` or :class:`~course_lib.models.RecurrentClassifier`.
        ids (Tensor): ``(B, T)`` ids padded with ``model.embedding.padding_idx``.
        labels (Tensor): ``(B,)`` class indices.

    Returns:
        Tensor: ``(L,)`` mean gradient norms on the CPU, ``L`` the longest sentence's length; entry ``k``
        for the words ``k`` from the end.

    Examples::

        >>> from course_lib.models import BagOfEmbeddings
        >>> bag = BagOfEmbeddings(10, 4, num_classes=2)
        >>> norms = gradient_by_position(bag, torch.tensor([[3, 5, 7, 2]]), torch.tensor([1]))
        >>> norms.shape, bool(torch.allclose(norms, norms[0].expand(4)))  # a bag: the same for every word
        (torch.Size([4]), True)

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """
    table = getattr(model, "embedding", None)
    if not isinstance(model, nn.Module) or not isinstance(table, nn.Embedding):
        raise TypeError(f"model must be an nn.Module with its table at model.embedding (an nn.Embedding), such as "
                        f"BagOfEmbeddings or RecurrentClassifier; got {type(model).__name__}")
    if not isinstance(ids, torch.Tensor) or ids.dim() != 2:
        raise ValueError(f"ids must be a (B, T) tensor of padded sentences; got "
                         f"{tuple(ids.shape) if isinstance(ids, torch.Tensor) else type(ids).__name__}")
    if (not isinstance(labels, torch.Tensor) or labels.dim() != 1 or labels.is_floating_point()
            or len(labels) != len(ids)):
        got = (f"{labels.dtype} of shape {tuple(labels.shape)}" if isinstance(labels, torch.Tensor)
               else type(labels).__name__)
        raise ValueError(f"labels must be a (B,) tensor of class indices, one per sentence of ids (B={len(ids)}); "
                         f"got {got}")
    pad = -1 if table.padding_idx is None else table.padding_idx
    real = ids != pad                                                        # (B, T) the words
    if not bool(real.any()):
        raise ValueError(f"ids holds no words: every id is the pad id {pad}")
    inputs = []

    def as_input(module, args, output):  # the lookup's output becomes a leaf we can take the gradient of
        inputs.append(output.detach().requires_grad_())
        return inputs[-1]

    hook = table.register_forward_hook(as_input)
    try:
        with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):  # cuDNN's RNN backward needs train()
            loss = F.cross_entropy(model(ids), labels, reduction="sum")  # each sentence's own loss
            if len(inputs) != 1:
                raise ValueError(f"model looked model.embedding up {len(inputs)} times in one call; "
                                 "gradient_by_position needs exactly one lookup of ids")
            (grad,) = torch.autograd.grad(loss, inputs[0])                   # (B, T, D)
    finally:
        hook.remove()
    norms = grad.norm(dim=-1).detach().cpu()                                 # (B, T)
    real = real.cpu()
    after = real.flip(1).cumsum(1).flip(1) - 1                               # (B, T): words after each position
    steps, values = after[real], norms[real]                                 # (N,) over the words
    length = int(steps.max()) + 1
    counts = torch.bincount(steps, minlength=length)                         # (L,) words k from the end
    return torch.zeros(length).index_add_(0, steps, values.float()) / counts  # (L,)
