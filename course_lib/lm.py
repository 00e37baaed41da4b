"""The course's pretrained :class:`~course_lib.models.TinyLM`: its vocabulary, its training and its checkpoint.

The language model reads the toy-world corpus as one stream of words in which every
sentence ends with the token ``<eos>`` (the corpus file has one sentence per line and
``vocab.json`` has no separator, so :func:`lm_vocab` appends ``<eos>`` as the last id,
443 for the shipped data). Pretraining samples windows of ``max_len`` tokens at random
offsets of that stream (sentences packed back to back, as GPT-2 was trained), so the
model meets sentences at every position, which is what a prompt in front of a sentence
needs. ``data/tinylm.pt`` holds the trained model; ``python -m course_lib train-tinylm``
(:func:`main`) re-trains it in about 2 minutes on one CPU thread.

Introduced in notebooks/07_soft_prompts.ipynb.
"""
from __future__ import annotations

import dataclasses
import io
import math
import os
import time
from pathlib import Path

import torch

from .data import DATA_DIR, load_corpus, load_vocab
from .models import TinyLM, TinyLMConfig
from .vocab import Vocab
from ._util import write_atomic

__all__ = ["CHECKPOINT", "EOS", "encode_corpus", "lm_vocab", "load_tiny_lm", "pretrain_tiny_lm",
           "save_tiny_lm"]

#: the sentence separator the language model adds to the course vocabulary
EOS = "<eos>"
#: where the shipped checkpoint lives
CHECKPOINT = DATA_DIR / "tinylm.pt"
_FORMAT = "course_lib.TinyLM"


def lm_vocab(vocab: Vocab | None = None) -> Vocab:
    """The course vocabulary with ``<eos>`` appended (a new Vocab; ``vocab`` is not changed).

    Examples::

        >>> v = lm_vocab()
        >>> len(v) == len(load_vocab()) + 1, v.tokens[-1], v["good"] == load_vocab()["good"]
        (True, '<eos>', True)

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    tokens = (vocab or load_vocab()).tokens
    return Vocab(tokens if EOS in tokens else tokens + [EOS])


def encode_corpus(corpus: list[list[str]], vocab: Vocab) -> torch.Tensor:
    """The corpus as one id stream, ``<eos>`` after every sentence and once at the start.

    Shape:
        - Output: ``(N,)`` with ``N = 1 + sum(len(s) + 1 for s in corpus)``.

    Examples::

        >>> v = lm_vocab()
        >>> v.decode(encode_corpus([["we", "ate"], ["it", "was", "good"]], v))
        ['<eos>', 'we', 'ate', '<eos>', 'it', 'was', 'good', '<eos>']

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    if EOS not in vocab:
        raise ValueError(f"vocab has no {EOS!r} token; pass lm_vocab(vocab)")
    words = [EOS] + [w for sentence in corpus for w in (*sentence, EOS)]
    return vocab.encode(words)


def pretrain_tiny_lm(config: TinyLMConfig | None = None, *, num_steps: int = 2500, batch_size: int = 32,
                     lr: float = 3e-3, warmup_steps: int = 200, seed: int = 0, log_every: int = 500,
                     print_fn=print) -> tuple[TinyLM, dict]:
    """Pretrain a :class:`TinyLM` on the toy-world corpus (next-token prediction).

    Each step takes ``batch_size`` windows of ``config.max_len`` ids at random offsets of
    the first 95% of :func:`encode_corpus`'s stream; the last 5% is held out. AdamW
    (weight decay 0.01), linear warm-up then cosine decay of ``lr``. One generator seeded
    with ``seed`` picks the windows, so a run is reproducible on one machine and thread count.

    Args:
        config (TinyLMConfig, optional): the sizes. Default: ``TinyLMConfig(vocab_size=len(lm_vocab()))``.
        num_steps (int, optional): optimizer steps. Default: ``2500``.
        batch_size (int, optional): windows per step. Default: ``32``.
        lr (float, optional): peak learning rate. Default: ``3e-3``.
        warmup_steps (int, optional): steps of linear warm-up. Default: ``200``.
        seed (int, optional): seeds the init and the windows. Default: ``0``.
        log_every (int, optional): print the losses every so many steps (0: never). Default: ``500``.
        print_fn (callable, optional): where log lines go. Default: ``print``.

    Returns:
        (TinyLM, dict): the model (in eval mode) and a summary: ``train_loss``,
        ``heldout_loss``, ``seconds`` and the arguments.

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    vocab = lm_vocab()
    config = config or TinyLMConfig(vocab_size=len(vocab))
    if config.vocab_size != len(vocab):
        raise ValueError(f"config.vocab_size={config.vocab_size} but the corpus vocabulary with {EOS} has "
                         f"{len(vocab)} words; use TinyLMConfig(vocab_size={len(vocab)})")
    torch.manual_seed(seed)
    model = TinyLM(config)
    stream = encode_corpus(load_corpus(), vocab)                                 # (N,)
    split = int(0.95 * len(stream))
    train, heldout = stream[:split], stream[split:]
    T = config.max_len
    gen = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warmup_steps) * 0.5 * (
        1 + math.cos(math.pi * min(1.0, s / num_steps))))
    start, running = time.perf_counter(), None
    model.train()
    for step in range(1, num_steps + 1):
        offsets = torch.randint(0, len(train) - T, (batch_size,), generator=gen)  # (B,)
        batch = train[offsets[:, None] + torch.arange(T)]                        # (B, T)
        loss = model(input_ids=batch, labels=batch).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if log_every and (step % log_every == 0 or step == num_steps):
            print_fn(f"step {step:5d}/{num_steps}  train loss {running:.3f}  {time.perf_counter() - start:6.1f} s")
    model.eval()
    with torch.no_grad():
        windows = heldout[: len(heldout) // T * T].view(-1, T)                   # (n, T)
        heldout_loss = model(input_ids=windows, labels=windows).loss.item()
    summary = {"train_loss": running, "heldout_loss": heldout_loss, "seconds": time.perf_counter() - start,
               "num_steps": num_steps, "batch_size": batch_size, "lr": lr, "warmup_steps": warmup_steps,
               "seed": seed, "torch": str(torch.__version__)}
    return model, summary


def save_tiny_lm(path: str | os.PathLike, model: TinyLM, vocab: Vocab, summary: dict | None = None, *,
                 overwrite: bool = False) -> Path:
    """Write ``model`` (state_dict, config, vocabulary, training summary) for ``torch.load(weights_only=True)``.

    The file appears whole or not at all (a temporary file, then ``os.replace``), so a failed
    write never destroys the checkpoint it was replacing; an existing file is replaced only
    with ``overwrite=True``.

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    if len(vocab) != model.config.vocab_size:
        raise ValueError(f"vocab has {len(vocab)} words but the model's vocab_size is {model.config.vocab_size}")
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save {path}: no folder {path.parent}; create it first")
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items() if k != "lm_head.weight"}  # tied
    buffer = io.BytesIO()
    torch.save({"format": _FORMAT, "version": 1, "config": dict(vars(model.config)), "tokens": vocab.tokens,
                "state_dict": state, "summary": dict(summary or {})}, buffer)
    write_atomic(path, buffer.getvalue())
    return path


def _retrain(path: Path) -> str:
    """The command that writes ``path`` again."""
    return "python -m course_lib train-tinylm" + ("" if path.resolve() == CHECKPOINT.resolve() else f" --out {path}")


def _broken(path: Path, reason: str) -> ValueError:
    return ValueError(f"{path}: {reason}; re-create it with `{_retrain(path)} --force` (about 2 min)")


def load_tiny_lm(path: str | os.PathLike = CHECKPOINT, *, map_location=None) -> tuple[TinyLM, Vocab]:
    """Read a checkpoint written by :func:`save_tiny_lm`: the model in eval mode and its vocabulary.

    Everything is checked before a model is returned (the config's keys and values, the
    vocabulary against ``config.vocab_size``, every tensor's name and shape, finite values);
    an error names the file and the command that re-creates it.

    Examples::

        >>> model, vocab = load_tiny_lm()
        >>> model.config.d_model, vocab.tokens[-1], model.training
        (64, '<eos>', False)

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; `{_retrain(path)}` re-trains it (about 2 min)")
    try:
        ckpt = torch.load(path, map_location=map_location or "cpu", weights_only=True)
    except Exception as err:  # not a torch file, a truncated one, or a pickle weights_only refuses
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        raise _broken(path, f"not a readable TinyLM checkpoint (torch.load: {first})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != _FORMAT:
        raise _broken(path, "not a TinyLM checkpoint written by course_lib.lm.save_tiny_lm")
    config, tokens, state = ckpt.get("config"), ckpt.get("tokens"), ckpt.get("state_dict")
    fields = {f.name for f in dataclasses.fields(TinyLMConfig)}
    if not isinstance(config, dict):
        raise _broken(path, f"its config must be a dict of TinyLMConfig's fields; got {type(config).__name__}")
    missing, unknown = sorted(fields - set(config)), sorted(map(str, set(config) - fields))
    if missing or unknown:
        raise _broken(path, "its config does not match TinyLMConfig" + (f": missing {missing}" if missing else "")
                      + (f"{',' if missing else ':'} unknown {unknown}" if unknown else ""))
    try:
        config = TinyLMConfig(**config)
        vocab = Vocab(tokens) if isinstance(tokens, list) else None
    except (TypeError, ValueError) as err:
        raise _broken(path, str(err)) from None
    if vocab is None:
        raise _broken(path, f"its tokens must be a list of words; got {type(tokens).__name__}")
    if len(vocab) != config.vocab_size:
        raise _broken(path, f"its vocabulary has {len(vocab)} words but its config says vocab_size="
                            f"{config.vocab_size}")
    if not isinstance(state, dict) or not isinstance(state.get("wte.weight"), torch.Tensor):
        raise _broken(path, "its state_dict has no wte.weight tensor")
    for name, tensor in state.items():
        if not isinstance(tensor, torch.Tensor):
            raise _broken(path, f"state_dict[{name!r}] is a {type(tensor).__name__}, not a tensor")
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise _broken(path, f"state_dict[{name!r}] has {int((~torch.isfinite(tensor)).sum())} NaN or "
                                "infinite value(s)")
    model = TinyLM(config)
    try:  # strict: a missing, unknown or misshapen tensor raises, nothing loads half-way
        model.load_state_dict(dict(state, **{"lm_head.weight": state["wte.weight"]}))
    except RuntimeError as err:
        raise _broken(path, " ".join(str(err).split())[:300]) from None
    return model.eval(), vocab
