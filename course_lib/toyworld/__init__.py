"""The toy world: a generated corpus whose structure is known, so embeddings can be checked.

Every word belongs to exactly one category (:data:`CATEGORIES`); four relations
(:data:`RELATIONS`) plant analogies such as ``king : queen :: man : woman``; every
sentence has a topic and a sentiment label. What makes the analogies recoverable by word
vectors: both words of a pair share a context word no other pair has (``king``/``queen``
with ``palace``, ``france``/``paris`` with ``french``; :data:`SHARED_CONTEXT`), and a
marker word carries the contrast (``he``/``she``, ``a``/``many``, ``country``/``city``,
``very``/``than``; :data:`MARKERS`). Within a category words are drawn with weights
proportional to 1/rank (Zipf); the two words of a pair equally often. Only
``random.Random(seed).random()`` is used (the same stream on every Python and machine).
The word tables and sentence templates are in :mod:`course_lib.toyworld.words`.

Introduced in notebooks/04_init_and_word_vectors.ipynb.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from . import words as W
from .._util import is_int

__all__ = [
    "CATEGORIES", "LABEL_WORDS", "MARKERS", "RELATIONS", "SENTIMENTS", "SHARED_CONTEXT",
    "SPLITS", "Sentence", "TOPICS", "analogies", "category_of", "generate", "ground_truth",
    "labelled",
]

TOPICS: tuple[str, ...] = ("animals", "food", "people", "sport", "travel", "weather")
SENTIMENTS: tuple[str, ...] = ("negative", "positive")
SPLITS: tuple[str, ...] = ("train", "validation", "test")

#: task -> {label: the corpus word a language model should say for it}
LABEL_WORDS: dict[str, dict[str, str]] = {
    "sentiment": {"negative": "bad", "positive": "good"},
    "topic": {t: t for t in TOPICS},
}

_COMPARATIVE = W.COMPARATIVE_WEATHER + W.COMPARATIVE_SPORT
_TRIPLES = {"gender": W.GENDER, "plural": W.PLURAL, "capital": W.CAPITAL, "comparative": _COMPARATIVE}

#: relation -> its (a, b) pairs; ``a : b :: c : d`` for any two pairs of one relation
RELATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    name: tuple((a, b) for a, b, _ in triples) for name, triples in _TRIPLES.items()
}
#: (a, b) -> the context word seen with both a and b and with no other pair
SHARED_CONTEXT: dict[tuple[str, str], str] = {
    (a, b): c for triples in _TRIPLES.values() for a, b, c in triples
}
#: relation -> (marker seen with every a, marker seen with every b)
MARKERS: dict[str, tuple[str, str]] = dict(W.MARKERS)


def _flat(triples, *, shared=False):
    return tuple(w for t in triples for w in ((t[2],) if shared else t[:2]))


#: category -> its words, most frequent first. ``"function"`` holds grammar and marker words
#: (leave it out of neighbour checks); ``"topics"`` holds the topic label words, whose
#: nearest neighbours are their topic's words rather than each other.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "people": _flat(W.GENDER), "venues": _flat(W.GENDER, shared=True),
    "animals": _flat(W.PLURAL), "sounds": _flat(W.PLURAL, shared=True), "habitats": W.HABITATS,
    "places": _flat(W.CAPITAL), "nationalities": _flat(W.CAPITAL, shared=True),
    "transport": W.TRANSPORT, "numbers": W.NUMBERS,
    "qualities": _flat(_COMPARATIVE), "measures": _flat(_COMPARATIVE, shared=True),
    "weather": W.WEATHER, "times": W.TIMES, "sports": W.SPORTS, "sport_places": W.SPORT_PLACES,
    "athletes": W.ATHLETES, "foods": W.FOODS, "drinks": W.DRINKS, "meals": W.MEALS,
    "colours": W.COLOURS, "topics": TOPICS,
    "positive_adjectives": W.POSITIVE_ADJECTIVES, "negative_adjectives": W.NEGATIVE_ADJECTIVES,
    "positive_verbs": W.POSITIVE_VERBS, "negative_verbs": W.NEGATIVE_VERBS,
    "positive_feelings": W.POSITIVE_FEELINGS, "negative_feelings": W.NEGATIVE_FEELINGS,
    "function": W.FUNCTION,
}
_CATEGORY_OF = {w: c for c, words in CATEGORIES.items() for w in words}
if len(_CATEGORY_OF) != sum(map(len, CATEGORIES.values())):  # pragma: no cover - table bug
    raise RuntimeError("a toy-world word is listed in two categories")


def category_of(word: str) -> str:
    """The category of a toy-world word.

    Args:
        word (str): a word of the toy world.

    Returns:
        str: a key of :data:`CATEGORIES`.

    Examples::

        >>> category_of("queen"), category_of("paris"), category_of("bigger")
        ('people', 'places', 'qualities')

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    try:
        return _CATEGORY_OF[word]
    except (KeyError, TypeError):
        raise KeyError(f"word={word!r} is not a toy-world word; see toyworld.CATEGORIES for the "
                       f"{len(_CATEGORY_OF)} words") from None


def analogies(relation: str | None = None) -> list[tuple[str, str, str, str]]:
    """Analogy quadruples ``(a, b, c, d)`` meaning ``a : b :: c : d``.

    Every ordered choice of two different pairs ``(a, b)``, ``(c, d)`` of one relation,
    relations in the order of :data:`RELATIONS`, pairs in table order.

    Args:
        relation (str, optional): one key of :data:`RELATIONS`. Default: all of them.

    Returns:
        list of tuple: the quadruples, always in the same order.

    Examples::

        >>> analogies("gender")[0]
        ('king', 'queen', 'man', 'woman')
        >>> {r: len(analogies(r)) for r in RELATIONS}
        {'gender': 182, 'plural': 182, 'capital': 182, 'comparative': 240}

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    if relation is not None and relation not in RELATIONS:
        raise ValueError(f"relation must be one of {list(RELATIONS)} or None; got {relation!r}")
    names = list(RELATIONS) if relation is None else [relation]
    return [(a, b, c, d) for r in names for i, (a, b) in enumerate(RELATIONS[r])
            for j, (c, d) in enumerate(RELATIONS[r]) if i != j]


@dataclass(frozen=True)
class Sentence:
    """One generated sentence and its labels.

    Args:
        tokens (tuple of str): the words.
        topic (str): one of :data:`TOPICS`.
        sentiment (str): one of :data:`SENTIMENTS`.

    Examples::

        >>> s = generate(num_tokens=1, seed=0)[0]
        >>> s.text == " ".join(s.tokens), s.topic in TOPICS, s.sentiment in SENTIMENTS
        (True, True, True)

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """

    tokens: tuple[str, ...]
    topic: str
    sentiment: str

    @property
    def text(self) -> str:
        """The words joined by single spaces."""
        return " ".join(self.tokens)


# ----------------------------------------------------------------- the grammar
def _sentence(rng: random.Random, topic: str, sentiment: str) -> Sentence:
    content = W.fill(W.uniform(rng, W.TEMPLATES[topic]), W.slots(rng, topic))
    pos = sentiment == "positive"
    mood = {"adj": W.zipf(rng, W.POSITIVE_ADJECTIVES if pos else W.NEGATIVE_ADJECTIVES),
            "verb": W.zipf(rng, W.POSITIVE_VERBS if pos else W.NEGATIVE_VERBS),
            "feeling": W.zipf(rng, W.POSITIVE_FEELINGS if pos else W.NEGATIVE_FEELINGS)}
    clause = W.fill(W.uniform(rng, W.CLAUSES), mood)
    clause_first = rng.random() < 0.5
    tokens = clause + ["when"] + content if clause_first else content + ["and"] + clause
    if rng.random() < 0.2:  # name the topic, next to the (topic-neutral) sentiment clause
        word = LABEL_WORDS["topic"][topic]
        tokens = ["we", "talked", "about", word, "and", *tokens] if clause_first else \
            tokens + ["then", "we", "talked", "about", word]
    return Sentence(tuple(tokens), topic, sentiment)


def _check_seed(seed) -> int:
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}. Use e.g. seed=0.")
    return seed


def generate(num_tokens: int = 200_000, seed: int = 0) -> list[Sentence]:
    """Generate toy-world sentences until they hold at least ``num_tokens`` words.

    Topics are drawn uniformly, sentiments with probability 1/2 each. The same seed
    gives the same sentences on every machine; ``generate(n, s)`` is a prefix of
    ``generate(m, s)`` for ``n <= m``.

    Args:
        num_tokens (int, optional): how many words at least. Default: ``200_000``.
        seed (int, optional): the seed of ``random.Random``. Default: ``0``.

    Returns:
        list of Sentence: the sentences, in order.

    Examples::

        >>> corpus = generate(num_tokens=1_000, seed=0)
        >>> sum(len(s.tokens) for s in corpus) >= 1_000
        True
        >>> corpus == generate(num_tokens=1_000, seed=0)
        True

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    if not is_int(num_tokens) or num_tokens < 1:
        raise ValueError(f"num_tokens must be a positive int; got {num_tokens!r}")
    rng = random.Random(_check_seed(seed))
    out, count = [], 0
    while count < num_tokens:
        s = _sentence(rng, W.uniform(rng, TOPICS), W.uniform(rng, SENTIMENTS))
        out.append(s)
        count += len(s.tokens)
    return out


def _split_of(text: str) -> str:
    """The split a sentence belongs to, fixed by its text: 60% train, 20% each other."""
    bucket = hashlib.sha256(text.encode("utf-8")).digest()[0] % 5
    return SPLITS[0] if bucket < 3 else SPLITS[bucket - 2]


def labelled(num_sentences: int, *, split: str = "train", seed: int = 0) -> list[Sentence]:
    """A small labelled dataset for the sentiment and topic tasks.

    Every run of 12 sentences holds each (topic, sentiment) pair once, shuffled, so a
    prefix of any multiple of 12 is exactly balanced; ``labelled(n)`` is a prefix of
    ``labelled(m)`` for ``n <= m``. A checksum of its text decides a sentence's split, so
    splits never share a sentence; no sentence repeats within a split. The random stream
    differs from :func:`generate`'s.

    Args:
        num_sentences (int): how many sentences.
        split (str, optional): ``"train"``, ``"validation"`` or ``"test"``. Default: ``"train"``.
        seed (int, optional): selects the random stream. Default: ``0``.

    Returns:
        list of Sentence: use ``s.sentiment`` or ``s.topic`` as the label.

    Examples::

        >>> train = labelled(24, split="train")
        >>> sorted({s.topic for s in train}) == sorted(TOPICS)
        True
        >>> sum(s.sentiment == "positive" for s in train)
        12
        >>> valid = labelled(24, split="validation")
        >>> {s.text for s in train} & {s.text for s in valid}
        set()

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    if not is_int(num_sentences) or num_sentences < 0:
        raise ValueError(f"num_sentences must be a non-negative int; got {num_sentences!r}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}; got {split!r}")
    rng = random.Random(f"toyworld.labelled/{split}/{_check_seed(seed)}")
    combos = [(t, s) for t in TOPICS for s in SENTIMENTS]
    out: list[Sentence] = []
    seen: set[str] = set()
    while len(out) < num_sentences:
        block = list(combos)
        for i in range(len(block) - 1, 0, -1):  # Fisher-Yates on rng.random() only
            j = min(int(rng.random() * (i + 1)), i)
            block[i], block[j] = block[j], block[i]
        for topic, sentiment in block[: num_sentences - len(out)]:
            for _ in range(10_000):
                s = _sentence(rng, topic, sentiment)
                if s.text not in seen and _split_of(s.text) == split:
                    break
            else:  # pragma: no cover - the grammar has millions of sentences per label
                raise ValueError(f"num_sentences={num_sentences} is more than the grammar can "
                                 f"make without repeats; ask for fewer")
            seen.add(s.text)
            out.append(s)
    return out


def ground_truth() -> dict:
    """Everything a check needs, as plain JSON types (what ``ground_truth.json`` holds).

    Returns:
        dict: ``categories`` (category -> words), ``relations`` (relation -> [a, b]
        pairs), ``shared_context`` (relation -> [a, b, shared word] triples),
        ``markers`` (relation -> [marker of a, marker of b]), ``analogies`` (relation ->
        [a, b, c, d] quadruples), ``label_words``, ``topics``, ``sentiments``.

    Examples::

        >>> gt = ground_truth()
        >>> gt["relations"]["capital"][0], gt["analogies"]["plural"][0]
        (['france', 'paris'], ['dog', 'dogs', 'cat', 'cats'])

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    return {
        "categories": {c: list(ws) for c, ws in CATEGORIES.items()},
        "relations": {r: [list(p) for p in ps] for r, ps in RELATIONS.items()},
        "shared_context": {r: [[a, b, SHARED_CONTEXT[a, b]] for a, b in ps]
                           for r, ps in RELATIONS.items()},
        "markers": {r: list(m) for r, m in MARKERS.items()},
        "analogies": {r: [list(q) for q in analogies(r)] for r in RELATIONS},
        "label_words": {t: dict(m) for t, m in LABEL_WORDS.items()},
        "topics": list(TOPICS),
        "sentiments": list(SENTIMENTS),
    }
