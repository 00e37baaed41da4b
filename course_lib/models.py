"""Small models the lessons train on a CPU in seconds.

TinyViT (lesson 03), BagOfEmbeddings and RecurrentClassifier (lesson 05), TinyLM (lesson 07).

Introduced in notebooks/03_parameters.ipynb.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .lookup import check_ids
from ._util import is_int, is_number

__all__: list[str] = ["BagOfEmbeddings", "CausalLMOutput", "RecurrentClassifier", "TinyLM", "TinyLMConfig", "TinyViT",
                      "TinyViTConfig", "fit_tiny_vit", "patchify"]


# ---- lesson 03: TinyViT ----
def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Cut images into non-overlapping square patches, flattened, in row-major order.

    Patch ``n`` is grid row ``n // (W // patch_size)``, grid column ``n % (W // patch_size)``.

    Args:
        images (Tensor): shape ``(B, C, H, W)``, with ``H`` and ``W`` multiples of ``patch_size``.
        patch_size (int): side of a patch in pixels.

    Returns:
        Tensor: shape ``(B, N, C * patch_size**2)`` with ``N = (H // patch_size) * (W // patch_size)``.

    Examples::

        >>> images = torch.arange(16.0).reshape(1, 1, 4, 4)
        >>> patchify(images, 2)[0, 1]  # grid row 0, column 1: the top-right 2 x 2 block
        tensor([2., 3., 6., 7.])

    Introduced in notebooks/03_parameters.ipynb.
    """
    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        raise ValueError(f"images must be a (B, C, H, W) tensor; got {getattr(images, 'shape', type(images).__name__)}")
    if not is_int(patch_size) or patch_size < 1:
        raise ValueError(f"patch_size must be a positive int; got {patch_size!r}")
    height, width = images.shape[-2:]
    if height % patch_size or width % patch_size:
        raise ValueError(f"images of size {height} x {width} do not split into {patch_size} x {patch_size} patches; "
                         f"use images whose sides are multiples of patch_size={patch_size}.")
    patches = F.unfold(images, kernel_size=patch_size, stride=patch_size)  # (B, C*p*p, N)
    return patches.transpose(1, 2)                                          # (B, N, C*p*p)


@dataclass
class TinyViTConfig:
    """The sizes of a :class:`TinyViT`; every field has a default that trains in seconds on a CPU.

    Examples::

        >>> config = TinyViTConfig()
        >>> config.num_patches, config.patch_dim
        (16, 16)
        >>> TinyViTConfig(embedding_dim=30, num_heads=4)
        Traceback (most recent call last):
        ...
        ValueError: embedding_dim=30 must be divisible by num_heads=4 (each head gets embedding_dim // num_heads dims); e.g. embedding_dim=32.

    Introduced in notebooks/03_parameters.ipynb.
    """

    image_size: int = 16      # H = W of the input images, in pixels
    patch_size: int = 4       # side of a square patch: N = (image_size // patch_size) ** 2 patches
    in_channels: int = 1      # C: channels of the input images
    embedding_dim: int = 32   # D: the width of every token vector
    num_layers: int = 2       # transformer blocks
    num_heads: int = 4        # attention heads per block; must divide embedding_dim
    mlp_dim: int = 64         # hidden width of each block's feed-forward layer
    num_classes: int = 4      # outputs of the classification head
    init_std: float = 0.02    # std of the normal init of cls_token and pos_embedding (timm: pos_embed .02, cls_token 1e-6)

    def __post_init__(self):
        for name in ("image_size", "patch_size", "in_channels", "embedding_dim", "num_layers", "num_heads",
                     "mlp_dim", "num_classes"):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        if self.image_size % self.patch_size:
            raise ValueError(f"image_size={self.image_size} must be a multiple of patch_size={self.patch_size}; "
                             "e.g. image_size=16, patch_size=4.")
        if self.embedding_dim % self.num_heads:
            raise ValueError(f"embedding_dim={self.embedding_dim} must be divisible by num_heads={self.num_heads} "
                             f"(each head gets embedding_dim // num_heads dims); "
                             f"e.g. embedding_dim={self.num_heads * max(1, round(self.embedding_dim / self.num_heads))}.")
        if not is_number(self.init_std) or self.init_std < 0:
            raise ValueError(f"init_std must be a non-negative number; got {self.init_std!r}")

    @property
    def grid_size(self) -> int:
        """Patches per row (and per column)."""
        return self.image_size // self.patch_size

    @property
    def num_patches(self) -> int:
        """N, the number of patch tokens (the cls token comes on top)."""
        return self.grid_size ** 2

    @property
    def patch_dim(self) -> int:
        """Numbers in one flattened patch: ``in_channels * patch_size ** 2``."""
        return self.in_channels * self.patch_size ** 2


class TinyViT(nn.Module):
    """A small vision transformer: patches -> tokens, a learned cls token and position embeddings.

    ``cls_token`` (shape ``(1, 1, D)``) and ``pos_embedding`` (shape ``(1, N + 1, D)``) are
    :class:`~torch.nn.Parameter` s: tensors that the module registers, so they appear in
    ``parameters()`` and ``state_dict()`` and the optimizer trains them. ``pos_embedding``
    is an embedding table whose ids are the positions ``0..N``, always all looked up.
    The class is read off the cls token's output.

    Args:
        config (TinyViTConfig, optional): the sizes. Default: ``TinyViTConfig()``.
        **overrides: fields to change in ``config``, e.g. ``TinyViT(embedding_dim=16, num_heads=2)``.

    Shape:
        - Input: :math:`(B, C, H, W)`
        - Output: :math:`(B, \\text{num\\_classes})` (logits)

    Examples::

        >>> model = TinyViT()
        >>> tuple(model.cls_token.shape), tuple(model.pos_embedding.shape)
        ((1, 1, 32), (1, 17, 32))
        >>> [name for name, _ in model.named_parameters()][:3]
        ['cls_token', 'pos_embedding', 'patch_embedding.weight']
        >>> tuple(model(torch.zeros(5, 1, 16, 16)).shape)
        (5, 4)

    Introduced in notebooks/03_parameters.ipynb.
    """

    def __init__(self, config: TinyViTConfig | None = None, **overrides):
        super().__init__()
        if config is not None and not isinstance(config, TinyViTConfig):
            raise TypeError(f"config must be a TinyViTConfig or None; got {type(config).__name__}")
        config = TinyViTConfig(**{**(vars(config) if config else {}), **overrides})
        self.config = config
        D = config.embedding_dim
        self.cls_token = nn.Parameter(torch.randn(1, 1, D) * config.init_std)                            # (1, 1, D)
        self.pos_embedding = nn.Parameter(torch.randn(1, config.num_patches + 1, D) * config.init_std)  # (1, N+1, D)
        self.patch_embedding = nn.Linear(config.patch_dim, D)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(D, config.num_heads, config.mlp_dim, dropout=0.0, batch_first=True,
                                       norm_first=True)
            for _ in range(config.num_layers))
        self.norm = nn.LayerNorm(D)
        self.head = nn.Linear(D, config.num_classes)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """The tokens that enter the first block: ``[cls, patch_1 .. patch_N] + pos_embedding``."""
        c = self.config
        if images.dim() != 4 or tuple(images.shape[1:]) != (c.in_channels, c.image_size, c.image_size):
            raise ValueError(f"images must have shape (B, {c.in_channels}, {c.image_size}, {c.image_size}); "
                             f"got {tuple(images.shape)}")
        patches = patchify(images, c.patch_size)                     # (B, N, C*p*p)
        tokens = self.patch_embedding(patches)                       # (B, N, D)
        cls = self.cls_token.expand(images.shape[0], -1, -1)         # (B, 1, D), the same vector for every image
        tokens = torch.cat([cls, tokens], dim=1)                     # (B, N+1, D)
        return tokens + self.pos_embedding                           # (B, N+1, D) + (1, N+1, D)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        tokens = self.embed(images)                                  # (B, N+1, D)
        for block in self.blocks:
            tokens = block(tokens)                                   # (B, N+1, D)
        return self.head(self.norm(tokens[:, 0]))                    # (B, D) -> (B, num_classes)


def fit_tiny_vit(model: TinyViT, train: tuple[torch.Tensor, torch.Tensor], val: tuple[torch.Tensor, torch.Tensor], *,
                 num_epochs: int = 5, batch_size: int = 64, lr: float = 3e-3, embedding_lr: float = 2e-2,
                 seed: int = 0, progress: bool | None = False):
    """Train a :class:`TinyViT` with Adam, the cls token and position embeddings at their own learning rate.

    ``cls_token`` and ``pos_embedding`` start small (``init_std=0.02``) and must grow to
    matter, so they get ``embedding_lr``; every other parameter gets ``lr`` (two parameter
    groups of one optimizer). Batches are reshuffled each epoch by a generator seeded with
    ``seed`` and the epoch, so a run is reproducible.

    Args:
        model (TinyViT): the model, on the device of the data.
        train, val ((images, labels)): tensors of shapes ``(B, C, H, W)`` and ``(B,)``.
        num_epochs (int, optional): passes over ``train``. Default: ``5``.
        batch_size (int, optional): images per step. Default: ``64``.
        lr (float, optional): learning rate of the blocks, patch embedding and head. Default: ``3e-3``.
        embedding_lr (float, optional): learning rate of ``cls_token`` and ``pos_embedding``. Default: ``2e-2``.
        seed (int, optional): seed of the batch order. Default: ``0``.
        progress (bool, optional): passed to :func:`course_lib.train.fit`. Default: ``False``.

    Returns:
        History: ``epoch``, ``train_loss`` and ``val_acc`` per epoch.

    Introduced in notebooks/03_parameters.ipynb.
    """
    from .train import accuracy, fit

    images, labels = train
    learned_embeddings = [model.cls_token, model.pos_embedding]
    rest = [p for name, p in model.named_parameters() if name not in ("cls_token", "pos_embedding")]
    optimizer = torch.optim.Adam([{"params": learned_embeddings, "lr": embedding_lr}, {"params": rest}], lr=lr)

    def batches(epoch):  # a new order each epoch, the same on every run
        order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(1000 * seed + epoch))
        return [(images[i], labels[i]) for i in order.to(labels.device).split(batch_size)]

    def loss_fn(model, batch):
        batch_images, batch_labels = batch
        return F.cross_entropy(model(batch_images), batch_labels)

    return fit(model, batches, loss_fn, optimizer, num_epochs,
               eval_fn=lambda m: {"val_acc": accuracy(m, *val)}, progress=progress)


# ---- lesson 05: small classifiers ----
def _check_bag_ids(module: "BagOfEmbeddings", args: tuple, kwargs: dict) -> None:
    """A :class:`BagOfEmbeddings` takes one ``(B, T)`` tensor of ids in ``0 .. V - 1``; anything else is refused
    before a kernel runs (a 1-D ``(T,)`` would average over the wrong axis; ``-1`` would read the last row)."""
    ids = args[0] if args else kwargs.get("ids")
    if isinstance(ids, torch.Tensor) and ids.dim() != 2:
        hint = " For one sentence use ids.unsqueeze(0)" if ids.dim() == 1 else ""
        raise ValueError(f"ids must be a (B, T) batch of sentences; got shape {tuple(ids.shape)}.{hint}")
    check_ids(ids, module.embedding.num_embeddings)


class BagOfEmbeddings(nn.Module):
    r"""A bag-of-embeddings classifier: the mean of a sentence's word vectors, then a linear layer.

    Padding positions (``padding_idx``) are left out of the mean, so a sentence's output
    does not depend on how much padding its batch added. The table is ``self.embedding``
    (an :class:`~torch.nn.Embedding`), the linear layer ``self.classifier``.

    Args:
        num_embeddings (int): V, the vocabulary size.
        embedding_dim (int): D.
        num_classes (int): outputs of the linear layer.
        padding_idx (int, optional): the id of ``<pad>``. Default: ``0``.

    Shape:
        - Input: ``(B, T)`` ids, padded with ``padding_idx``.
        - Output: ``(B, num_classes)`` logits.

    Examples::

        >>> model = BagOfEmbeddings(10, 4, num_classes=2)
        >>> ids = torch.tensor([[3, 5, 0, 0], [7, 1, 2, 9]])
        >>> tuple(model(ids).shape)
        (2, 2)
        >>> torch.allclose(model(ids[:1, :2]), model(ids[:1]))  # padding changes nothing
        True

        >>> model(ids[0])
        Traceback (most recent call last):
        ...
        ValueError: ids must be a (B, T) batch of sentences; got shape (4,). For one sentence use ids.unsqueeze(0)

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, num_classes: int, padding_idx: int = 0):
        super().__init__()
        self.embedding = nn.Embedding(num_embeddings, embedding_dim, padding_idx=padding_idx)
        self.classifier = nn.Linear(embedding_dim, num_classes)
        self.register_forward_pre_hook(_check_bag_ids, with_kwargs=True)  # every call: the ids are checked before forward runs

    @classmethod
    def from_pretrained(cls, weight: torch.Tensor, num_classes: int, *, freeze: bool = True,
                        padding_idx: int = 0) -> "BagOfEmbeddings":
        """A classifier whose table starts as a copy of ``weight``; ``freeze=True`` is equivalent
        to ``model.embedding.weight.requires_grad = False``.

        Unlike :meth:`torch.nn.Embedding.from_pretrained`, the table is a copy: fine-tuning
        never changes the caller's ``weight``, so one pretrained tensor can start many runs.
        """
        if not isinstance(weight, torch.Tensor) or weight.dim() != 2 or not weight.is_floating_point():
            raise ValueError(f"weight must be a 2-D float tensor (V, D); got {getattr(weight, 'shape', type(weight))}")
        model = cls(weight.shape[0], weight.shape[1], num_classes, padding_idx=padding_idx).to(weight.device)
        with torch.no_grad():
            model.embedding.weight.copy_(weight)
        model.embedding.weight.requires_grad_(not freeze)
        return model

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        keep = (ids != self.embedding.padding_idx).unsqueeze(-1)             # (B, T, 1)
        total = (self.embedding(ids) * keep).sum(dim=1)                      # (B, T, D) -> (B, D)
        mean = total / keep.sum(dim=1).clamp_min(1)                          # (B, D)
        return self.classifier(mean)                                         # (B, num_classes)



def _check_right_padded(module: "RecurrentClassifier", args: tuple, kwargs: dict) -> None:
    """A :class:`RecurrentClassifier` also needs every ``<pad>`` after a sentence's last word: a pad
    between words would be read as a word (a zero vector) and change the state."""
    _check_bag_ids(module, args, kwargs)
    ids = args[0] if args else kwargs.get("ids")
    real = ids != module.embedding.padding_idx                               # (B, T)
    gaps = real[:, 1:] & ~real[:, :-1]                                       # a word right after a pad
    if bool(gaps.any()):
        b, t = (int(i) for i in gaps.nonzero()[0])
        raise ValueError(f"ids must be padded on the right: sentence {b} has the pad id "
                         f"{module.embedding.padding_idx} at position {t} and a word after it. Put the padding "
                         "after the last word (course_lib.transfer.encode_labelled does).")


#: the recurrent cells a :class:`RecurrentClassifier` can use
_CELLS = {"gru": nn.GRU, "lstm": nn.LSTM}


class RecurrentClassifier(nn.Module):
    r"""A recurrent classifier: a GRU (or LSTM) reads a sentence's word vectors left to right, and a
    linear layer reads the state after the sentence's last word.

    Sentences are padded on the right with ``padding_idx`` (as
    :func:`course_lib.transfer.encode_labelled` pads them). The classifier reads the state after
    each sentence's *last real word*, ``states[b, lengths[b]]``, where ``states[:, 0]`` is the
    zero initial state and ``states[:, t + 1]`` the state after position ``t``. A recurrence only
    looks back, so that state has not seen the pads that follow: a sentence's output equals the
    output for the sentence alone, whatever padding its batch added. The state at the last column,
    ``outputs[:, -1]``, would have read the pads too. The table is ``self.embedding``, the
    recurrence ``self.rnn`` (``batch_first=True``), the linear layer ``self.classifier``.

    Args:
        num_embeddings (int): V, the vocabulary size.
        embedding_dim (int): D.
        num_classes (int): outputs of the linear layer.
        hidden_size (int, optional): H, the size of the state. Default: ``32``.
        padding_idx (int, optional): the id of ``<pad>``. Default: ``0``.
        cell (str, optional): ``"gru"`` (:class:`~torch.nn.GRU`) or ``"lstm"``
            (:class:`~torch.nn.LSTM`, whose state is read from its output ``h``). Default: ``"gru"``.

    Shape:
        - Input: ``(B, T)`` ids, padded on the right with ``padding_idx``.
        - Output: ``(B, num_classes)`` logits.

    Examples::

        >>> model = RecurrentClassifier(10, 4, num_classes=2, hidden_size=3)
        >>> ids = torch.tensor([[3, 5, 0, 0], [7, 1, 2, 9]])
        >>> tuple(model(ids).shape)
        (2, 2)
        >>> torch.allclose(model(ids[:1, :2]), model(ids[:1]))  # padding changes nothing
        True

        >>> model(torch.tensor([[3, 0, 5]]))
        Traceback (most recent call last):
        ...
        ValueError: ids must be padded on the right: sentence 0 has the pad id 0 at position 1 and a word after it. Put the padding after the last word (course_lib.transfer.encode_labelled does).

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, num_classes: int, hidden_size: int = 32,
                 padding_idx: int = 0, cell: str = "gru"):
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"cell must be 'gru' or 'lstm'; got {cell!r}")
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim),
                            ("num_classes", num_classes), ("hidden_size", hidden_size)):
            if not is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        if not is_int(padding_idx):
            raise ValueError(f"padding_idx must be the int id of <pad> (the classifier finds each sentence's end by "
                             f"it); got {padding_idx!r}. Pad with an id, e.g. padding_idx=0.")
        self.cell = cell
        self.embedding = nn.Embedding(num_embeddings, embedding_dim, padding_idx=padding_idx)
        self.rnn = _CELLS[cell](embedding_dim, hidden_size, batch_first=True)
        self.classifier = nn.Linear(hidden_size, num_classes)
        self.register_forward_pre_hook(_check_right_padded, with_kwargs=True)  # ids checked before forward runs

    @classmethod
    def from_pretrained(cls, weight: torch.Tensor, num_classes: int, *, freeze: bool = True, hidden_size: int = 32,
                        padding_idx: int = 0, cell: str = "gru") -> "RecurrentClassifier":
        """A classifier whose table starts as a copy of ``weight``; ``freeze=True`` is equivalent
        to ``model.embedding.weight.requires_grad = False``.

        As :meth:`BagOfEmbeddings.from_pretrained`, the table is a copy: fine-tuning never
        changes the caller's ``weight``.
        """
        if not isinstance(weight, torch.Tensor) or weight.dim() != 2 or not weight.is_floating_point():
            raise ValueError(f"weight must be a 2-D float tensor (V, D); got {getattr(weight, 'shape', type(weight))}")
        model = cls(weight.shape[0], weight.shape[1], num_classes, hidden_size=hidden_size, padding_idx=padding_idx,
                    cell=cell).to(weight.device)
        with torch.no_grad():
            model.embedding.weight.copy_(weight)
        model.embedding.weight.requires_grad_(not freeze)
        return model

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        lengths = (ids != self.embedding.padding_idx).sum(dim=1)             # (B,) words per sentence
        outputs, _ = self.rnn(self.embedding(ids))                           # (B, T, H): the state after each position
        states = F.pad(outputs, (0, 0, 1, 0))                                # (B, T+1, H): the zero initial state first
        last = states[torch.arange(len(ids), device=ids.device), lengths]   # (B, H): the state after the last word
        return self.classifier(last)                                         # (B, num_classes)

# ---- lesson 07: TinyLM, a small GPT-style causal language model ----
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

    Introduced in notebooks/07_soft_prompts.ipynb.
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
            if not is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be divisible by n_heads={self.n_heads} "
                             f"(each head gets d_model // n_heads dims); "
                             f"e.g. d_model={self.n_heads * max(1, round(self.d_model / self.n_heads))}.")
        if not is_number(self.dropout) or not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be a number in [0, 1); got {self.dropout!r}")


@dataclass
class CausalLMOutput:
    """What :meth:`TinyLM.forward` returns, named as Hugging Face's ``CausalLMOutput``.

    Introduced in notebooks/07_soft_prompts.ipynb.
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

    Introduced in notebooks/07_soft_prompts.ipynb.
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
