"""TinyLM, a small GPT-style causal language model (re-exported by :mod:`course_lib.models`).

Kept in its own file so ``models.py`` stays short; import it as ``course_lib.models.TinyLM``.

Introduced in notebooks/06_soft_prompts.ipynb.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .lookup import check_ids

__all__ = ["CausalLMOutput", "TinyLM", "TinyLMConfig"]

@dataclass
class TinyLMConfig:
    """The sizes of a :class:`TinyLM`; the defaults pretrain on the course corpus in about 2 minutes on one thread.

    Examples::

        >>> TinyLMConfig(vocab_size=443).d_model
        64
        >>> TinyLMConfig(vocab_size=443, d_model=62)
        Traceback (most recent call last):
        ...
        ValueError: d_model=62 must be divisible by n_heads=4 (each head gets d_model // n_heads dims); e.g. d_model=64.

    Introduced in notebooks/06_soft_prompts.ipynb.
    """

    vocab_size: int = 443     # V: rows of the (tied) input and output embedding table
    d_model: int = 64         # D: the width of every token vector
    n_layers: int = 2         # transformer blocks
    n_heads: int = 4          # attention heads per block; must divide d_model
    d_ff: int = 256           # hidden width of each block's feed-forward layer
    max_len: int = 64         # positions the model knows: prompt + input must fit
    dropout: float = 0.0      # dropout after attention and feed-forward (0: every run is deterministic)
    init_std: float = 0.02    # std of the normal init of every weight matrix and table (as in GPT-2)

    def __post_init__(self):
        for name in ("vocab_size", "d_model", "n_layers", "n_heads", "d_ff", "max_len"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be divisible by n_heads={self.n_heads} "
                             f"(each head gets d_model // n_heads dims); "
                             f"e.g. d_model={self.n_heads * max(1, round(self.d_model / self.n_heads))}.")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)) or not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be a number in [0, 1); got {self.dropout!r}")


@dataclass
class CausalLMOutput:
    """What :meth:`TinyLM.forward` returns, named as Hugging Face's ``CausalLMOutput``.

    Introduced in notebooks/06_soft_prompts.ipynb.
    """

    logits: torch.Tensor                 # (B, T, V): scores of the next token after each position
    loss: torch.Tensor | None = None     # (): mean cross-entropy of the shifted labels; None without labels


class _CausalSelfAttention(nn.Module):
    def __init__(self, config: TinyLMConfig):
        super().__init__()
        self.n_heads, self.dropout = config.n_heads, config.dropout
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.proj = nn.Linear(config.d_model, config.d_model)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor | None) -> torch.Tensor:
        B, T, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)                                    # 3 x (B, T, D)
        q, k, v = (t.view(B, T, self.n_heads, D // self.n_heads).transpose(1, 2) for t in (q, k, v))  # (B, H, T, D/H)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, is_causal=allowed is None,
                                           dropout_p=self.dropout if self.training else 0.0)  # (B, H, T, D/H)
        return self.proj(y.transpose(1, 2).reshape(B, T, D))                     # (B, T, D)


class _Block(nn.Module):
    def __init__(self, config: TinyLMConfig):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
        self.attn = _CausalSelfAttention(config)
        self.mlp = nn.Sequential(nn.Linear(config.d_model, config.d_ff), nn.GELU(),
                                 nn.Linear(config.d_ff, config.d_model), nn.Dropout(config.dropout))

    def forward(self, x: torch.Tensor, allowed: torch.Tensor | None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), allowed)                                  # (B, T, D)
        return x + self.mlp(self.ln2(x))                                         # (B, T, D)


class TinyLM(nn.Module):
    r"""A small GPT-style causal language model with the Hugging Face calling convention.

    Token and position embeddings, ``n_layers`` pre-norm transformer blocks with causal
    self-attention, a final LayerNorm and an output layer tied to the token table
    (``lm_head.weight is wte.weight``). ``forward(input_ids=...)`` is equivalent to
    ``forward(inputs_embeds=model.get_input_embeddings()(input_ids))``: that second door is
    where a soft prompt comes in. Position ``t`` attends to positions ``<= t`` whose
    ``attention_mask`` is 1.

    Args:
        config (TinyLMConfig): the sizes.
        **overrides: fields to change in ``config``, e.g. ``TinyLM(config, n_layers=1)``.

    Shape:
        - input_ids: ``(B, T)`` ids, or inputs_embeds: ``(B, T, D)``; ``T <= max_len``.
        - attention_mask: ``(B, T)``, 1 for a real token, 0 for padding. Default: all ones.
        - labels: ``(B, T)`` ids; ``labels[:, t]`` is the target of ``logits[:, t - 1]``
          (shifted inside, as in Hugging Face); -100 is ignored.
        - Output: :class:`CausalLMOutput` with ``logits`` ``(B, T, V)`` and ``loss`` ``()``.

    Examples::

        >>> model = TinyLM(TinyLMConfig(vocab_size=20, d_model=16, n_heads=2))
        >>> ids = torch.tensor([[3, 5, 7, 2]])
        >>> out = model(input_ids=ids, labels=ids)
        >>> tuple(out.logits.shape), out.loss.shape
        ((1, 4, 20), torch.Size([]))
        >>> embeds = model.get_input_embeddings()(ids)                     # (1, 4, 16)
        >>> torch.allclose(model(inputs_embeds=embeds).logits, out.logits)
        True

    Introduced in notebooks/06_soft_prompts.ipynb.
    """

    def __init__(self, config: TinyLMConfig, **overrides):
        super().__init__()
        if not isinstance(config, TinyLMConfig):
            raise TypeError(f"config must be a TinyLMConfig; got {type(config).__name__}")
        self.config = config = TinyLMConfig(**{**vars(config), **overrides})
        self.wte = nn.Embedding(config.vocab_size, config.d_model)               # (V, D) token table
        self.wpe = nn.Embedding(config.max_len, config.d_model)                  # (max_len, D) positions
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(_Block(config) for _ in range(config.n_layers))
        self.ln_f = nn.LayerNorm(config.d_model)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight                                    # tied: one (V, D) table
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=config.init_std)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)

    def get_input_embeddings(self) -> nn.Embedding:
        """The token table, as Hugging Face models name it."""
        return self.wte

    def forward(self, input_ids: torch.Tensor | None = None, inputs_embeds: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None, labels: torch.Tensor | None = None) -> CausalLMOutput:
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("pass exactly one of input_ids (B, T) and inputs_embeds (B, T, D)")
        if inputs_embeds is None:
            check_ids(input_ids, self.config.vocab_size, name="input_ids")
            inputs_embeds = self.wte(input_ids)                                  # (B, T, D)
        if inputs_embeds.dim() != 3 or inputs_embeds.shape[-1] != self.config.d_model:
            raise ValueError(f"inputs_embeds must have shape (B, T, {self.config.d_model}); "
                             f"got {tuple(inputs_embeds.shape)}")
        B, T, _ = inputs_embeds.shape
        if T > self.config.max_len:
            raise ValueError(f"the input has T={T} positions but max_len={self.config.max_len}; "
                             "shorten the input (and the prompt) or build the model with a larger max_len")
        positions = torch.arange(T, device=inputs_embeds.device)
        x = self.drop(inputs_embeds + self.wpe(positions))                       # (B, T, D) + (T, D)
        allowed = None                                                           # causal only: SDPA's is_causal
        if attention_mask is not None:
            if tuple(attention_mask.shape) != (B, T):
                raise ValueError(f"attention_mask must have shape (B, T) = {(B, T)}; got {tuple(attention_mask.shape)}")
            causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()  # (T, T)
            eye = torch.eye(T, dtype=torch.bool, device=x.device)                # a padded query sees itself: no NaN
            allowed = (causal & attention_mask.bool()[:, None, :]) | eye         # (B, T, T)
            allowed = allowed[:, None]                                           # (B, 1, T, T): every head
        for block in self.blocks:
            x = block(x, allowed)                                                # (B, T, D)
        logits = self.lm_head(self.ln_f(x))                                      # (B, T, V)
        loss = None
        if labels is not None:
            if tuple(labels.shape) != (B, T):
                raise ValueError(f"labels must have shape (B, T) = {(B, T)}; got {tuple(labels.shape)}")
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]),  # (B*(T-1), V)
                                   labels[:, 1:].reshape(-1), ignore_index=-100)
        return CausalLMOutput(logits=logits, loss=loss)
