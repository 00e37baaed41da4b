"""Self-supervised word vectors: skip-gram with negative sampling, or GloVe's objective.

Both trainers take sentences (lists of words) and return :class:`WordVectors`, one row per
word of the corpus, most frequent first. The checks against the toy world's ground truth,
:func:`neighbour_purity` and :func:`analogy_accuracy`, live in
:mod:`course_lib.vector_checks` and are re-exported here.

- :func:`train_sgns`: word2vec's skip-gram with negative sampling, Adam on mini-batches of
  (word, context) pairs. What keeps it at a few seconds on one CPU thread: the pairs of an
  epoch are made at once by tensor ops over the whole corpus (a loop over the window's
  distances, never over tokens); negatives come from word2vec's unigram table; the K
  negatives of a batch are scored by one elementwise product and sum (``torch.bmm`` over
  thousands of tiny matrices is several times slower on a CPU); batches are large.
- :func:`train_glove`: a weighted least-squares fit of log co-occurrence counts, full batch
  (the V x V count matrix of a few hundred words is small). ``empty_cells="ignore"`` is
  the published objective; ``"fit"`` (the default) fits ``log(1 + X)`` on every cell and
  gives the empty cells a small weight.
- :func:`write_glove_file`: GloVe vectors of the course corpus, written as a file in the
  format of Stanford's ``glove.6B.50d.txt`` (lowercase words, punctuation as words, most
  frequent first, no header), to stand in for it (lesson 06's "Use it in your project").

Introduced in notebooks/04_init_and_word_vectors.ipynb.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from . import data, toyworld
from .runtime import course_threads
from .vector_checks import analogy_accuracy, neighbour_purity
from .vectors import save_vectors
from ._util import is_int

__all__ = ["GLOVE_FILE_NAME", "GloVeConfig", "SGNSConfig", "WordVectors", "analogy_accuracy", "cooccurrence",
           "glove_tokens", "neighbour_purity", "sgns_loss", "skipgram_pairs", "train_glove", "train_sgns",
           "train_sgns_loop", "write_glove_file"]


# ----------------------------------------------------------------- what both trainers share
@dataclass(frozen=True, eq=False)
class WordVectors:
    """Trained word vectors: ``vectors[i]`` is the vector of ``words[i]``.

    ``save_vectors(path, wv.words, wv.vectors)`` writes them; ``align(vocab, wv.words,
    wv.vectors)`` fits them to a task vocabulary.

    Args:
        words (list of str): the corpus vocabulary, most frequent first (ties alphabetical).
        vectors (Tensor): the input vectors (word2vec's W, GloVe's W): the ones to use.
        context (Tensor): the output vectors (word2vec's context table, GloVe's W~).
        losses (list of float): mean loss per epoch (SGNS) or per 50 steps (GloVe).
        config (SGNSConfig or GloVeConfig): how they were trained.

    Shape:
        ``vectors`` and ``context`` are ``(N, D)`` for ``N = len(words)``.

    Examples::

        >>> wv = WordVectors(["cat", "dog"], torch.zeros(2, 3), torch.zeros(2, 3))
        >>> wv
        WordVectors(2 words x 3 dims, NoneType)
        >>> dict(zip(wv.words, wv.vectors.tolist()))["dog"]
        [0.0, 0.0, 0.0]

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """

    words: list[str]
    vectors: torch.Tensor
    context: torch.Tensor
    losses: list[float] = field(default_factory=list)
    config: Any = None

    def __repr__(self) -> str:
        return f"WordVectors({len(self.words)} words x {self.vectors.shape[1]} dims, {type(self.config).__name__})"


def _encode(corpus: Sequence[Sequence[str]]) -> tuple[list[str], torch.Tensor, torch.Tensor]:
    """The words (by falling count, ties alphabetical), every token's id and its sentence's index."""
    if isinstance(corpus, str) or not isinstance(corpus, Sequence) or not corpus:
        raise TypeError("corpus must be a non-empty list of sentences, each a list of words, "
                        "e.g. course_lib.data.load_corpus()")
    if isinstance(corpus[0], str):
        raise TypeError("corpus must be a list of sentences (lists of words), not of words; wrap it: [words]")
    counts: dict[str, int] = {}
    for sentence in corpus:
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
    words = sorted(counts, key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(words)}
    ids = torch.tensor([index[w] for sentence in corpus for w in sentence], dtype=torch.long)  # (n,)
    sentence_of = torch.repeat_interleave(torch.arange(len(corpus)), torch.tensor([len(s) for s in corpus]))  # (n,)
    return words, ids, sentence_of


def _validate(config, ints: dict, positive: dict, non_negative: dict) -> None:
    """Raise a ValueError naming the first field outside its range, with an example value."""
    for rule, fields in (("an int >= 1", ints), ("a number > 0", positive), ("a number >= 0", non_negative)):
        for name, example in fields.items():
            value = getattr(config, name)
            integer = rule.startswith("an int")
            ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
            if not ok or value < (1 if integer else 0) or (rule == "a number > 0" and value == 0):
                raise ValueError(f"{name} must be {rule}; got {value!r}. Use e.g. {name}={example}")
    if not is_int(config.seed) or config.seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {config.seed!r}. Use e.g. seed=0")


def _bar(total: int, progress: bool, desc: str):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc)



def _check_config(config, kind):
    config = kind() if config is None else config
    if not isinstance(config, kind):
        raise TypeError(f"config must be a {kind.__name__}; got {type(config).__name__}")
    return config

@dataclass(frozen=True)
class SGNSConfig:
    """Settings of :func:`train_sgns` (skip-gram with negative sampling).

    Examples::

        >>> SGNSConfig(window=2)
        SGNSConfig(embedding_dim=64, window=2, num_negatives=5, subsample=0.001, lr=0.02, batch_size=4096, num_epochs=5, seed=0)
        >>> SGNSConfig(window=0)
        Traceback (most recent call last):
        ...
        ValueError: window must be an int >= 1; got 0. Use e.g. window=5

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """

    embedding_dim: int = 64   # D, the length of a word vector
    window: int = 5           # context reach; each token draws its own reach from 1..window, as word2vec does
    num_negatives: int = 5    # K noise words per (word, context) pair, drawn in proportion to count ** 0.75
    subsample: float = 1e-3   # word2vec's t: keep a word of frequency f with prob. sqrt(t/f) + t/f; 0 keeps all
    lr: float = 0.02          # Adam's learning rate
    batch_size: int = 4096    # (word, context) pairs per step
    num_epochs: int = 5       # passes over the corpus, each freshly subsampled
    seed: int = 0             # initial vectors, subsampling, reaches, negatives and order

    def __post_init__(self):
        _validate(self, {"embedding_dim": 64, "window": 5, "num_negatives": 5, "batch_size": 4096,
                         "num_epochs": 5}, {"lr": 0.02}, {"subsample": "1e-3 (0 keeps every word)"})


@dataclass(frozen=True)
class GloVeConfig:
    """Settings of :func:`train_glove` (GloVe's weighted least squares on log co-occurrences).

    Examples::

        >>> GloVeConfig(empty_cells="ignore").empty_cells
        'ignore'
        >>> GloVeConfig(empty_cells="skip")
        Traceback (most recent call last):
        ...
        ValueError: empty_cells must be 'fit' or 'ignore'; got 'skip'

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """

    embedding_dim: int = 64     # D
    window: int = 8             # count words up to this far apart, each pair weighted 1 / distance
    x_max: float = 100.0        # a cell's weight is f(X) = min(1, (X / x_max) ** alpha), as published
    alpha: float = 0.75
    empty_cells: str = "fit"    # "fit": log(1 + X) on every cell; "ignore": log X on non-empty cells only
    empty_weight: float = 0.01  # the weight of an empty cell under "fit"
    lr: float = 0.05            # Adam's learning rate
    num_steps: int = 300        # full-batch steps
    seed: int = 0               # initial vectors

    def __post_init__(self):
        if self.empty_cells not in ("fit", "ignore"):
            raise ValueError(f"empty_cells must be 'fit' or 'ignore'; got {self.empty_cells!r}")
        _validate(self, {"embedding_dim": 64, "window": 8, "num_steps": 300},
                  {"x_max": 100, "alpha": 0.75, "lr": 0.05}, {"empty_weight": 0.01})


# ----------------------------------------------------------------- skip-gram
def skipgram_pairs(ids, sentence_of, window: int, generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (word, context) pair of one pass, as word2vec makes them: each token draws a
    reach from 1..window and pairs with the tokens of its sentence at most that far away. Lesson 04."""
    reach = torch.randint(1, window + 1, ids.shape, generator=generator)  # (n,)
    words, contexts = [], []
    for d in range(1, window + 1):  # a loop over distances, not over tokens
        same = sentence_of[:-d] == sentence_of[d:]                 # tokens i and i + d share a sentence
        right = torch.nonzero(same & (reach[:-d] >= d)).squeeze(1)  # token i reaches i + d
        left = torch.nonzero(same & (reach[d:] >= d)).squeeze(1)    # token i + d reaches i
        words += [ids[right], ids[left + d]]
        contexts += [ids[right + d], ids[left]]
    return torch.cat(words), torch.cat(contexts)  # (P,), (P,)


def _unigram_table(weights: torch.Tensor, size: int = 2**18) -> torch.Tensor:
    """word2vec's unigram table: word ``i`` fills a share ``weights[i] / weights.sum()`` of the
    slots, so a uniform slot is a draw from ``weights`` (much faster than torch.multinomial)."""
    edges = (weights.double().cumsum(0) / weights.sum() * size).round().long()  # (V,)
    return torch.repeat_interleave(torch.arange(len(weights)), torch.diff(edges, prepend=edges.new_zeros(1)))


def sgns_loss(vectors, context, word, ctx, negatives) -> torch.Tensor:
    """-log sigmoid(v_w . u_c) - sum_k log sigmoid(-v_w . u_nk), averaged over the batch. Lesson 04."""
    v = vectors.index_select(0, word)                                   # (B, D)
    u_pos = context.index_select(0, ctx)                                # (B, D)
    u_neg = context.index_select(0, negatives.reshape(-1)).view(*negatives.shape, -1)  # (B, K, D)
    pos = (v * u_pos).sum(-1)                                           # (B,)
    neg = (u_neg * v.unsqueeze(1)).sum(-1)                              # (B, K)
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1)).mean()


def train_sgns(corpus: Sequence[Sequence[str]], config: SGNSConfig | None = None, *,
               progress: bool = False) -> WordVectors:
    r"""Train word vectors with skip-gram and negative sampling (word2vec's SGNS).

    For a word ``w`` and a word ``c`` seen near it, with ``K`` noise words ``n_k`` drawn in
    proportion to their count to the power 0.75, the loss is
    ``-log sigmoid(v_w . u_c) - sum_k log sigmoid(-v_w . u_nk)``, averaged over a batch of
    pairs: ``v`` are the input vectors, ``u`` the context vectors. As in word2vec, input
    vectors start uniform in ``(-0.5/D, 0.5/D)`` and context vectors at zero. Runs on the
    CPU with :func:`course_lib.runtime.num_threads` threads (one on two cores or fewer);
    the defaults take a few seconds on the course corpus.

    Args:
        corpus (list of list of str): sentences; pairs never cross a sentence.
        config (SGNSConfig, optional): the settings. Default: ``SGNSConfig()``.
        progress (bool, optional): show a progress bar over steps. Default: ``False``.

    Returns:
        WordVectors: with ``losses`` the mean loss of each epoch.

    Examples::

        >>> from course_lib import toyworld
        >>> corpus = [s.tokens for s in toyworld.generate(2_000)]
        >>> wv = train_sgns(corpus, SGNSConfig(embedding_dim=8, num_epochs=1))
        >>> wv.vectors.shape == (len(wv.words), 8), wv.words[:3]
        (True, ['we', 'and', 'it'])

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    config = _check_config(config, SGNSConfig)
    with course_threads():
        return train_sgns_loop(corpus, config, progress)


def train_sgns_loop(corpus, config: SGNSConfig, progress: bool = False) -> WordVectors:
    """The loop of :func:`train_sgns`, without its checks: pairs, negatives, Adam steps. Lesson 04."""
    words, ids, sentence_of = _encode(corpus)
    num_words, k = len(words), config.num_negatives
    gen = torch.Generator().manual_seed(config.seed)
    counts = torch.bincount(ids, minlength=num_words).double()                # (V,)
    freq = counts / counts.sum()
    keep = ((config.subsample / freq).sqrt() + config.subsample / freq).clamp(max=1.0).float()  # (V,)
    noise_table = _unigram_table(counts ** 0.75)
    dim = config.embedding_dim
    vectors = ((torch.rand(num_words, dim, generator=gen) - 0.5) / dim).requires_grad_()  # (V, D)
    context = torch.zeros(num_words, dim, requires_grad=True)                 # (V, D)
    optimizer = torch.optim.Adam([vectors, context], lr=config.lr)
    bar, losses = None, []
    for _ in range(config.num_epochs):
        kept = torch.rand(ids.shape, generator=gen) < keep[ids] if config.subsample else slice(None)
        word, ctx = skipgram_pairs(ids[kept], sentence_of[kept], config.window, gen)  # (P,), (P,)
        order = torch.randperm(len(word), generator=gen)
        word, ctx = word[order], ctx[order]
        draws = torch.randint(len(noise_table), (len(word) * k,), generator=gen)
        negatives = noise_table.index_select(0, draws).view(-1, k)           # (P, K)
        if bar is None:
            bar = _bar(config.num_epochs * -(-len(word) // config.batch_size), progress, "skip-gram")
        total = torch.zeros(())
        for start in range(0, len(word), config.batch_size):
            batch = slice(start, start + config.batch_size)
            loss = sgns_loss(vectors, context, word[batch], ctx[batch], negatives[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(word[batch])
            if bar is not None:
                bar.update(1)
        losses.append(float(total) / max(len(word), 1))
    if bar is not None:
        bar.close()
    return WordVectors(words, vectors.detach(), context.detach(), losses, config)


# ----------------------------------------------------------------- GloVe
def cooccurrence(corpus: Sequence[Sequence[str]], window: int = 8) -> tuple[list[str], torch.Tensor]:
    r"""GloVe's co-occurrence counts: ``X[i, j]`` adds ``1 / distance`` each time word ``j``
    appears at most ``window`` words from word ``i`` in a sentence.

    Args:
        corpus (list of list of str): sentences.
        window (int, optional): the largest distance counted. Default: ``8``.

    Returns:
        tuple: ``words`` (most frequent first) and ``X`` (float32, symmetric).

    Shape:
        - Output: ``X`` is ``(N, N)`` for ``N = len(words)``.

    Examples::

        >>> words, X = cooccurrence([["a", "b", "a"]], window=2)
        >>> words, X.tolist()
        (['a', 'b'], [[1.0, 2.0], [2.0, 0.0]])

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    if not is_int(window) or window < 1:
        raise ValueError(f"window must be an int >= 1; got {window!r}. Use e.g. window=8")
    words, ids, sentence_of = _encode(corpus)
    n = len(words)
    flat = torch.zeros(n * n, dtype=torch.float64)
    for d in range(1, window + 1):
        at = torch.nonzero(sentence_of[:-d] == sentence_of[d:]).squeeze(1)  # pairs d apart in a sentence
        a, b, share = ids[at], ids[at + d], torch.full(at.shape, 1.0 / d, dtype=torch.float64)
        flat.index_add_(0, a * n + b, share).index_add_(0, b * n + a, share)
    return words, flat.view(n, n).float()


def train_glove(corpus: Sequence[Sequence[str]], config: GloVeConfig | None = None, *,
                progress: bool = False) -> WordVectors:
    r"""Train word vectors with GloVe's objective, full batch, with Adam.

    The loss is the mean over the cells of :func:`cooccurrence`'s ``X`` of
    ``f_ij (w_i . w~_j + b_i + b~_j - y_ij)^2``, with ``f_ij = min(1, (X_ij / x_max) ** alpha)``:

    - ``empty_cells="ignore"`` (published GloVe): ``y = log X``; empty cells weigh 0. On a
      small vocabulary most pairs of words never meet, and nothing then tells the model so.
    - ``empty_cells="fit"`` (default): ``y = log(1 + X)`` on every cell, and an empty cell
      weighs ``empty_weight``, so "these two never meet" is learned too.

    Runs on the CPU with :func:`course_lib.runtime.num_threads` threads, in about a second.

    Args:
        corpus (list of list of str): sentences.
        config (GloVeConfig, optional): the settings. Default: ``GloVeConfig()``.
        progress (bool, optional): show a progress bar over steps. Default: ``False``.

    Returns:
        WordVectors: ``context`` holds W~; ``losses`` the mean loss of each 50 steps.

    Examples::

        >>> from course_lib import toyworld
        >>> corpus = [s.tokens for s in toyworld.generate(2_000)]
        >>> wv = train_glove(corpus, GloVeConfig(embedding_dim=8, num_steps=20))
        >>> wv.vectors.shape == (len(wv.words), 8), len(wv.losses)
        (True, 1)

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    config = _check_config(config, GloVeConfig)
    with course_threads():
        return _train_glove(corpus, config, progress)


def _train_glove(corpus, config: GloVeConfig, progress: bool) -> WordVectors:
    words, counts = cooccurrence(corpus, config.window)                      # (V, V)
    num_words, dim = len(words), config.embedding_dim
    weight = (counts / config.x_max).pow(config.alpha).clamp(max=1.0)        # (V, V), 0 where X = 0
    if config.empty_cells == "fit":
        target = torch.log1p(counts)
        weight = torch.where(counts > 0, weight, torch.tensor(config.empty_weight))
    else:
        target = torch.where(counts > 0, counts, torch.ones(())).log()       # weight 0 where X = 0
    gen = torch.Generator().manual_seed(config.seed)
    w = ((torch.rand(num_words, dim, generator=gen) - 0.5) / dim).requires_grad_()        # (V, D)
    w_tilde = ((torch.rand(num_words, dim, generator=gen) - 0.5) / dim).requires_grad_()  # (V, D)
    b, b_tilde = torch.zeros(num_words, 1, requires_grad=True), torch.zeros(1, num_words, requires_grad=True)
    optimizer = torch.optim.Adam([w, w_tilde, b, b_tilde], lr=config.lr)
    bar, losses, total = _bar(config.num_steps, progress, "GloVe"), [], torch.zeros(())
    for step in range(1, config.num_steps + 1):
        loss = (weight * (w @ w_tilde.T + b + b_tilde - target) ** 2).mean()  # (V, V) -> ()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.detach()
        if step % 50 == 0 or step == config.num_steps:
            losses.append(float(total) / (step - 50 * len(losses)))
            total = torch.zeros(())
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return WordVectors(words, w.detach(), w_tilde.detach(), losses, config)


# ----------------------------------------------------------------- a GloVe-format file
#: the name :func:`write_glove_file` gives its file, after Stanford's ``glove.6B.50d.txt``
GLOVE_FILE_NAME = "glove.course.50d.txt"
_STRONG = frozenset({"wonderful", "excellent", "perfect", "awful", "terrible", "horrible", "dreadful"})
_CLAUSE_STARTS = frozenset({"when", "then"})


def glove_tokens(sentence: Sequence[str]) -> list[str]:
    r"""A course sentence as GloVe's tokenizer gives text: lowercase, with punctuation and
    clitics as tokens of their own.

    Stanford's GloVe 6B vectors are uncased (every word lowercase) and were trained on text
    split by a tokenizer that makes punctuation and clitics such as ``'s`` tokens of their
    own: the file's first words are ``the , . of to and in a " 's``. The course corpus has
    no punctuation; this adds some by fixed rules, so a file trained on it looks the same:

    - ``"the X of the Y"`` with ``Y`` an athlete becomes ``"the Y 's X"`` (``the coach 's speed``);
    - a comma before a clause that starts with ``when`` or ``then``;
    - ``!`` at the end of a sentence with a strong word (``wonderful``, ``awful``, ...), ``.`` otherwise.

    Args:
        sentence (sequence of str): one sentence's words, as in :func:`course_lib.data.load_corpus`.

    Returns:
        list of str: the tokens, lowercase.

    Examples::

        >>> glove_tokens("the speed of the coach was great and we felt glad when we ate".split())
        ['the', 'coach', "'s", 'speed', 'was', 'great', 'and', 'we', 'felt', 'glad', ',', 'when', 'we', 'ate', '.']
        >>> glove_tokens(["It", "was", "wonderful"])
        ['it', 'was', 'wonderful', '!']

    Introduced in notebooks/06_partial_freezing.ipynb.
    """
    if isinstance(sentence, str) or not isinstance(sentence, Sequence):
        raise TypeError(f"sentence must be a list of words; got {type(sentence).__name__}. Use text.split()")
    words, athletes = [w.lower() for w in sentence], toyworld.CATEGORIES["athletes"]
    out, i = [], 0
    while i < len(words):
        if words[i:i + 1] == ["the"] and words[i + 2:i + 4] == ["of", "the"] and words[i + 4:i + 5] \
                and words[i + 4] in athletes:
            out += ["the", words[i + 4], "'s", words[i + 1]]                 # the X of the Y -> the Y 's X
            i += 5
            continue
        if words[i] in _CLAUSE_STARTS and out:
            out.append(",")
        out.append(words[i])
        i += 1
    return out + (["!"] if _STRONG.intersection(words) else ["."])


def write_glove_file(folder: str | os.PathLike, *, corpus: Sequence[Sequence[str]] | None = None,
                     config: GloVeConfig | None = None, overwrite: bool = False) -> Path:
    r"""Train GloVe vectors on the course corpus and write them as Stanford's GloVe files are written.

    The file stands in for ``glove.6B.50d.txt`` where none can be downloaded: one
    ``word v1 ... v50`` line per word, no header, the most frequent word first, words
    lowercase with punctuation and ``'s`` among them (the corpus is put through
    :func:`glove_tokens`), values with 5 significant digits as in Stanford's files. It has
    no ``<pad>`` or ``<unk>``, as ``glove.6B`` has not (a file you train with Stanford's
    ``glove.c`` ends with an ``<unk>`` row, the mean of its 100 rarest words' vectors).
    :func:`~course_lib.vectors.load_vectors` reads it like the real one. Takes a second or two.

    Args:
        folder (str or os.PathLike): where to write it; created if missing. Not the course's
            ``data/`` folder, which holds only the files the course ships.
        corpus (list of list of str, optional): sentences. Default: :func:`course_lib.data.load_corpus`.
        config (GloVeConfig, optional): the training settings. Default: ``GloVeConfig(embedding_dim=50)``.
        overwrite (bool, optional): replace an existing file. Default: ``False``.

    Returns:
        Path: the file, ``folder / GLOVE_FILE_NAME``.

    Examples::

        >>> import tempfile
        >>> from course_lib.vectors import load_vectors
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = write_glove_file(folder.name, config=GloVeConfig(embedding_dim=50, num_steps=10))
        >>> path.name
        'glove.course.50d.txt'
        >>> words, vectors = load_vectors(path)
        >>> words[:6], tuple(vectors.shape)
        (['we', 'and', 'it', 'the', 'was', '.'], (444, 50))
        >>> [word for word in words if not word.isalpha()]
        ['.', ',', '!', "'s"]
        >>> folder.cleanup()

    Introduced in notebooks/06_partial_freezing.ipynb.
    """
    folder = Path(folder)
    path = folder / GLOVE_FILE_NAME
    for shipped in {data.REPO_DATA_DIR, data.PACKAGED_DATA_DIR}:
        if folder.resolve().is_relative_to(shipped.resolve()):
            raise ValueError(f"folder {str(folder)!r} is inside the course's data folder {shipped}, which holds "
                             "only the files the course ships (make data checks them); pass a folder of your own, "
                             "e.g. tempfile.mkdtemp()")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    config = _check_config(config if config is not None else GloVeConfig(embedding_dim=50), GloVeConfig)
    sentences = [glove_tokens(s) for s in (data.load_corpus() if corpus is None else corpus)]
    vectors = train_glove(sentences, config)
    folder.mkdir(parents=True, exist_ok=True)
    return save_vectors(path, vectors.words, vectors.vectors, overwrite=overwrite, digits=5)
