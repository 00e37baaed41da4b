"""Soft prompts: a few learned input vectors that steer a frozen language model.

``PromptTunedModel(base, P)`` is the base model with every parameter frozen and a
``(P, D)`` table of *virtual tokens* in front of its input embeddings: the only numbers an
optimizer trains. A ``cls_token`` (lesson 03) is a one-token learned prompt; training only
some rows of a table (lesson 06) is its cousin.

Introduced in notebooks/07_soft_prompts.ipynb.
"""
from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from .lookup import check_ids
from ._util import positive_int, write_atomic

__all__ = ["INITS", "PromptTunedModel", "SoftPrompt", "generate", "nearest_tokens"]

#: the ways a soft prompt can start
INITS = ("random", "vocab", "text", "labels")
_FORMAT = "course_lib.SoftPrompt"


class SoftPrompt(nn.Module):
    r"""A table of ``num_virtual_tokens`` learned vectors, the prompt a :class:`PromptTunedModel` prepends.

    ``init`` picks the starting values of ``weight``:

    - ``"random"``: uniform in ``[-0.5, 0.5)``, as in Lester et al. (2021).
    - ``"vocab"``: ``num_virtual_tokens`` different rows of ``embedding_weight`` drawn at
      random (with repeats only when the table has fewer rows).
    - ``"text"`` and ``"labels"``: the rows ``embedding_weight[init_token_ids]``, the ids
      repeated or cut to ``num_virtual_tokens`` (``"labels"``: the ids of the class label words).

    Args:
        num_virtual_tokens (int): P, the prompt length.
        embedding_dim (int): D, the width of the base model's input embeddings.
        init (str, optional): one of :data:`INITS`. Default: ``"random"``.
        embedding_weight (Tensor, optional): the ``(V, D)`` table to copy rows from; needed
            by every ``init`` but ``"random"``. It is copied, never changed.
        init_token_ids (sequence of int or Tensor, optional): the ids for ``"text"`` and ``"labels"``.
        generator (torch.Generator, optional): the random source of ``"random"`` and ``"vocab"``.
            Default: torch's global one.

    Shape:
        - weight: ``(P, D)``
        - Output of ``forward(batch_size)``: ``(B, P, D)``, the same prompt for every example.

    Examples::

        >>> prompt = SoftPrompt(5, 16)
        >>> tuple(prompt.weight.shape), tuple(prompt(3).shape)
        ((5, 16), (3, 5, 16))
        >>> table = torch.randn(10, 16)
        >>> torch.equal(SoftPrompt(3, 16, "text", embedding_weight=table, init_token_ids=[4, 7]).weight,
        ...             table[[4, 7, 4]])
        True
        >>> SoftPrompt(3, 16, "text", embedding_weight=table)
        Traceback (most recent call last):
        ...
        ValueError: init='text' needs init_token_ids (the ids whose rows start the prompt); got None

    Introduced in notebooks/07_soft_prompts.ipynb.
    """

    def __init__(self, num_virtual_tokens: int, embedding_dim: int, init: str = "random", *,
                 embedding_weight: torch.Tensor | None = None,
                 init_token_ids: Sequence[int] | torch.Tensor | None = None,
                 generator: torch.Generator | None = None, device=None, dtype=None):
        super().__init__()
        P, D = positive_int("num_virtual_tokens", num_virtual_tokens), positive_int("embedding_dim", embedding_dim)
        if init not in INITS:
            raise ValueError(f"init must be one of {list(INITS)}; got {init!r}")
        if init == "random":
            weight = torch.rand(P, D, generator=generator) - 0.5                  # (P, D), U(-0.5, 0.5)
        else:
            if not isinstance(embedding_weight, torch.Tensor) or embedding_weight.dim() != 2 \
                    or embedding_weight.shape[1] != D:
                got = tuple(embedding_weight.shape) if isinstance(embedding_weight, torch.Tensor) else embedding_weight
                raise ValueError(f"init={init!r} needs embedding_weight, the base model's (V, {D}) input "
                                 f"embedding table; got {got}")
            V = embedding_weight.shape[0]
            if init == "vocab":
                ids = torch.randperm(V, generator=generator)[:P] if P <= V else \
                    torch.randint(V, (P,), generator=generator)
            else:
                if init_token_ids is None:
                    raise ValueError(f"init={init!r} needs init_token_ids (the ids whose rows start the prompt); got None")
                ids = torch.as_tensor(init_token_ids, dtype=torch.long).flatten().cpu()
                if ids.numel() == 0 or ids.min() < 0 or ids.max() >= V:
                    raise ValueError(f"init_token_ids must be a non-empty list of ids in 0..{V - 1}; got {ids.tolist()}")
                ids = ids.repeat(-(-P // ids.numel()))[:P]                        # repeated or cut to P
            weight = embedding_weight.detach().cpu()[ids].clone()                 # (P, D)
        self.init = init
        self.weight = nn.Parameter(weight.to(device=device, dtype=dtype or torch.get_default_dtype()))

    @property
    def num_virtual_tokens(self) -> int:
        """P, the number of prompt vectors."""
        return self.weight.shape[0]

    def forward(self, batch_size: int) -> torch.Tensor:
        return self.weight.unsqueeze(0).expand(batch_size, -1, -1)               # (P, D) -> (B, P, D), no copy

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, {self.weight.shape[1]}" + (f", init={self.init!r}" if self.init != "random" else "")


class PromptTunedModel(nn.Module):
    r"""A frozen causal language model with a trainable :class:`SoftPrompt` in front of its input.

    ``forward(input_ids, attention_mask, labels)`` is equivalent to::

        embeds = base_model.get_input_embeddings()(input_ids)                   # (B, T, D)
        base_model(inputs_embeds=torch.cat([prompt, embeds], dim=1),            # (B, P + T, D)
                   attention_mask=torch.cat([ones(B, P), attention_mask], dim=1),
                   labels=torch.cat([full((B, P), -100), labels], dim=1))

    so the logits cover the P prompt positions followed by the T input positions, and the
    prompt positions never count in the loss. Every parameter of ``base_model`` gets
    ``requires_grad=False`` (the base model is changed in place and kept as ``.base_model``);
    the prompt is the only trainable tensor. Works with :class:`~course_lib.models.TinyLM` and
    with any Hugging Face-style causal LM that has ``get_input_embeddings()`` and accepts
    ``inputs_embeds``.

    Args:
        base_model (nn.Module): the language model to steer.
        num_virtual_tokens (int): P, the prompt length.
        init (str, optional): how the prompt starts, see :class:`SoftPrompt`. Default: ``"random"``.
        init_token_ids (sequence of int, optional): the ids for ``init="text"`` or ``"labels"``.
        generator (torch.Generator, optional): the random source of the init.

    Shape:
        - input_ids: ``(B, T)``; attention_mask, labels: ``(B, T)``.
        - Output: what ``base_model`` returns, with ``logits`` of shape ``(B, P + T, V)``.

    Examples::

        >>> from course_lib.models import TinyLM, TinyLMConfig
        >>> base = TinyLM(TinyLMConfig(vocab_size=20, d_model=16, n_heads=2))
        >>> model = PromptTunedModel(base, num_virtual_tokens=4)
        >>> [name for name, p in model.named_parameters() if p.requires_grad]
        ['soft_prompt.weight']
        >>> ids = torch.tensor([[3, 5, 7]])
        >>> tuple(model(ids, labels=ids).logits.shape)
        (1, 7, 20)

    Introduced in notebooks/07_soft_prompts.ipynb.
    """

    def __init__(self, base_model: nn.Module, num_virtual_tokens: int, init: str = "random", *,
                 init_token_ids: Sequence[int] | torch.Tensor | None = None,
                 generator: torch.Generator | None = None):
        super().__init__()
        if not callable(getattr(base_model, "get_input_embeddings", None)):
            raise TypeError(f"base_model must have get_input_embeddings() (a TinyLM or a Hugging Face causal LM); "
                            f"got {type(base_model).__name__}")
        table = base_model.get_input_embeddings().weight                          # (V, D)
        for p in base_model.parameters():
            p.requires_grad_(False)
        self.base_model = base_model
        self.soft_prompt = SoftPrompt(num_virtual_tokens, table.shape[1], init, embedding_weight=table,
                                      init_token_ids=init_token_ids, generator=generator,
                                      device=table.device, dtype=table.dtype)

    @property
    def num_virtual_tokens(self) -> int:
        """P, the prompt length."""
        return self.soft_prompt.num_virtual_tokens

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, **kwargs):
        self._check_inputs(input_ids, attention_mask, labels)                     # before any kernel runs
        B, P = input_ids.shape[0], self.num_virtual_tokens
        embeds = self.base_model.get_input_embeddings()(input_ids)                 # (B, T, D)
        inputs_embeds = torch.cat([self.soft_prompt(B), embeds], dim=1)            # (B, P + T, D)
        if attention_mask is not None:
            ones = attention_mask.new_ones(B, P)                                   # (B, P): the prompt is always seen
            attention_mask = torch.cat([ones, attention_mask], dim=1)              # (B, P + T)
        if labels is not None:
            ignore = labels.new_full((B, P), -100)                                 # (B, P): no loss on the prompt
            labels = torch.cat([ignore, labels], dim=1)                            # (B, P + T)
        return self.base_model(inputs_embeds=inputs_embeds, attention_mask=attention_mask, labels=labels, **kwargs)

    def _check_inputs(self, input_ids, attention_mask, labels) -> None:
        """``input_ids`` ``(B, T)`` of ids the base model's table has, and a mask and labels of the same shape."""
        if not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2:
            raise ValueError(f"input_ids must be a (B, T) tensor of ids; got {getattr(input_ids, 'shape', input_ids)}"
                             "; for one sentence use ids.unsqueeze(0)")
        check_ids(input_ids, self.base_model.get_input_embeddings().weight.shape[0], name="input_ids")
        for name, value in (("attention_mask", attention_mask), ("labels", labels)):
            if value is not None and (not isinstance(value, torch.Tensor) or value.shape != input_ids.shape):
                raise ValueError(f"{name} must have the shape of input_ids (B, T) = {tuple(input_ids.shape)}; got "
                                 f"{tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__}")

    def save_prompt(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write only the prompt (P x D numbers, a few KB), loadable with ``torch.load(weights_only=True)``.

        The file appears whole or not at all (a temporary file, then ``os.replace``); an existing
        file is replaced only with ``overwrite=True``.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"cannot save {path}: no folder {path.parent}; create it first")
        buffer = io.BytesIO()
        torch.save({"format": _FORMAT, "weight": self.soft_prompt.weight.detach().cpu().clone()}, buffer)
        write_atomic(path, buffer.getvalue())
        return path

    def load_prompt(self, path: str | os.PathLike) -> "PromptTunedModel":
        """Copy a prompt written by :meth:`save_prompt` into this model's prompt; refuse a prompt of another
        shape, one with NaN or infinite values, or a file that is not a prompt (nothing is loaded then)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no prompt file at {path} (resolved: {path.resolve()})")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # not a torch file, a damaged one, or a pickle weights_only refuses
            reason = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
            raise ValueError(f"{path} is not a prompt written by PromptTunedModel.save_prompt "
                             f"(torch.load: {reason})") from None
        if not isinstance(state, dict) or state.get("format") != _FORMAT or not isinstance(state.get("weight"),
                                                                                            torch.Tensor):
            raise ValueError(f"{path} is not a prompt written by PromptTunedModel.save_prompt")
        weight, ours = state["weight"], self.soft_prompt.weight
        if not weight.is_floating_point():
            raise ValueError(f"the prompt in {path} holds {weight.dtype} values; a prompt is float vectors")
        if not torch.isfinite(weight).all():
            bad = int((~torch.isfinite(weight)).sum())
            raise ValueError(f"the prompt in {path} has {bad} NaN or infinite value(s) (training diverged?); "
                             "re-train it, e.g. with a smaller lr")
        if weight.shape != ours.shape:
            raise ValueError(f"the prompt in {path} has shape {tuple(weight.shape)} (P, D) but this model's prompt "
                             f"has shape {tuple(ours.shape)}; build PromptTunedModel(base_model, "
                             f"num_virtual_tokens={weight.shape[0]}) on a base model with D={weight.shape[1]}")
        with torch.no_grad():
            ours.copy_(weight)                                                     # in place: an optimizer keeps working
        return self


def nearest_tokens(prompt_weight: torch.Tensor, embedding_weight: torch.Tensor, vocab, k: int = 5, *,
                   return_scores: bool = False) -> list[list]:
    r"""The ``k`` vocabulary words whose embeddings are most cosine-similar to each prompt vector.

    Args:
        prompt_weight (Tensor): ``(P, D)``, e.g. ``model.soft_prompt.weight``.
        embedding_weight (Tensor): ``(V, D)``, the base model's input embedding table.
        vocab (Vocab or sequence of str): the words of the table's rows.
        k (int, optional): words per prompt vector. Default: ``5``.
        return_scores (bool, optional): give ``(word, cosine)`` pairs instead of words. Default: ``False``.

    Returns:
        list of list: one list of ``k`` words per prompt vector, nearest first.

    Examples::

        >>> table = torch.eye(4)
        >>> nearest_tokens(torch.tensor([[0.0, 2.0, 0.1, 0.0]]), table, ["a", "b", "c", "d"], k=2)
        [['b', 'c']]

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    words = vocab.tokens if hasattr(vocab, "tokens") else list(vocab)
    if prompt_weight.dim() != 2 or embedding_weight.dim() != 2 or prompt_weight.shape[1] != embedding_weight.shape[1]:
        raise ValueError(f"prompt_weight (P, D) and embedding_weight (V, D) must share D; got "
                         f"{tuple(prompt_weight.shape)} and {tuple(embedding_weight.shape)}")
    if len(words) != embedding_weight.shape[0]:
        raise ValueError(f"vocab has {len(words)} words but embedding_weight has {embedding_weight.shape[0]} rows")
    k = min(positive_int("k", k), len(words))
    with torch.no_grad():
        p = torch.nn.functional.normalize(prompt_weight.detach().float(), dim=1)              # (P, D)
        e = torch.nn.functional.normalize(embedding_weight.detach().float().to(p.device), dim=1)  # (V, D)
        scores, ids = (p @ e.T).topk(k, dim=1)                                                # (P, k)
    return [[(words[i], round(s, 4)) if return_scores else words[i] for i, s in zip(row_ids, row_scores)]
            for row_ids, row_scores in zip(ids.tolist(), scores.tolist())]


@torch.no_grad()
def generate(model: nn.Module, input_ids: torch.Tensor, max_new_tokens: int = 8, *,
             eos_id: int | None = None) -> torch.Tensor:
    r"""Greedy decoding: append the most likely next token ``max_new_tokens`` times.

    Every step runs the whole model on everything so far, so a :class:`PromptTunedModel`
    puts its prompt in front at every step (no cache to forget it in). The ids returned are
    the input and the new tokens; a prompt has no ids, so it is never in them.

    Args:
        model (nn.Module): a :class:`~course_lib.models.TinyLM`, a :class:`PromptTunedModel`,
            or any model whose output has ``.logits`` of shape ``(B, L, V)``.
        input_ids (Tensor): ``(B, T)`` ids, no padding (every row the same length).
        max_new_tokens (int, optional): tokens to add. Default: ``8``.
        eos_id (int, optional): stop once every row has emitted this id. Default: never stop early.

    Returns:
        Tensor: ``(B, T + n)`` ids, ``n <= max_new_tokens``.

    Examples::

        >>> from course_lib.models import TinyLM, TinyLMConfig
        >>> base = TinyLM(TinyLMConfig(vocab_size=20, d_model=16, n_heads=2, max_len=12))
        >>> tuple(generate(base, torch.tensor([[3, 5]]), max_new_tokens=4).shape)
        (1, 6)

    Introduced in notebooks/07_soft_prompts.ipynb.
    """
    if not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2 or input_ids.dtype != torch.long:
        raise ValueError(f"input_ids must be a (B, T) tensor of int64 ids; got "
                         f"{getattr(input_ids, 'shape', input_ids)!r}; for one sentence use ids.unsqueeze(0)")
    n = positive_int("max_new_tokens", max_new_tokens)
    was_training = model.training
    model.eval()
    ids = input_ids
    for _ in range(n):
        next_id = model(input_ids=ids).logits[:, -1].argmax(dim=-1, keepdim=True)   # (B, 1): after the last token
        ids = torch.cat([ids, next_id], dim=1)                                      # (B, T + 1)
        if eos_id is not None and bool((next_id == eos_id).all()):
            break
    model.train(was_training)
    return ids
