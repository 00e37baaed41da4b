"""Classification through a language model: the sentence in, a label word out (a *verbalizer*).

A task maps each class to one corpus word (:data:`course_lib.toyworld.LABEL_WORDS`:
``negative -> bad``, ``topic animals -> animals``). The model reads the sentence (after a
soft prompt, or between a hand-written prefix and suffix) and its next-token scores at
the last word are read two ways:

- **emit**: the right label word is the single most likely next token of the whole vocabulary;
- **rank**: the right label word scores higher than the other label words.

Emit implies rank; a frozen model often ranks right while emitting another word.

Introduced in notebooks/07_soft_prompts.ipynb.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .data import load_sentences
from .toyworld import LABEL_WORDS
from .vocab import Vocab

__all__ = ["VerbalizerTask", "evaluate", "make_task", "readout_logits", "sentiment_first", "train_verbalizer"]


@dataclass
class VerbalizerTask:
    """Sentences as right-padded ids, their classes, and the word each class is answered with.

    Introduced in notebooks/07_soft_prompts.ipynb.
    """

    input_ids: torch.Tensor        # (N, T) ids, right-padded with 0
    lengths: torch.Tensor          # (N,) real tokens per row (prefix + sentence + suffix)
    labels: torch.Tensor           # (N,) class index
    label_word_ids: torch.Tensor   # (C,) the vocabulary id of each class's word
    classes: tuple[str, ...]       # the class names, in label order

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: torch.Tensor) -> "VerbalizerTask":
        """The rows ``index``, cut to their longest row."""
        lengths = self.lengths[index]
        return VerbalizerTask(self.input_ids[index, : int(lengths.max())], lengths, self.labels[index],
                              self.label_word_ids, self.classes)


def make_task(task: str, split: str, vocab: Vocab, *, prefix: Sequence[str] = (),
              suffix: Sequence[str] = ()) -> VerbalizerTask:
    """The labelled sentences of ``split`` for ``task`` (``"sentiment"`` or ``"topic"``).

    Args:
        task (str): a key of :data:`~course_lib.toyworld.LABEL_WORDS`.
        split (str): ``"train"``, ``"validation"`` or ``"test"``.
        vocab (Vocab): the language model's vocabulary.
        prefix, suffix (sequence of str, optional): words of a hand-written prompt around each sentence.

    Examples::

        >>> from course_lib.lm import lm_vocab
        >>> t = make_task("sentiment", "validation", lm_vocab(), suffix=["it", "was"])
        >>> len(t), t.classes, lm_vocab().decode(t.label_word_ids)
        (600, ('negative', 'positive'), ['bad', 'good'])

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    if task not in LABEL_WORDS:
        raise ValueError(f"task must be one of {list(LABEL_WORDS)}; got {task!r}")
    classes = tuple(LABEL_WORDS[task])
    rows, labels = [], []
    for s in load_sentences(split):
        rows.append(vocab.encode([*prefix, *s.tokens, *suffix]))
        labels.append(classes.index(getattr(s, task)))
    lengths = torch.tensor([len(r) for r in rows])
    ids = nn.utils.rnn.pad_sequence(rows, batch_first=True, padding_value=vocab.pad_id)      # (N, T)
    return VerbalizerTask(ids, lengths, torch.tensor(labels), vocab.encode(list(LABEL_WORDS[task].values())),
                          classes)


def sentiment_first(split: str) -> torch.Tensor:
    """Which sentences of ``split`` say how we felt *before* what happened: ``(N,)`` bools.

    The toy world writes a sentence as an event and a feeling joined by "when" or
    "because" in either order ("it was lovely ... when the rider played cycling" or "we
    drank wine ... because it was fantastic"). A sentence counts as feeling-first when a
    sentiment word comes before its "when". At its last word such a sentence is about the
    event, so a model reading it left to right has to carry the feeling to the end.

    Examples::

        >>> first = sentiment_first("validation")
        >>> first.shape, first.dtype
        (torch.Size([600]), torch.bool)

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    from .toyworld import CATEGORIES

    mood = {w for c, words in CATEGORIES.items() if c.startswith(("positive", "negative")) for w in words}
    return torch.tensor([("when" in s.tokens and any(w in mood for w in s.tokens[:s.tokens.index("when")]))
                         for s in load_sentences(split)])


def readout_logits(model: nn.Module, batch: VerbalizerTask) -> torch.Tensor:
    """The next-token logits after each row's last real token: ``(B, V)``.

    Works for a plain language model and for a :class:`~course_lib.prompts.PromptTunedModel`,
    whose logits start with P prompt positions: the readout is counted from the right.
    """
    device = next(model.parameters()).device
    ids = batch.input_ids.to(device)                                                 # (B, T)
    mask = (torch.arange(ids.shape[1]) < batch.lengths[:, None]).long().to(device)   # (B, T)
    logits = model(input_ids=ids, attention_mask=mask).logits                        # (B, P + T, V)
    offset = logits.shape[1] - ids.shape[1]                                          # P (0 without a prompt)
    where = (offset + batch.lengths - 1).to(device)                                  # (B,)
    return logits[torch.arange(len(where), device=device), where]                    # (B, V)


@torch.no_grad()
def evaluate(model: nn.Module, task: VerbalizerTask, batch_size: int = 300) -> dict[str, float]:
    """``{"emit": ..., "rank": ...}`` accuracies of ``model`` on ``task`` (see the module docstring)."""
    was_training = model.training
    model.eval()
    emit = rank = 0
    for start in range(0, len(task), batch_size):
        batch = task.subset(torch.arange(start, min(start + batch_size, len(task))))
        logits = readout_logits(model, batch).cpu()                                   # (B, V)
        target = task.label_word_ids[batch.labels]                                    # (B,)
        emit += (logits.argmax(dim=1) == target).sum().item()
        rank += (logits[:, task.label_word_ids].argmax(dim=1) == batch.labels).sum().item()
    model.train(was_training)
    return {"emit": emit / len(task), "rank": rank / len(task)}


def train_verbalizer(model: nn.Module, task: VerbalizerTask, params: Iterable[torch.Tensor] | None = None, *,
                     num_steps: int = 600, lr: float = 0.3, batch_size: int = 32, seed: int = 0,
                     log_every: int = 0, snapshot_every: int = 0) -> dict[str, list]:
    """Train ``params`` (default: the ones that require grad) so the model emits each row's label word.

    The loss is the cross-entropy over the whole vocabulary at the readout position (the
    label word is an ordinary next token, as in the published prompt tuning), Adam at ``lr``,
    ``batch_size`` rows drawn at random each step by a generator seeded with ``seed``.

    With ``snapshot_every=k``, a CPU copy of the first trained tensor (for a
    :class:`~course_lib.prompts.PromptTunedModel`, the prompt) is kept before step 1 and
    after every k-th step: what :class:`~course_lib.widgets.PromptInspector` scrubs through.

    Returns:
        dict: ``step``, ``loss`` (per step), ``seconds`` (the wall time, one entry) and, with
        ``snapshot_every``, ``snapshot_steps`` (0, k, 2k, ...) and ``snapshots`` (one tensor each).
    """
    params = [p for p in (model.parameters() if params is None else params) if p.requires_grad]
    if not params:
        raise ValueError("nothing to train: no parameter requires grad")
    optimizer = torch.optim.Adam(params, lr=lr)
    gen = torch.Generator().manual_seed(seed)
    device = params[0].device
    history = {"step": [], "loss": []}
    if snapshot_every:
        history["snapshot_steps"], history["snapshots"] = [0], [params[0].detach().cpu().clone()]
    start = time.perf_counter()
    model.train()
    for step in range(1, num_steps + 1):
        batch = task.subset(torch.randint(len(task), (batch_size,), generator=gen))
        target = task.label_word_ids[batch.labels].to(device)                        # (B,)
        loss = F.cross_entropy(readout_logits(model, batch), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        history["step"].append(step)
        history["loss"].append(loss.item())
        if snapshot_every and step % snapshot_every == 0:
            history["snapshot_steps"].append(step)
            history["snapshots"].append(params[0].detach().cpu().clone())
        if log_every and step % log_every == 0:
            print(f"step {step}: loss {loss.item():.3f}")
    model.eval()
    history["seconds"] = [time.perf_counter() - start]
    return history
