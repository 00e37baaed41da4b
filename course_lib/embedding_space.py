"""A 2-D embedding table that learns meaning in a second: words of a few categories, trained
on the course corpus, with every step recorded so a lesson can replay it.

Each row of the table is a word, and each row has only two numbers, so the whole table can be
drawn as points. The task is skip-gram with a full softmax: from a word's two numbers, a small
linear layer (the *context predictor*) predicts a word seen at most ``window`` words away in
the same sentence of the course corpus (:func:`course_lib.data.load_corpus`). Words used in
the same contexts end up close together, so the toy world's categories
(:data:`course_lib.toyworld.CATEGORIES`) separate in the picture: people, animals, places...

The table trains with plain SGD (``w -= lr * grad``), so a row moves only in the steps whose
batch looks it up (lesson 02, section 5); the context predictor trains with Adam. Each step
samples ``batch_size`` (word, context) pairs, so at most ``batch_size`` rows get a gradient.
:func:`category_purity` measures the separation: the share of each word's nearest points
(in 2-D, by distance, as the picture shows them) that belong to its category.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from . import toyworld
from .runtime import course_threads
from ._util import is_int, is_number

__all__ = ["DEFAULT_CATEGORIES", "SpaceConfig", "SpaceHistory", "category_purity", "space_loss",
           "train_embedding_space"]

#: the categories of :class:`SpaceConfig`: six whose words appear in different sentences
DEFAULT_CATEGORIES: tuple[str, ...] = ("people", "animals", "places", "drinks", "sports", "weather")


# ----------------------------------------------------------------- the measure of separation
def category_purity(points: torch.Tensor, categories: Sequence[str], *, k: int = 3) -> float:
    r"""How often a point's ``k`` nearest points (by distance) share its category.

    For every row, take the ``k`` other rows closest to it (Euclidean distance, as a scatter
    plot shows them) and count those of the same category; the result is the mean share over
    all rows. 1.0: every point sits among its own category. Points placed at random score
    about the *chance* level, the mean of ``(n_c - 1) / (N - 1)`` over the rows (``n_c`` rows
    in the row's category, ``N`` rows in all).

    Args:
        points (Tensor): one row per point, ``(N, D)`` (``D = 2`` for a picture).
        categories (sequence of str): the category of each row, ``N`` of them.
        k (int, optional): neighbours per point. Default: ``3``.

    Returns:
        float: the mean purity, in ``[0, 1]``.

    Examples::

        >>> points = torch.tensor([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
        >>> category_purity(points, ["cat", "cat", "tea", "tea"], k=1)
        1.0
        >>> category_purity(points, ["cat", "tea", "cat", "tea"], k=1)
        0.0

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    if not isinstance(points, torch.Tensor) or points.dim() != 2 or not points.is_floating_point():
        raise ValueError(f"points must be a 2-D float tensor (N, D); got {getattr(points, 'shape', points)!r}")
    if isinstance(categories, str) or len(categories) != len(points):
        raise ValueError(f"categories must name the category of each of the {len(points)} rows of points; "
                         f"got {categories!r:.80}")
    if not is_int(k) or not 1 <= k < len(points):
        raise ValueError(f"k must be an int from 1 to len(points) - 1 = {len(points) - 1}; got {k!r}")
    return _purities(points.detach().float().cpu().unsqueeze(0), _codes(categories), k)[0]


def _codes(categories: Sequence[str]) -> torch.Tensor:
    names = {c: i for i, c in enumerate(dict.fromkeys(categories))}
    return torch.tensor([names[c] for c in categories])                         # (N,)


def _purities(frames: torch.Tensor, codes: torch.Tensor, k: int) -> list[float]:
    """:func:`category_purity` of each of ``frames`` ``(S, N, D)`` at once."""
    dist = torch.cdist(frames, frames)                                          # (S, N, N)
    dist.diagonal(dim1=1, dim2=2).fill_(float("inf"))                           # a point is not its own neighbour
    near = dist.topk(k, dim=2, largest=False).indices                          # (S, N, k)
    return (codes[near] == codes[:, None]).float().mean(dim=(1, 2)).tolist()


# ----------------------------------------------------------------- settings and the recorded run
@dataclass(frozen=True)
class SpaceConfig:
    """Settings of :func:`train_embedding_space`.

    Examples::

        >>> SpaceConfig(num_steps=300).num_steps
        300
        >>> SpaceConfig(categories=("people", "planets"))
        Traceback (most recent call last):
        ...
        ValueError: categories: 'planets' is not a toy-world category; choose from people, venues, animals, ...

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    categories: tuple[str, ...] = DEFAULT_CATEGORIES  # toy-world categories whose words get a row
    words_per_category: int = 8   # the first (most frequent) words of each category
    window: int = 2               # a context word is at most this many words away, in the same sentence
    batch_size: int = 8           # (word, context) pairs per step: at most this many rows get gradient
    num_steps: int = 800          # SGD steps
    lr: float = 1.0               # SGD's learning rate for the table
    head_lr: float = 0.05         # Adam's learning rate for the context predictor
    record_every: int = 1         # a frame every this many steps; num_steps must be a multiple of it
    seed: int = 0                 # the starting table, the context predictor and the batches

    def __post_init__(self):
        cats = self.categories
        if isinstance(cats, str) or not isinstance(cats, Sequence):
            raise ValueError(f"categories must be a tuple of toy-world categories, e.g. {DEFAULT_CATEGORIES}; "
                             f"got {cats!r}")
        object.__setattr__(self, "categories", tuple(cats))
        known = list(toyworld.CATEGORIES)
        for cat in self.categories:
            if cat not in toyworld.CATEGORIES:
                raise ValueError(f"categories: {cat!r} is not a toy-world category; choose from "
                                 f"{', '.join(known[:3])}, ... (toyworld.CATEGORIES has all {len(known)})")
        if len(set(self.categories)) != len(self.categories) or len(self.categories) < 2:
            raise ValueError(f"categories must be at least 2 different categories; got {self.categories!r}")
        for name, example in (("words_per_category", 8), ("window", 2), ("batch_size", 8), ("num_steps", 800),
                              ("record_every", 1)):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise ValueError(f"{name} must be an int >= 1; got {value!r}. Use e.g. {name}={example}")
        smallest = min(self.categories, key=lambda c: len(toyworld.CATEGORIES[c]))
        if self.words_per_category > len(toyworld.CATEGORIES[smallest]):
            raise ValueError(f"words_per_category={self.words_per_category} but category {smallest!r} has only "
                             f"{len(toyworld.CATEGORIES[smallest])} words; use "
                             f"words_per_category={len(toyworld.CATEGORIES[smallest])} or fewer")
        for name, example in (("lr", 1.0), ("head_lr", 0.05)):
            value = getattr(self, name)
            if not is_number(value) or not value > 0:
                raise ValueError(f"{name} must be a number > 0; got {value!r}. Use e.g. {name}={example}")
        if self.num_steps % self.record_every:
            raise ValueError(f"num_steps={self.num_steps} must be a multiple of record_every={self.record_every}, "
                             f"so the last frame is the trained table; use e.g. "
                             f"num_steps={self.num_steps - self.num_steps % self.record_every or self.record_every}")
        if not is_int(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int; got {self.seed!r}. Use e.g. seed=0")

    @property
    def words(self) -> list[str]:
        """The words that get a row, category by category."""
        return [w for cat in self.categories for w in toyworld.CATEGORIES[cat][: self.words_per_category]]


@dataclass(frozen=True, eq=False)
class SpaceHistory:
    """A recorded run of :func:`train_embedding_space`, one *frame* per recorded step.

    Frame ``i`` shows the table after ``steps[i]`` SGD steps, and the step that comes next:
    the rows its batch looks up, their context words, and the gradient of the table at that
    step (``positions[i + 1] = positions[i] - lr * grads[i]`` when ``record_every=1``). The
    last frame is the trained table: its batch is empty, its gradient zero and its loss
    ``nan``.

    Args:
        words (list of str): row ``r`` of the table is the vector of ``words[r]``.
        categories (list of str): the category of each row.
        steps (list of int): the step of each frame, ``0, record_every, ..., num_steps``.
        positions (Tensor): the table at each frame.
        batches (list of Tensor): the rows the next step looks up, ``(B,)`` per frame (repeats kept).
        contexts (list of Tensor): the context words those rows predict, ids into ``context_words``.
        grads (Tensor): the table's gradient at the next step, non-zero only in the batch's rows.
        losses (list of float): the next step's loss (cross-entropy, mean over the batch).
        head_weight (Tensor): the context predictor's weight at each frame.
        head_bias (Tensor): its bias at each frame.
        context_words (list of str): the words it predicts (every word of the corpus, sorted).
        purity (list of float): :func:`category_purity` of each frame's table, ``k=3``.
        config (SpaceConfig): how it was trained.

    Shape:
        ``positions`` and ``grads``: ``(S, V, 2)`` for ``S`` frames and ``V`` words;
        ``head_weight``: ``(S, C, 2)`` and ``head_bias``: ``(S, C)`` for ``C`` context words.

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    words: list[str]
    categories: list[str]
    steps: list[int]
    positions: torch.Tensor
    batches: list[torch.Tensor]
    contexts: list[torch.Tensor]
    grads: torch.Tensor
    losses: list[float]
    head_weight: torch.Tensor
    head_bias: torch.Tensor
    context_words: list[str]
    purity: list[float]
    config: SpaceConfig

    def __repr__(self) -> str:
        return (f"SpaceHistory({len(self.words)} words x 2 dims, {len(dict.fromkeys(self.categories))} categories, "
                f"{self.steps[-1]} steps, {len(self.steps)} frames)")

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def chance(self) -> float:
        """The purity expected of points placed at random: the mean of ``(n_c - 1) / (V - 1)``."""
        counts = {c: self.categories.count(c) for c in self.categories}
        return sum((counts[c] - 1) / (len(self.words) - 1) for c in self.categories) / len(self.words)

    def index(self, step: int) -> int:
        """The frame of ``step``; ``ValueError`` if no frame was recorded at that step."""
        every = self.config.record_every
        if not is_int(step) or not 0 <= step <= self.steps[-1] or step % every:
            raise ValueError(f"step must be a recorded step: a multiple of record_every={every} from 0 to "
                             f"{self.steps[-1]}; got {step!r}")
        return step // every

    def grad_rows(self, i: int) -> list[int]:
        """The rows with a non-zero gradient at frame ``i`` (sorted)."""
        return self.grads[i].abs().sum(dim=1).nonzero().flatten().tolist()


# ----------------------------------------------------------------- training
def space_loss(table: torch.Tensor, rows: torch.Tensor, contexts: torch.Tensor, head_weight: torch.Tensor,
               head_bias: torch.Tensor) -> torch.Tensor:
    """The loss of one step: predict each context word from its row's two numbers.

    ``F.cross_entropy(F.embedding(rows, table) @ head_weight.T + head_bias, contexts)``: a
    lookup, a linear layer over every context word, and the mean cross-entropy over the batch.

    Args:
        table (Tensor): the ``(V, 2)`` table.
        rows (Tensor): the rows the batch looks up, ``(B,)``.
        contexts (Tensor): the context word each lookup predicts, ``(B,)``.
        head_weight (Tensor): ``(C, 2)``. head_bias (Tensor): ``(C,)``.

    Returns:
        Tensor: a scalar.

    Examples::

        >>> table, head = torch.zeros(3, 2), torch.zeros(4, 2)
        >>> round(space_loss(table, torch.tensor([0, 2]), torch.tensor([1, 3]), head, torch.zeros(4)).item(), 4)
        1.3863

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    logits = F.embedding(rows, table) @ head_weight.T + head_bias                # (B, C)
    return F.cross_entropy(logits, contexts)


def _pairs(corpus, words: list[str], window: int) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Every (row, context word) pair of the corpus within ``window``, and the context words."""
    if isinstance(corpus, str) or not isinstance(corpus, Sequence) or not corpus:
        raise ValueError("corpus must be a non-empty list of sentences, each a list of words; "
                         "use course_lib.data.load_corpus()")
    bad = next((i for i, s in enumerate(corpus) if isinstance(s, str) or not isinstance(s, Sequence)), None)
    if bad is not None:
        raise ValueError(f"corpus[{bad}] must be a list of words, not {type(corpus[bad]).__name__}; "
                         "split each sentence: [line.split() for line in lines]")
    context_words = sorted({w for s in corpus for w in s})
    col = {w: i for i, w in enumerate(context_words)}
    missing = [w for w in words if w not in col]
    if missing:
        raise ValueError(f"corpus never uses {missing[0]!r} (and {len(missing) - 1} more of the table's words); "
                         "pass the course corpus (course_lib.data.load_corpus()) or other categories")
    row = {w: i for i, w in enumerate(words)}
    flat = [w for s in corpus for w in s]
    tokens = torch.tensor([col[w] for w in flat])                              # (n,)
    rows = torch.tensor([row.get(w, -1) for w in flat])                         # (n,) -1: no row
    sentence = torch.repeat_interleave(torch.tensor([len(s) for s in corpus]))  # (n,)
    word, ctx = [], []
    for d in range(1, window + 1):            # a loop over distances, not over tokens
        same = sentence[:-d] == sentence[d:]
        right = torch.nonzero(same & (rows[:-d] >= 0)).squeeze(1)              # a row's word, and d to its right
        left = torch.nonzero(same & (rows[d:] >= 0)).squeeze(1)                 # ... and d to its left
        word += [rows[right], rows[left + d]]
        ctx += [tokens[right + d], tokens[left]]
    return torch.cat(word), torch.cat(ctx), context_words



def train_embedding_space(config: SpaceConfig | None = None, *, corpus=None) -> SpaceHistory:
    r"""Train a 2-D embedding table on the course corpus and record every step.

    The table has one row per word of ``config.words`` and starts as ``nn.Embedding`` does,
    ``N(0, 1)``. Each step samples ``batch_size`` (word, context) pairs from every pair of the
    corpus within ``window`` (frequent words more often), computes :func:`space_loss`, and
    updates the table with SGD (so only the batch's rows move) and the context predictor
    with Adam. Deterministic for a seed; the defaults take well under a second on one thread.

    Args:
        config (SpaceConfig, optional): the settings. Default: ``SpaceConfig()``.
        corpus (list of list of str, optional): sentences. Default: :func:`course_lib.data.load_corpus`.

    Returns:
        SpaceHistory: one frame per ``record_every`` steps, the trained table last.

    Examples::

        >>> space = train_embedding_space(SpaceConfig(num_steps=200, record_every=10))
        >>> space
        SpaceHistory(48 words x 2 dims, 6 categories, 200 steps, 21 frames)
        >>> space.positions.shape, space.words[:4]
        (torch.Size([21, 48, 2]), ['king', 'queen', 'man', 'woman'])
        >>> set(space.grad_rows(0)) == set(space.batches[0].tolist())   # only the batch's rows
        True

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    config = SpaceConfig() if config is None else config
    if not isinstance(config, SpaceConfig):
        raise TypeError(f"config must be a SpaceConfig; got {type(config).__name__}. "
                        "Use e.g. SpaceConfig(num_steps=800)")
    if corpus is None:
        from .data import load_corpus

        corpus = load_corpus()
    words = config.words
    word, ctx, context_words = _pairs(corpus, words, config.window)             # (P,), (P,)
    gen = torch.Generator().manual_seed(config.seed)
    table = torch.randn(len(words), 2, generator=gen).requires_grad_()           # (V, 2), as nn.Embedding
    head_weight = (0.1 * torch.randn(len(context_words), 2, generator=gen)).requires_grad_()  # (C, 2)
    head_bias = torch.zeros(len(context_words), requires_grad=True)              # (C,)
    sgd = torch.optim.SGD([table], lr=config.lr)
    adam = torch.optim.Adam([head_weight, head_bias], lr=config.head_lr)
    frames = {name: [] for name in ("positions", "batches", "contexts", "grads", "losses", "head_weight",
                                    "head_bias")}

    def record(rows, contexts, grad, loss):
        for name, value in (("positions", table), ("head_weight", head_weight), ("head_bias", head_bias),
                            ("grads", grad)):
            frames[name].append(value.detach().clone())
        frames["batches"].append(rows)
        frames["contexts"].append(contexts)
        frames["losses"].append(loss)

    with course_threads():
        for step in range(config.num_steps):
            pick = torch.randint(len(word), (config.batch_size,), generator=gen)    # (B,)
            rows, contexts = word[pick], ctx[pick]
            loss = space_loss(table, rows, contexts, head_weight, head_bias)
            sgd.zero_grad(set_to_none=False)
            adam.zero_grad()
            loss.backward()
            if step % config.record_every == 0:
                record(rows, contexts, table.grad, loss.item())
            sgd.step()
            adam.step()
        empty = torch.zeros(0, dtype=torch.long)
        record(empty, empty, torch.zeros_like(table), float("nan"))
    positions = torch.stack(frames["positions"])                                  # (S, V, 2)
    categories = [toyworld.category_of(w) for w in words]
    return SpaceHistory(
        words=words, categories=categories,
        steps=list(range(0, config.num_steps + 1, config.record_every)), positions=positions,
        batches=frames["batches"], contexts=frames["contexts"], grads=torch.stack(frames["grads"]),
        losses=frames["losses"], head_weight=torch.stack(frames["head_weight"]),
        head_bias=torch.stack(frames["head_bias"]), context_words=context_words,
        purity=_purities(positions, _codes(categories), 3), config=config)
