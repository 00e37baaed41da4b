"""The toy-world corpus: determinism, size, ground truth, planted cues, labels."""
import inspect
import json
import math
from collections import Counter, defaultdict

import pytest

from course_lib import toyworld as tw


@pytest.fixture(scope="module")
def corpus():
    return tw.generate()  # the default: what data/toyworld/corpus.txt holds


@pytest.fixture(scope="module")
def counts(corpus):
    return Counter(w for s in corpus for w in s.tokens)


# ----------------------------------------------------------------- determinism and size
def test_same_seed_same_corpus_other_seed_other_corpus():
    a, b, c = tw.generate(20_000, seed=1), tw.generate(20_000, seed=1), tw.generate(20_000, seed=2)
    assert a == b
    assert [s.text for s in a] != [s.text for s in c]


def test_shorter_corpus_is_a_prefix_of_a_longer_one():
    short, long = tw.generate(5_000, seed=3), tw.generate(20_000, seed=3)
    assert long[: len(short)] == short


def test_default_corpus_size_and_vocabulary(corpus, counts):
    num_tokens = sum(len(s.tokens) for s in corpus)
    assert 200_000 <= num_tokens < 200_100  # stops at the first sentence past the target
    assert len(counts) >= 300
    words = {w for ws in tw.CATEGORIES.values() for w in ws}
    assert set(counts) == words  # every corpus word has a category, every word is used


def test_tokens_are_plain_lowercase_words(corpus):
    bad = {w for s in corpus for w in s.tokens if not (w.isascii() and w.isalpha() and w.islower())}
    assert not bad


@pytest.mark.parametrize("kwargs, match", [
    ({"num_tokens": 0}, "num_tokens must be a positive int; got 0"),
    ({"seed": -1}, "seed must be a non-negative int; got -1"),
    ({"seed": 1.5}, "seed must be a non-negative int; got 1.5"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tw.generate(**kwargs)


# ----------------------------------------------------------------- ground truth
def test_each_word_has_exactly_one_category():
    listed = [w for ws in tw.CATEGORIES.values() for w in ws]
    assert len(listed) == len(set(listed))
    for cat, words in tw.CATEGORIES.items():
        assert all(tw.category_of(w) == cat for w in words)
    with pytest.raises(KeyError, match="word='zebra' is not a toy-world word"):
        tw.category_of("zebra")


def test_relations_have_enough_pairs_within_one_category():
    assert len(tw.RELATIONS) >= 4
    for relation, pairs in tw.RELATIONS.items():
        assert len(pairs) >= 8, relation
        words = [w for p in pairs for w in p]
        assert len(words) == len(set(words)), relation
        assert all(tw.category_of(a) == tw.category_of(b) for a, b in pairs), relation


def test_analogies_are_well_formed():
    total = 0
    for relation, pairs in tw.RELATIONS.items():
        quads = tw.analogies(relation)
        assert len(quads) == len(pairs) * (len(pairs) - 1)
        assert len(set(quads)) == len(quads)
        for a, b, c, d in quads:
            assert len({a, b, c, d}) == 4
            assert (a, b) in pairs and (c, d) in pairs
        total += len(quads)
    assert tw.analogies() == [q for r in tw.RELATIONS for q in tw.analogies(r)]
    assert total == len(tw.analogies()) >= 500
    with pytest.raises(ValueError, match="relation must be one of .*; got 'colour'"):
        tw.analogies("colour")


def test_every_pair_shares_a_context_word_no_other_pair_has(corpus):
    for relation, pairs in tw.RELATIONS.items():
        for a, b in pairs:
            shared = tw.SHARED_CONTEXT[a, b]
            with_a = [s.tokens for s in corpus if a in s.tokens]
            with_b = [s.tokens for s in corpus if b in s.tokens]
            assert with_a and with_b, (a, b)
            assert all(shared in t for t in with_a + with_b), (a, b, shared)
            others = {w for p in pairs if p != (a, b) for w in p}
            assert not any(others & set(s.tokens) for s in corpus if shared in s.tokens), shared


def test_markers_carry_the_contrast(corpus):
    for relation, (mark_a, mark_b) in tw.MARKERS.items():
        firsts = {a for a, _ in tw.RELATIONS[relation]}
        seconds = {b for _, b in tw.RELATIONS[relation]}
        for s in corpus:
            words = set(s.tokens)
            if words & firsts:
                assert mark_a in words and mark_b not in words, s.text
            if words & seconds:
                assert mark_b in words and mark_a not in words, s.text
            if mark_a in words:  # a marker is only ever seen with its relation's words
                assert words & firsts, s.text
            if mark_b in words:
                assert words & seconds, s.text


def test_words_are_zipf_within_a_category(counts):
    for cat in ("foods", "weather", "times", "colours", "positive_adjectives", "sports"):
        words = tw.CATEGORIES[cat]
        xs = [math.log(r) for r in range(1, len(words) + 1)]
        ys = [math.log(counts[w]) for w in words]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        assert -1.3 < slope < -0.7, (cat, slope)  # weights proportional to 1/rank


def test_both_words_of_a_pair_are_drawn_equally_often(counts):
    total_a = total_b = 0
    for pairs in tw.RELATIONS.values():
        for a, b in pairs:
            total_a, total_b = total_a + counts[a], total_b + counts[b]
    assert 0.9 < total_a / total_b < 1.1


# ----------------------------------------------------------------- labels
def test_label_words_are_ordinary_corpus_words(corpus, counts):
    assert set(tw.LABEL_WORDS) == {"sentiment", "topic"}
    assert set(tw.LABEL_WORDS["sentiment"]) == set(tw.SENTIMENTS)
    assert set(tw.LABEL_WORDS["topic"]) == set(tw.TOPICS) and len(tw.TOPICS) == 6
    assert tw.category_of(tw.LABEL_WORDS["sentiment"]["positive"]) == "positive_adjectives"
    assert tw.category_of(tw.LABEL_WORDS["sentiment"]["negative"]) == "negative_adjectives"
    for task, words in tw.LABEL_WORDS.items():
        assert all(counts[w] >= 100 for w in words.values()), task
    for topic, word in tw.LABEL_WORDS["topic"].items():  # a topic word names its own topic
        assert {s.topic for s in corpus if word in s.tokens} == {topic}


def test_corpus_labels_are_balanced(corpus):
    topics, sentiments = Counter(s.topic for s in corpus), Counter(s.sentiment for s in corpus)
    assert set(topics) == set(tw.TOPICS) and set(sentiments) == set(tw.SENTIMENTS)
    assert max(topics.values()) / min(topics.values()) < 1.15
    assert 0.47 < sentiments["positive"] / len(corpus) < 0.53


def test_labelled_sets_are_balanced_disjoint_and_deterministic():
    splits = {split: tw.labelled(240, split=split) for split in tw.SPLITS}
    for split, sents in splits.items():
        assert len(sents) == 240
        assert Counter((s.topic, s.sentiment) for s in sents) == {
            (t, m): 20 for t in tw.TOPICS for m in tw.SENTIMENTS}
        texts = [s.text for s in sents]
        assert len(set(texts)) == len(texts), split
        assert sents == tw.labelled(240, split=split)
        assert tw.labelled(100, split=split) == sents[:100]
    texts = {split: {s.text for s in sents} for split, sents in splits.items()}
    assert not texts["train"] & texts["validation"]
    assert not texts["train"] & texts["test"]
    assert not texts["validation"] & texts["test"]
    assert tw.labelled(24, seed=1) != tw.labelled(24, seed=0)
    with pytest.raises(ValueError, match="split must be one of .*; got 'dev'"):
        tw.labelled(10, split="dev")


def _naive_bayes_accuracy(train, test, label):
    counts, totals = defaultdict(Counter), Counter()
    for s in train:
        counts[getattr(s, label)].update(s.tokens)
        totals[getattr(s, label)] += 1
    vocab = {w for c in counts.values() for w in c}

    def score(s, y):
        n = sum(counts[y].values()) + len(vocab)
        return math.log(totals[y]) + sum(math.log((counts[y][w] + 1) / n) for w in s.tokens)

    return sum(max(counts, key=lambda y: score(s, y)) == getattr(s, label) for s in test) / len(test)


@pytest.mark.parametrize("label", ["sentiment", "topic"])
def test_labels_are_learnable_from_words_but_not_from_one_position(label):
    train, test = tw.labelled(600, split="train"), tw.labelled(600, split="validation")
    assert _naive_bayes_accuracy(train, test, label) >= 0.95
    for pos in range(8):  # the word at any single position predicts the label poorly
        table = defaultdict(Counter)
        for s in train:
            table[s.tokens[pos]][getattr(s, label)] += 1
        hits = sum(table[s.tokens[pos]].most_common(1)[0][0] == getattr(s, label)
                   if table[s.tokens[pos]] else False for s in test)
        assert hits / len(test) < 0.9, (label, pos, hits / len(test))


# ----------------------------------------------------------------- house style
def test_ground_truth_is_plain_json_and_complete():
    gt = tw.ground_truth()
    assert json.loads(json.dumps(gt)) == gt
    assert set(gt) == {"analogies", "categories", "label_words", "markers", "relations",
                       "sentiments", "shared_context", "topics"}
    assert sum(map(len, gt["analogies"].values())) == len(tw.analogies())


def test_public_names_are_sorted_and_documented():
    assert tw.__all__ == sorted(tw.__all__)
    for name in tw.__all__:
        obj = getattr(tw, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            doc = inspect.getdoc(obj)
            assert doc and doc.splitlines()[-1].startswith("Introduced in notebooks/"), name
            assert ">>>" in doc, name
